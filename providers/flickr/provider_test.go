package flickr_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
)

func TestAccountLinkingAgainstTheSimulator(t *testing.T) {
	sb := newSandbox(t)
	ctx := t.Context()

	rt, err := sb.client.RequestToken(ctx, "https://groupgraph.example/link/flickr/callback")
	if err != nil {
		t.Fatalf("RequestToken: %v", err)
	}
	if !rt.CallbackConfirmed {
		t.Error("callback not confirmed")
	}
	authURL := sb.client.AuthorizeURL(rt.Token, "")
	u, _ := url.Parse(authURL)
	if u.Query().Get("perms") != "delete" || u.Query().Get("oauth_token") != rt.Token {
		t.Fatalf("AuthorizeURL = %s, want the token and perms=delete", authURL)
	}
	// The user approves in the browser; the simulator signs them in as the
	// sandbox user and redirects back.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	at, err := sb.client.AccessToken(ctx, rt, back.Query().Get("oauth_verifier"))
	if err != nil {
		t.Fatalf("AccessToken: %v", err)
	}
	if at.UserNSID != flickrtest.SandboxUserID || at.Username != "sandbox" || at.Fullname != "Sandbox Viewer" {
		t.Errorf("AccessToken = %s %q %q", at.UserNSID, at.Username, at.Fullname)
	}
	acct := at.Account("link-1")
	if u, err := sb.client.Whoami(ctx, acct); err != nil || u.ID != flickrtest.SandboxUserID || u.Name != "Sandbox Viewer" {
		t.Fatalf("Whoami with the new account = %+v, %v", u, err)
	}
	if _, err := sb.client.LeaveGroup(ctx, acct, flickrtest.SandboxSeedGroups[1], providers.LeaveOptions{}); err != nil {
		t.Fatalf("LeaveGroup with the delete token: %v", err)
	}

	t.Run("a wrong verifier is rejected", func(t *testing.T) {
		rt, err := sb.client.RequestToken(ctx, "oob")
		if err != nil {
			t.Fatal(err)
		}
		_, err = sb.client.AccessToken(ctx, rt, "not-the-verifier")
		assertKind(t, err, providers.ErrUnauthenticated)
		assertNoLeak(t, err, rt.Token, rt.Secret)
	})
	t.Run("a token granted read only may not leave", func(t *testing.T) {
		rt, err := sb.client.RequestToken(ctx, "oob")
		if err != nil {
			t.Fatal(err)
		}
		v, err := sb.sim.Authorize(rt.Token, flickrtest.SandboxUserID, flickrtest.PermRead)
		if err != nil {
			t.Fatal(err)
		}
		at, err := sb.client.AccessToken(ctx, rt, v)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sb.client.LeaveGroup(ctx, at.Account("link-2"), flickrtest.SandboxSeedGroups[2], providers.LeaveOptions{})
		assertKind(t, err, providers.ErrForbidden)
		assertNoLeak(t, err, at.Token, at.Secret)
	})
	t.Run("credentials do not print", func(t *testing.T) {
		for _, s := range []string{at.String(), rt.String()} {
			if containsAny(s, at.Token, at.Secret, rt.Token, rt.Secret) {
				t.Errorf("%q prints a credential", s)
			}
		}
	})
}

func TestLeaveReportsWhatFlickrDid(t *testing.T) {
	t.Run("the last member leaving reports the group deleted", func(t *testing.T) {
		sb := newSandbox(t)
		res, err := sb.client.LeaveGroup(t.Context(), sb.acct, flickrtest.SandboxSoleMemberGroup, providers.LeaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.GroupDeleted || res.Membership == nil || res.Membership.Role != providers.RoleAdmin || res.Membership.Status != providers.StatusRemoved {
			t.Fatalf("result = %+v, want deleted, the ended admin membership", res)
		}
	})
	t.Run("the last admin leaving promotes the oldest member, visible to them", func(t *testing.T) {
		sb := newSandbox(t)
		res, err := sb.client.LeaveGroup(t.Context(), sb.acct, flickrtest.SandboxLastAdminGroup, providers.LeaveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.GroupDeleted || res.Membership.Role != providers.RoleAdmin {
			t.Fatalf("result = %+v, want not deleted, ended role ADMIN", res)
		}
		promoted := providers.Account{Provider: providers.Flickr, UserID: "20000002@N07",
			Credentials: providers.Credentials{Token: "72157600000000042-4242", Secret: "4242secret"}}
		sb.sim.AddToken(flickrtest.Token{Token: promoted.Credentials.Token, Secret: promoted.Credentials.Secret,
			ConsumerKey: flickrtest.SandboxConsumerKey, UserID: promoted.UserID, Perms: flickrtest.PermRead})
		ms, err := sb.client.Memberships(t.Context(), promoted)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Group.ID == flickrtest.SandboxLastAdminGroup {
				if m.Role != providers.RoleAdmin {
					t.Errorf("promoted member's role = %s, want ADMIN", m.Role)
				}
				return
			}
		}
		t.Error("promoted member no longer lists the group")
	})
	t.Run("delete photos shrinks the pool by the member's photos", func(t *testing.T) {
		sb := newSandbox(t)
		g := flickrtest.SandboxSeedGroups[3]
		_, before, _ := sb.sim.Counts(g)
		if _, err := sb.client.LeaveGroup(t.Context(), sb.acct, g, providers.LeaveOptions{DeletePhotos: true}); err != nil {
			t.Fatal(err)
		}
		if _, after, _ := sb.sim.Counts(g); after != before-6 {
			t.Errorf("pool %d → %d, want the sandbox user's 6 photos gone", before, after)
		}
	})
}

func TestGroupsByIDFansOutWithBoundedConcurrency(t *testing.T) {
	sim := flickrtest.New()
	acct := sim.SeedSandbox()
	sim.Faults().Set(fault.Config{Latency: 20 * time.Millisecond})
	var mu sync.Mutex
	inFlight, peak, calls := 0, 0, 0
	// The first two calls wait for each other, so that a client running
	// two at a time reaches the bound however far apart a loaded machine
	// starts them; one running a call at a time leaves the first waiting
	// 10 s alone and the peak at 1.
	pair := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		calls++
		n := calls
		peak = max(peak, inFlight)
		mu.Unlock()
		switch n {
		case 1:
			select {
			case <-pair:
			case <-time.After(10 * time.Second):
			}
		case 2:
			close(pair)
		}
		sim.ServeHTTP(w, r)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	c, err := flickr.New(flickr.Config{BaseURL: srv.URL + "/services/rest", ConsumerKey: flickrtest.SandboxConsumerKey,
		ConsumerSecret: flickrtest.SandboxConsumerSecret, MaxConcurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	ids := append(append([]string{}, flickrtest.SandboxSeedGroups...), flickrtest.SandboxSeedGroups...)
	ids = append(ids, flickrtest.SandboxOtherGroup, flickrtest.SandboxHiddenGroup, flickrtest.SandboxLastAdminGroup)
	got, err := c.GroupsByID(t.Context(), acct, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || calls != 7 {
		t.Errorf("got %d groups from %d calls, want 6 groups (the hidden one absent) from 7 distinct ids", len(got), calls)
	}
	if peak > 2 || peak < 2 {
		t.Errorf("peak concurrency %d, want exactly the bound 2", peak)
	}
}

func TestGroupsByIDReportsPartialFailures(t *testing.T) {
	sb := newSandbox(t)
	sb.sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.Custom}})
	c, _ := flickr.New(flickr.Config{BaseURL: sb.srv.URL + "/services/rest", ConsumerKey: flickrtest.SandboxConsumerKey,
		ConsumerSecret: flickrtest.SandboxConsumerSecret, MaxConcurrency: 1})
	got, err := c.GroupsByID(t.Context(), sb.acct, flickrtest.SandboxSeedGroups)
	var be *providers.BatchError
	if !errors.As(err, &be) || len(be.Failed) != 1 || len(got) != 3 {
		t.Fatalf("GroupsByID = %d groups, %v; want 3 and a BatchError with 1 failure", len(got), err)
	}
	assertKind(t, err, providers.ErrUnavailable)
	if providers.ProviderCode(err) != "105" {
		t.Errorf("ProviderCode = %q, want 105", providers.ProviderCode(err))
	}
}

func TestASkewedClockIsRefused(t *testing.T) {
	sb := newSandbox(t)
	c, _ := flickr.New(flickr.Config{BaseURL: sb.srv.URL + "/services/rest", ConsumerKey: flickrtest.SandboxConsumerKey,
		ConsumerSecret: flickrtest.SandboxConsumerSecret, Clock: func() time.Time { return time.Now().Add(-time.Hour) }})
	_, err := c.Whoami(t.Context(), sb.acct)
	assertKind(t, err, providers.ErrInternal)
	assertNoLeak(t, err, sb.acct.Credentials.Token, sb.acct.Credentials.Secret, flickrtest.SandboxConsumerKey)
}

func TestSignatureFailuresFromTheSimulatorDoNotLeak(t *testing.T) {
	sb := newSandbox(t)
	c, _ := flickr.New(flickr.Config{BaseURL: sb.srv.URL + "/services/rest", ConsumerKey: flickrtest.SandboxConsumerKey,
		ConsumerSecret: "not-the-secret"})
	_, err := c.Whoami(t.Context(), sb.acct)
	assertKind(t, err, providers.ErrUnauthenticated)
	if providers.ProviderCode(err) != "96" {
		t.Errorf("ProviderCode = %q, want 96", providers.ProviderCode(err))
	}
	assertNoLeak(t, err, sb.acct.Credentials.Token, sb.acct.Credentials.Secret, flickrtest.SandboxConsumerKey, "not-the-secret")
}

func assertKind(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v is not %v", err, want)
	}
}

func assertNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err != nil && containsAny(err.Error(), secrets...) {
		t.Fatalf("error %q leaks a credential", err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if len(sub) >= 4 && len(s) >= len(sub) {
			for i := 0; i+len(sub) <= len(s); i++ {
				if s[i:i+len(sub)] == sub {
					return true
				}
			}
		}
	}
	return false
}

func TestCodesOnlyTheSimulatorCanBeToldToSend(t *testing.T) {
	tests := []struct {
		method string
		code   int
		kind   error
		call   func(*sandbox) error
	}{
		{"flickr.groups.leave", 106, providers.ErrUnavailable, func(sb *sandbox) error {
			_, err := sb.client.LeaveGroup(t.Context(), sb.acct, flickrtest.SandboxSeedGroups[0], providers.LeaveOptions{})
			return err
		}},
		{"flickr.people.getGroups", 114, providers.ErrInternal, func(sb *sandbox) error {
			_, err := sb.client.Memberships(t.Context(), sb.acct)
			return err
		}},
		{"flickr.test.login", 115, providers.ErrInternal, func(sb *sandbox) error {
			_, err := sb.client.Whoami(t.Context(), sb.acct)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" failing with "+itoa(tt.code)+" is "+tt.kind.Error(), func(t *testing.T) {
			sb := newSandbox(t)
			sb.sim.FailNext(tt.method, tt.code)
			err := tt.call(sb)
			assertKind(t, err, tt.kind)
			if providers.ProviderCode(err) != itoa(tt.code) {
				t.Errorf("ProviderCode = %q", providers.ProviderCode(err))
			}
		})
	}
}
