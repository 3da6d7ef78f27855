package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// build wires groupgraph as the server does (server.go: newUpstreams,
// newProviders, newHandler), which lives in package main and so cannot be
// imported: each platform client gets a tuned HTTP client with its call
// budget and is wrapped by the resilience layer; one shared in-memory
// details cache per platform; /graphql behind authentication and the
// request deadline. Keep it in step with server.go; the package's tests
// run the same scenarios over the server's own wiring.
func build(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error) {
	var ps []providers.Provider
	client := func(k providers.Kind, u config.Upstream) *http.Client {
		var mw []func(http.RoundTripper) http.RoundTripper
		limit := u.Budget.Limit
		if limit == 0 && k == providers.Flickr {
			limit = resilience.DefaultBudgetLimit
		}
		if limit > 0 {
			b := resilience.NewBudget(resilience.BudgetOptions{Name: string(k), Limit: limit, Per: time.Duration(u.Budget.Per), Reserve: u.Budget.Reserve})
			mw = append(mw, b.Transport)
		}
		return resilience.NewHTTPClient(resilience.HTTPOptions{Timeout: time.Duration(u.Timeout), Middleware: mw})
	}
	wrap := func(p providers.Provider, u config.Upstream) providers.Provider {
		opts := resilience.Options{
			MaxAttempts: u.Retries.MaxAttempts, BaseDelay: time.Duration(u.Retries.BaseDelay), MaxDelay: time.Duration(u.Retries.MaxDelay),
			BreakerFailures: u.Breaker.Failures, BreakerOpenFor: time.Duration(u.Breaker.OpenFor),
			DisableCache: u.Cache != nil && !*u.Cache,
		}
		if !opts.DisableCache {
			opts.Cache = resilience.NewMemoryCache(10000, time.Duration(u.CacheTTL))
		}
		return resilience.Wrap(p, opts)
	}
	c := cfg.Providers
	if c.Flickr != nil {
		p, err := flickr.New(flickr.Config{BaseURL: c.Flickr.BaseURL, OAuthURL: c.Flickr.OAuthURL, ConsumerKey: c.Flickr.ConsumerKey,
			ConsumerSecret: c.Flickr.ConsumerSecret, MaxConcurrency: c.Flickr.MaxConcurrency, HTTPClient: client(providers.Flickr, c.Flickr.Upstream)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("flickr: %w", err)
		}
		ps = append(ps, wrap(p, c.Flickr.Upstream))
	}
	if c.PageSeeder != nil {
		p, err := pageseeder.New(pageseeder.Config{BaseURL: c.PageSeeder.BaseURL, ClientID: c.PageSeeder.ClientID,
			ClientSecret: c.PageSeeder.ClientSecret, RedirectURL: c.PageSeeder.RedirectURL, HTTPClient: client(providers.PageSeeder, c.PageSeeder.Upstream)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("pageseeder: %w", err)
		}
		ps = append(ps, wrap(p, c.PageSeeder.Upstream))
	}
	if c.Upcoming != nil {
		p, err := upcoming.New(upcoming.Config{BaseURL: c.Upcoming.BaseURL, SiteURL: c.Upcoming.SiteURL, APIKey: c.Upcoming.APIKey,
			MaxBatch: c.Upcoming.MaxBatch, HTTPClient: client(providers.Upcoming, c.Upcoming.Upstream)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("upcoming: %w", err)
		}
		ps = append(ps, wrap(p, c.Upcoming.Upstream))
	}
	if c.Akana != nil {
		p, err := akana.New(akana.Config{BaseURL: c.Akana.BaseURL, Tenant: c.Akana.Tenant, Concurrency: c.Akana.Concurrency,
			HTTPClient: client(providers.Akana, c.Akana.Upstream)})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("akana: %w", err)
		}
		ps = append(ps, wrap(p, c.Akana.Upstream))
	}
	reg := providers.NewRegistry(ps...)
	gql := graph.NewHandler(graph.HandlerConfig{Registry: reg, MaxBodyBytes: cfg.MaxBodyBytes, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	timeout := time.Duration(cfg.RequestTimeout)
	mux := http.NewServeMux()
	mux.Handle("/graphql", auth.Middleware(auth.NewStatic(viewers), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		gql.ServeHTTP(w, r.WithContext(ctx))
	})))
	return mux, reg, func() {}, nil
}
