package akana_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

const (
	tenant      = "acmepaymentscorp"
	cannedToken = "TokenID%3Dsecret-session-token-0123456789"
	cannedCSRF  = "secret-csrf-token-abcdef"
	cannedUser  = "u1.acmepaymentscorp"
)

// canned is a scripted platform: each route answers what the test set, and
// it records what it was asked.
type canned struct {
	mu      sync.Mutex
	answers map[string][]answer // "METHOD /path" → answers in turn (the last repeats)
	calls   []*http.Request
}

type answer struct {
	status      int
	contentType string
	body        string
	cookie      bool // set a renewed session cookie
}

func (c *canned) on(route string, as ...answer) { c.answers[route] = as }

func (c *canned) count(route string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.calls {
		if r.Method+" "+r.URL.Path == route {
			n++
		}
	}
	return n
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	route := r.Method + " " + r.URL.Path
	c.calls = append(c.calls, r.Clone(context.Background()))
	as := c.answers[route]
	var a answer
	switch {
	case len(as) == 0:
		a = answer{status: 404, contentType: "text/plain", body: "no such route"}
	case len(as) == 1:
		a = as[0]
	default:
		a, c.answers[route] = as[0], as[1:]
	}
	c.mu.Unlock()
	if a.cookie {
		http.SetCookie(w, &http.Cookie{Name: akana.AuthCookieName(tenant), Value: "TokenID%3Drenewed-session-token", Expires: time.Now().Add(30 * time.Minute)})
	}
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	} else {
		w.Header()["Content-Type"] = nil // no sniffing: really none
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

func newCanned(t *testing.T) (*canned, *akana.Client, providers.Account) {
	t.Helper()
	c := &canned{answers: map[string][]answer{}}
	c.on("POST /api/login/renewToken", answer{status: 200, contentType: "application/json", body: `{"userFDN":"` + cannedUser + `"}`, cookie: true})
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	client, err := akana.New(akana.Config{BaseURL: srv.URL, Tenant: tenant, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	acct := providers.Account{ID: "link-1", Provider: providers.Akana, UserID: cannedUser,
		Credentials: providers.Credentials{Token: cannedToken, Secret: cannedCSRF, Expiry: time.Now().Add(time.Hour)}}
	return c, client, acct
}

// assertNoLeak fails when err's text holds a credential.
func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, cannedToken, cannedCSRF, "renewed-session-token") {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q leaks %q", err, s)
		}
	}
}

const feed = `{"channel":{"title":"My Groups","item":[{"title":"G","guid":{"value":"g1.acmepaymentscorp"},"category":[{"value":"com.soa.group.membership.role.leader","domain":"uddi:soa.com:role"}]}]},"version":"1.0"}`

func TestReadErrorsAreClassified(t *testing.T) {
	huge := `{"channel":{"title":"` + strings.Repeat("x", 5<<20) + `"}}`
	for _, test := range []struct {
		name     string
		answer   answer
		renew    *answer // the renewal's answer, when the test reaches it
		kind     error   // nil: success
		code     string
		contains string
	}{
		{name: "a 400 fault is invalid, its code kept and its text not", answer: answer{400, "application/json", `{"faultcode":"BadRequest","faultstring":"Bad UserID"}`, false}, kind: providers.ErrInvalid, code: "BadRequest", contains: "HTTP 400"},
		{name: "a 400 whose JSON is no fault is invalid with the status as code", answer: answer{400, "application/json", `[1,2]`, false}, kind: providers.ErrInvalid, code: "400"},
		{name: "a 401 that renewal cannot cure is unauthenticated and asks to relink", answer: answer{401, "text/plain", "Unauthorized", false}, renew: &answer{401, "text/plain", "Token expired", false}, kind: providers.ErrUnauthenticated, code: "401", contains: "relink"},
		{name: "a 401 repeating the request's signature base string leaves it out of the error", answer: answer{401, "text/plain", "oauth_problem=signature_invalid&debug_sbs=GET&https%3A%2F%2Fportal.acme.example%2Fapi%2Fusers%2Fgroups&AtmoAuthToken%3D" + cannedToken, false},
			renew: &answer{401, "text/plain", "debug_sbs=POST&https%3A%2F%2Fportal.acme.example%2Fapi%2Flogin%2FrenewToken", false}, kind: providers.ErrUnauthenticated, code: "401", contains: "relink"},
		{name: "a 401 that survives a successful renewal is unauthenticated", answer: answer{401, "text/plain", "Unauthorized", false}, kind: providers.ErrUnauthenticated, code: "401", contains: "relink"},
		{name: "a 403 in text/plain is forbidden without the text", answer: answer{403, "text/plain; charset=utf-8", "Not Authorized", false}, kind: providers.ErrForbidden, code: "403", contains: "HTTP 403"},
		{name: "a 404 fault is not found", answer: answer{404, "application/json", `{"faultcode":"NotFound","faultstring":"User not found"}`, false}, kind: providers.ErrNotFound, code: "NotFound"},
		{name: "a 405 is groupgraph's own bug", answer: answer{405, "text/plain", "Method Not Allowed", false}, kind: providers.ErrInternal, code: "405"},
		{name: "a 429 is rate limited", answer: answer{429, "text/plain", "slow down", false}, kind: providers.ErrRateLimited, code: "429"},
		{name: "a 409 is invalid", answer: answer{409, "text/plain", "conflict", false}, kind: providers.ErrInvalid, code: "409"},
		{name: "a 500 fault is unavailable and keeps the fault code only", answer: answer{500, "application/json", `{"faultcode":"soap:Server","faultstring":"An error occurred processing the call."}`, false}, kind: providers.ErrUnavailable, code: "soap:Server", contains: "HTTP 500"},
		{name: "a 502 HTML page is unavailable and not copied", answer: answer{502, "text/html", "<html><body><h1>Bad Gateway</h1><script>x</script></body></html>", false}, kind: providers.ErrUnavailable, code: "502", contains: "HTML error page"},
		{name: "a 503 text echoing the session is unavailable, the text left out", answer: answer{503, "text/plain", "down; you sent " + cannedToken + " and " + cannedCSRF, false}, kind: providers.ErrUnavailable, code: "503", contains: "HTTP 503"},
		{name: "a 200 HTML login page is unavailable", answer: answer{200, "text/html", "<!DOCTYPE html><html>login</html>", false}, kind: providers.ErrUnavailable},
		{name: "a 200 XML rendering is unavailable", answer: answer{200, "text/xml", "<rss/>", false}, kind: providers.ErrUnavailable},
		{name: "a truncated JSON body is unavailable", answer: answer{200, "application/json", `{"channel":{"item":[{"title":"G`, false}, kind: providers.ErrUnavailable},
		{name: "a mistyped JSON body is unavailable", answer: answer{200, "application/json", `{"channel":{"item":[{"title":5}]}}`, false}, kind: providers.ErrUnavailable},
		{name: "a fault in a 200 is unavailable and keeps the fault", answer: answer{200, "application/json", `{"faultcode":"soap:Server","faultstring":"broken"}`, false}, kind: providers.ErrUnavailable, code: "soap:Server"},
		{name: "a body over 4 MiB is unavailable", answer: answer{200, "application/json", huge, false}, kind: providers.ErrUnavailable},
		{name: "application/json with a charset is read", answer: answer{200, "application/json; charset=UTF-8", feed, false}},
		{name: "the v81 rendering is read", answer: answer{200, "application/vnd.soa.v81+json", feed, false}},
		{name: "the v80 rendering is read", answer: answer{200, "application/vnd.soa.v80+json", feed, false}},
		{name: "a body without a content type is read", answer: answer{200, "", feed, false}},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, client, acct := newCanned(t)
			c.on("GET /api/users/"+cannedUser+"/groups", test.answer)
			if test.renew != nil {
				c.on("POST /api/login/renewToken", *test.renew)
			}
			ms, err := client.Memberships(t.Context(), acct)
			assertNoLeak(t, err)
			if test.kind == nil {
				if err != nil || len(ms) != 1 || ms[0].Role != providers.RoleModerator {
					t.Fatalf("Memberships = %v, %v; want the leader membership", ms, err)
				}
				return
			}
			if !errors.Is(err, test.kind) {
				t.Fatalf("Memberships error %v, want kind %v", err, test.kind)
			}
			if test.code != "" {
				if got := providers.ProviderCode(err); got != test.code {
					t.Errorf("ProviderCode = %q, want %q", got, test.code)
				}
				var apiErr *akana.APIError
				if !errors.As(err, &apiErr) {
					t.Errorf("error %v carries no *akana.APIError", err)
				}
			}
			if !strings.Contains(err.Error(), test.contains) {
				t.Errorf("error %q does not say %q", err, test.contains)
			}
			providertest.AssertNoUpstreamText(t, err, test.answer.body, "users.groups", "relink")
		})
	}
}

func TestA401IsRenewedOnceAndRetriedOnce(t *testing.T) {
	t.Run("a 401 cured by the renewal is retried with the new session", func(t *testing.T) {
		c, client, acct := newCanned(t)
		route := "GET /api/users/" + cannedUser + "/groups"
		c.on(route, answer{401, "text/plain", "Unauthorized", false}, answer{200, "application/json", feed, false})
		if _, err := client.Memberships(t.Context(), acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		if got := c.count(route); got != 2 {
			t.Errorf("%d requests, want 2 (the call and one retry)", got)
		}
		if got := c.count("POST /api/login/renewToken"); got != 1 {
			t.Errorf("%d renewals, want 1", got)
		}
		last := c.calls[len(c.calls)-1]
		if ck, err := last.Cookie(akana.AuthCookieName(tenant)); err != nil || ck.Value != "TokenID%3Drenewed-session-token" {
			t.Errorf("the retry sent cookie %v, %v; want the renewed session", ck, err)
		}
	})
	t.Run("a 401 that persists is not retried again", func(t *testing.T) {
		c, client, acct := newCanned(t)
		route := "GET /api/users/" + cannedUser + "/groups"
		c.on(route, answer{401, "text/plain", "Unauthorized", false})
		_, err := client.Memberships(t.Context(), acct)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("Memberships error %v, want ErrUnauthenticated", err)
		}
		if got := c.count(route); got != 2 {
			t.Errorf("%d requests, want 2", got)
		}
	})
}

func TestLeaveErrorsAreClassified(t *testing.T) {
	route := "DELETE /api/groups/g1.acmepaymentscorp/members/" + cannedUser
	for _, test := range []struct {
		name     string
		answers  []answer
		renew    *answer
		kind     error
		contains string
		renewals int
	}{
		{name: "a 403 refusal is forbidden and says a leader must remove them", answers: []answer{{403, "text/plain", "Not Authorized", false}}, kind: providers.ErrForbidden, contains: "leader", renewals: 0},
		{name: "a 401 refusal that a renewal does not cure is forbidden", answers: []answer{{401, "text/plain", "Not Authorized", false}}, kind: providers.ErrForbidden, contains: "leader", renewals: 1},
		{name: "a 401 whose renewal fails is unauthenticated", answers: []answer{{401, "text/plain", "Unauthorized", false}}, renew: &answer{401, "text/plain", "expired", false}, kind: providers.ErrUnauthenticated, contains: "relink", renewals: 1},
		{name: "a 404 is not found", answers: []answer{{404, "application/json", `{"faultcode":"NotFound","faultstring":"The user is not a member of the group"}`, false}}, kind: providers.ErrNotFound},
		{name: "a 500 is unavailable", answers: []answer{{500, "application/json", `{"faultcode":"soap:Server","faultstring":"An error occurred processing the call."}`, false}}, kind: providers.ErrUnavailable},
		{name: "a 200 succeeds and renews the session", answers: []answer{{200, "text/plain", cannedUser, false}}, renewals: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, client, acct := newCanned(t)
			c.on("GET /api/users/"+cannedUser+"/groups", answer{200, "application/json", feed, false})
			c.on(route, test.answers...)
			if test.renew != nil {
				c.on("POST /api/login/renewToken", *test.renew)
			}
			res, err := client.LeaveGroup(t.Context(), acct, "g1.acmepaymentscorp", providers.LeaveOptions{})
			assertNoLeak(t, err)
			if test.kind == nil {
				if err != nil || res.Membership == nil || res.Membership.Status != providers.StatusRemoved {
					t.Fatalf("LeaveGroup = %+v, %v; want the ended membership", res, err)
				}
			} else if !errors.Is(err, test.kind) || !strings.Contains(err.Error(), test.contains) {
				t.Fatalf("LeaveGroup error %v, want kind %v saying %q", err, test.kind, test.contains)
			}
			if got := c.count("POST /api/login/renewToken"); got != test.renewals {
				t.Errorf("%d renewals, want %d", got, test.renewals)
			}
			for _, r := range c.calls {
				if got := r.Header.Get(akana.CSRFHeaderName(tenant)); got != cannedCSRF {
					t.Errorf("%s %s sent CSRF header %q, want the session's token", r.Method, r.URL.Path, got)
				}
			}
		})
	}
}

func TestLoginErrorsAreClassified(t *testing.T) {
	const password = "correct-horse-battery-staple"
	for _, test := range []struct {
		name   string
		answer answer
		kind   error
	}{
		{"a rejected password is unauthenticated", answer{401, "application/json", `{"faultcode":"LoginFailed","faultstring":"Invalid email or password"}`, false}, providers.ErrUnauthenticated},
		{"a refusal echoing the password is unauthenticated and redacted", answer{403, "text/plain", "bad password " + password, false}, providers.ErrUnauthenticated},
		{"a login held back for a web step is forbidden", answer{200, "application/json", `{"loginState":"com.soa.login.state.password.change"}`, false}, providers.ErrForbidden},
		{"a login that sets no cookie is unavailable", answer{200, "application/json", `{"userFDN":"u1.acmepaymentscorp"}`, false}, providers.ErrUnavailable},
		{"a login that names no user is unavailable", answer{200, "application/json", `{}`, true}, providers.ErrUnavailable},
		{"a login answering HTML is unavailable", answer{200, "text/html", `<html></html>`, true}, providers.ErrUnavailable},
		{"a malformed login request is invalid", answer{400, "application/json", `{"faultcode":"BadRequest","faultstring":"bad body"}`, false}, providers.ErrInvalid},
		{"a failing platform is unavailable", answer{503, "text/html", `<html>down</html>`, false}, providers.ErrUnavailable},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, client, _ := newCanned(t)
			c.on("POST /api/login", test.answer)
			_, err := client.Login(t.Context(), "dev@acme.example", password)
			if !errors.Is(err, test.kind) {
				t.Fatalf("Login error %v, want kind %v", err, test.kind)
			}
			assertNoLeak(t, err, password)
		})
	}
	t.Run("a login without email or password is invalid and asks nothing", func(t *testing.T) {
		c, client, _ := newCanned(t)
		_, err := client.Login(t.Context(), "dev@acme.example", "")
		if !errors.Is(err, providers.ErrInvalid) || c.count("POST /api/login") != 0 {
			t.Fatalf("Login error %v after %d requests, want ErrInvalid and none", err, c.count("POST /api/login"))
		}
	})
}

func TestTransportErrorsAreClassified(t *testing.T) {
	_, client, acct := newCanned(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	closed, err := akana.New(akana.Config{BaseURL: srv.URL, Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	_ = client
	_, err = closed.Memberships(t.Context(), acct)
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("Memberships against a closed port: %v, want ErrUnavailable", err)
	}
	assertNoLeak(t, err)
	if strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error %q contains the URL", err)
	}
}

func TestConfigIsValidated(t *testing.T) {
	for _, test := range []struct {
		name string
		cfg  akana.Config
	}{
		{"a relative base URL is refused", akana.Config{BaseURL: "portal.acme.example", Tenant: tenant}},
		{"a non-http base URL is refused", akana.Config{BaseURL: "ftp://portal.acme.example", Tenant: tenant}},
		{"an empty tenant is refused", akana.Config{BaseURL: "https://portal.acme.example"}},
		{"a tenant that would break the cookie name is refused", akana.Config{BaseURL: "https://portal.acme.example", Tenant: "acme; x=y"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if _, err := akana.New(test.cfg); !errors.Is(err, providers.ErrInvalid) {
				t.Fatalf("New: %v, want ErrInvalid", err)
			}
		})
	}
}
