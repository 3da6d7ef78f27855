// Package upstream wires what stands between groupgraph and each platform:
// the platforms' clients built from the configuration, their tuned HTTP
// clients with call budgets, and the resilience layer (retries, circuit
// breaker, shared details cache) and account bookkeeping around them.
package upstream

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/providers"
)

// Upstreams builds what stands between groupgraph and each platform: a
// tuned HTTP client with the platform's call budget, and the resilience
// decorator (retries for reads, circuit breaker, shared details cache). One
// value per process, so that budgets and caches survive a sandbox reset's
// rebuild of the clients.
type Upstreams struct {
	redis     redis.UniversalClient // nil without redis_url
	prefix    string
	telemetry *telemetry.Telemetry // nil records nothing
	budgets   map[providers.Kind]*resilience.Budget
	caches    map[providers.Kind]resilience.Cache

	mu      sync.Mutex
	current map[providers.Kind]*resilience.Provider
}

// New returns the process's upstreams: budgets and caches in rdb when it
// is not nil, under prefix; upstream calls recorded in tel when it is not nil.
func New(rdb *redis.Client, prefix string, tel *telemetry.Telemetry) *Upstreams {
	u := &Upstreams{prefix: prefix, telemetry: tel, budgets: map[providers.Kind]*resilience.Budget{},
		caches: map[providers.Kind]resilience.Cache{}, current: map[providers.Kind]*resilience.Provider{}}
	if rdb != nil {
		u.redis = rdb
	}
	return u
}

// Health reports each platform's circuit breaker state, for /readyz.
func (u *Upstreams) Health() map[string]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	ps := make([]*resilience.Provider, 0, len(u.current))
	for _, p := range u.current {
		ps = append(ps, p)
	}
	return resilience.Health(ps...)
}

// ForgetCaches drops the shared details caches, so that the clients the
// next wrap builds start empty: after a sandbox reset the cached groups are
// the old simulators'. Call it only while no Wrap runs.
func (u *Upstreams) ForgetCaches() {
	clear(u.caches)
}

// metricsObserver turns the resilience layer's events into metrics.
type metricsObserver struct {
	resilience.NopObserver
	m *telemetry.Metrics
}

func (o metricsObserver) BreakerStateChanged(k providers.Kind, _, to string) {
	o.m.SetBreakerState(string(k), to)
}

func (o metricsObserver) CacheHits(_ providers.Kind, n int) {
	for range n {
		o.m.CacheLookup("groups", true)
	}
}

func (o metricsObserver) CacheMisses(_ providers.Kind, n int) {
	for range n {
		o.m.CacheLookup("groups", false)
	}
}

// budget returns platform k's call budget, or nil when it has none.
// Flickr's defaults to its documented 3,600 calls per hour per key.
func (u *Upstreams) budget(k providers.Kind, c config.Upstream) *resilience.Budget {
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
		KeyPrefix: u.prefix + "budget:",
	})
	u.budgets[k] = b
	return b
}

// HTTPClient returns platform k's HTTP client.
func (u *Upstreams) HTTPClient(k providers.Kind, c config.Upstream) *http.Client {
	var mw []func(http.RoundTripper) http.RoundTripper
	if u.telemetry != nil {
		mw = append(mw, func(next http.RoundTripper) http.RoundTripper {
			return u.telemetry.Transport(string(k), next, telemetry.WithMethod(Method))
		})
	}
	if b := u.budget(k, c); b != nil {
		mw = append(mw, b.Transport)
	}
	return resilience.NewHTTPClient(resilience.HTTPOptions{Timeout: time.Duration(c.Timeout), Middleware: mw})
}

// Wrap puts the resilience layer around platform k's client.
func (u *Upstreams) Wrap(p providers.Provider, c config.Upstream) providers.Provider {
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
				cache = resilience.NewRedisCache(u.redis, u.prefix+"group:", ttl)
			} else {
				cache = resilience.NewMemoryCache(10000, ttl)
			}
			u.caches[k] = cache
		}
		opts.Cache = cache
	}
	if m := u.telemetry.Metrics(); m != nil {
		opts.Observer = metricsObserver{m: m}
	}
	w := resilience.Wrap(p, opts)
	u.mu.Lock()
	u.current[k] = w
	u.mu.Unlock()
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

// Method names an upstream call for metrics: the RPC method of
// Flickr and Upcoming (their method parameter), or the HTTP method and the
// first path segment after the API root for PageSeeder and Akana.
func Method(r *http.Request) string {
	if m := r.URL.Query().Get("method"); m != "" {
		return m
	}
	if m := formMethod(r); m != "" {
		return m
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	for _, root := range []string{"ps/service/", "api/"} {
		path = strings.TrimPrefix(path, root)
	}
	first, _, _ := strings.Cut(path, "/")
	return r.Method + " " + first
}

// formMethod is the method parameter of a form POST, read from a copy of
// its body: the body itself is still to be sent, and a RoundTripper must
// not change the request (http.Request.ParseForm would consume both).
func formMethod(r *http.Request) string {
	if r.Method != http.MethodPost || r.GetBody == nil {
		return ""
	}
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
		return ""
	}
	body, err := r.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, 64<<10))
	if err != nil {
		return ""
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return ""
	}
	return form.Get("method")
}
