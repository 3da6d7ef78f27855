package upcoming_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// Credentials of the canned-answer tests. They are not hex, so only the
// explicit redaction can hide them.
const (
	testKey   = "k3y-secret-0123"
	testToken = "tok-secret-abcdef"
	testFrob  = "frob-secret-9876"
)

func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a credential", err)
		}
	}
}

const (
	xmlCT  = "text/xml; charset=utf-8"
	jsonCT = "application/json"
	htmlCT = "text/html; charset=utf-8"
)

func xmlFail(msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<rsp stat="fail">` + "\n\t" + `<error msg="` + msg + `" />` + "\n</rsp>\n"
}

func jsonFail(msg string) string {
	return `{"rsp":{"stat":"fail","version":1,"error":{"msg":"` + msg + `"}}}`
}

// TestErrorMapping runs every documented status and message, and the
// hostile bodies a broken upstream sends, through the client, and checks the
// kind, the provider code and that no credential leaks.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	huge := `{"rsp":{"stat":"ok","group":[` + strings.Repeat(`{"id":1,"name":"x"},`, 250000) + `{"id":1,"name":"x"}]}}`

	for _, tc := range []struct {
		name   string
		call   string // memberships, groups, leave, whoami, gettoken
		status int
		ctype  string
		body   string
		want   error  // nil: success
		code   string // ProviderCode; "" skips the check
	}{
		{"403 missing authentication is unauthenticated", "memberships", 403, xmlCT, xmlFail("Missing valid authentication parameters - Please pass an authentication token to the method."), providers.ErrUnauthenticated, "403"},
		{"403 invalid authentication in JSON is unauthenticated", "memberships", 403, jsonCT, jsonFail("Invalid authentication parameters - either that token was not found, or it may be deactivated."), providers.ErrUnauthenticated, "403"},
		{"404 missing api_key on getMyGroups is unauthenticated", "memberships", 404, xmlCT, xmlFail("Missing valid api_key - Please create an API key using the above link."), providers.ErrUnauthenticated, "404"},
		{"404 inactive api_key on getInfo is unauthenticated", "groups", 404, xmlCT, xmlFail("Your api_key is inactive or not found - Please contact us for support."), providers.ErrUnauthenticated, "404"},
		{"the documentation's unclosed error XML still yields its message", "memberships", 404, xmlCT, "<rsp stat=\"fail\">\n  <error msg=\"Your api_key is inactive or not found\" />\n<rsp>", providers.ErrUnauthenticated, "404"},
		{"404 ill-formed group_id on getInfo is invalid", "groups", 404, xmlCT, xmlFail("Missing valid group_id - The group_id was improperly formatted or non-numeric."), providers.ErrInvalid, "404"},
		{"404 group not found on getInfo leaves the group absent", "groups", 404, jsonCT, jsonFail("Group not found"), nil, ""},
		{"409 not a member on leave is not a member", "leave", 409, xmlCT, xmlFail("You are not a member of this group."), providers.ErrNotMember, "409"},
		{"409 not a member in a JSON error array is not a member", "leave", 409, jsonCT, `{"rsp":{"stat":"fail","error":[{"msg":"You are not a member of this group"}]}}`, providers.ErrNotMember, "409"},
		{"409 missing api_key on leave is unauthenticated", "leave", 409, xmlCT, xmlFail("Missing valid api_key - Please create an API key using the above link."), providers.ErrUnauthenticated, "409"},
		{"409 inactive api_key on leave is unauthenticated", "leave", 409, jsonCT, jsonFail("Your api_key is inactive or not found - Please contact us for support."), providers.ErrUnauthenticated, "409"},
		{"409 invalid group_id on leave is not found", "leave", 409, xmlCT, xmlFail("Invalid group_id parameter."), providers.ErrNotFound, "409"},
		{"409 invalid user_id on leave is unauthenticated", "leave", 409, xmlCT, xmlFail("Invalid user_id parameter."), providers.ErrUnauthenticated, "409"},
		{"409 without a known message is invalid", "leave", 409, htmlCT, "<html>Conflict</html>", providers.ErrInvalid, "409"},
		{"403 on leave is unauthenticated", "leave", 403, xmlCT, xmlFail("Missing valid authentication parameters - Please pass an authentication token to the method."), providers.ErrUnauthenticated, "403"},
		{"200 stat=fail saying not a member is not a member", "leave", 200, jsonCT, jsonFail("You are not a member of this group"), providers.ErrNotMember, "200"},
		{"301 on leave is not found", "leave", 301, xmlCT, xmlFail("The group 15 has been permanently merged to http://upcoming.yahoo.com/group/16/"), providers.ErrNotFound, "301"},
		{"301 naming no new group on getInfo is not found", "groups", 301, xmlCT, xmlFail("Moved"), providers.ErrNotFound, "301"},
		{"404 token not found on checkToken is unauthenticated", "whoami", 404, xmlCT, xmlFail("Token not found, is expired, or was invalid."), providers.ErrUnauthenticated, "404"},
		{"404 missing valid frob on getToken is unauthenticated", "gettoken", 404, xmlCT, xmlFail("Missing valid frob: the api_key and frob pair you passed was not found, or has expired."), providers.ErrUnauthenticated, "404"},
		{"429 is rate limited", "memberships", 429, htmlCT, "<html>slow down</html>", providers.ErrRateLimited, "429"},
		{"500 with an HTML page is unavailable", "memberships", 500, htmlCT, "<html><body><h1>Internal Server Error</h1></body></html>", providers.ErrUnavailable, "500"},
		{"502 with an empty body is unavailable", "memberships", 502, "", "", providers.ErrUnavailable, "502"},
		{"503 temporarily unavailable is unavailable", "memberships", 503, xmlCT, xmlFail("Service temporarily unavailable"), providers.ErrUnavailable, "503"},
		{"400 invalid method is internal", "memberships", 400, xmlCT, xmlFail("Invalid method - the method you called does not exist."), providers.ErrInternal, "400"},
		{"405 on a write is internal", "leave", 405, xmlCT, xmlFail("This method requires HTTP POST."), providers.ErrInternal, "405"},
		{"200 HTML page is unavailable", "memberships", 200, htmlCT, "<!DOCTYPE html><html><body>Maintenance</body></html>", providers.ErrUnavailable, "200"},
		{"200 text/plain is unavailable", "memberships", 200, "text/plain", "Service Unavailable", providers.ErrUnavailable, "200"},
		{"200 truncated JSON is unavailable", "memberships", 200, jsonCT, `{"rsp":{"stat":"ok","group":[{"id":1,"na`, providers.ErrUnavailable, "200"},
		{"200 truncated XML success is unavailable", "memberships", 200, xmlCT, `<rsp stat="ok" version="1.0"><group id="1" name="x"/>`, providers.ErrUnavailable, "200"},
		{"200 XML with another root is unavailable", "memberships", 200, xmlCT, `<error>nope</error>`, providers.ErrUnavailable, "200"},
		{"200 stat=fail with an unknown message is unavailable", "memberships", 200, jsonCT, jsonFail("Something odd"), providers.ErrUnavailable, "200"},
		{"200 with an unknown stat is unavailable", "memberships", 200, jsonCT, `{"rsp":{"stat":"maybe"}}`, providers.ErrUnavailable, "200"},
		{"200 with a group list of the wrong type is unavailable", "memberships", 200, jsonCT, `{"rsp":{"stat":"ok","group":"nope"}}`, providers.ErrUnavailable, "200"},
		{"200 with a group id of the wrong type is unavailable", "memberships", 200, jsonCT, `{"rsp":{"stat":"ok","group":[{"id":{"x":1},"name":"x"}]}}`, providers.ErrUnavailable, "200"},
		{"200 with a token element missing is unavailable", "whoami", 200, jsonCT, `{"rsp":{"stat":"ok","version":1}}`, providers.ErrUnavailable, "200"},
		{"200 with a body over 4 MiB is unavailable", "memberships", 200, jsonCT, huge, providers.ErrUnavailable, "200"},
		{"a token and key echoed by the server are redacted", "memberships", 403, xmlCT, xmlFail("token " + testToken + " for key " + testKey + " is invalid"), providers.ErrUnauthenticated, "403"},
		{"a frob and key echoed by the server are redacted", "gettoken", 404, jsonCT, jsonFail("frob " + testFrob + " for key " + testKey + " was not found"), providers.ErrUnauthenticated, "404"},
		{"a token-shaped string echoed by the server is redacted", "memberships", 403, xmlCT, xmlFail("token 0123456789abcdef0123456789abcdef01234567 is invalid"), providers.ErrUnauthenticated, "403"},
		{"a JSON failure without the rsp wrapper is read", "memberships", 403, jsonCT, `{"stat":"fail","message":"Invalid authentication parameters"}`, providers.ErrUnauthenticated, "403"},
		{"an XML failure labelled text/plain is sniffed", "leave", 409, "text/plain", xmlFail("You are not a member of this group."), providers.ErrNotMember, "409"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				method := r.Form.Get("method")
				canned := map[string]string{"memberships": "group.getMyGroups", "groups": "group.getInfo", "leave": "group.leave", "whoami": "auth.checkToken", "gettoken": "auth.getToken"}[tc.call]
				if method != canned {
					w.Header().Set("Content-Type", jsonCT)
					_, _ = w.Write([]byte(`{"rsp":{"stat":"ok","version":1,"group":[]}}`))
					return
				}
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + "/services/rest/", APIKey: testKey, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			acct := providers.Account{Provider: providers.Upcoming, UserID: "674", Credentials: providers.Credentials{Token: testToken}}
			ctx := t.Context()
			switch tc.call {
			case "memberships":
				_, err = c.Memberships(ctx, acct)
			case "groups":
				var got map[string]*providers.Group
				got, err = c.GroupsByID(ctx, acct, []string{"15", "16"})
				if err == nil && len(got) != 0 {
					t.Errorf("GroupsByID = %v, want no groups", got)
				}
			case "leave":
				_, err = c.LeaveGroup(ctx, acct, "15", providers.LeaveOptions{})
			case "whoami":
				_, err = c.Whoami(ctx, acct)
			case "gettoken":
				_, err = c.GetToken(ctx, testFrob)
			}
			assertNoLeak(t, err, testKey, testToken, testFrob)
			providertest.AssertNoUpstreamText(t, err, tc.body, "group.getMyGroups", "group.getInfo", "group.leave", "auth.checkToken", "auth.getToken")
			if tc.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v (kind %v), want %v", err, providers.KindOf(err), tc.want)
			}
			if got := providers.ProviderCode(err); tc.code != "" && got != tc.code {
				t.Errorf("ProviderCode = %q, want %q", got, tc.code)
			}
			var ae *upcoming.APIError
			if errors.As(err, &ae) && len(ae.Message) > 250 {
				t.Errorf("APIError message is %d bytes, want it bounded", len(ae.Message))
			}
		})
	}
}

func TestUnclosedErrorXMLKeepsTheMessage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", xmlCT)
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<rsp stat=\"fail\">\n  <error msg=\"Error Message\" />\n<rsp>"))
	}))
	t.Cleanup(srv.Close)
	c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + "/", APIKey: testKey, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Memberships(t.Context(), providers.Account{Credentials: providers.Credentials{Token: testToken}})
	var ae *upcoming.APIError
	if !errors.As(err, &ae) || ae.Upstream != "Error Message" || ae.StatusCode != 403 || strings.Contains(err.Error(), "Error Message") {
		t.Fatalf("err = %v, want an APIError 403 keeping \"Error Message\" out of its text", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Add(1) }))
	t.Cleanup(elsewhere.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/?"+r.URL.RawQuery, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + "/", APIKey: testKey, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Memberships(t.Context(), providers.Account{Credentials: providers.Credentials{Token: testToken}})
	if !errors.Is(err, providers.ErrUnavailable) || leaked.Load() != 0 {
		t.Fatalf("err = %v, requests elsewhere = %d; want ErrUnavailable and none", err, leaked.Load())
	}
	assertNoLeak(t, err, testKey, testToken)
}

func TestTransportErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // connection refused from now on
	c, err := upcoming.New(upcoming.Config{BaseURL: url + "/services/rest/", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Memberships(t.Context(), providers.Account{Credentials: providers.Credentials{Token: testToken}})
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	assertNoLeak(t, err, testKey, testToken)
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  upcoming.Config
	}{
		{"an empty api key is refused", upcoming.Config{}},
		{"a relative base URL is refused", upcoming.Config{APIKey: "k", BaseURL: "/services/rest/"}},
		{"a base URL with a query is refused", upcoming.Config{APIKey: "k", BaseURL: "http://h/?api_key=x"}},
		{"a negative max batch is refused", upcoming.Config{APIKey: "k", MaxBatch: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := upcoming.New(tc.cfg); !errors.Is(err, providers.ErrInvalid) {
				t.Errorf("New: %v, want ErrInvalid", err)
			}
		})
	}
	c, err := upcoming.New(upcoming.Config{APIKey: "k"})
	if err != nil || c.Capabilities().MaxBatch != upcoming.DefaultMaxBatch {
		t.Errorf("defaults: %v, %+v", err, c)
	}
}

// TestSeedFixturesDecode reads the documentation's example answers from
// testdata through a server that returns them verbatim.
func TestSeedFixturesDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, ctype string
		groups            int
	}{
		{"the JSON example decodes all its groups", "getmygroups.json", jsonCT, 18},
		{"the XML example decodes with its wrapped timestamp", "getmygroups.xml", xmlCT, 1},
		{"the XML example decodes when labelled text/plain", "getmygroups.xml", "text/plain", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				_, _ = w.Write(body)
			}))
			t.Cleanup(srv.Close)
			c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + "/", APIKey: testKey, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := c.Memberships(t.Context(), providers.Account{UserID: "2078", Credentials: providers.Credentials{Token: testToken}})
			if err != nil {
				t.Fatalf("Memberships: %v", err)
			}
			if len(ms) != tc.groups {
				t.Fatalf("got %d memberships, want %d", len(ms), tc.groups)
			}
			for _, m := range ms {
				g := m.Group
				if g.CreatedAt == nil || g.MemberCount == nil || g.TopicCount == nil || g.OwnerID == nil || g.Description == nil {
					t.Errorf("group %s lacks a field: %+v", g.ID, g)
				}
				if g.ID == "101" && (m.Role != providers.RoleOwner || *g.MemberCount != map[string]int{"getmygroups.json": 55, "getmygroups.xml": 15}[tc.file] ||
					g.CreatedAt.Format("2006-01-02 15:04:05") != "2005-09-02 02:15:11") {
					t.Errorf("group 101 = %+v role %s", g, m.Role)
				}
			}
		})
	}
}
