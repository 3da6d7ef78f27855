package upstream

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// WithDefaultURLs returns the platforms' settings with each URL left empty
// replaced by the one the client falls back to, so that a check of where
// the credentials go sees Upcoming's plain-http default too.
func WithDefaultURLs(p config.Providers) config.Providers {
	if c := p.Upcoming; c != nil && c.BaseURL == "" {
		u := *c
		u.BaseURL = upcoming.DefaultBaseURL
		p.Upcoming = &u
	}
	return p
}

// Clients are the configured platforms' clients: all of them as
// providers, and the concrete clients the linking flows need.
type Clients struct {
	All        []providers.Provider
	Flickr     *flickr.Client
	PageSeeder *pageseeder.Client
	Upcoming   *upcoming.Client
	Akana      *akana.Client
}

// NewRegistry builds every configured platform's client and wraps it:
// outermost the resilience layer (retries, breaker, shared cache), inside it
// the account bookkeeping when there is a store, so that every attempt that
// reaches a platform marks its account and audits its leave.
func NewRegistry(cfg config.Providers, up *Upstreams, st store.Store, statuses *accounts.Statuses, logger *slog.Logger) (*providers.Registry, Clients, error) {
	var sink providers.CredentialSink
	if st != nil {
		sink = store.NewCredentialSink(st).WithLogger(logger)
	}
	ps, err := NewClients(cfg, sink, up)
	if err != nil {
		return nil, ps, err
	}
	decorated := make([]providers.Provider, 0, len(ps.All))
	for _, p := range ps.All {
		if st != nil {
			p = accounts.Decorate(p, st, statuses, logger)
		}
		decorated = append(decorated, up.Wrap(p, Of(cfg, p.Kind())))
	}
	return providers.NewRegistry(decorated...), ps, nil
}

// Of returns the shared upstream settings of platform k.
func Of(cfg config.Providers, k providers.Kind) config.Upstream {
	switch {
	case k == providers.Flickr && cfg.Flickr != nil:
		return cfg.Flickr.Upstream
	case k == providers.Upcoming && cfg.Upcoming != nil:
		return cfg.Upcoming.Upstream
	case k == providers.PageSeeder && cfg.PageSeeder != nil:
		return cfg.PageSeeder.Upstream
	case k == providers.Akana && cfg.Akana != nil:
		return cfg.Akana.Upstream
	}
	return config.Upstream{}
}

// AnyConfigured reports whether at least one platform is configured.
func AnyConfigured(cfg config.Providers) bool {
	return cfg.Flickr != nil || cfg.PageSeeder != nil || cfg.Upcoming != nil || cfg.Akana != nil
}

// NewClients builds a client for every configured platform. Credentials a
// client renews on its own go to sink, so that they outlive the process.
func NewClients(cfg config.Providers, sink providers.CredentialSink, up *Upstreams) (Clients, error) {
	var ps Clients
	if c := cfg.Flickr; c != nil {
		p, err := flickr.New(flickr.Config{
			BaseURL: c.BaseURL, OAuthURL: c.OAuthURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
			MaxConcurrency: c.MaxConcurrency, HTTPClient: up.HTTPClient(providers.Flickr, c.Upstream),
		})
		if err != nil {
			return ps, fmt.Errorf("providers.flickr: %w", err)
		}
		ps.Flickr = p
		ps.All = append(ps.All, p)
	}
	if c := cfg.PageSeeder; c != nil {
		p, err := pageseeder.New(pageseeder.Config{
			BaseURL: c.BaseURL, ServicePrefix: c.ServicePrefix, TokenURL: c.TokenURL, AuthorizeURL: c.AuthorizeURL,
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, Scopes: c.Scopes,
			HTTPClient: up.HTTPClient(providers.PageSeeder, c.Upstream), Credentials: sink,
		})
		if err != nil {
			return ps, fmt.Errorf("providers.pageseeder: %w", err)
		}
		ps.PageSeeder = p
		ps.All = append(ps.All, p)
	}
	if c := cfg.Upcoming; c != nil {
		loc := time.UTC
		if c.TimeZone != "" {
			var err error
			if loc, err = time.LoadLocation(c.TimeZone); err != nil {
				return ps, fmt.Errorf("providers.upcoming.timezone: %w", err)
			}
		}
		p, err := upcoming.New(upcoming.Config{
			BaseURL: c.BaseURL, SiteURL: c.SiteURL, APIKey: c.APIKey, Location: loc, MaxBatch: c.MaxBatch, XML: c.XML,
			HTTPClient: up.HTTPClient(providers.Upcoming, c.Upstream),
		})
		if err != nil {
			return ps, fmt.Errorf("providers.upcoming: %w", err)
		}
		ps.Upcoming = p
		ps.All = append(ps.All, p)
	}
	if c := cfg.Akana; c != nil {
		p, err := akana.New(akana.Config{
			BaseURL: c.BaseURL, Tenant: c.Tenant, RenewBefore: time.Duration(c.RenewBefore), Concurrency: c.Concurrency,
			HTTPClient: up.HTTPClient(providers.Akana, c.Upstream), Sink: sink,
		})
		if err != nil {
			return ps, fmt.Errorf("providers.akana: %w", err)
		}
		ps.Akana = p
		ps.All = append(ps.All, p)
	}
	return ps, nil
}
