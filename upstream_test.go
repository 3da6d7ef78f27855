package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
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

// fakePlatforms are the four clients as newProviders wires them, all
// pointed at one upstream handler, and an account on each.
type fakePlatforms struct {
	clients platformClients
	accts   map[providers.Kind]providers.Account
}

func newFakePlatforms(t *testing.T, h http.Handler) *fakePlatforms {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	up := func() config.Upstream {
		return config.Upstream{BaseURL: srv.URL, Timeout: config.Duration(2 * time.Second)}
	}
	cfg := config.Providers{
		Flickr:     &config.Flickr{Upstream: up(), OAuthURL: srv.URL + "/oauth", ConsumerKey: "flickrkey", ConsumerSecret: "FLICKRCONSUMERSECRET"},
		Upcoming:   &config.Upcoming{Upstream: up(), APIKey: "UPCOMINGAPIKEY0123"},
		PageSeeder: &config.PageSeeder{Upstream: up(), ClientID: "client", ClientSecret: upPSClientSec},
		Akana:      &config.Akana{Upstream: up(), Tenant: "tenant"},
	}
	ps, err := newProviders(cfg, nil, newUpstreams(nil, "", nil))
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
			for _, p := range fp.clients.all {
				acct := fp.accts[p.Kind()]
				if _, err := p.Memberships(ctx, acct); !errors.Is(err, providers.ErrUnavailable) {
					t.Errorf("%s Memberships error = %v, want unavailable", p.Kind(), err)
				}
				if _, err := p.LeaveGroup(ctx, acct, "1", providers.LeaveOptions{}); err == nil {
					t.Errorf("%s LeaveGroup succeeded through a redirect", p.Kind())
				}
			}
			if _, err := fp.clients.akana.Login(ctx, "someone@example.com", upAkanaPassword); !errors.Is(err, providers.ErrUnavailable) {
				t.Errorf("akana Login error = %v, want unavailable", err)
			}
			if got := elsewhere.requests(); len(got) > 0 {
				t.Errorf("the other host got %d requests, the first:\n%s", len(got), got[0])
			}
		})
	}
}
