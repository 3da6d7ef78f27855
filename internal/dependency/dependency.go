// Package dependency keeps groupgraph answering when one of its own backing
// services fails: Redis (rate limits, persisted queries, the shared details
// cache, the upstream budgets) or the store's database (tokens, linked
// accounts, link states, the audit log).
//
// A Guard stands in front of one such service. Every call through it gets
// the guard's short timeout, well under a request's deadline; after a call
// fails, the guard fails the calls that follow at once, without asking the
// service, for a pause; then it lets one call through to try again, and
// either the service answers (everything flows again) or the pause starts
// over. A frozen Redis thus costs a request at most one timeout, and each
// pause one request one timeout, while the callers fall back as they each
// document (a cache miss, a local budget, a request let through).
//
// The guard logs once per change of state, never per call: when the service
// starts failing, with the error, and when it answers again, with how long
// it was away and how many calls failed or were skipped meanwhile.
//
// Failures are the service's own, named as such (an *Error wrapping
// ErrUnavailable): callers never pass one off as a platform's failure.
package dependency

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnavailable matches every failure a Guard reports: the service timed
// out, refused or broke the connection, or is being skipped after a failure.
var ErrUnavailable = errors.New("unavailable")

// Error is a call a Guard failed or skipped.
type Error struct {
	// Dependency names the service ("redis", "store").
	Dependency string
	// Skipped says the service was not asked: it failed shortly before.
	Skipped bool
	// Err is the service's own error (nil when skipped).
	Err error
}

// Error says which service failed and how, without any argument of the
// call (a key or a query could hold a secret).
func (e *Error) Error() string {
	if e.Skipped {
		return fmt.Sprintf("%s: %v: not asked while it recovers from a failure", e.Dependency, ErrUnavailable)
	}
	return fmt.Sprintf("%s: %v: %v", e.Dependency, ErrUnavailable, e.Err)
}

// Unwrap makes the error match ErrUnavailable and the service's error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.Err}
}

// Defaults of Options.
const (
	DefaultPause = time.Second
)

// Options configure a Guard.
type Options struct {
	// Name names the service in errors, logs and metrics.
	Name string
	// Timeout bounds every call; required.
	Timeout time.Duration
	// Pause is how long calls are skipped after a failure (default
	// DefaultPause). It bounds how late the guard notices the service's
	// return.
	Pause time.Duration
	// IsFailure tells a failure of the service (a timeout, a refused or
	// broken connection) from an answer that happens to be an error (a
	// missing key, a constraint violation). Nil counts every error except
	// the caller's own cancellation.
	IsFailure func(error) bool
	// Logger receives the changes of state (default: discarded).
	Logger *slog.Logger
	// Observer, when set, is told of each change of state: up is false
	// when the service starts failing and true when it answers again.
	Observer func(name string, up bool)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Guard stands in front of one backing service; see the package comment.
// It is safe for concurrent use.
type Guard struct {
	opts Options

	// pausedUntil is, while the service is failing, when the next call may
	// try it (unix nanoseconds); 0 while it is healthy. The call that moves
	// it forward is the one that tries.
	pausedUntil atomic.Int64
	failures    atomic.Int64 // calls failed in the current outage
	skipped     atomic.Int64 // calls skipped in the current outage

	mu    sync.Mutex
	down  bool
	since time.Time // when the current outage began
}

// New returns a Guard configured by opts.
func New(opts Options) *Guard {
	if opts.Pause <= 0 {
		opts.Pause = DefaultPause
	}
	if opts.Timeout <= 0 {
		panic("dependency: a Guard needs a timeout")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Guard{opts: opts}
}

// Name returns the service's name.
func (g *Guard) Name() string { return g.opts.Name }

// Timeout returns the bound of one call.
func (g *Guard) Timeout() time.Duration { return g.opts.Timeout }

// Up reports whether the service answered the last call that tried it.
func (g *Guard) Up() bool { return g.pausedUntil.Load() == 0 }

// Do runs fn with a context bounded by the guard's timeout, unless the
// service failed shortly before and ctx is not marked Urgent: then it
// returns an *Error with Skipped set without running fn. A failure of fn
// (see Options.IsFailure) is returned as an *Error and pauses the service;
// any other error is returned as fn returned it.
func (g *Guard) Do(ctx context.Context, fn func(context.Context) error) error {
	if ctx.Value(insideKey{g}) != nil {
		// A call this guard already admitted, reentering it (go-redis runs
		// some commands through its pipeline hooks from inside the
		// command's own): it is part of that call, not another.
		return fn(ctx)
	}
	if !isUrgent(ctx) && !g.admit() {
		g.skipped.Add(1)
		if w := waitsOf(ctx); w != nil {
			w.skipped.Add(1)
		}
		return &Error{Dependency: g.opts.Name, Skipped: true}
	}
	return g.run(ctx, fn)
}

type urgentKey struct{}

// insideKey marks the context of a call g admitted.
type insideKey struct{ g *Guard }

// Urgent marks ctx's calls as worth trying even while their service
// recovers from a failure: an invalidation, credentials a platform has just
// rotated. They still get the guard's timeout.
func Urgent(ctx context.Context) context.Context {
	return context.WithValue(ctx, urgentKey{}, true)
}

func isUrgent(ctx context.Context) bool {
	u, _ := ctx.Value(urgentKey{}).(bool)
	return u
}

// admit reports whether a call may ask the service: always while it is
// healthy; while it fails, one call per pause.
func (g *Guard) admit() bool {
	until := g.pausedUntil.Load()
	if until == 0 {
		return true
	}
	now := g.opts.Now().UnixNano()
	if now < until {
		return false
	}
	// The pause is over: the call that moves it on is the one that tries.
	return g.pausedUntil.CompareAndSwap(until, now+g.opts.Pause.Nanoseconds())
}

func (g *Guard) run(ctx context.Context, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, insideKey{g}, true), g.opts.Timeout)
	defer cancel()
	start := g.opts.Now()
	err := fn(cctx)
	switch {
	case err == nil:
		g.succeeded(ctx)
		return nil
	case ctx.Err() != nil:
		return err // the caller gave up: says nothing about the service
	case cctx.Err() != nil || g.isFailure(err):
		if w := waitsOf(ctx); w != nil && cctx.Err() != nil {
			w.timedOut(start, g.opts.Now())
		}
		g.failed(ctx, err)
		return &Error{Dependency: g.opts.Name, Err: err}
	}
	g.succeeded(ctx) // an answer, even if an unwelcome one
	return err
}

func (g *Guard) isFailure(err error) bool {
	if g.opts.IsFailure == nil {
		return true
	}
	return g.opts.IsFailure(err)
}

func (g *Guard) failed(ctx context.Context, err error) {
	g.failures.Add(1)
	now := g.opts.Now()
	g.pausedUntil.Store(now.Add(g.opts.Pause).UnixNano())
	g.mu.Lock()
	wasDown := g.down
	if !wasDown {
		g.down, g.since = true, now
	}
	g.mu.Unlock()
	if wasDown {
		return
	}
	g.opts.Logger.WarnContext(ctx, g.opts.Name+" failed: calls to it are skipped until it answers again",
		"dependency", g.opts.Name, "error", err.Error(), "timeout", g.opts.Timeout.String(), "retry_every", g.opts.Pause.String())
	if g.opts.Observer != nil {
		g.opts.Observer(g.opts.Name, false)
	}
}

func (g *Guard) succeeded(ctx context.Context) {
	if g.pausedUntil.Load() == 0 {
		return
	}
	g.mu.Lock()
	if !g.down {
		g.mu.Unlock()
		return
	}
	g.down = false
	since := g.since
	g.pausedUntil.Store(0)
	failures, skipped := g.failures.Swap(0), g.skipped.Swap(0)
	g.mu.Unlock()
	g.opts.Logger.InfoContext(ctx, g.opts.Name+" recovered",
		"dependency", g.opts.Name, "down_for", g.opts.Now().Sub(since).Round(time.Millisecond).String(),
		"failed_calls", failures, "skipped_calls", skipped)
	if g.opts.Observer != nil {
		g.opts.Observer(g.opts.Name, true)
	}
}

// Waits counts, for one request, the calls that waited out a guard's
// timeout and the calls a guard skipped. The tests read it; attach it with
// WithWaits.
type Waits struct {
	mu       sync.Mutex
	timeouts int       // calls that timed out
	paid     int       // timeouts the request waited one after another
	paidTill time.Time // end of the last timeout counted in paid
	skipped  atomic.Int64
}

// timedOut records a call that ran from start to end and timed out. Calls
// whose waits overlap (a request's parallel loads) cost the request one
// wait, and count once in Paid.
func (w *Waits) timedOut(start, end time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timeouts++
	if !start.Before(w.paidTill) {
		w.paid++
	}
	if end.After(w.paidTill) {
		w.paidTill = end
	}
}

// Timeouts returns how many calls of the request waited a guard's whole
// timeout.
func (w *Waits) Timeouts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.timeouts
}

// Paid returns how many timeouts the request waited one after another:
// timeouts of calls that overlapped count once.
func (w *Waits) Paid() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paid
}

// Skipped returns how many calls of the request a guard skipped.
func (w *Waits) Skipped() int64 { return w.skipped.Load() }

type waitsKey struct{}

// WithWaits returns ctx carrying a fresh Waits, and the Waits.
func WithWaits(ctx context.Context) (context.Context, *Waits) {
	w := &Waits{}
	return context.WithValue(ctx, waitsKey{}, w), w
}

func waitsOf(ctx context.Context) *Waits {
	w, _ := ctx.Value(waitsKey{}).(*Waits)
	return w
}
