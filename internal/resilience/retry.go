package resilience

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/groupgraph/groupgraph/providers"
)

// retryBudget bounds retries to a fraction of first attempts, so that during
// an outage retries add at most that fraction to the load on the platform
// instead of multiplying it by the attempt count. Every first attempt
// deposits ratio tokens and every retry withdraws one; a small floor of
// retries per second keeps a quiet server able to retry at all.
type retryBudget struct {
	mu     sync.Mutex
	tokens float64
	ratio  float64
	max    float64
	floor  *rate.Limiter // nil: no floor
}

// retryBudgetCap bounds the saved-up tokens, so that a long healthy period
// cannot fund a burst of retries when the platform then fails.
const retryBudgetCap = 10

func newRetryBudget(ratio, floorPerSecond float64) *retryBudget {
	b := &retryBudget{ratio: ratio, max: retryBudgetCap}
	if floorPerSecond > 0 {
		burst := max(1, int(floorPerSecond))
		b.floor = rate.NewLimiter(rate.Limit(floorPerSecond), burst)
	}
	return b
}

// deposit records a first attempt.
func (b *retryBudget) deposit() {
	b.mu.Lock()
	b.tokens = min(b.max, b.tokens+b.ratio)
	b.mu.Unlock()
}

// withdraw reports whether one more retry may be made, spending it.
func (b *retryBudget) withdraw() bool {
	b.mu.Lock()
	if b.tokens >= 1 {
		b.tokens--
		b.mu.Unlock()
		return true
	}
	b.mu.Unlock()
	return b.floor != nil && b.floor.Allow()
}

// Reasons a retryable failure was not retried, as Observer.RetryRefused
// reports them.
const (
	refusedBudget     = "budget"
	refusedDeadline   = "deadline"
	refusedRetryAfter = "retry_after"
)

// nextWait returns how long to wait before retrying after the attempt-th
// failure err, or a reason not to retry. The backoff is exponential with
// equal jitter (half fixed, half random), so that callers that failed
// together do not come back together; the platform's Retry-After advice wins
// when it asks for longer, and a wait that would cross ctx's deadline is not
// worth starting.
func (p *Provider) nextWait(ctx context.Context, attempt int, took time.Duration, err error) (time.Duration, string) {
	d := p.opts.BaseDelay << (attempt - 1)
	if d <= 0 || d > p.opts.MaxDelay {
		d = p.opts.MaxDelay
	}
	d = d/2 + rand.N(d/2+1)
	if ra := providers.RetryAfter(err); ra > 0 {
		if ra > p.opts.MaxRetryAfter {
			return 0, refusedRetryAfter
		}
		d = max(d, ra)
	}
	// A retry must fit in what is left of the caller's deadline with room
	// to spare: the next attempt may take as long as the last one did (a
	// platform that hangs until the per-call timeout), and the rest of the
	// request (other platforms' detail calls) needs time after it. So retry
	// only while twice the last attempt fits after the backoff.
	if dl, ok := ctx.Deadline(); ok && !time.Now().Add(d+2*took).Before(dl) {
		return 0, refusedDeadline
	}
	return d, ""
}

// sleep waits d or until ctx ends, reporting whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// call runs fn through the circuit breaker and, for reads, retries it on
// retryable failures. It returns the last attempt's result and error, so
// that a partial GroupsByID result survives a final failure.
func call[T any](ctx context.Context, p *Provider, op string, read bool, fn func(context.Context) (T, error)) (T, error) {
	if read {
		p.retries.deposit()
	}
	for attempt := 1; ; attempt++ {
		done, err := p.breaker.allow(op)
		if err != nil {
			var zero T
			return zero, err
		}
		start := time.Now()
		res, err := try(ctx, fn, done)
		took := time.Since(start)
		if err == nil || !read || !providers.Retryable(err) || isCircuitOpen(err) || attempt >= p.opts.MaxAttempts {
			return res, err
		}
		wait, refused := p.nextWait(ctx, attempt, took, err)
		if refused == "" && !p.retries.withdraw() {
			refused = refusedBudget
		}
		if refused != "" {
			p.opts.Observer.RetryRefused(p.kind, op, refused)
			return res, err
		}
		p.opts.Observer.Retried(p.kind, op, attempt, wait, err)
		if !sleep(ctx, wait) {
			return res, err
		}
	}
}

// try runs fn once and reports its outcome to the breaker. A panic in fn
// (a decoder bug an answer triggered) is reported as an outcome the breaker
// does not count, then goes on up to whoever recovers it: left unreported,
// a half-open circuit would wait for its probe forever and refuse every
// call until a restart.
func try[T any](ctx context.Context, fn func(context.Context) (T, error), done func(context.Context, error)) (res T, err error) {
	reported := false
	defer func() {
		if !reported {
			done(ctx, errExcluded)
		}
	}()
	res, err = fn(ctx)
	reported = true
	done(ctx, err)
	return res, err
}
