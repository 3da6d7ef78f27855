package pageseeder_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

// clock is a settable time shared by the client and the simulator.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sink records renewed credentials.
type sink struct {
	mu    sync.Mutex
	calls []providers.Credentials
	accts []providers.Account
	err   error
}

func (s *sink) CredentialsRenewed(_ context.Context, acct providers.Account, c providers.Credentials) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.accts = append(s.accts, acct)
	return s.err
}

func (s *sink) renewed() []providers.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]providers.Credentials(nil), s.calls...)
}

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a secret", err)
		}
	}
}

func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("an expired token is refreshed once, used afterwards and reported to the sink", func(t *testing.T) {
		t.Parallel()
		clk, snk := newClock(), &sink{}
		sb := newSandbox(t, pageseeder.Config{Clock: clk.Now, Credentials: snk}, pageseedertest.WithClock(clk.Now), pageseedertest.WithTokenLifetimes(time.Hour, 24*time.Hour))
		clk.Advance(2 * time.Hour)
		for range 3 {
			if _, err := sb.client.Whoami(ctx, sb.acct); err != nil {
				t.Fatalf("Whoami after expiry: %v", err)
			}
		}
		got := snk.renewed()
		if len(got) != 1 {
			t.Fatalf("sink told %d times, want 1", len(got))
		}
		if got[0].Token == sb.acct.Credentials.Token || got[0].RefreshToken == "" || !got[0].Expiry.Equal(clk.Now().Add(time.Hour)) {
			t.Errorf("renewed credentials are not a fresh token with a refresh token and a one-hour expiry")
		}
		if snk.accts[0].ID != sb.acct.ID || snk.accts[0].UserID != sb.acct.UserID {
			t.Errorf("sink told about account %q/%q, want %q/%q", snk.accts[0].ID, snk.accts[0].UserID, sb.acct.ID, sb.acct.UserID)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 1 {
			t.Errorf("token endpoint called %d times, want 1", n)
		}
	})

	t.Run("a 401 with a valid refresh token is refreshed and retried once", func(t *testing.T) {
		t.Parallel()
		snk := &sink{}
		sb := newSandbox(t, pageseeder.Config{Credentials: snk})
		acct := sb.acct
		// The token was revoked server-side but the refresh token is good.
		acct.Credentials = sb.sim.IssueToken(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID)
		acct.Credentials.Token = "revoked-access-token"
		if _, err := sb.client.Memberships(ctx, acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		if len(snk.renewed()) != 1 {
			t.Errorf("sink told %d times, want 1", len(snk.renewed()))
		}
	})

	t.Run("concurrent calls on an expired token share one refresh", func(t *testing.T) {
		t.Parallel()
		clk, snk := newClock(), &sink{}
		sb := newSandbox(t, pageseeder.Config{Clock: clk.Now, Credentials: snk}, pageseedertest.WithClock(clk.Now))
		clk.Advance(2 * time.Hour)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { _, errs[i] = sb.client.Memberships(ctx, sb.acct) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent Memberships: %v", err)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 1 {
			t.Errorf("token endpoint called %d times, want 1 (refresh tokens rotate, so a second refresh would fail)", n)
		}
		if len(snk.renewed()) != 1 {
			t.Errorf("sink told %d times, want 1", len(snk.renewed()))
		}
	})

	t.Run("a failing sink does not fail the call", func(t *testing.T) {
		t.Parallel()
		clk, snk := newClock(), &sink{err: errors.New("store down")}
		sb := newSandbox(t, pageseeder.Config{Clock: clk.Now, Credentials: snk}, pageseedertest.WithClock(clk.Now))
		clk.Advance(2 * time.Hour)
		if _, err := sb.client.Whoami(ctx, sb.acct); err != nil {
			t.Fatalf("Whoami: %v", err)
		}
		if _, err := sb.client.Whoami(ctx, sb.acct); err != nil {
			t.Fatalf("second Whoami: %v", err)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 1 {
			t.Errorf("token endpoint called %d times, want 1: the renewed token is kept", n)
		}
	})

	t.Run("a rejected refresh token is ErrUnauthenticated and leaks nothing", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		acct := sb.acct
		acct.Credentials = providers.Credentials{Token: "stale-access-token", RefreshToken: "stale-refresh-token"}
		_, err := sb.client.Whoami(ctx, acct)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("Whoami: %v, want ErrUnauthenticated", err)
		}
		if providers.ProviderCode(err) != "invalid_grant" {
			t.Errorf("ProviderCode = %q, want invalid_grant", providers.ProviderCode(err))
		}
		assertNoSecret(t, err, "stale-access-token", "stale-refresh-token", pageseedertest.SandboxClientSecret)
	})

	t.Run("a 401 after the refresh is ErrUnauthenticated", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		acct := sb.acct
		acct.Credentials.Token = "revoked-access-token"
		// Every service call answers 401, even with the new token.
		sb.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/ps/service/") {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			sb.sim.ServeHTTP(w, r)
		})
		_, err := sb.client.Whoami(ctx, acct)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("Whoami: %v, want ErrUnauthenticated", err)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 1 {
			t.Errorf("token endpoint called %d times, want 1", n)
		}
		assertNoSecret(t, err, "revoked-access-token", sb.acct.Credentials.RefreshToken)
	})

	t.Run("without a refresh token a 401 is ErrUnauthenticated without a refresh", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		acct := sb.acct
		acct.Credentials = providers.Credentials{Token: "unknown-access-token"}
		_, err := sb.client.VisibleGroups(ctx, acct)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("VisibleGroups: %v, want ErrUnauthenticated", err)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 0 {
			t.Errorf("token endpoint called %d times, want 0", n)
		}
	})
}

// noRedirect returns a copy of hc that stops at redirects, as a browser
// handing the redirect to groupgraph's callback would.
func noRedirect(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func TestAccountLinking(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cfg := pageseeder.Config{RedirectURL: pageseedertest.SandboxRedirectURL, Scopes: []string{"openid", "profile"}}

	t.Run("the authorization-code flow with PKCE links the member", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, cfg)
		sb.sim.AuthorizeAs(pageseedertest.SandboxMemberID)
		verifier := pageseeder.NewVerifier()
		resp, err := noRedirect(sb.srv.Client()).Get(sb.client.AuthCodeURL("state-123", verifier))
		if err != nil {
			t.Fatalf("authorize: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize status = %d, want 302", resp.StatusCode)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), pageseedertest.SandboxRedirectURL) || loc.Query().Get("state") != "state-123" {
			t.Fatalf("redirect = %q, want the callback with the state", resp.Header.Get("Location"))
		}
		acct, err := sb.client.Exchange(ctx, loc.Query().Get("code"), verifier)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if acct.Provider != providers.PageSeeder || acct.UserID != "1001" || acct.DisplayName != "Sam Sandbox" ||
			acct.Credentials.Token == "" || acct.Credentials.RefreshToken == "" || acct.Credentials.Expiry.IsZero() {
			t.Errorf("linked account = {%s %s %q token set %v}, want member 1001 with tokens", acct.Provider, acct.UserID, acct.DisplayName, acct.Credentials.Token != "")
		}
		if _, err := sb.client.Memberships(ctx, acct); err != nil {
			t.Errorf("Memberships with the linked account: %v", err)
		}
		// Codes are single-use.
		_, err = sb.client.Exchange(ctx, loc.Query().Get("code"), verifier)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("second Exchange: %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("a wrong verifier is rejected and leaks nothing", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, cfg)
		verifier := pageseeder.NewVerifier()
		code, err := sb.sim.Approve(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID, pageseedertest.SandboxRedirectURL, pageseeder.S256Challenge(verifier))
		if err != nil {
			t.Fatalf("Approve: %v", err)
		}
		_, err = sb.client.Exchange(ctx, code, pageseeder.NewVerifier())
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("Exchange with a wrong verifier: %v, want ErrUnauthenticated", err)
		}
		assertNoSecret(t, err, code, verifier, pageseedertest.SandboxClientSecret)
	})

	t.Run("a wrong client secret is ErrInternal, not a relink", func(t *testing.T) {
		t.Parallel()
		bad := cfg
		bad.ClientID, bad.ClientSecret = pageseedertest.SandboxClientID, "wrong-secret"
		sb := newSandbox(t, bad)
		verifier := pageseeder.NewVerifier()
		code, err := sb.sim.Approve(pageseedertest.SandboxMemberID, pageseedertest.SandboxClientID, pageseedertest.SandboxRedirectURL, pageseeder.S256Challenge(verifier))
		if err != nil {
			t.Fatalf("Approve: %v", err)
		}
		_, err = sb.client.Exchange(ctx, code, verifier)
		if !errors.Is(err, providers.ErrInternal) {
			t.Fatalf("Exchange: %v, want ErrInternal", err)
		}
		assertNoSecret(t, err, "wrong-secret", code)
	})

	t.Run("the authorize URL carries the client, state, scopes and an S256 challenge", func(t *testing.T) {
		t.Parallel()
		c, err := pageseeder.New(pageseeder.Config{BaseURL: "https://ps.example.com", ClientID: "0123456789abcdef", RedirectURL: "https://gg.example/cb", Scopes: []string{"openid", "email"}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(c.AuthCodeURL("st", "verifier-verifier-verifier-verifier-verifier"))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		checks := map[string]string{
			"response_type": "code", "client_id": "0123456789abcdef", "state": "st", "redirect_uri": "https://gg.example/cb",
			"scope": "openid email", "code_challenge_method": "S256",
			"code_challenge": pageseeder.S256Challenge("verifier-verifier-verifier-verifier-verifier"),
		}
		if u.Scheme+"://"+u.Host+u.Path != "https://ps.example.com/ps/oauth/authorize" {
			t.Errorf("authorize endpoint = %s", u.Scheme+"://"+u.Host+u.Path)
		}
		for k, want := range checks {
			if got := q.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
	})
}
