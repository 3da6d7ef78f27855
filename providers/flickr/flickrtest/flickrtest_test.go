package flickrtest_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
)

// The tests sign requests with their own small signer, a third
// implementation beside the client's and the simulator's.

func enc(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%7E", "~")
}

type creds struct{ key, secret, token, tokenSecret string }

var sandboxCreds = creds{flickrtest.SandboxConsumerKey, flickrtest.SandboxConsumerSecret, flickrtest.SandboxToken, flickrtest.SandboxTokenSecret}

var nonceSeq int

// signed returns params signed for method and endpoint at time ts.
func signed(c creds, method, endpoint string, params url.Values, ts time.Time) url.Values {
	out := url.Values{}
	for k, v := range params {
		out[k] = append([]string(nil), v...)
	}
	nonceSeq++
	out.Set("oauth_consumer_key", c.key)
	out.Set("oauth_nonce", "n"+strconv.Itoa(nonceSeq)+strconv.FormatInt(time.Now().UnixNano(), 36))
	out.Set("oauth_timestamp", strconv.FormatInt(ts.Unix(), 10))
	out.Set("oauth_signature_method", "HMAC-SHA1")
	out.Set("oauth_version", "1.0")
	if c.token != "" {
		out.Set("oauth_token", c.token)
	}
	var pairs []string
	for k, vs := range out {
		for _, v := range vs {
			pairs = append(pairs, enc(k)+"\x00"+enc(v))
		}
	}
	sort.Strings(pairs)
	for i := range pairs {
		pairs[i] = strings.Replace(pairs[i], "\x00", "=", 1)
	}
	base := method + "&" + enc(endpoint) + "&" + enc(strings.Join(pairs, "&"))
	m := hmac.New(sha1.New, []byte(enc(c.secret)+"&"+enc(c.tokenSecret)))
	m.Write([]byte(base))
	out.Set("oauth_signature", base64.StdEncoding.EncodeToString(m.Sum(nil)))
	return out
}

type env struct {
	sim *flickrtest.Simulator
	srv *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := flickrtest.New()
	sim.SeedSandbox()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &env{sim, srv}
}

func (e *env) rest() string { return e.srv.URL + "/services/rest" }

// get sends params by GET and returns status and body.
func (e *env) get(t *testing.T, endpoint string, params url.Values) (int, string) {
	t.Helper()
	resp, err := e.srv.Client().Get(endpoint + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) post(t *testing.T, endpoint string, params url.Values) (int, string) {
	t.Helper()
	resp, err := e.srv.Client().PostForm(endpoint, params)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func jsonCall(method string, extra ...string) url.Values {
	v := url.Values{"method": {method}, "format": {"json"}, "nojsoncallback": {"1"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// failCode returns the stat=fail code of a JSON body, 0 for success.
func failCode(t *testing.T, body string) int {
	t.Helper()
	var r struct {
		Stat string `json:"stat"`
		Code int    `json:"code"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if r.Stat == "ok" {
		return 0
	}
	return r.Code
}

func TestSignaturesAreVerified(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		build    func(e *env) url.Values
		header   bool // send the oauth parameters in an Authorization header
		wantCode int
		problem  string
	}{
		{name: "a correctly signed call succeeds", build: func(e *env) url.Values {
			return signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "a signature in the Authorization header is accepted", header: true, build: func(e *env) url.Values {
			return signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "a parameter changed after signing is an invalid signature", wantCode: 96, build: func(e *env) url.Values {
			v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.people.getGroups", "user_id", flickrtest.SandboxUserID), now)
			v.Set("user_id", "20000001@N07")
			return v
		}},
		{name: "the wrong consumer secret is an invalid signature", wantCode: 96, build: func(e *env) url.Values {
			c := sandboxCreds
			c.secret = "not-the-secret"
			return signed(c, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "the wrong token secret is an invalid signature", wantCode: 96, build: func(e *env) url.Values {
			c := sandboxCreds
			c.tokenSecret = "not-the-secret"
			return signed(c, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "a signature for another URL is invalid", wantCode: 96, build: func(e *env) url.Values {
			return signed(sandboxCreds, "GET", "https://api.flickr.com/services/rest", jsonCall("flickr.test.login"), now)
		}},
		{name: "an unknown token is an invalid auth token", wantCode: 98, build: func(e *env) url.Values {
			c := sandboxCreds
			c.token = "72157600000000009-0000000000000000"
			return signed(c, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "an unknown API key is an invalid API key", wantCode: 100, build: func(e *env) url.Values {
			c := sandboxCreds
			c.key = "00000000000000000000000000000000"
			return signed(c, "GET", e.rest(), jsonCall("flickr.test.login"), now)
		}},
		{name: "a call without any key is an invalid API key", wantCode: 100, build: func(e *env) url.Values {
			return jsonCall("flickr.groups.getInfo", "group_id", flickrtest.SandboxOtherGroup)
		}},
		{name: "a token without a signature is a missing signature", wantCode: 97, build: func(e *env) url.Values {
			v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now)
			v.Del("oauth_signature")
			return v
		}},
		{name: "another signature method is refused", wantCode: 96, build: func(e *env) url.Values {
			v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now)
			v.Set("oauth_signature_method", "PLAINTEXT")
			return v
		}},
		{name: "a timestamp ten minutes old is refused", problem: "timestamp_refused", build: func(e *env) url.Values {
			return signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now.Add(-10*time.Minute))
		}},
		{name: "a timestamp ten minutes ahead is refused", problem: "timestamp_refused", build: func(e *env) url.Values {
			return signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), now.Add(10*time.Minute))
		}},
		{name: "an unsigned call with the key alone may read public group info", build: func(e *env) url.Values {
			return jsonCall("flickr.groups.getInfo", "group_id", flickrtest.SandboxOtherGroup, "api_key", flickrtest.SandboxConsumerKey)
		}},
		{name: "an unsigned call to a method needing login is not logged in", wantCode: 99, build: func(e *env) url.Values {
			return jsonCall("flickr.test.login", "api_key", flickrtest.SandboxConsumerKey)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			v := tt.build(e)
			req, _ := http.NewRequest(http.MethodGet, e.rest()+"?"+v.Encode(), nil)
			if tt.header {
				var parts []string
				q := url.Values{}
				for k, vs := range v {
					if strings.HasPrefix(k, "oauth_") {
						parts = append(parts, enc(k)+`="`+enc(vs[0])+`"`)
					} else {
						q[k] = vs
					}
				}
				req, _ = http.NewRequest(http.MethodGet, e.rest()+"?"+q.Encode(), nil)
				req.Header.Set("Authorization", `OAuth realm="", `+strings.Join(parts, ", "))
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if tt.problem != "" {
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "oauth_problem="+tt.problem) {
					t.Fatalf("got %d %q, want 401 oauth_problem=%s", resp.StatusCode, b, tt.problem)
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (Flickr reports API failures in the body)", resp.StatusCode)
			}
			if got := failCode(t, string(b)); got != tt.wantCode {
				t.Fatalf("code %d, want %d (body %s)", got, tt.wantCode, b)
			}
		})
	}
}

func TestAReplayedNonceIsRefused(t *testing.T) {
	e := newEnv(t)
	v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), time.Now())
	if status, body := e.get(t, e.rest(), v); status != 200 || failCode(t, body) != 0 {
		t.Fatalf("first call: %d %s", status, body)
	}
	status, body := e.get(t, e.rest(), v)
	if status != http.StatusUnauthorized || !strings.Contains(body, "oauth_problem=nonce_used") {
		t.Fatalf("replay: %d %q, want 401 oauth_problem=nonce_used", status, body)
	}
}

func TestPermissionsAreEnforcedPerToken(t *testing.T) {
	tests := []struct {
		name     string
		perms    flickrtest.Perm
		httpVerb string
		wantCode int
	}{
		{"a read token cannot leave", flickrtest.PermRead, "POST", 99},
		{"a write token cannot leave", flickrtest.PermWrite, "POST", 99},
		{"a delete token can leave", flickrtest.PermDelete, "POST", 0},
		{"leaving by GET is refused even with delete", flickrtest.PermDelete, "GET", 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := creds{flickrtest.SandboxConsumerKey, flickrtest.SandboxConsumerSecret, "72157600000000077-77", "77secret"}
			e.sim.AddToken(flickrtest.Token{Token: c.token, Secret: c.tokenSecret, ConsumerKey: c.key, UserID: flickrtest.SandboxUserID, Perms: tt.perms})
			v := signed(c, tt.httpVerb, e.rest(), jsonCall("flickr.groups.leave", "group_id", flickrtest.SandboxSeedGroups[0]), time.Now())
			var body string
			if tt.httpVerb == "POST" {
				_, body = e.post(t, e.rest(), v)
			} else {
				_, body = e.get(t, e.rest(), v)
			}
			if got := failCode(t, body); got != tt.wantCode {
				t.Fatalf("code %d, want %d (%s)", got, tt.wantCode, body)
			}
		})
	}
}

// The same state answers in Flickr's XML and JSON forms; the seed
// document's groups come back with exactly the seed's attributes.
func TestFormatsServeTheSameState(t *testing.T) {
	e := newEnv(t)
	call := func(extra ...string) (int, string) {
		v := url.Values{"method": {"flickr.people.getGroups"}, "user_id": {flickrtest.SandboxUserID}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return e.get(t, e.rest(), signed(sandboxCreds, "GET", e.rest(), v, time.Now()))
	}

	t.Run("format=rest is the seed document's XML", func(t *testing.T) {
		_, body := call()
		seed, err := os.ReadFile(filepath.Join("seed", "people.getGroups.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(seed), "\n") {
			if line = strings.TrimSpace(line); strings.HasPrefix(line, "<group ") && !strings.Contains(body, line) {
				t.Errorf("response lacks the seed line %s", line)
			}
		}
		var rsp struct {
			Stat   string `xml:"stat,attr"`
			Groups []struct {
				NSID string `xml:"nsid,attr"`
			} `xml:"groups>group"`
		}
		if err := xml.Unmarshal([]byte(body), &rsp); err != nil || rsp.Stat != "ok" || len(rsp.Groups) != 7 {
			t.Fatalf("XML = %+v, %v; want stat ok and 7 groups", rsp, err)
		}
	})
	t.Run("format=json without nojsoncallback is JSONP", func(t *testing.T) {
		_, body := call("format", "json")
		if !strings.HasPrefix(body, "jsonFlickrApi({") || !strings.HasSuffix(body, "})") {
			t.Fatalf("body %.60q… is not wrapped in jsonFlickrApi()", body)
		}
	})
	t.Run("jsoncallback names the wrapper", func(t *testing.T) {
		_, body := call("format", "json", "jsoncallback", "cb")
		if !strings.HasPrefix(body, "cb({") {
			t.Fatalf("body %.60q… is not wrapped in cb()", body)
		}
	})
	t.Run("format=json with nojsoncallback is plain JSON with the extras", func(t *testing.T) {
		_, body := call("format", "json", "nojsoncallback", "1", "extras", "privacy,throttle,restrictions")
		var r struct {
			Groups struct {
				Group []map[string]any `json:"group"`
			} `json:"groups"`
			Stat string `json:"stat"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil || r.Stat != "ok" {
			t.Fatalf("JSON: %v, stat %q", err, r.Stat)
		}
		g := r.Groups.Group[0]
		want := map[string]any{"nsid": "17274427@N00", "members": "11935", "privacy": map[string]any{"_content": float64(3)}}
		for k, v := range want {
			if diff := cmp.Diff(v, g[k]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", k, diff)
			}
		}
		for _, k := range []string{"throttle", "restrictions"} {
			if _, ok := g[k]; !ok {
				t.Errorf("extra %s missing", k)
			}
		}
	})
	t.Run("an unknown format is 111 in XML", func(t *testing.T) {
		_, body := call("format", "yaml")
		if !strings.Contains(body, `<err code="111" msg="Format &#34;yaml&#34; not found" />`) {
			t.Fatalf("body %q", body)
		}
	})
	t.Run("an unknown method is 112", func(t *testing.T) {
		v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.photos.doesNotExist"), time.Now())
		if _, body := e.get(t, e.rest(), v); failCode(t, body) != 112 {
			t.Fatalf("body %q", body)
		}
	})
	t.Run("plain HTTP is 95 when TLS is required", func(t *testing.T) {
		e.sim.RequireTLS = true
		defer func() { e.sim.RequireTLS = false }()
		v := signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), time.Now())
		if _, body := e.get(t, e.rest(), v); failCode(t, body) != 95 {
			t.Fatalf("body %q", body)
		}
	})
}

func TestFaultsIncludeFlickrsOwnUnavailable(t *testing.T) {
	e := newEnv(t)
	e.sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.Custom, fault.ServerError, fault.Garbage}})
	v := func() url.Values {
		return signed(sandboxCreds, "GET", e.rest(), jsonCall("flickr.test.login"), time.Now())
	}
	if _, body := e.get(t, e.rest(), v()); failCode(t, body) != 105 {
		t.Errorf("custom fault: %q, want stat=fail 105", body)
	}
	if status, _ := e.get(t, e.rest(), v()); status != http.StatusServiceUnavailable {
		t.Errorf("server error fault: status %d", status)
	}
	if _, body := e.get(t, e.rest(), v()); json.Valid([]byte(body)) {
		t.Errorf("garbage fault: body %q is valid JSON", body)
	}
	if _, body := e.get(t, e.rest(), v()); failCode(t, body) != 0 {
		t.Errorf("after the faults: %q", body)
	}
}

func leave(t *testing.T, e *env, group string, extra ...string) int {
	t.Helper()
	args := append([]string{"group_id", group}, extra...)
	_, body := e.post(t, e.rest(), signed(sandboxCreds, "POST", e.rest(), jsonCall("flickr.groups.leave", args...), time.Now()))
	return failCode(t, body)
}

func TestLeaveFollowsFlickrsRules(t *testing.T) {
	t.Run("the last admin leaving promotes the oldest member", func(t *testing.T) {
		e := newEnv(t)
		if code := leave(t, e, flickrtest.SandboxLastAdminGroup); code != 0 {
			t.Fatalf("leave: code %d", code)
		}
		ms := e.sim.Members(flickrtest.SandboxLastAdminGroup)
		if len(ms) != 3 || ms[0].UserID != "20000002@N07" || ms[0].Role != flickrtest.RoleAdmin {
			t.Fatalf("members after leave = %+v, want the oldest (20000002@N07) promoted", ms)
		}
		for _, m := range ms[1:] {
			if m.Role == flickrtest.RoleAdmin {
				t.Errorf("%s was promoted too", m.UserID)
			}
		}
	})
	t.Run("the last member leaving deletes the group", func(t *testing.T) {
		e := newEnv(t)
		if code := leave(t, e, flickrtest.SandboxSoleMemberGroup); code != 0 {
			t.Fatalf("leave: code %d", code)
		}
		if _, ok := e.sim.Group(flickrtest.SandboxSoleMemberGroup); ok {
			t.Fatal("group still exists")
		}
		if code := leave(t, e, flickrtest.SandboxSoleMemberGroup); code != 2 {
			t.Errorf("leaving it again: code %d, want 2 (group does not exist)", code)
		}
	})
	t.Run("delete_photos removes the member's photos from the pool", func(t *testing.T) {
		for _, tt := range []struct {
			arg  []string
			gone int
		}{{nil, 0}, {[]string{"delete_photos", "0"}, 0}, {[]string{"delete_photos", "1"}, 3}, {[]string{"delete_photos", "true"}, 3}} {
			e := newEnv(t)
			g := flickrtest.SandboxSeedGroups[0]
			members, pool, _ := e.sim.Counts(g)
			if code := leave(t, e, g, tt.arg...); code != 0 {
				t.Fatalf("leave %v: code %d", tt.arg, code)
			}
			m2, p2, _ := e.sim.Counts(g)
			if m2 != members-1 || p2 != pool-tt.gone {
				t.Errorf("leave %v: members %d→%d pool %d→%d, want one member and %d photos fewer", tt.arg, members, m2, pool, p2, tt.gone)
			}
		}
	})
	t.Run("leave codes follow the seed document", func(t *testing.T) {
		e := newEnv(t)
		for _, tt := range []struct {
			group string
			want  int
		}{{"", 1}, {"99999999999@N99", 2}, {flickrtest.SandboxOtherGroup, 3}} {
			if code := leave(t, e, tt.group); code != tt.want {
				t.Errorf("leave %q: code %d, want %d", tt.group, code, tt.want)
			}
		}
	})
}

func TestOAuthEndpointsIssueTokens(t *testing.T) {
	e := newEnv(t)
	oauth := e.srv.URL + "/services/oauth/"
	app := creds{key: flickrtest.SandboxConsumerKey, secret: flickrtest.SandboxConsumerSecret}

	t.Run("request_token needs a valid signature", func(t *testing.T) {
		bad := app
		bad.secret = "wrong"
		status, body := e.get(t, oauth+"request_token", signed(bad, "GET", oauth+"request_token", url.Values{"oauth_callback": {"oob"}}, time.Now()))
		if status != 401 || !strings.HasPrefix(body, "oauth_problem=signature_invalid") {
			t.Fatalf("%d %q", status, body)
		}
	})
	t.Run("request_token needs a callback", func(t *testing.T) {
		status, body := e.get(t, oauth+"request_token", signed(app, "GET", oauth+"request_token", nil, time.Now()))
		if status != 401 || body != "oauth_problem=parameter_absent" {
			t.Fatalf("%d %q", status, body)
		}
	})
	t.Run("the flow issues a working token with the granted permission", func(t *testing.T) {
		_, body := e.get(t, oauth+"request_token", signed(app, "GET", oauth+"request_token", url.Values{"oauth_callback": {"https://app.example/cb"}}, time.Now()))
		rq, _ := url.ParseQuery(body)
		if rq.Get("oauth_callback_confirmed") != "true" || rq.Get("oauth_token") == "" {
			t.Fatalf("request_token answered %q", body)
		}
		verifier, err := e.sim.Authorize(rq.Get("oauth_token"), "20000001@N07", flickrtest.PermRead)
		if err != nil {
			t.Fatal(err)
		}
		rc := app
		rc.token, rc.tokenSecret = rq.Get("oauth_token"), rq.Get("oauth_token_secret")
		status, body := e.get(t, oauth+"access_token", signed(rc, "GET", oauth+"access_token", url.Values{"oauth_verifier": {"wrong"}}, time.Now()))
		if status != 401 || body != "oauth_problem=permission_denied" {
			t.Fatalf("a wrong verifier: %d %q", status, body)
		}
		_, body = e.get(t, oauth+"access_token", signed(rc, "GET", oauth+"access_token", url.Values{"oauth_verifier": {verifier}}, time.Now()))
		at, _ := url.ParseQuery(body)
		if at.Get("user_nsid") != "20000001@N07" || at.Get("username") != "AnselLens" || at.Get("fullname") != "Ansel Sandbox" {
			t.Fatalf("access_token answered %q", body)
		}
		status, body = e.get(t, oauth+"access_token", signed(rc, "GET", oauth+"access_token", url.Values{"oauth_verifier": {verifier}}, time.Now()))
		if status != 401 || body != "oauth_problem=token_rejected" {
			t.Errorf("a second exchange: %d %q, want token_rejected", status, body)
		}
		user := creds{app.key, app.secret, at.Get("oauth_token"), at.Get("oauth_token_secret")}
		if _, body := e.get(t, e.rest(), signed(user, "GET", e.rest(), jsonCall("flickr.test.login"), time.Now())); failCode(t, body) != 0 {
			t.Errorf("test.login with the new token: %s", body)
		}
		_, body = e.post(t, e.rest(), signed(user, "POST", e.rest(), jsonCall("flickr.groups.leave", "group_id", flickrtest.SandboxSeedGroups[0]), time.Now()))
		if failCode(t, body) != 99 {
			t.Errorf("leave with a read token: %s, want 99", body)
		}
	})
	t.Run("the authorize page redirects to the callback with a verifier", func(t *testing.T) {
		_, body := e.get(t, oauth+"request_token", signed(app, "GET", oauth+"request_token", url.Values{"oauth_callback": {"https://app.example/cb?state=s1"}}, time.Now()))
		rq, _ := url.ParseQuery(body)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(oauth + "authorize?" + url.Values{"oauth_token": {rq.Get("oauth_token")}, "perms": {"delete"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Host != "app.example" || loc.Query().Get("state") != "s1" ||
			loc.Query().Get("oauth_token") != rq.Get("oauth_token") || loc.Query().Get("oauth_verifier") == "" {
			t.Fatalf("authorize answered %d %s", resp.StatusCode, loc)
		}
	})
}
