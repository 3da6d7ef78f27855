package pageseeder_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

const (
	testToken   = "tok-access-secret-value"
	testRefresh = "tok-refresh-secret-value"
	testSecret  = "client-secret-value"
)

// canned serves one fixed answer to every service request and records the
// paths asked.
func canned(t *testing.T, status int, contentType, body string) (*pageseeder.Client, providers.Account, func() []string) {
	t.Helper()
	var (
		mu    sync.Mutex
		paths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Header.Get("Accept") != "application/json" {
			t.Errorf("Accept = %q, want application/json", r.Header.Get("Accept"))
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("Authorization header is not the bearer token")
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := pageseeder.New(pageseeder.Config{BaseURL: srv.URL, ClientID: "0123456789abcdef", ClientSecret: testSecret, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	// No refresh token: a 401 must not try to renew against this server.
	acct := providers.Account{Provider: providers.PageSeeder, UserID: "1001", Credentials: providers.Credentials{Token: testToken}}
	return c, acct, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

func xmlError(id, msg string) string {
	return `<?xml version="1.0"?><error id="` + id + `"><request>/ps/service/x?token=` + testToken + `</request><message>` + msg + `</message></error>`
}

// calls are the client operations, by the service each one reaches first.
var calls = map[string]func(context.Context, *pageseeder.Client, providers.Account) error{
	"self": func(ctx context.Context, c *pageseeder.Client, a providers.Account) error {
		_, err := c.Whoami(ctx, a)
		return err
	},
	"memberships": func(ctx context.Context, c *pageseeder.Client, a providers.Account) error {
		_, err := c.Memberships(ctx, a)
		return err
	},
	"visiblegroups": func(ctx context.Context, c *pageseeder.Client, a providers.Account) error {
		_, err := c.VisibleGroups(ctx, a)
		return err
	},
	"group": func(ctx context.Context, c *pageseeder.Client, a providers.Account) error {
		got, err := c.GroupsByID(ctx, a, []string{"42"})
		if err == nil && len(got) == 0 {
			return providers.ErrNotFound // absent: the batch form of not found
		}
		return err
	},
	"membership": func(ctx context.Context, c *pageseeder.Client, a providers.Account) error {
		_, err := c.LeaveGroup(ctx, a, "42", providers.LeaveOptions{})
		return err
	},
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		call   string
		status int
		ctype  string
		body   string
		want   error
		code   string // ProviderCode
	}{
		// Codes mapped per service.
		{"0x102A on visiblegroups is member not found", "visiblegroups", 400, "application/xml", xmlError("102A", "The member not found"), providers.ErrNotFound, "0x102A"},
		{"0x102A on another service is not a not found", "self", 400, "application/xml", xmlError("102A", "Token is invalid"), providers.ErrInvalid, "0x102A"},
		{"0x1022 on the membership service is not a member", "membership", 400, "application/xml", xmlError("1022", "The member does not belong to the group"), providers.ErrNotMember, "0x1022"},
		{"0x1022 on another service falls back to the status", "visiblegroups", 500, "application/xml", xmlError("1022", "x"), providers.ErrUnavailable, "0x1022"},
		{"0x0106 on the membership service is not found", "membership", 400, "application/xml", xmlError("0106", "Unable to find matching member"), providers.ErrNotFound, "0x0106"},
		{"0x0107 on the membership service is not found", "membership", 400, "application/xml", xmlError("0107", "Unable to find matching group"), providers.ErrNotFound, "0x0107"},
		{"0x6004 on the membership service is unavailable", "membership", 400, "application/xml", xmlError("6004", "Member details not configured properly"), providers.ErrUnavailable, "0x6004"},
		// Core codes, the same everywhere.
		{"0x0202 group not found", "group", 400, "application/xml", xmlError("0202", "Failed @Requires check: missing Group instance"), providers.ErrNotFound, "0x0202"},
		{"0x0204 member not found", "memberships", 400, "application/xml", xmlError("0204", "Failed @Requires check: missing Member instance"), providers.ErrNotFound, "0x0204"},
		{"0x0206 member and group not found", "membership", 400, "application/xml", xmlError("0206", "missing"), providers.ErrNotFound, "0x0206"},
		{"0x0208 URI not found", "self", 400, "application/xml", xmlError("0208", "missing URI"), providers.ErrNotFound, "0x0208"},
		{"0x0103 bad tunnel is internal", "self", 400, "application/xml", xmlError("0103", "Unable to tunnel request"), providers.ErrInternal, "0x0103"},
		{"0x0201 missing parameter is internal", "visiblegroups", 400, "application/xml", xmlError("0201", "missing parameter 'x'"), providers.ErrInternal, "0x0201"},
		{"0x0210 another failed requirement is invalid", "self", 400, "application/xml", xmlError("0210", "failed"), providers.ErrInvalid, "0x0210"},
		{"an id written with 0x is read the same", "visiblegroups", 400, "application/xml", xmlError("0x102A", "The member not found"), providers.ErrNotFound, "0x102A"},
		{"a lower-case id is read the same", "visiblegroups", 400, "application/xml", xmlError("102a", "The member not found"), providers.ErrNotFound, "0x102A"},
		{"a non-hex id falls back to the status", "self", 503, "application/xml", xmlError("zz", "down"), providers.ErrUnavailable, "503"},
		// The JSON envelope, flat and wrapped.
		{"the flat JSON envelope", "visiblegroups", 400, "application/json", `{"id":"102A","request":"/ps/service/members/1/visiblegroups","message":"The member not found"}`, providers.ErrNotFound, "0x102A"},
		{"the wrapped JSON envelope", "membership", 400, "application/json", `{"error":{"id":"0x1022","message":"The member does not belong to the group"}}`, providers.ErrNotMember, "0x1022"},
		{"a numeric JSON id", "group", 400, "application/json", `{"id":202,"message":"missing Group instance"}`, providers.ErrNotFound, "0x0202"},
		// Statuses without an envelope.
		{"401 is unauthenticated", "self", 401, "application/xml", `<error><message>Authentication required</message></error>`, providers.ErrUnauthenticated, "401"},
		{"401 wins over any id", "visiblegroups", 401, "application/xml", xmlError("102A", "x"), providers.ErrUnauthenticated, "0x102A"},
		{"403 is forbidden", "memberships", 403, "application/xml", `<error><message>Access denied</message></error>`, providers.ErrForbidden, "403"},
		{"404 is not found", "self", 404, "text/plain", "404 page not found", providers.ErrNotFound, "404"},
		{"429 is rate limited", "self", 429, "", "", providers.ErrRateLimited, "429"},
		{"504 is a timeout", "self", 504, "text/html", "<html>gateway timeout</html>", providers.ErrTimeout, "504"},
		{"an HTML 502 page is unavailable", "memberships", 502, "text/html", "<html><body><h1>Bad Gateway</h1></body></html>", providers.ErrUnavailable, "502"},
		{"an HTML 503 page is unavailable", "visiblegroups", 503, "text/html", "<!DOCTYPE html><html>down</html>", providers.ErrUnavailable, "503"},
		{"a 500 error envelope is unavailable", "self", 500, "application/xml", xmlError("0000", "Internal error"), providers.ErrUnavailable, "0x0000"},
		// Hostile success bodies.
		{"an error envelope with status 200 is an error", "visiblegroups", 200, "application/xml", xmlError("102A", "The member not found"), providers.ErrNotFound, "0x102A"},
		{"truncated JSON is unavailable", "memberships", 200, "application/json", `{"memberships":[{"id":1,"group":{"id":`, providers.ErrUnavailable, "200"},
		{"a wrong type is unavailable", "visiblegroups", 200, "application/json", `{"groups":{"id":1}}`, providers.ErrUnavailable, "200"},
		{"an HTML page with status 200 is unavailable", "self", 200, "text/html", "<html><body>Login</body></html>", providers.ErrUnavailable, "200"},
		{"plain text is unavailable", "memberships", 200, "text/plain", "OK", providers.ErrUnavailable, "200"},
		{"an empty body is unavailable", "self", 200, "application/json", "", providers.ErrUnavailable, "200"},
		{"two JSON documents are unavailable", "self", 200, "application/json", `{"id":1}{"id":2}`, providers.ErrUnavailable, "200"},
		{"a body over 4 MiB is unavailable", "memberships", 200, "application/json", `{"memberships":[` + strings.Repeat(" ", 5<<20) + `]}`, providers.ErrUnavailable, "200"},
		{"a member without an id is unavailable", "self", 200, "application/json", `{"username":"x"}`, providers.ErrUnavailable, "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, acct, _ := canned(t, tt.status, tt.ctype, tt.body)
			err := calls[tt.call](t.Context(), c, acct)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v is not %v (kind %v)", err, tt.want, providers.KindOf(err))
			}
			if tt.call != "group" || tt.want != providers.ErrNotFound {
				var apiErr *pageseeder.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error %v wraps no *APIError", err)
				}
				if got := providers.ProviderCode(err); got != tt.code {
					t.Errorf("ProviderCode = %q, want %q", got, tt.code)
				}
			}
			assertNoSecret(t, err, testToken, testRefresh, testSecret)
			providertest.AssertNoUpstreamText(t, err, tt.body, "visiblegroups", "memberships", "membership", "deregister")
		})
	}
}

func TestErrorsDoNotLeakSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"a message echoing the token", 400, xmlError("0202", "bad token "+testToken)},
		{"a JSON message echoing the client secret", 400, `{"id":"0202","message":"client_secret=` + testSecret + `"}`},
		{"an HTML page echoing the token", 502, "<html>" + testToken + "</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, acct, _ := canned(t, tt.status, "", tt.body)
			_, err := c.Whoami(t.Context(), acct)
			if err == nil {
				t.Fatal("Whoami succeeded")
			}
			assertNoSecret(t, err, testToken, testSecret)
		})
	}
}

func TestLeaveGroupChecksBeforeDeregistering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want error
	}{
		{"a membership without an id is inherited", `{"emailListed":true,"status":"normal","role":"reviewer","subgroups":"acme-admins","group":{"id":42,"name":"acme-x"}}`, providers.ErrInherited},
		{"a membership naming its subgroups is inherited", `{"membership":{"id":7,"status":"normal","role":"reviewer","subgroups":"acme-admins","group":{"id":42,"name":"acme-x"}}}`, providers.ErrInherited},
		{"a former membership is not a membership", `{"id":7,"status":"disabled","deleted":true,"role":"reviewer","group":{"id":42,"name":"acme-x"}}`, providers.ErrNotMember},
		{"an answer of another shape is unavailable, not inherited", `{"unexpected":{"id":7}}`, providers.ErrUnavailable},
		{"a disabled membership is not a membership", `{"id":7,"status":"disabled","role":"reviewer","group":{"id":42,"name":"acme-x"}}`, providers.ErrNotMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, acct, paths := canned(t, 200, "application/json", tt.body)
			_, err := c.LeaveGroup(t.Context(), acct, "42", providers.LeaveOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("LeaveGroup: %v, want %v", err, tt.want)
			}
			for _, p := range paths() {
				if strings.HasSuffix(p, "/deregister") {
					t.Errorf("deregister was called: %v", paths())
				}
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "ps.example.com", "ftp://ps.example.com", "http://"} {
		t.Run("base URL "+base+" is refused", func(t *testing.T) {
			if _, err := pageseeder.New(pageseeder.Config{BaseURL: base}); !errors.Is(err, providers.ErrInvalid) {
				t.Errorf("New(%q): %v, want ErrInvalid", base, err)
			}
		})
	}
}
