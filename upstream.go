package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/providers"
)

// upstreams builds what stands between groupgraph and each platform: a
// tuned HTTP client with the platform's call budget, and the resilience
// decorator (retries for reads, circuit breaker, shared details cache). One
// value per process, so that budgets and caches survive a sandbox reset's
// rebuild of the clients.
type upstreams struct {
	redis   redis.UniversalClient
	budgets map[providers.Kind]*resilience.Budget
	caches  map[providers.Kind]resilience.Cache
	wrapped []*resilience.Provider
}

func newUpstreams(cfg config.Config) (*upstreams, error) {
	u := &upstreams{budgets: map[providers.Kind]*resilience.Budget{}, caches: map[providers.Kind]resilience.Cache{}}
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("redis_url: %w", err)
		}
		u.redis = redis.NewClient(opts)
	}
	return u, nil
}

func (u *upstreams) close() {
	if u.redis != nil {
		_ = u.redis.Close()
	}
}

// budget returns platform k's call budget, or nil when it has none.
// Flickr's defaults to its documented 3,600 calls per hour per key.
func (u *upstreams) budget(k providers.Kind, c config.Upstream) *resilience.Budget {
	if b, ok := u.budgets[k]; ok {
		return b
	}
	limit := c.Budget.Limit
	if limit == 0 && k == providers.Flickr {
		limit = resilience.DefaultBudgetLimit
	}
	if limit <= 0 {
		return nil
	}
	b := resilience.NewBudget(resilience.BudgetOptions{
		Name: string(k), Limit: limit, Per: time.Duration(c.Budget.Per), Reserve: c.Budget.Reserve, Redis: u.redis,
	})
	u.budgets[k] = b
	return b
}

// httpClient returns platform k's HTTP client.
func (u *upstreams) httpClient(k providers.Kind, c config.Upstream) *http.Client {
	var mw []func(http.RoundTripper) http.RoundTripper
	if b := u.budget(k, c); b != nil {
		mw = append(mw, b.Transport)
	}
	return resilience.NewHTTPClient(resilience.HTTPOptions{Timeout: time.Duration(c.Timeout), Middleware: mw})
}

// wrap puts the resilience layer around platform k's client.
func (u *upstreams) wrap(p providers.Provider, c config.Upstream) providers.Provider {
	k := p.Kind()
	opts := resilience.Options{
		MaxAttempts: c.Retries.MaxAttempts, BaseDelay: time.Duration(c.Retries.BaseDelay), MaxDelay: time.Duration(c.Retries.MaxDelay),
		BreakerFailures: c.Breaker.Failures, BreakerOpenFor: time.Duration(c.Breaker.OpenFor),
		CacheTTL: time.Duration(c.CacheTTL), DisableCache: c.Cache != nil && !*c.Cache,
	}
	if !opts.DisableCache {
		cache, ok := u.caches[k]
		if !ok {
			ttl := opts.CacheTTL
			if ttl <= 0 {
				ttl = 60 * time.Second
			}
			if u.redis != nil {
				cache = resilience.NewRedisCache(u.redis, "", ttl)
			} else {
				cache = resilience.NewMemoryCache(10000, ttl)
			}
			u.caches[k] = cache
		}
		opts.Cache = cache
	}
	w := resilience.Wrap(p, opts)
	u.wrapped = append(u.wrapped, w)
	return &reporting{Provider: w, budget: u.budgets[k]}
}

// reporting adds the platform's status to the wrapped provider, for
// Query.providers.
type reporting struct {
	*resilience.Provider
	budget *resilience.Budget
}

// Status implements providers.StatusReporter.
func (r *reporting) Status() providers.ProviderStatus {
	st := providers.ProviderStatus{Circuit: r.State()}
	if r.budget != nil {
		st.Budget = &providers.BudgetStatus{Limit: r.budget.Limit(), Remaining: r.budget.Remaining(), ResetAt: r.budget.ResetAt()}
	}
	return st
}
