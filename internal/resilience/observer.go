package resilience

import (
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Observer is told what the resilience layer did, so that a metrics layer
// can count it without this package importing one. Implementations must be
// safe for concurrent use and fast: they are called on the request path.
// Errors passed to an Observer are classified domain errors and never carry
// credentials. Embed NopObserver to implement only the methods you need.
type Observer interface {
	// Retried: a read failed with err and is tried again after wait; attempt
	// is the number of the attempt that failed (1 for the first).
	Retried(kind providers.Kind, op string, attempt int, wait time.Duration, err error)
	// RetryRefused: a retryable read was not retried; reason is one of
	// "budget" (the retry budget is spent), "deadline" (the wait would cross
	// the caller's deadline) or "retry_after" (the platform asked for a wait
	// longer than Options.MaxRetryAfter).
	RetryRefused(kind providers.Kind, op string, reason string)
	// BreakerStateChanged: the provider's circuit breaker moved between
	// "closed", "half-open" and "open".
	BreakerStateChanged(kind providers.Kind, from, to string)
	// CacheHits and CacheMisses count group IDs looked up in the details
	// cache.
	CacheHits(kind providers.Kind, n int)
	CacheMisses(kind providers.Kind, n int)
	// CacheFailed: the cache could not be read or written; the call went on
	// without it.
	CacheFailed(kind providers.Kind, err error)
	// Coalesced: n group IDs were served from another request's in-flight
	// upstream call instead of a call of their own.
	Coalesced(kind providers.Kind, n int)
	// BudgetRefused: the named upstream rate budget refused a request
	// without sending it.
	BudgetRefused(budget string)
}

// NopObserver ignores everything. It is the default Observer, and embedding
// it lets an Observer implement only some methods.
type NopObserver struct{}

var _ Observer = NopObserver{}

// Retried implements Observer.
func (NopObserver) Retried(providers.Kind, string, int, time.Duration, error) {}

// RetryRefused implements Observer.
func (NopObserver) RetryRefused(providers.Kind, string, string) {}

// BreakerStateChanged implements Observer.
func (NopObserver) BreakerStateChanged(providers.Kind, string, string) {}

// CacheHits implements Observer.
func (NopObserver) CacheHits(providers.Kind, int) {}

// CacheMisses implements Observer.
func (NopObserver) CacheMisses(providers.Kind, int) {}

// CacheFailed implements Observer.
func (NopObserver) CacheFailed(providers.Kind, error) {}

// Coalesced implements Observer.
func (NopObserver) Coalesced(providers.Kind, int) {}

// BudgetRefused implements Observer.
func (NopObserver) BudgetRefused(string) {}
