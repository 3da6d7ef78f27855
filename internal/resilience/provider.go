package resilience

import (
	"context"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Options configure Wrap. The zero value gives the defaults below; a
// negative number turns the feature off where that is said.
type Options struct {
	// MaxAttempts is how many times a read is tried in all (default 3;
	// 1 turns retries off).
	MaxAttempts int
	// BaseDelay is the backoff before the first retry, doubled for each
	// later one and jittered (default 50 ms).
	BaseDelay time.Duration
	// MaxDelay caps the backoff (default 1 s).
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After a read waits for; a platform
	// asking for longer gets the error back at once instead (default 5 s).
	MaxRetryAfter time.Duration
	// RetryRatio is the retry budget: retries may add at most this fraction
	// of first attempts (default 0.1; negative: no retries beyond the
	// floor).
	RetryRatio float64
	// RetryFloor is the retries per second allowed even when the ratio is
	// spent, so that a quiet server can still retry (default 1; negative:
	// none).
	RetryFloor float64

	// BreakerFailures is how many consecutive unavailable or timed-out
	// calls open the circuit (default 5; negative: no breaker).
	BreakerFailures int
	// BreakerOpenFor is how long the circuit stays open before it lets
	// probes through (default 30 s).
	BreakerOpenFor time.Duration
	// BreakerProbes is how many calls the half-open circuit lets through;
	// that many successes close it (default 1).
	BreakerProbes uint32
	// BreakerWindow is how often a closed circuit forgets its counts
	// (default 60 s).
	BreakerWindow time.Duration

	// Cache holds public group details for every provider that shares it.
	// Nil: a MemoryCache of CacheSize entries kept CacheTTL.
	Cache Cache
	// CacheTTL and CacheSize size the default MemoryCache (defaults
	// DefaultCacheTTL, DefaultCacheSize). CacheTTL is ignored when Cache is
	// set: the Cache has its own.
	CacheTTL  time.Duration
	CacheSize int
	// DisableCache turns the details cache off; concurrent misses are still
	// coalesced.
	DisableCache bool

	// Observer is told about retries, breaker changes and cache use
	// (default NopObserver).
	Observer Observer
}

// Defaults of Options.
const (
	DefaultMaxAttempts     = 3
	DefaultBaseDelay       = 50 * time.Millisecond
	DefaultMaxDelay        = time.Second
	DefaultMaxRetryAfter   = 5 * time.Second
	DefaultRetryRatio      = 0.1
	DefaultRetryFloor      = 1.0
	DefaultBreakerFailures = 5
	DefaultBreakerOpenFor  = 30 * time.Second
	DefaultBreakerProbes   = 1
	DefaultBreakerWindow   = 60 * time.Second
)

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.RetryRatio == 0 {
		o.RetryRatio = DefaultRetryRatio
	}
	o.RetryRatio = max(o.RetryRatio, 0)
	if o.RetryFloor == 0 {
		o.RetryFloor = DefaultRetryFloor
	}
	if o.BreakerFailures == 0 {
		o.BreakerFailures = DefaultBreakerFailures
	}
	if o.BreakerOpenFor <= 0 {
		o.BreakerOpenFor = DefaultBreakerOpenFor
	}
	if o.BreakerProbes == 0 {
		o.BreakerProbes = DefaultBreakerProbes
	}
	if o.BreakerWindow <= 0 {
		o.BreakerWindow = DefaultBreakerWindow
	}
	if o.Observer == nil {
		o.Observer = NopObserver{}
	}
	if o.Cache == nil && !o.DisableCache {
		o.Cache = NewMemoryCache(o.CacheSize, o.CacheTTL)
	}
	if o.DisableCache {
		o.Cache = nil
	}
	return o
}

// Provider is a providers.Provider made resilient: reads are retried within
// a budget, a circuit breaker fails calls fast while the platform is down,
// and public group details are cached and their concurrent loads coalesced.
// It is safe for concurrent use.
type Provider struct {
	inner   providers.Provider
	kind    providers.Kind
	opts    Options
	breaker *breaker
	retries *retryBudget
	flights *flights
}

var _ providers.Provider = (*Provider)(nil)

// Wrap returns p made resilient with opts. Wrap each platform once and share
// the result across requests: the breaker, the retry budget and the in-flight
// table are per Provider.
func Wrap(p providers.Provider, opts Options) *Provider {
	opts = opts.withDefaults()
	kind := p.Kind()
	return &Provider{
		inner:   p,
		kind:    kind,
		opts:    opts,
		breaker: newBreaker(kind, opts),
		retries: newRetryBudget(opts.RetryRatio, opts.RetryFloor),
		flights: newFlights(),
	}
}

// Unwrap returns the wrapped provider, for callers that need an interface
// only the platform client implements (account linking, say).
func (p *Provider) Unwrap() providers.Provider { return p.inner }

// Kind implements providers.Provider.
func (p *Provider) Kind() providers.Kind { return p.kind }

// Capabilities implements providers.Provider.
func (p *Provider) Capabilities() providers.Capabilities { return p.inner.Capabilities() }

// Whoami implements providers.Provider, retrying.
func (p *Provider) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	return call(ctx, p, "Whoami", true, func(ctx context.Context) (providers.User, error) {
		return p.inner.Whoami(ctx, acct)
	})
}

// Memberships implements providers.Provider, retrying. Memberships depend on
// the viewer and are never cached.
func (p *Provider) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	return call(ctx, p, "Memberships", true, func(ctx context.Context) ([]providers.Membership, error) {
		return p.inner.Memberships(ctx, acct)
	})
}

// VisibleGroups implements providers.Provider, retrying. The list depends on
// the viewer and is never cached.
func (p *Provider) VisibleGroups(ctx context.Context, acct providers.Account) ([]providers.Group, error) {
	return call(ctx, p, "VisibleGroups", true, func(ctx context.Context) ([]providers.Group, error) {
		return p.inner.VisibleGroups(ctx, acct)
	})
}

// LeaveGroup implements providers.Provider. It is a write: never retried,
// since the platform may have acted on a call whose answer was lost. It may
// spend an upstream Budget's reserve (see WithReserve), and it drops the
// group's cached details whatever the outcome, since the member count may
// have changed.
func (p *Provider) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, opts providers.LeaveOptions) (providers.LeaveResult, error) {
	res, err := call(WithReserve(ctx), p, "LeaveGroup", false, func(ctx context.Context) (providers.LeaveResult, error) {
		return p.inner.LeaveGroup(ctx, acct, groupID, opts)
	})
	p.invalidate(ctx, groupID)
	return res, err
}

// State returns the circuit breaker's state: StateClosed, StateHalfOpen or
// StateOpen.
func (p *Provider) State() string { return p.breaker.state() }

// Health reports each provider's breaker state keyed by platform name, for
// /readyz and metrics. An open breaker need not make the server unready: the
// other providers' data is still served.
func Health(ps ...*Provider) map[string]string {
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[string(p.kind)] = p.State()
	}
	return out
}
