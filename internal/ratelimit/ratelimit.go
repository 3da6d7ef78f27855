// Package ratelimit meters each caller's use of the API in points, the way
// GitHub's GraphQL API does: every operation costs points derived from its
// complexity, a caller has a budget of points per window, and a request
// that would go over the budget is refused without being charged.
//
// The counters live in a Store: Memory for a single instance, Redis when
// several instances must share one budget per caller.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Defaults of Limiter.
const (
	DefaultPoints = 5000
	DefaultWindow = time.Hour
)

// Result is the state of one caller's budget after a Take.
type Result struct {
	// Allowed is false when the cost did not fit in what remained; the
	// budget was then left untouched.
	Allowed bool
	// Limit is the budget of a window, in points.
	Limit int
	// Cost is what this request costs, in points.
	Cost int
	// Used is how many points the window has used, this request included
	// when it was allowed.
	Used int
	// ResetAt is when the window ends and the budget is whole again.
	ResetAt time.Time
}

// Remaining is what is left of the budget.
func (r Result) Remaining() int { return max(0, r.Limit-r.Used) }

// Store keeps the points each key used in its current window. A window
// starts with a key's first charge and lasts window; Take charges cost only
// when used+cost stays within limit.
type Store interface {
	Take(ctx context.Context, key string, cost, limit int, window time.Duration) (Result, error)
}

// Limiter charges operations against a per-caller budget.
type Limiter struct {
	store  Store
	limit  int
	window time.Duration
}

// New returns a Limiter granting points per window to each key. Zero
// points or window take the defaults.
func New(store Store, points int, window time.Duration) *Limiter {
	if points <= 0 {
		points = DefaultPoints
	}
	if window <= 0 {
		window = DefaultWindow
	}
	return &Limiter{store: store, limit: points, window: window}
}

// Limit is the budget of a window.
func (l *Limiter) Limit() int { return l.limit }

// Take charges cost points to key. A cost below 1 is charged as 1, so that
// every request counts. A costlier request than the whole budget can never
// pass, and is refused at once.
func (l *Limiter) Take(ctx context.Context, key string, cost int) (Result, error) {
	if key == "" {
		return Result{}, errors.New("ratelimit: empty key")
	}
	cost = max(1, cost)
	res, err := l.store.Take(ctx, key, cost, l.limit, l.window)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: %w", err)
	}
	return res, nil
}

// CostOf turns an operation's complexity into points: one point per
// started hundred, at least one. A page of 100 connection items costs
// about as much as on GitHub.
func CostOf(complexity int) int {
	return max(1, (complexity+99)/100)
}
