package flickr_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// Secrets of the fake upstream's account; no error may contain them.
const (
	fakeKey         = "CONSUMERKEYabcdef0123456789"
	fakeSecret      = "CONSUMERSECRETfedcba"
	fakeToken       = "72157611111111111-TOKENabcdef"
	fakeTokenSecret = "TOKENSECRET987654"
)

var fakeAccount = providers.Account{
	ID: "a1", Provider: providers.Flickr, UserID: "10000001@N00",
	Credentials: providers.Credentials{Token: fakeToken, Secret: fakeTokenSecret},
}

// reply is a canned upstream answer.
type reply struct {
	status int
	ctype  string
	body   string
}

// fakeFlickr answers each method with its reply; groups.getInfo, which
// LeaveGroup calls first, answers with a one-member group unless told
// otherwise. It echoes the request's secrets into {{echo}} so that tests
// prove they are scrubbed.
func fakeFlickr(t *testing.T, replies map[string]reply, opts ...func(*flickr.Config)) *flickr.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rep, ok := replies[r.Form.Get("method")]
		if !ok {
			rep = reply{200, "application/json", `{"group":{"id":"1@N01","name":{"_content":"G"},"members":{"_content":"5"},"is_member":1},"stat":"ok"}`}
		}
		body := strings.ReplaceAll(rep.body, "{{echo}}", r.Form.Get("oauth_token")+" "+r.Form.Get("oauth_signature")+" "+r.Form.Get("oauth_consumer_key"))
		if rep.ctype != "" {
			w.Header().Set("Content-Type", rep.ctype)
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	cfg := flickr.Config{BaseURL: srv.URL + "/services/rest", OAuthURL: srv.URL + "/services/oauth",
		ConsumerKey: fakeKey, ConsumerSecret: fakeSecret}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := flickr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fail(code int, msg string) reply {
	return reply{200, "application/json", `{"stat":"fail","code":` + itoa(code) + `,"message":"` + msg + `"}`}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// operations run one client call that reaches the named Flickr method.
var operations = map[string]func(context.Context, *flickr.Client) error{
	"flickr.test.login": func(ctx context.Context, c *flickr.Client) error {
		_, err := c.Whoami(ctx, fakeAccount)
		return err
	},
	"flickr.people.getGroups": func(ctx context.Context, c *flickr.Client) error {
		_, err := c.Memberships(ctx, fakeAccount)
		return err
	},
	"flickr.groups.getInfo": func(ctx context.Context, c *flickr.Client) error {
		_, err := c.GroupsByID(ctx, fakeAccount, []string{"1@N01"})
		return err
	},
	"flickr.groups.leave": func(ctx context.Context, c *flickr.Client) error {
		_, err := c.LeaveGroup(ctx, fakeAccount, "1@N01", providers.LeaveOptions{})
		return err
	},
}

func assertClassified(t *testing.T, err error, want error, wantCode string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q is not %v (kind %v)", err, want, providers.KindOf(err))
	}
	if wantCode != "" {
		if got := providers.ProviderCode(err); got != wantCode {
			t.Errorf("ProviderCode = %q, want %q (error %q)", got, wantCode, err)
		}
	}
	for _, s := range []string{fakeKey, fakeSecret, fakeToken, fakeTokenSecret} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q leaks a secret", err)
		}
	}
}

// Every code of the two seed documents and of providers.md §1.8, per
// method: the generic codes mean the same everywhere, the small numbers
// differ by method.
func TestErrorCodesMapPerMethod(t *testing.T) {
	generic := []struct {
		code int
		msg  string
		kind error
	}{
		{95, "SSL is required", providers.ErrInternal},
		{96, "Invalid signature", providers.ErrUnauthenticated},
		{97, "Missing signature", providers.ErrUnauthenticated},
		{98, "Invalid auth token", providers.ErrUnauthenticated},
		{99, "Insufficient permissions. Method requires delete privileges; write granted.", providers.ErrForbidden},
		{100, "Invalid API Key (Key not found)", providers.ErrUnauthenticated},
		{105, "Service currently unavailable", providers.ErrUnavailable},
		{106, "Write operation failed", providers.ErrUnavailable},
		{111, `Format \"xxx\" not found`, providers.ErrInternal},
		{112, `Method \"xxx\" not found`, providers.ErrInternal},
		{114, "Invalid SOAP envelope", providers.ErrInternal},
		{115, "Invalid XML-RPC Method Call", providers.ErrInternal},
		{116, "Bad URL found", providers.ErrInternal},
		{4242, "Something new", providers.ErrUnavailable},
	}
	specific := map[string][]struct {
		code int
		kind error
	}{
		"flickr.people.getGroups": {{1, providers.ErrNotFound}},
		"flickr.groups.leave":     {{1, providers.ErrNotFound}, {2, providers.ErrNotFound}, {3, providers.ErrNotMember}},
		// getInfo's 1 and 2 make the group absent from GroupsByID (tested
		// below); other small codes are undocumented for it.
		"flickr.groups.getInfo": {{3, providers.ErrUnavailable}},
		"flickr.test.login":     {{1, providers.ErrUnavailable}},
	}
	for method, op := range operations {
		for _, g := range generic {
			t.Run(method+" code "+itoa(g.code)+" is "+g.kind.Error(), func(t *testing.T) {
				c := fakeFlickr(t, map[string]reply{method: fail(g.code, g.msg+" {{echo}}")})
				assertClassified(t, op(t.Context(), c), g.kind, itoa(g.code))
			})
		}
		for _, s := range specific[method] {
			t.Run(method+" code "+itoa(s.code)+" is "+s.kind.Error(), func(t *testing.T) {
				c := fakeFlickr(t, map[string]reply{method: fail(s.code, "method specific")})
				assertClassified(t, op(t.Context(), c), s.kind, itoa(s.code))
			})
		}
	}
}

func TestGroupsThatDoNotExistAreAbsentNotErrors(t *testing.T) {
	for _, code := range []int{1, 2} {
		t.Run("getInfo code "+itoa(code)+" leaves the id out", func(t *testing.T) {
			c := fakeFlickr(t, map[string]reply{"flickr.groups.getInfo": fail(code, "Group not found")})
			got, err := c.GroupsByID(t.Context(), fakeAccount, []string{"1@N01", "1@N01"})
			if err != nil || len(got) != 0 {
				t.Fatalf("GroupsByID = %v, %v; want empty, nil", got, err)
			}
		})
	}
}

// Bodies that are not Flickr's envelope: each is classified, with a safe
// message, and none panics or hangs.
func TestHostileBodiesAreClassified(t *testing.T) {
	huge := `{"stat":"ok","user":{"id":"` + strings.Repeat("x", flickr.MaxBodyBytes) + `"}}`
	tests := []struct {
		name string
		rep  reply
		kind error
		code string
	}{
		{"an HTML 503 page from a load balancer is unavailable", reply{503, "text/html", "<html><body>503 Service Unavailable {{echo}}</body></html>"}, providers.ErrUnavailable, "503"},
		{"an HTML page with status 200 is unavailable", reply{200, "text/html", "<!DOCTYPE html><html><title>Flickr</title></html>"}, providers.ErrUnavailable, ""},
		{"a 500 with an empty body is unavailable", reply{500, "", ""}, providers.ErrUnavailable, "500"},
		{"a 502 with JSON is unavailable", reply{502, "application/json", `{"error":"bad gateway"}`}, providers.ErrUnavailable, "502"},
		{"a 429 is rate limited", reply{429, "text/plain", "slow down"}, providers.ErrRateLimited, "429"},
		{"a 504 is a timeout", reply{504, "text/html", "<html>gateway timeout</html>"}, providers.ErrTimeout, "504"},
		{"truncated JSON is unavailable", reply{200, "application/json", `{"stat":"ok","user":{"id":"1@N0`}, providers.ErrUnavailable, ""},
		{"an empty body is unavailable", reply{200, "application/json", ""}, providers.ErrUnavailable, ""},
		{"plain text is unavailable", reply{200, "text/plain", "Service Unavailable"}, providers.ErrUnavailable, ""},
		{"XML instead of JSON is unavailable", reply{200, "text/xml", `<rsp stat="fail"><err code="98" msg="x"/></rsp>`}, providers.ErrUnavailable, ""},
		{"a body without stat is unavailable", reply{200, "application/json", `{"user":{"id":"1@N01"}}`}, providers.ErrUnavailable, ""},
		{"stat=fail without a code is unavailable", reply{200, "application/json", `{"stat":"fail","message":"{{echo}}"}`}, providers.ErrUnavailable, ""},
		{"a wrongly typed payload is unavailable", reply{200, "application/json", `{"stat":"ok","user":{"id":["1@N01"]}}`}, providers.ErrUnavailable, ""},
		{"a success without a user id is unavailable", reply{200, "application/json", `{"stat":"ok","user":{}}`}, providers.ErrUnavailable, ""},
		{"a body over 4 MiB is unavailable", reply{200, "application/json", huge}, providers.ErrUnavailable, ""},
		{"a raw signature_invalid report is unauthenticated", reply{401, "text/plain", "oauth_problem=signature_invalid&debug_sbs=GET&{{echo}}"}, providers.ErrUnauthenticated, "signature_invalid"},
		{"a raw token_rejected report is unauthenticated", reply{401, "text/plain", "oauth_problem=token_rejected"}, providers.ErrUnauthenticated, "token_rejected"},
		{"a raw report with status 200 is still an OAuth problem", reply{200, "text/plain", "oauth_problem=consumer_key_unknown"}, providers.ErrUnauthenticated, "consumer_key_unknown"},
		{"a replayed nonce is unavailable, fine with a new one", reply{401, "text/plain", "oauth_problem=nonce_used"}, providers.ErrUnavailable, "nonce_used"},
		{"a refused timestamp is internal: the clock is off", reply{401, "text/plain", "oauth_problem=timestamp_refused"}, providers.ErrInternal, "timestamp_refused"},
		{"an unknown problem is unauthenticated", reply{401, "text/plain", "oauth_problem=" + fakeToken}, providers.ErrUnauthenticated, "unrecognised"},
		{"a 401 without a report is unauthenticated", reply{401, "text/html", "<html>401</html>"}, providers.ErrUnauthenticated, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeFlickr(t, map[string]reply{"flickr.test.login": tt.rep})
			_, err := c.Whoami(t.Context(), fakeAccount)
			assertClassified(t, err, tt.kind, tt.code)
			providertest.AssertNoUpstreamText(t, err, tt.rep.body, "flickr.test.login", "oauth_problem "+tt.code)
		})
	}
}

func TestUpstreamMessagesGoToTheDebugLogScrubbedOfSecrets(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	body := fail(98, "Invalid auth token {{echo}} "+fakeSecret+" "+fakeTokenSecret)
	c := fakeFlickr(t, map[string]reply{"flickr.test.login": body}, func(cfg *flickr.Config) { cfg.Logger = log })
	_, err := c.Whoami(t.Context(), fakeAccount)
	assertClassified(t, err, providers.ErrUnauthenticated, "98")
	if want := "flickr test.login: credentials rejected: flickr error 98: invalid auth token"; err.Error() != want {
		t.Errorf("error %q, want the fixed %q", err, want)
	}
	if !strings.Contains(logged.String(), "Invalid auth token") {
		t.Errorf("the debug log lost Flickr's message: %s", logged.String())
	}
	for _, s := range []string{fakeKey, fakeSecret, fakeToken, fakeTokenSecret} {
		if strings.Contains(logged.String(), s) {
			t.Errorf("the debug log leaks a secret: %s", logged.String())
		}
	}
}

func TestTransportFailuresAreClassifiedWithoutTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	c, err := flickr.New(flickr.Config{BaseURL: base + "/services/rest", ConsumerKey: fakeKey, ConsumerSecret: fakeSecret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Whoami(t.Context(), fakeAccount)
	assertClassified(t, err, providers.ErrUnavailable, "")
	if strings.Contains(err.Error(), "oauth_") || strings.Contains(err.Error(), base) {
		t.Errorf("error %q contains the request URL", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  flickr.Config
	}{
		{"a missing consumer key", flickr.Config{}},
		{"a relative base URL", flickr.Config{ConsumerKey: "k", BaseURL: "/services/rest"}},
		{"a base URL with a query", flickr.Config{ConsumerKey: "k", BaseURL: "https://api.flickr.com/services/rest?x=1"}},
	}
	for _, tt := range tests {
		t.Run("New fails on "+tt.name, func(t *testing.T) {
			if _, err := flickr.New(tt.cfg); !errors.Is(err, providers.ErrInvalid) {
				t.Fatalf("New = %v, want ErrInvalid", err)
			}
		})
	}
}
