// Package sandbox runs every platform's simulator on loopback, seeded with
// the seed documents' data plus generated members, and describes how to
// reach them: the provider configuration pointing at the simulators and a
// viewer whose linked accounts hold the simulators' sandbox credentials. It
// is what `groupgraph -sandbox` serves, so that a developer can try the API
// with no platform account and no network.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

// Options shape the simulators.
type Options struct {
	// Latency is added to every simulator answer, plus up to Jitter.
	Latency time.Duration
	Jitter  time.Duration
	// FaultRates makes a platform fail that share (0 to 1) of its requests
	// with its own "temporarily unavailable" answer.
	FaultRates map[providers.Kind]float64
	// PublicURL is groupgraph's own base URL: PageSeeder's sandbox OAuth
	// client is registered with its account-linking callback, so that
	// linking works in the sandbox too.
	PublicURL string
	// Addrs are the listen addresses of the platforms' simulators, by
	// platform; a platform without one listens on a free loopback port.
	Addrs map[providers.Kind]string
}

// Sandbox is a set of running simulators.
type Sandbox struct {
	opts      Options
	platforms []*platform
	servers   []*http.Server
	viewer    atomic.Pointer[providers.Viewer]
	resetMu   sync.Mutex
}

// platform is one simulator behind a loopback listener whose handler can be
// swapped for a freshly seeded one.
type platform struct {
	kind    providers.Kind
	base    string
	handler atomic.Pointer[http.Handler]
	// seed creates a fresh, seeded simulator and returns it with the
	// sandbox account and its fault injector.
	seed func() (http.Handler, *fault.Injector, providers.Account, error)
	// configure points the provider configuration at base.
	configure func(p *config.Providers, base string)
	// counts are what reached the simulator: see Stats.
	counts counts
}

func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.counts.call(r)
	(*p.handler.Load()).ServeHTTP(w, r)
}

// platforms lists every simulator the sandbox runs.
func platforms(opts Options) []*platform {
	pageseederCallback := pageseedertest.SandboxRedirectURL
	upcomingCallback := ""
	if base := strings.TrimSuffix(opts.PublicURL, "/"); base != "" {
		pageseederCallback = base + "/connect/pageseeder/callback"
		upcomingCallback = base + "/connect/upcoming/callback"
	}
	return []*platform{
		{
			kind: providers.Flickr,
			seed: func() (http.Handler, *fault.Injector, providers.Account, error) {
				sim := flickrtest.New()
				acct := sim.SeedSandbox()
				return sim, sim.Faults(), acct, nil
			},
			configure: func(p *config.Providers, base string) {
				p.Flickr = &config.Flickr{
					Upstream:       config.Upstream{BaseURL: base + "/services/rest"},
					OAuthURL:       base + "/services/oauth",
					ConsumerKey:    flickrtest.SandboxConsumerKey,
					ConsumerSecret: flickrtest.SandboxConsumerSecret,
				}
			},
		},
		{
			kind: providers.Upcoming,
			seed: func() (http.Handler, *fault.Injector, providers.Account, error) {
				sim := upcomingtest.New()
				acct := sim.SeedSandbox()
				if upcomingCallback != "" {
					sim.SetCallback(upcomingtest.SandboxAPIKey, upcomingCallback)
					sim.AutoApprove(upcomingtest.SandboxUserID)
				}
				return sim, sim.Faults(), acct, nil
			},
			configure: func(p *config.Providers, base string) {
				p.Upcoming = &config.Upcoming{
					Upstream: config.Upstream{BaseURL: base + upcomingtest.Path},
					SiteURL:  base + "/",
					APIKey:   upcomingtest.SandboxAPIKey,
				}
			},
		},
		{
			kind: providers.PageSeeder,
			seed: func() (http.Handler, *fault.Injector, providers.Account, error) {
				sim := pageseedertest.New()
				acct, err := sim.SeedSandbox()
				sim.AddClient(pageseedertest.OAuthClient{ID: pageseedertest.SandboxClientID, Secret: pageseedertest.SandboxClientSecret,
					Grant: "authorization_code", RedirectURL: pageseederCallback})
				sim.AuthorizeAs(pageseedertest.SandboxMemberID)
				return sim, sim.Faults(), acct, err
			},
			configure: func(p *config.Providers, base string) {
				p.PageSeeder = &config.PageSeeder{
					Upstream:     config.Upstream{BaseURL: base},
					ClientID:     pageseedertest.SandboxClientID,
					ClientSecret: pageseedertest.SandboxClientSecret,
					RedirectURL:  pageseederCallback,
				}
			},
		},
		{
			kind: providers.Akana,
			seed: func() (http.Handler, *fault.Injector, providers.Account, error) {
				// Sessions outlive an idle afternoon in the playground; the
				// platform's 30-minute default would make the sandbox ask
				// for a relink.
				sim := akanatest.New(akanatest.Options{Tenant: akanatest.DefaultTenant, SessionTTL: 24 * time.Hour})
				acct := sim.SeedSandbox()
				return sim, sim.Faults(), acct, nil
			},
			configure: func(p *config.Providers, base string) {
				p.Akana = &config.Akana{Upstream: config.Upstream{BaseURL: base}, Tenant: akanatest.DefaultTenant}
			},
		},
	}
}

// Start seeds every simulator and serves each on its own loopback port.
func Start(opts Options) (*Sandbox, error) {
	s := &Sandbox{opts: opts, platforms: platforms(opts)}
	for _, p := range s.platforms {
		addr := opts.Addrs[p.kind]
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sandbox %s: %w", p.kind, err)
		}
		p.base = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second, ConnState: p.counts.connState}
		s.servers = append(s.servers, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	if err := s.Reset(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Reset replaces every simulator with a freshly seeded one, discarding all
// changes (leaves) made since, and gives the viewer fresh credentials.
// Clients built for the previous state should be rebuilt: renewed tokens
// they cached belong to the old simulators.
func (s *Sandbox) Reset() error {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	viewer := &providers.Viewer{ID: "sandbox", Name: "Sandbox Viewer"}
	for _, p := range s.platforms {
		h, inj, acct, err := p.seed()
		if err != nil {
			return fmt.Errorf("sandbox %s: %w", p.kind, err)
		}
		inj.Set(fault.Config{Latency: s.opts.Latency, Jitter: s.opts.Jitter, Rate: s.opts.FaultRates[p.kind], Kind: fault.Custom})
		p.handler.Store(&h)
		if acct.ID == "" {
			acct.ID = "sandbox-" + string(p.kind)
		}
		viewer.Accounts = append(viewer.Accounts, acct)
	}
	slices.SortFunc(viewer.Accounts, func(a, b providers.Account) int {
		return slices.Index(providers.Kinds, a.Provider) - slices.Index(providers.Kinds, b.Provider)
	})
	s.viewer.Store(viewer)
	return nil
}

// Providers returns the provider configuration that points at the
// simulators.
func (s *Sandbox) Providers() config.Providers {
	var p config.Providers
	for _, pl := range s.platforms {
		pl.configure(&p, pl.base)
	}
	return p
}

// UpcomingApprovalURL is the Upcoming simulator's approval page for the
// sandbox application, for the account-linking flow.
func (s *Sandbox) UpcomingApprovalURL() string {
	for _, p := range s.platforms {
		if p.kind == providers.Upcoming {
			return p.base + upcomingtest.ApprovalPath + "?api_key=" + upcomingtest.SandboxAPIKey
		}
	}
	return ""
}

// Viewer returns the sandbox viewer, linked to every simulator.
func (s *Sandbox) Viewer() *providers.Viewer { return s.viewer.Load() }

// Kinds returns the simulated platforms.
func (s *Sandbox) Kinds() []providers.Kind {
	var ks []providers.Kind
	for _, p := range s.platforms {
		ks = append(ks, p.kind)
	}
	return ks
}

// Close stops every simulator.
func (s *Sandbox) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	_ = errors.Join(errs...)
}
