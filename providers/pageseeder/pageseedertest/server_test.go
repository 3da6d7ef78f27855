package pageseedertest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

func TestVisibilityRule(t *testing.T) {
	t.Parallel()
	const me = 1
	tests := []struct {
		name      string
		group     pageseedertest.Group
		direct    *pageseedertest.Membership // the member's membership of group, if any
		alsoIn    []string                   // groups (by name) the member belongs to directly
		formerIn  []string                   // groups the member left
		inheritIn string                     // a group the member belongs to through subgroup "team"
		want      bool
	}{
		{name: "a public group the member has not joined is visible", group: pageseedertest.Group{VisibleTo: "public"}, want: true},
		{name: "a public group the member belongs to is not visible", group: pageseedertest.Group{VisibleTo: "public"}, direct: &pageseedertest.Membership{Status: "normal"}},
		{name: "a public group the member was invited to is not visible", group: pageseedertest.Group{VisibleTo: "public"}, direct: &pageseedertest.Membership{Status: "invited"}},
		{name: "a public group the member left is visible again", group: pageseedertest.Group{VisibleTo: "public"}, direct: &pageseedertest.Membership{Status: "disabled", Deleted: true}, want: true},
		{name: "a group visible to a group the member belongs to is visible", group: pageseedertest.Group{VisibleTo: "club"}, alsoIn: []string{"club"}, want: true},
		{name: "a group visible to a group the member belongs to through a subgroup is visible", group: pageseedertest.Group{VisibleTo: "guild"}, inheritIn: "guild", want: true},
		{name: "a group visible to a group the member does not belong to is not visible", group: pageseedertest.Group{VisibleTo: "club"}, alsoIn: []string{"other"}},
		{name: "a group visible to a group the member left is not visible", group: pageseedertest.Group{VisibleTo: "club"}, formerIn: []string{"club"}},
		{name: "a group visible to a group that does not exist is not visible", group: pageseedertest.Group{VisibleTo: "nowhere"}},
		{name: "a group with no visibility setting is not visible", group: pageseedertest.Group{}},
		{name: "a public project is not a visible group", group: pageseedertest.Group{Type: "project", VisibleTo: "public"}},
		{name: "a group visible to members of a group the member belongs to, and joined, is not visible", group: pageseedertest.Group{VisibleTo: "club"}, alsoIn: []string{"club"}, direct: &pageseedertest.Membership{Status: "normal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := pageseedertest.New()
			s.AddMember(pageseedertest.Member{ID: me, Username: "me"})
			next := int64(100)
			group := func(name string) int64 {
				next++
				s.AddGroup(pageseedertest.Group{ID: next, Name: name, VisibleTo: name})
				return next
			}
			for _, n := range []string{"club", "other", "team"} {
				id := group(n)
				if slices.Contains(tt.alsoIn, n) {
					s.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: me})
				}
				if slices.Contains(tt.formerIn, n) {
					s.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: me, Status: "disabled", Deleted: true})
				}
				if n == "team" && tt.inheritIn != "" {
					s.AddMembership(pageseedertest.Membership{GroupID: id, MemberID: me})
				}
			}
			if tt.inheritIn != "" {
				s.AddGroup(pageseedertest.Group{ID: 900, Name: tt.inheritIn, VisibleTo: tt.inheritIn, Subgroups: []pageseedertest.Subgroup{{Group: "team", Role: "reviewer"}}})
			}
			g := tt.group
			g.ID, g.Name = 1, "target"
			s.AddGroup(g)
			if tt.direct != nil {
				m := *tt.direct
				m.GroupID, m.MemberID = 1, me
				s.AddMembership(m)
			}
			got := slices.Contains(s.VisibleGroupIDs(me), 1)
			if got != tt.want {
				t.Errorf("visible = %v, want %v (visible ids %v)", got, tt.want, s.VisibleGroupIDs(me))
			}
		})
	}
}

// sim starts a sandbox simulator.
func sim(t *testing.T, opts ...pageseedertest.Option) (*pageseedertest.Server, *httptest.Server, string) {
	t.Helper()
	s := pageseedertest.New(opts...)
	acct, err := s.SeedSandbox()
	if err != nil {
		t.Fatalf("SeedSandbox: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv, acct.Credentials.Token
}

func get(t *testing.T, srv *httptest.Server, path, auth, accept string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestBearerChecks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, srv, token := sim(t, pageseedertest.WithClock(clock), pageseedertest.WithTokenLifetimes(time.Hour, time.Hour))
	expired := s.IssueToken(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID)
	mu.Lock()
	now = now.Add(30 * time.Minute)
	mu.Unlock()
	other := s.IssueToken(1002, pageseedertest.SandboxClientID)
	admin := s.IssueToken(1, pageseedertest.SandboxClientID)
	mu.Lock()
	now = now.Add(45 * time.Minute) // expired is now 75 minutes old; the others 45
	mu.Unlock()

	tests := []struct {
		name   string
		path   string
		auth   string
		status int
	}{
		{"a request without a token is refused", "/ps/service/self", "", 401},
		{"an unknown token is refused", "/ps/service/self", "Bearer not-a-token", 401},
		{"an expired token is refused", "/ps/service/self", "Bearer " + expired.Token, 401},
		{"a refresh token is not an access token", "/ps/service/self", "Bearer " + expired.RefreshToken, 401},
		{"basic credentials are not a bearer token", "/ps/service/self", "Basic " + token, 401},
		{"a valid token is served", "/ps/service/self", "Bearer " + other.Token, 200},
		{"a member may list their own visible groups", "/ps/service/members/1002/visiblegroups", "Bearer " + other.Token, 200},
		{"a member may not list another member's visible groups", "/ps/service/members/1001/visiblegroups", "Bearer " + other.Token, 403},
		{"an administrator may list any member's visible groups", "/ps/service/members/~sandbox/visiblegroups", "Bearer " + admin.Token, 200},
		{"a member may not read another member's membership", "/ps/service/groups/202/members/1001", "Bearer " + other.Token, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, srv, tt.path, tt.auth, "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestErrorEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []pageseedertest.Option
		method string
		path   string
		accept string
		status int
		body   string
	}{
		{"an unknown group is 0202 in XML", nil, "GET", "/ps/service/groups/999999", "", 400, `<error id="0202"><request>/ps/service/groups/999999</request><message>Failed @Requires check: missing Group instance</message></error>`},
		{"an unknown member of visiblegroups is 102A", nil, "GET", "/ps/service/members/424242/visiblegroups", "", 400, `<error id="102A">`},
		{"an unknown member of memberships is 0204", nil, "GET", "/ps/service/members/424242/memberships", "", 400, `<error id="0204">`},
		{"a wrong method is a bad tunnel", nil, "POST", "/ps/service/self", "", 400, `<error id="0103">`},
		{"a membership the member does not have is 1022", nil, "GET", "/ps/service/groups/123/members/1001", "", 400, `<error id="1022">`},
		{"a membership of an unknown group is 0107", nil, "GET", "/ps/service/groups/999999/members/1001", "", 400, `<error id="0107">`},
		{"deregistering an inherited membership is 1022", nil, "POST", "/ps/service/groups/211/members/1001/deregister", "", 400, `<error id="1022">`},
		{"errors stay XML for JSON requests by default", nil, "GET", "/ps/service/groups/999999", "application/json", 400, `<error id="0202">`},
		{"errors are JSON for JSON requests when asked", []pageseedertest.Option{pageseedertest.WithJSONErrors()}, "GET", "/ps/service/groups/999999", "application/json", 400, `{"id":"0202","message":"Failed @Requires check: missing Group instance","request":"/ps/service/groups/999999"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, srv, token := sim(t, tt.opts...)
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.body) {
				t.Errorf("got %d %s, want %d containing %s", resp.StatusCode, b, tt.status, tt.body)
			}
		})
	}
}

// seedGroups reads the seed document's groups (the copy embedded in the
// simulator) as generic JSON values.
func seedGroups(t *testing.T) []map[string]any {
	t.Helper()
	b, err := os.ReadFile("seed/visiblegroups.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Groups []map[string]any }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Groups
}

func TestVisibleGroupsOutput(t *testing.T) {
	t.Parallel()

	t.Run("JSON output carries the seed's groups exactly", func(t *testing.T) {
		t.Parallel()
		_, srv, token := sim(t)
		resp, body := get(t, srv, "/ps/service/members/1001/visiblegroups", "Bearer "+token, "application/json")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct{ Groups []map[string]any }
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		for _, g := range doc.Groups {
			if g["id"] == 123.0 || g["id"] == 777.0 {
				got = append(got, g)
			}
		}
		if diff := cmp.Diff(seedGroups(t), got); diff != "" {
			t.Errorf("seed groups (-want +got):\n%s", diff)
		}
	})

	t.Run("XML output carries the seed's groups exactly", func(t *testing.T) {
		t.Parallel()
		_, srv, token := sim(t)
		resp, body := get(t, srv, "/ps/service/members/1001/visiblegroups", "Bearer "+token, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		type group struct {
			Attrs   []xml.Attr `xml:",any,attr"`
			Message string     `xml:"message"`
		}
		parse := func(s string) map[string]group {
			var doc struct {
				Groups []group `xml:"group"`
			}
			if err := xml.Unmarshal([]byte(s), &doc); err != nil {
				t.Fatal(err)
			}
			out := map[string]group{}
			for _, g := range doc.Groups {
				slices.SortFunc(g.Attrs, func(a, b xml.Attr) int { return strings.Compare(a.Name.Local, b.Name.Local) })
				for _, a := range g.Attrs {
					if a.Name.Local == "id" && (a.Value == "123" || a.Value == "777") {
						out[a.Value] = g
					}
				}
			}
			return out
		}
		want, err := os.ReadFile("seed/visiblegroups.xml")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(parse(string(want)), parse(body)); diff != "" {
			t.Errorf("seed groups (-want +got):\n%s", diff)
		}
	})

	t.Run("no visible groups is an empty groups element", func(t *testing.T) {
		t.Parallel()
		s := pageseedertest.New()
		s.AddMember(pageseedertest.Member{ID: 7, Username: "lonely"})
		tok := s.IssueToken(7, "c")
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		_, body := get(t, srv, "/ps/service/members/7/visiblegroups", "Bearer "+tok.Token, "")
		if !strings.HasSuffix(strings.TrimSpace(body), "<groups></groups>") {
			t.Errorf("body = %s, want an empty <groups>", body)
		}
		_, body = get(t, srv, "/ps/service/members/7/visiblegroups.json", "Bearer "+tok.Token, "")
		if strings.TrimSpace(body) != `{"groups":[]}` {
			t.Errorf("JSON body = %s, want {\"groups\":[]}", body)
		}
	})

	t.Run("older servers' hyphenated JSON keeps email-listed", func(t *testing.T) {
		t.Parallel()
		_, srv, token := sim(t, pageseedertest.WithHyphenatedJSON())
		_, body := get(t, srv, "/ps/service/self/memberships", "Bearer "+token, "application/json")
		if !strings.Contains(body, `"email-listed":`) || strings.Contains(body, `"emailListed":`) {
			t.Errorf("body does not use the hyphenated spelling: %.200s", body)
		}
	})
}

func TestDeregister(t *testing.T) {
	t.Parallel()
	s, srv, token := sim(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/ps/service/groups/202/members/1001/deregister", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `status="disabled"`) || !strings.Contains(string(b), `deleted="true"`) {
		t.Fatalf("deregister = %d %s, want the disabled membership", resp.StatusCode, b)
	}
	i := slices.IndexFunc(s.Memberships(), func(m pageseedertest.Membership) bool { return m.GroupID == 202 && m.MemberID == 1001 })
	if i < 0 || !s.Memberships()[i].Deleted {
		t.Error("no former membership left behind")
	}
	_, body := get(t, srv, "/ps/service/groups/202", "Bearer "+token, "")
	if !strings.Contains(body, `name="acme-info"`) {
		t.Errorf("the group did not survive the leave: %s", body)
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	verifier := strings.Repeat("v", 43)
	challenge := s256(verifier)

	post := func(t *testing.T, srv *httptest.Server, form url.Values) (int, map[string]any) {
		t.Helper()
		resp, err := srv.Client().PostForm(srv.URL+"/ps/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	client := func(extra url.Values) url.Values {
		v := url.Values{"client_id": {pageseedertest.SandboxClientID}, "client_secret": {pageseedertest.SandboxClientSecret}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}

	t.Run("a code with the right verifier is exchanged once", func(t *testing.T) {
		t.Parallel()
		s, srv, _ := sim(t)
		code, err := s.Approve(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID, pageseedertest.SandboxRedirectURL, challenge)
		if err != nil {
			t.Fatal(err)
		}
		form := client(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {pageseedertest.SandboxRedirectURL}})
		status, out := post(t, srv, form)
		if status != 200 || out["access_token"] == nil || out["refresh_token"] == nil || out["token_type"] != "bearer" {
			t.Fatalf("exchange = %d %v", status, out)
		}
		if status, out := post(t, srv, form); status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("reused code = %d %v, want 400 invalid_grant", status, out)
		}
	})

	tests := []struct {
		name   string
		form   func(code string) url.Values
		status int
		err    string
	}{
		{"a wrong verifier is refused", func(code string) url.Values {
			return client(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {strings.Repeat("w", 43)}, "redirect_uri": {pageseedertest.SandboxRedirectURL}})
		}, 400, "invalid_grant"},
		{"a missing verifier is refused", func(code string) url.Values {
			return client(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {pageseedertest.SandboxRedirectURL}})
		}, 400, "invalid_grant"},
		{"a different redirect is refused", func(code string) url.Values {
			return client(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {"http://evil.example/cb"}})
		}, 400, "invalid_grant"},
		{"a wrong client secret is refused", func(code string) url.Values {
			return url.Values{"client_id": {pageseedertest.SandboxClientID}, "client_secret": {"nope"}, "grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}}
		}, 401, "invalid_client"},
		{"an unknown grant type is refused", func(string) url.Values {
			return client(url.Values{"grant_type": {"password"}, "username": {"sandbox"}, "password": {"x"}})
		}, 400, "unsupported_grant_type"},
		{"client credentials are refused for an authorization-code client", func(string) url.Values {
			return client(url.Values{"grant_type": {"client_credentials"}})
		}, 400, "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, srv, _ := sim(t)
			code, err := s.Approve(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID, pageseedertest.SandboxRedirectURL, challenge)
			if err != nil {
				t.Fatal(err)
			}
			status, out := post(t, srv, tt.form(code))
			if status != tt.status || out["error"] != tt.err {
				t.Errorf("got %d %v, want %d %s", status, out, tt.status, tt.err)
			}
		})
	}

	t.Run("an expired code is refused", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		s, srv, _ := sim(t, pageseedertest.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
		code, _ := s.Approve(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID, pageseedertest.SandboxRedirectURL, challenge)
		mu.Lock()
		now = now.Add(11 * time.Minute)
		mu.Unlock()
		status, out := post(t, srv, client(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {pageseedertest.SandboxRedirectURL}}))
		if status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("got %d %v, want 400 invalid_grant", status, out)
		}
	})

	t.Run("refresh tokens rotate and are good once", func(t *testing.T) {
		t.Parallel()
		s, srv, _ := sim(t)
		creds := s.IssueToken(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID)
		form := client(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds.RefreshToken}})
		status, out := post(t, srv, form)
		if status != 200 || out["refresh_token"] == creds.RefreshToken || out["access_token"] == nil {
			t.Fatalf("refresh = %d %v", status, out)
		}
		if status, out := post(t, srv, form); status != 400 || out["error"] != "invalid_grant" {
			t.Errorf("reused refresh token = %d %v, want 400 invalid_grant", status, out)
		}
		resp, _ := get(t, srv, "/ps/service/self", "Bearer "+out["access_token"].(string), "")
		if resp.StatusCode != 200 {
			t.Errorf("the refreshed token is refused: %d", resp.StatusCode)
		}
	})

	t.Run("a client-credentials client gets a token for its member and no refresh token", func(t *testing.T) {
		t.Parallel()
		s, srv, _ := sim(t)
		s.AddClient(pageseedertest.OAuthClient{ID: "00000000000000cc", Secret: "cc-secret", Grant: "client_credentials", Member: 1002})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/ps/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("00000000000000cc", "cc-secret")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 200 || out["refresh_token"] != nil {
			t.Fatalf("got %d %v", resp.StatusCode, out)
		}
		_, body := get(t, srv, "/ps/service/self", "Bearer "+out["access_token"].(string), "application/json")
		if !strings.Contains(body, `"id":1002`) {
			t.Errorf("self = %s, want member 1002", body)
		}
	})
}

func TestAuthorizeEndpoint(t *testing.T) {
	t.Parallel()
	challenge := s256(strings.Repeat("v", 43))
	authorize := func(srv *httptest.Server, q url.Values) (*http.Response, error) {
		c := *srv.Client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get(srv.URL + "/ps/oauth/authorize?" + q.Encode())
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	base := func() url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {pageseedertest.SandboxClientID}, "redirect_uri": {pageseedertest.SandboxRedirectURL},
			"state": {"xyz"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	}
	tests := []struct {
		name     string
		signedIn bool
		mutate   func(url.Values)
		status   int
		location string // a substring of Location
	}{
		{"a signed-in member is redirected with a code and the state", true, func(url.Values) {}, 302, "state=xyz"},
		{"nobody signed in is asked to log in", false, func(url.Values) {}, 401, ""},
		{"an unknown client is shown an error", true, func(q url.Values) { q.Set("client_id", "ffffffffffffffff") }, 400, ""},
		{"an unregistered redirect is shown an error", true, func(q url.Values) { q.Set("redirect_uri", "http://evil.example/cb") }, 400, ""},
		{"a plain PKCE challenge is refused", true, func(q url.Values) { q.Set("code_challenge_method", "plain") }, 302, "error=invalid_request"},
		{"a missing PKCE challenge is refused", true, func(q url.Values) { q.Del("code_challenge") }, 302, "error=invalid_request"},
		{"another response type is refused", true, func(q url.Values) { q.Set("response_type", "token") }, 302, "error=unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, srv, _ := sim(t)
			if tt.signedIn {
				s.AuthorizeAs(pageseedertest.SandboxMemberID)
			}
			q := base()
			tt.mutate(q)
			resp, err := authorize(srv, q)
			if err != nil {
				t.Fatal(err)
			}
			loc := resp.Header.Get("Location")
			if resp.StatusCode != tt.status || !strings.Contains(loc, tt.location) {
				t.Errorf("got %d Location %q, want %d containing %q", resp.StatusCode, loc, tt.status, tt.location)
			}
			if tt.status == 302 && tt.location == "state=xyz" && !strings.Contains(loc, "code=") {
				t.Errorf("Location %q has no code", loc)
			}
		})
	}
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
