package pageseeder_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

// A caller that gives up while its token refresh is on the wire does not
// throw the refresh away: PageSeeder has already rotated the refresh token,
// so a lost answer would leave the account with a spent refresh token and
// make the viewer relink it. The refresh completes, and the next call uses
// its tokens.
func TestACancelledCallerDoesNotLoseARotatedRefreshToken(t *testing.T) {
	clk, snk := newClock(), &sink{}
	sim := pageseedertest.New(pageseedertest.WithClock(clk.Now))
	acct, err := sim.SeedSandbox()
	if err != nil {
		t.Fatal(err)
	}
	rotated, cancelled := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/ps/oauth/token" {
			sim.ServeHTTP(w, r)
			return
		}
		// The platform rotates the tokens, then answers only once the
		// caller has given up, however slowly the machine runs.
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		once.Do(func() { close(rotated) })
		<-cancelled
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	c, err := pageseeder.New(pageseeder.Config{BaseURL: srv.URL, ClientID: pageseedertest.SandboxClientID,
		ClientSecret: pageseedertest.SandboxClientSecret, HTTPClient: srv.Client(), Clock: clk.Now, Credentials: snk})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour) // the access token has expired

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-rotated; cancel(); close(cancelled) }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.Memberships(ctx, acct)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call did not return")
	}

	if _, err := c.Memberships(context.Background(), acct); err != nil {
		t.Fatalf("the next call: %v (the rotated refresh token was lost)", err)
	}
	if n := sim.CountRequests(http.MethodPost, "/ps/oauth/token"); n != 1 {
		t.Errorf("token endpoint called %d times, want 1", n)
	}
	if len(snk.renewed()) != 1 {
		t.Errorf("sink told %d times, want 1: the store must keep the rotated tokens", len(snk.renewed()))
	}
}
