package resilience

import (
	"context"
	"errors"
	"fmt"

	"github.com/sony/gobreaker/v2"

	"github.com/groupgraph/groupgraph/providers"
)

// ErrCircuitOpen is wrapped, together with providers.ErrUnavailable, by the
// error a call gets when the provider's circuit breaker refuses it without
// asking the platform.
var ErrCircuitOpen = errors.New("circuit open")

// Breaker states, as State and Health report them.
const (
	StateClosed   = "closed"
	StateHalfOpen = "half-open"
	StateOpen     = "open"
)

// errExcluded marks an outcome the breaker must not count: the caller gave
// up, or the platform only asked us to slow down.
var errExcluded = errors.New("excluded from breaker counts")

// breaker is one provider's circuit breaker. It counts only failures that
// mean the platform is unhealthy (unavailable, timed out): a not-found or a
// rejected token is the platform working correctly, and a rate limit is
// politeness, not ill health.
type breaker struct {
	kind providers.Kind
	cb   *gobreaker.TwoStepCircuitBreaker[struct{}] // nil: disabled
}

func newBreaker(kind providers.Kind, opts Options) *breaker {
	b := &breaker{kind: kind}
	if opts.BreakerFailures < 0 {
		return b
	}
	threshold := uint32(opts.BreakerFailures)
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        string(kind),
		MaxRequests: opts.BreakerProbes,
		Interval:    opts.BreakerWindow,
		Timeout:     opts.BreakerOpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			opts.Observer.BreakerStateChanged(kind, from.String(), to.String())
		},
		IsExcluded:   func(err error) bool { return errors.Is(err, errExcluded) },
		IsSuccessful: func(err error) bool { return err == nil || !unhealthy(err) },
	})
	return b
}

// allow asks whether a call may go to the platform. When it may, done must be
// called with the call's context and outcome.
func (b *breaker) allow(op string) (done func(context.Context, error), err error) {
	if b.cb == nil {
		return func(context.Context, error) {}, nil
	}
	report, err := b.cb.Allow()
	if err != nil {
		// ErrOpenState or ErrTooManyRequests (half-open, probes in
		// flight): both mean "not now" to the caller.
		return nil, fmt.Errorf("%s %s: %w: %w (%s)", b.kind, op, providers.ErrUnavailable, ErrCircuitOpen, b.state())
	}
	return func(ctx context.Context, err error) {
		if err != nil && (ctx.Err() == context.Canceled || providers.KindOf(err) == providers.ErrRateLimited) {
			err = errExcluded
		}
		report(err)
	}, nil
}

// state is the breaker's state as text.
func (b *breaker) state() string {
	if b.cb == nil {
		return StateClosed
	}
	return b.cb.State().String()
}

// unhealthy reports whether err says the platform itself is failing. A
// *providers.BatchError is unhealthy only when every failure in it is: a
// platform that answers for some groups is up.
func unhealthy(err error) bool {
	var be *providers.BatchError
	if errors.As(err, &be) {
		for _, e := range be.Failed {
			if !unhealthy(e) {
				return false
			}
		}
		return len(be.Failed) > 0
	}
	switch providers.KindOf(err) {
	case providers.ErrUnavailable, providers.ErrTimeout:
		return true
	}
	return false
}

// isCircuitOpen reports whether err is the breaker's own refusal.
func isCircuitOpen(err error) bool { return errors.Is(err, ErrCircuitOpen) }
