package upstream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/providers"
)

// Secrets of the fake accounts below; no request to another host may carry
// them.
const (
	upFlickrToken   = "72157600000000001-FLICKRTOKEN"
	upPSClientSec   = "PSCLIENTSECRET0123"
	upPSAccess      = "PSACCESSTOKEN0123"
	upPSRefresh     = "PSREFRESHTOKEN0123"
	upAkanaCookie   = "AKANASESSIONCOOKIE0123"
	upAkanaCSRF     = "AKANACSRFTOKEN0123"
	upAkanaPassword = "AKANAPASSWORD0123"
	upUpcomingToken = "UPCOMINGTOKEN0123"
)

// fakePlatforms are the four clients as NewClients wires them, all
// pointed at one upstream handler, and an account on each.
type fakePlatforms struct {
	clients Clients
	accts   map[providers.Kind]providers.Account
}

func newFakePlatforms(t *testing.T, h http.Handler) *fakePlatforms {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return newFakePlatformsAt(t, srv.URL, 2*time.Second)
}

// newFakePlatformsAt is newFakePlatforms for an upstream at baseURL, with
// the per-call timeout given.
func newFakePlatformsAt(t *testing.T, baseURL string, timeout time.Duration) *fakePlatforms {
	t.Helper()
	srv := struct{ URL string }{baseURL}
	up := func() config.Upstream {
		return config.Upstream{BaseURL: srv.URL, Timeout: config.Duration(timeout)}
	}
	cfg := config.Providers{
		Flickr:     &config.Flickr{Upstream: up(), OAuthURL: srv.URL + "/oauth", ConsumerKey: "flickrkey", ConsumerSecret: "FLICKRCONSUMERSECRET"},
		Upcoming:   &config.Upcoming{Upstream: up(), APIKey: "UPCOMINGAPIKEY0123"},
		PageSeeder: &config.PageSeeder{Upstream: up(), ClientID: "client", ClientSecret: upPSClientSec},
		Akana:      &config.Akana{Upstream: up(), Tenant: "tenant"},
	}
	ps, err := NewClients(cfg, nil, New(nil, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	return &fakePlatforms{clients: ps, accts: map[providers.Kind]providers.Account{
		providers.Flickr: {ID: "f", Provider: providers.Flickr, UserID: "1@N01",
			Credentials: providers.Credentials{Token: upFlickrToken, Secret: "FLICKRTOKENSECRET"}},
		providers.Upcoming: {ID: "u", Provider: providers.Upcoming, UserID: "1",
			Credentials: providers.Credentials{Token: upUpcomingToken}},
		// Expired, so that the first call spends the refresh token.
		providers.PageSeeder: {ID: "p", Provider: providers.PageSeeder, UserID: "1",
			Credentials: providers.Credentials{Token: upPSAccess, RefreshToken: upPSRefresh, Expiry: time.Now().Add(-time.Hour)}},
		providers.Akana: {ID: "a", Provider: providers.Akana, UserID: "u.tenant",
			Credentials: providers.Credentials{Token: upAkanaCookie, Secret: upAkanaCSRF, Expiry: time.Now().Add(time.Hour)}},
	}}
}

// recorder is an upstream that records every request it gets, headers and
// body included.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var sb strings.Builder
		sb.WriteString(req.Method + " " + req.URL.String() + "\n")
		_ = req.Header.Write(&sb)
		sb.Write(b)
		r.mu.Lock()
		r.seen = append(r.seen, sb.String())
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// A platform that redirects to another host gets no request of groupgraph's
// followed there: neither the URL with its OAuth signature (as Referer), nor
// the form with a client secret or refresh token, nor a login's password,
// nor the session's CSRF header. The call fails as unavailable.
func TestRedirectsToAnotherHostAreNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			elsewhere := newRecorder(t)
			fp := newFakePlatforms(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+"/landing", status)
			}))
			ctx := context.Background()
			for _, p := range fp.clients.All {
				acct := fp.accts[p.Kind()]
				if _, err := p.Memberships(ctx, acct); !errors.Is(err, providers.ErrUnavailable) {
					t.Errorf("%s Memberships error = %v, want unavailable", p.Kind(), err)
				}
				if _, err := p.LeaveGroup(ctx, acct, "1", providers.LeaveOptions{}); err == nil {
					t.Errorf("%s LeaveGroup succeeded through a redirect", p.Kind())
				}
			}
			if _, err := fp.clients.Akana.Login(ctx, "someone@example.com", upAkanaPassword); !errors.Is(err, providers.ErrUnavailable) {
				t.Errorf("akana Login error = %v, want unavailable", err)
			}
			if got := elsewhere.requests(); len(got) > 0 {
				t.Errorf("the other host got %d requests, the first:\n%s", len(got), got[0])
			}
		})
	}
}

// A platform's Retry-After, in seconds or as an HTTP date, decides whether a
// read is retried: a wait longer than the read may make (5 s) or than the
// request's deadline allows is not waited for, and the client gets
// PROVIDER_RATE_LIMITED at once with the platform's advice; advice that
// cannot be read leaves the usual backoff.
func TestRetryAfterFromThePlatformIsHonoured(t *testing.T) {
	cases := []struct {
		name       string
		retryAfter func() string
		deadline   time.Duration
		wantCalls  int // 0: retried (more than one)
		wantWait   time.Duration
	}{
		{"in seconds, longer than a read waits", func() string { return "30" }, 5 * time.Second, 1, 30 * time.Second},
		{"as an HTTP date, longer than a read waits", func() string { return time.Now().Add(31 * time.Second).UTC().Format(http.TimeFormat) }, 5 * time.Second, 1, 30 * time.Second},
		{"huge", func() string { return "99999999999999999999" }, 5 * time.Second, 1, 0},
		{"past the request's deadline", func() string { return "2" }, 1500 * time.Millisecond, 1, 2 * time.Second},
		{"negative", func() string { return "-5" }, 5 * time.Second, 0, 0},
		{"garbage", func() string { return "soon" }, 5 * time.Second, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := map[string]int{}
			fp := newFakePlatforms(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls[platformOf(r)]++
				mu.Unlock()
				w.Header().Set("Retry-After", c.retryAfter())
				w.WriteHeader(http.StatusTooManyRequests)
			}))
			for _, p := range fp.clients.All {
				acct := fp.accts[p.Kind()]
				acct.Credentials.Expiry = time.Time{} // no refresh first
				w := resilience.Wrap(p, resilience.Options{})
				ctx, cancel := context.WithTimeout(context.Background(), c.deadline)
				_, err := w.Memberships(ctx, acct)
				cancel()
				if !errors.Is(err, providers.ErrRateLimited) {
					t.Errorf("%s: error = %v, want rate limited", p.Kind(), err)
				}
				mu.Lock()
				n := calls[string(p.Kind())]
				mu.Unlock()
				switch {
				case c.wantCalls == 0 && n < 2:
					t.Errorf("%s: %d calls, want a retry", p.Kind(), n)
				case c.wantCalls != 0 && n != c.wantCalls:
					t.Errorf("%s: %d calls, want %d", p.Kind(), n, c.wantCalls)
				}
				if c.wantWait > 0 {
					if got := providers.RetryAfter(err); got < c.wantWait-2*time.Second || got > c.wantWait+2*time.Second {
						t.Errorf("%s: RetryAfter(err) = %v, want about %v", p.Kind(), got, c.wantWait)
					}
				}
			}
		})
	}
}

// platformOf tells the fake platforms' requests apart.
func platformOf(r *http.Request) string {
	switch q := r.URL.Query().Get("method"); {
	case strings.HasPrefix(q, "flickr."):
		return string(providers.Flickr)
	case q != "":
		return string(providers.Upcoming)
	case strings.HasPrefix(r.URL.Path, "/ps/"):
		return string(providers.PageSeeder)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		return string(providers.Akana)
	}
	return "unknown"
}

// rawUpstream serves each connection with serve after reading one request,
// for answers net/http's server will not send. Connections end when the
// test does.
func rawUpstream(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					serve(c)
				}
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// A platform answering 101 Switching Protocols to a plain request, and then
// holding the connection, does not hold the call: it fails as unavailable
// within the per-call timeout, and nothing is left reading the connection.
func TestASwitchingProtocolsAnswerDoesNotHoldTheCall(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { verifyNoLeaks(t, before) }) // after the upstream's own cleanup
	release := make(chan struct{})
	base := rawUpstream(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		// Held until the client closes the connection, or the test ends.
		done := make(chan struct{})
		go func() { _, _ = io.Copy(io.Discard, c); close(done) }()
		select {
		case <-done:
		case <-release:
		}
	})
	defer close(release)
	// A client held by the connection would give up at the per-call
	// timeout or the deadline, with a timeout rather than unavailable: both
	// are seconds away, so that a loaded machine reading the 101 late is
	// not mistaken for one.
	fp := newFakePlatformsAt(t, base, 5*time.Second)
	for _, p := range fp.clients.All {
		acct := fp.accts[p.Kind()]
		acct.Credentials.Expiry = time.Time{}
		got := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			_, err := p.Memberships(ctx, acct)
			got <- err
		}()
		select {
		case err := <-got:
			if !errors.Is(err, providers.ErrUnavailable) {
				t.Errorf("%s: error = %v, want unavailable", p.Kind(), err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the call outlived its timeout and its deadline", p.Kind())
		}
	}
}

// A platform whose error message echoes the request as it went over the
// wire (percent-encoded in a URL or a form) does not get a credential of
// the request into the error groupgraph reports.
func TestEchoedCredentialsAreRedactedEncodedToo(t *testing.T) {
	var mu sync.Mutex
	var sent []string // every credential the platforms were sent
	fp := newFakePlatforms(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		var creds []string
		for _, k := range []string{"oauth_signature", "oauth_token", "token", "api_key", "client_secret", "refresh_token"} {
			if v := r.Form.Get(k); v != "" {
				creds = append(creds, v)
			}
		}
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			creds = append(creds, v)
		}
		for _, c := range r.Cookies() {
			creds = append(creds, c.Value)
		}
		mu.Lock()
		sent = append(sent, creds...)
		mu.Unlock()
		var echo []string
		for _, c := range creds {
			echo = append(echo, url.QueryEscape(c))
		}
		msg := "rejected " + strings.Join(echo, " ")
		w.Header().Set("Content-Type", "application/json")
		switch platformOf(r) {
		case string(providers.Flickr):
			_, _ = fmt.Fprintf(w, `{"stat":"fail","code":98,"message":%q}`, msg)
		case string(providers.Upcoming):
			w.WriteHeader(http.StatusForbidden)
			_, _ = fmt.Fprintf(w, `{"rsp":{"stat":"fail","error":{"msg":%q}}}`, msg)
		case string(providers.PageSeeder):
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q,"id":"0x0201","message":%q}`, msg, msg)
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, msg)
		}
	}))
	accts := fp.accts
	// Credentials with characters a URL or a form escapes.
	f := accts[providers.Flickr]
	f.Credentials.Token = "72157600000000001-FLICKR+TOKEN/="
	accts[providers.Flickr] = f
	u := accts[providers.Upcoming]
	u.Credentials.Token = "upcoming+token/with=signs"
	accts[providers.Upcoming] = u
	p := accts[providers.PageSeeder]
	p.Credentials.RefreshToken = "ps+refresh/token=="
	accts[providers.PageSeeder] = p
	for _, pr := range fp.clients.All {
		_, err := pr.Memberships(context.Background(), accts[pr.Kind()])
		if err == nil {
			t.Fatalf("%s: no error", pr.Kind())
		}
		mu.Lock()
		creds := append([]string(nil), sent...)
		mu.Unlock()
		for _, c := range creds {
			for _, form := range []string{c, url.QueryEscape(c)} {
				if len(c) >= 8 && strings.Contains(err.Error(), form) {
					t.Errorf("%s: error %q contains the credential %q", pr.Kind(), err, form)
				}
			}
		}
	}
}

// Naming a POST for the metrics and the span must leave its form to be
// sent: with tracing on, the name is taken before the call, and PageSeeder's
// token exchange and the platforms' leave calls went out with an empty body.
func TestUpstreamMethodLeavesThePostBody(t *testing.T) {
	form := "method=flickr.groups.leave&group_id=42%40N01"
	r, _ := http.NewRequest(http.MethodPost, "https://api.flickr.example/services/rest", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := Method(r); got != "flickr.groups.leave" {
		t.Errorf("Method = %q, want flickr.groups.leave", got)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil || string(b) != form {
		t.Errorf("the body left to send is %q (%v), want %q", b, err, form)
	}
	if r.PostForm != nil || r.Form != nil {
		t.Error("Method changed the request")
	}
}

// verifyNoLeaks fails t if goroutines other than those opts ignore are
// still running 10 s from now. goleak.VerifyNone alone gives goroutines on
// their way out (a closed server's connections, a hung platform's handler)
// about half a second, which a loaded machine can take to run them to
// their end.
func verifyNoLeaks(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for goleak.Find(opts...) != nil && time.Now().Before(deadline) {
	}
	goleak.VerifyNone(t, opts...)
}
