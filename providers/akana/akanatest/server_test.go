package akanatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/fault"
)

const tenant = akanatest.DefaultTenant

type fixture struct {
	sim   *akanatest.Server
	srv   *httptest.Server
	clock *akanatest.Clock
	acct  providers.Account
}

func newFixture(t *testing.T, opts akanatest.Options) *fixture {
	t.Helper()
	clock := akanatest.NewClock(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	opts.Clock = clock.Now
	sim := akanatest.New(opts)
	acct := sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, clock: clock, acct: acct}
}

// creds is what a request carries: a cookie value and a CSRF header value.
type creds struct{ cookie, csrf string }

func (f *fixture) own() creds {
	return creds{f.acct.Credentials.Token, f.acct.Credentials.Secret}
}

func (f *fixture) do(t *testing.T, method, path string, c creds, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "AtmoAuthToken_" + tenant, Value: c.cookie})
	}
	if c.csrf != "" {
		req.Header.Set("X-Csrf-Token_"+tenant, c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func groupsPath() string { return "/api/users/" + akanatest.SandboxUserID + "/groups" }

func removePath(group, user string) string { return "/api/groups/" + group + "/members/" + user }

func TestSessionsAreVerifiedForReal(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	other := akanatest.New(akanatest.Options{Clock: f.clock.Now})
	foreign := other.SeedSandbox()
	raw, _ := url.QueryUnescape(f.acct.Credentials.Token)
	tampered := url.QueryEscape(strings.Replace(raw, "AttributesIncluded=false", "AttributesIncluded=true", 1))
	for _, test := range []struct {
		name string
		c    creds
		want int
	}{
		{"the own session is accepted", f.own(), 200},
		{"no cookie is refused", creds{}, 401},
		{"a forged cookie is refused", creds{"TokenID%3Dforged", ""}, 401},
		{"a tampered cookie fails its signature", creds{tampered, ""}, 401},
		{"another simulator's session is refused", creds{foreign.Credentials.Token, ""}, 401},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got, _, body := f.do(t, "GET", groupsPath(), test.c); got != test.want {
				t.Fatalf("status %d (%s), want %d", got, body, test.want)
			}
		})
	}
	t.Run("an ended session is refused and cannot be renewed", func(t *testing.T) {
		f := newFixture(t, akanatest.Options{})
		f.clock.Advance(30 * time.Minute)
		if got, _, body := f.do(t, "GET", groupsPath(), f.own()); got != 401 || !strings.Contains(body, "expired") {
			t.Fatalf("GET: %d %s, want 401 expired", got, body)
		}
		if got, _, _ := f.do(t, "POST", "/api/login/renewToken", f.own()); got != 401 {
			t.Fatalf("renew: %d, want 401", got)
		}
	})
	t.Run("another user's groups are refused with 401, as for a wrong UserID", func(t *testing.T) {
		if got, _, _ := f.do(t, "GET", "/api/users/1c0d7a52-5e8b-4b1f-9a63-0d2f8f6a7e11."+tenant+"/groups", f.own()); got != 401 {
			t.Fatalf("status %d, want 401", got)
		}
	})
}

func TestCSRFIsEnforcedOnWrites(t *testing.T) {
	for _, test := range []struct {
		name       string
		opts       akanatest.Options
		method     string
		path       string
		withHeader bool
		wrong      bool
		want       int
	}{
		{"a removal without the header is refused", akanatest.Options{}, "DELETE", removePath(akanatest.LedGroupID, akanatest.SandboxUserID), false, false, 401},
		{"a removal with a wrong header is refused", akanatest.Options{}, "DELETE", removePath(akanatest.LedGroupID, akanatest.SandboxUserID), true, true, 401},
		{"a removal with the header is accepted", akanatest.Options{}, "DELETE", removePath(akanatest.LedGroupID, akanatest.SandboxUserID), true, false, 200},
		{"a renewal without the header is refused", akanatest.Options{}, "POST", "/api/login/renewToken", false, false, 401},
		{"a read without the header is accepted by default", akanatest.Options{}, "GET", groupsPath(), false, false, 200},
		{"a read without the header is refused when reads need it", akanatest.Options{ReadCSRF: true}, "GET", groupsPath(), false, false, 401},
		{"a removal without the header is accepted with CSRF off", akanatest.Options{DisableCSRF: true}, "DELETE", removePath(akanatest.LedGroupID, akanatest.SandboxUserID), false, false, 200},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := newFixture(t, test.opts)
			c := creds{cookie: f.acct.Credentials.Token}
			if test.withHeader {
				c.csrf = f.acct.Credentials.Secret
				if test.wrong {
					c.csrf = "not-the-token"
				}
			}
			if got, _, body := f.do(t, test.method, test.path, c); got != test.want {
				t.Fatalf("status %d (%s), want %d", got, body, test.want)
			}
		})
	}
}

func TestLoginAndRenewal(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	login := func(email, password string) *http.Response {
		body, _ := json.Marshal(map[string]string{"email": email, "password": password})
		resp, err := f.srv.Client().Post(f.srv.URL+"/api/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	t.Run("a login sets the session and CSRF cookies and names the user", func(t *testing.T) {
		resp := login(akanatest.SandboxEmail, akanatest.SandboxPassword)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		names := map[string]bool{}
		for _, c := range resp.Cookies() {
			names[c.Name] = true
		}
		if !names["AtmoAuthToken_"+tenant] || !names["Csrf-Token_"+tenant] {
			t.Errorf("cookies %v, want the session and CSRF cookies", names)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["userFDN"] != akanatest.SandboxUserID || !strings.HasSuffix(body["loginDomainId"].(string), "."+tenant) {
			t.Errorf("body %v, %v", body, err)
		}
	})
	t.Run("a wrong password is refused", func(t *testing.T) {
		if resp := login(akanatest.SandboxEmail, "nope"); resp.StatusCode != 401 {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})
	t.Run("a renewal issues a new session that lasts the full time", func(t *testing.T) {
		f := newFixture(t, akanatest.Options{})
		f.clock.Advance(20 * time.Minute)
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/login/renewToken", nil)
		req.AddCookie(&http.Cookie{Name: "AtmoAuthToken_" + tenant, Value: f.acct.Credentials.Token})
		req.Header.Set("X-Csrf-Token_"+tenant, f.acct.Credentials.Secret)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var renewed string
		for _, c := range resp.Cookies() {
			if c.Name == "AtmoAuthToken_"+tenant {
				renewed = c.Value
				if want := f.clock.Now().Add(30 * time.Minute); !c.Expires.Equal(want) {
					t.Errorf("expires %v, want %v", c.Expires, want)
				}
			}
		}
		if renewed == "" || renewed == f.acct.Credentials.Token {
			t.Fatalf("renewal set cookie %q", renewed)
		}
		f.clock.Advance(15 * time.Minute)
		if got, _, _ := f.do(t, "GET", groupsPath(), creds{renewed, ""}); got != 200 {
			t.Errorf("renewed session: %d, want 200", got)
		}
		if got, _, _ := f.do(t, "GET", groupsPath(), f.own()); got != 401 {
			t.Errorf("original session after its end: %d, want 401", got)
		}
	})
}

func TestGroupsFeedHasTheSeedShape(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	// A simulator holding only the seed's group, so the feed is the sample's.
	sim := akanatest.New(akanatest.Options{Clock: f.clock.Now})
	if err := sim.AddUser(akanatest.User{ID: akanatest.SandboxUserID, Email: "x@acme.example", Name: "X"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddGroup(akanatest.Group{ID: akanatest.SeedGroupID, Name: "ACME Payments API UG", Description: "ACME Payments API User Group", Visibility: "Limited"}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetMembership(akanatest.SeedGroupID, akanatest.SandboxUserID, akanatest.RoleMember, akanatest.StateApproved); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	acct, err := sim.Account("l", akanatest.SandboxUserID)
	if err != nil {
		t.Fatal(err)
	}
	g := &fixture{sim: sim, srv: srv, clock: f.clock, acct: acct}
	status, ct, body := g.do(t, "GET", groupsPath(), g.own(), "Accept", "application/json")
	if status != 200 || ct != "application/json" {
		t.Fatalf("status %d content type %q", status, ct)
	}
	var got, want any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	sample := strings.ReplaceAll(string(akanatest.SeedGroupsJSON()), "https://{hostname}", "http://"+host)
	if err := json.Unmarshal([]byte(sample), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("feed differs from the documentation's sample (-want +got):\n%s", diff)
	}
}

func TestContentNegotiation(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	for _, test := range []struct {
		accept, wantType string
		want             int
	}{
		{"application/vnd.soa.v81+json", "application/vnd.soa.v81+json", 200},
		{"application/vnd.soa.v80+json", "application/vnd.soa.v80+json", 200},
		{"*/*", "application/json", 200},
		{"text/xml", "application/json", 404},
	} {
		t.Run("Accept "+test.accept+" answers "+test.wantType, func(t *testing.T) {
			status, ct, _ := f.do(t, "GET", groupsPath(), f.own(), "Accept", test.accept)
			if status != test.want || ct != test.wantType {
				t.Fatalf("status %d type %q, want %d %q", status, ct, test.want, test.wantType)
			}
		})
	}
	t.Run("a wrong verb is 404 as on the platform", func(t *testing.T) {
		if status, _, _ := f.do(t, "POST", groupsPath(), f.own()); status != 404 {
			t.Fatalf("status %d, want 404", status)
		}
	})
}

func TestRemovalPermissions(t *testing.T) {
	const (
		leader = "1c0d7a52-5e8b-4b1f-9a63-0d2f8f6a7e11." + tenant
		admin  = "2d1e8b63-6f9c-4c2a-8b74-1e3a9a7b8f22." + tenant
		member = "3e2f9c74-7a0d-4d3b-9c85-2f4b0b8c9a33." + tenant
		site   = "4f3a0d85-8b1e-4e4c-8d96-3a5c1c9d0b44." + tenant
	)
	for _, test := range []struct {
		name                  string
		caller, group, victim string
		want                  int
	}{
		{"a plain member may not remove themself", akanatest.SandboxUserID, akanatest.SeedGroupID, akanatest.SandboxUserID, 403},
		{"a plain member may not remove another", member, akanatest.SeedGroupID, akanatest.SandboxUserID, 403},
		{"a leader may remove themself", akanatest.SandboxUserID, akanatest.LedGroupID, akanatest.SandboxUserID, 200},
		{"a leader may remove a member", leader, akanatest.SeedGroupID, member, 200},
		{"a leader may not remove an admin", leader, akanatest.SeedGroupID, admin, 403},
		{"an admin may remove a leader", admin, akanatest.SeedGroupID, leader, 200},
		{"a site admin may remove anyone", site, akanatest.SeedGroupID, leader, 200},
		{"removing a non-member is 404", leader, akanatest.OpenGroupID, akanatest.SandboxUserID, 404},
		{"removing from a missing group is 404", leader, "group99999." + tenant, member, 404},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := newFixture(t, akanatest.Options{})
			acct, err := f.sim.Account("l", test.caller)
			if err != nil {
				t.Fatal(err)
			}
			status, ct, body := f.do(t, "DELETE", removePath(test.group, test.victim), creds{acct.Credentials.Token, acct.Credentials.Secret})
			if status != test.want {
				t.Fatalf("status %d (%s), want %d", status, body, test.want)
			}
			if status == 403 && (!strings.HasPrefix(ct, "text/plain") || body != "Not Authorized") {
				t.Errorf("refusal %q %q, want text/plain Not Authorized", ct, body)
			}
			if status == 200 && body != test.victim {
				t.Errorf("body %q, want the removed user's id", body)
			}
		})
	}
	t.Run("a promotion counts only once the session is renewed, as the token embeds groups", func(t *testing.T) {
		f := newFixture(t, akanatest.Options{})
		if err := f.sim.SetMembership(akanatest.SeedGroupID, akanatest.SandboxUserID, akanatest.RoleLeader, akanatest.StateApproved); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := f.do(t, "DELETE", removePath(akanatest.SeedGroupID, member), f.own()); status != 403 {
			t.Fatalf("stale session: status %d, want 403", status)
		}
		renewed, err := f.sim.Login(akanatest.SandboxUserID)
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := f.do(t, "DELETE", removePath(akanatest.SeedGroupID, member), creds{renewed.Token, renewed.Secret}); status != 200 {
			t.Fatalf("new session: status %d, want 200", status)
		}
	})
}

func TestGroupDetails(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	t.Run("a group's details are PascalCase JSON", func(t *testing.T) {
		status, _, body := f.do(t, "GET", "/api/groups/"+akanatest.SeedGroupID, f.own())
		var got map[string]any
		if status != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("status %d body %s", status, body)
		}
		if got["GroupID"] != akanatest.SeedGroupID || got["Name"] != "ACME Payments API UG" || got["Visibility"] != "Limited" {
			t.Errorf("details %v", got)
		}
	})
	t.Run("a private group is refused to non-members", func(t *testing.T) {
		if status, _, _ := f.do(t, "GET", "/api/groups/"+akanatest.PrivateGroupID, f.own()); status != 403 {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("a missing group is a 404 fault", func(t *testing.T) {
		status, ct, body := f.do(t, "GET", "/api/groups/group99999."+tenant, f.own())
		if status != 404 || ct != "application/json" || !strings.Contains(body, `"faultcode"`) {
			t.Fatalf("%d %s %s", status, ct, body)
		}
	})
	t.Run("the default avatar needs no session", func(t *testing.T) {
		if status, ct, _ := f.do(t, "GET", "/api/groups/"+akanatest.SeedGroupID+"/avatar", creds{}); status != 200 || ct != "image/svg+xml" {
			t.Fatalf("%d %s", status, ct)
		}
	})
}

func TestFaults(t *testing.T) {
	f := newFixture(t, akanatest.Options{})
	f.sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.Custom, fault.ServerError}})
	status, ct, body := f.do(t, "GET", groupsPath(), f.own())
	if status != 500 || ct != "application/json" || !strings.Contains(body, "An error occurred processing the call.") {
		t.Fatalf("custom fault: %d %s %s", status, ct, body)
	}
	if status, _, _ := f.do(t, "GET", groupsPath(), f.own()); status != 503 {
		t.Fatalf("server error: %d", status)
	}
	if status, _, _ := f.do(t, "GET", groupsPath(), f.own()); status != 200 {
		t.Fatalf("after the faults: %d", status)
	}
}

func TestSeedSandbox(t *testing.T) {
	t.Run("the sandbox is the same on every run", func(t *testing.T) {
		a := newFixture(t, akanatest.Options{})
		b := newFixture(t, akanatest.Options{})
		_, _, feedA := a.do(t, "GET", groupsPath(), a.own())
		_, _, feedB := b.do(t, "GET", groupsPath(), b.own())
		norm := func(s, host string) string { return strings.ReplaceAll(s, host, "HOST") }
		if norm(feedA, a.srv.URL) != norm(feedB, b.srv.URL) {
			t.Errorf("two sandboxes differ:\n%s\n%s", feedA, feedB)
		}
	})
	t.Run("the sandbox account is linked and its user can log in", func(t *testing.T) {
		f := newFixture(t, akanatest.Options{})
		if f.acct.Provider != providers.Akana || f.acct.UserID != akanatest.SandboxUserID || f.acct.ID != akanatest.SandboxAccountID {
			t.Errorf("account %+v", f.acct)
		}
		role, state, ok := f.sim.Membership(akanatest.SeedGroupID, akanatest.SandboxUserID)
		if !ok || role != akanatest.RoleMember || state != akanatest.StateApproved {
			t.Errorf("seed membership %q %q %v, want the sample's member/approved", role, state, ok)
		}
	})
	t.Run("a simulator of another tenant refuses the sandbox", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("SeedSandbox did not panic")
			}
		}()
		akanatest.New(akanatest.Options{Tenant: "othertenant"}).SeedSandbox()
	})
}
