package resilience

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

func breakerOptions(rec *recorder) Options {
	opts := fastOptions()
	opts.MaxAttempts = 1
	opts.BreakerFailures = 3
	opts.BreakerOpenFor = 60 * time.Millisecond
	opts.Observer = rec
	return opts
}

func TestBreaker(t *testing.T) {
	ctx := context.Background()

	// The circuit's open period runs on the wall clock (gobreaker takes no
	// clock). Assertions that the circuit is still open use a period no
	// stall can outlast; those about what follows it wait out a short one
	// and then look only at what happened, which sleeping longer cannot
	// change.
	t.Run("opens after consecutive failures and fails fast", func(t *testing.T) {
		rec := newRecorder()
		m := newFixture()
		m.FailWith(providertest.MethodMemberships, errUnavailable("503"))
		opts := breakerOptions(rec)
		opts.BreakerOpenFor = time.Hour
		p := Wrap(m, opts)
		for range 3 {
			if _, err := p.Memberships(ctx, alice); !errors.Is(err, providers.ErrUnavailable) {
				t.Fatalf("err = %v, want the upstream failure", err)
			}
		}
		if p.State() != StateOpen {
			t.Fatalf("state after 3 failures = %q, want open", p.State())
		}

		_, err := p.Memberships(ctx, alice)
		if !errors.Is(err, providers.ErrUnavailable) || !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "circuit open") {
			t.Fatalf("err while open = %v, want ErrUnavailable saying the circuit is open", err)
		}
		if n := len(m.CallsOf(providertest.MethodMemberships)); n != 3 {
			t.Fatalf("upstream calls = %d, want 3: an open circuit asks nobody", n)
		}
		if got := Health(p); !cmp.Equal(got, map[string]string{"flickr": StateOpen}) {
			t.Fatalf("Health = %v", got)
		}
		if diff := cmp.Diff([]string{"closed→open"}, rec.transitions); diff != "" {
			t.Fatalf("observed transitions (-want +got):\n%s", diff)
		}
	})

	t.Run("half-opens after the open period and a successful probe closes it", func(t *testing.T) {
		rec := newRecorder()
		m := newFixture()
		m.FailWith(providertest.MethodMemberships, errUnavailable("503"))
		p := Wrap(m, breakerOptions(rec))
		for range 3 {
			if _, err := p.Memberships(ctx, alice); !errors.Is(err, providers.ErrUnavailable) {
				t.Fatalf("err = %v, want the upstream failure", err)
			}
		}
		// Not p.State(): on a slow machine the short period may be over.
		if diff := cmp.Diff([]string{"closed→open"}, rec.transitions); diff != "" {
			t.Fatalf("transitions after 3 failures (-want +got):\n%s", diff)
		}

		time.Sleep(80 * time.Millisecond)
		if p.State() != StateHalfOpen {
			t.Fatalf("state after the open period = %q, want half-open", p.State())
		}
		m.FailWith(providertest.MethodMemberships, nil)
		if _, err := p.Memberships(ctx, alice); err != nil {
			t.Fatalf("probe err = %v", err)
		}
		if p.State() != StateClosed {
			t.Fatalf("state after a successful probe = %q, want closed", p.State())
		}
		want := []string{"closed→open", "open→half-open", "half-open→closed"}
		if diff := cmp.Diff(want, rec.transitions); diff != "" {
			t.Fatalf("observed transitions (-want +got):\n%s", diff)
		}
	})

	t.Run("a failed probe opens the circuit again", func(t *testing.T) {
		rec := newRecorder()
		m := newFixture()
		m.FailWith(providertest.MethodWhoami, providers.TransportError("flickr test", context.DeadlineExceeded))
		p := Wrap(m, breakerOptions(rec))
		for range 3 {
			_, _ = p.Whoami(ctx, alice)
		}
		time.Sleep(80 * time.Millisecond)
		_, _ = p.Whoami(ctx, alice)
		// The transitions, not p.State(): the new open period is short too.
		want := []string{"closed→open", "open→half-open", "half-open→open"}
		if diff := cmp.Diff(want, rec.transitions); diff != "" {
			t.Fatalf("observed transitions (-want +got):\n%s", diff)
		}
		if n := len(m.CallsOf(providertest.MethodWhoami)); n != 4 {
			t.Fatalf("upstream calls = %d, want 3 failures and 1 probe", n)
		}
	})

	t.Run("retries stop when the circuit opens", func(t *testing.T) {
		m := newFixture()
		m.FailWith(providertest.MethodMemberships, errUnavailable("503"))
		opts := breakerOptions(newRecorder())
		opts.MaxAttempts = 10
		opts.BreakerOpenFor = time.Hour // no probe among the retries, however slow they are
		p := Wrap(m, opts)
		_, err := p.Memberships(ctx, alice)
		if !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("err = %v, want the circuit to cut the retries short", err)
		}
		if n := len(m.Calls()); n != 3 {
			t.Fatalf("upstream calls = %d, want 3", n)
		}
	})

	for _, kind := range []error{providers.ErrNotFound, providers.ErrNotMember, providers.ErrForbidden, providers.ErrUnauthenticated, providers.ErrInvalid, providers.ErrRateLimited} {
		t.Run("stays closed when calls fail with "+kind.Error(), func(t *testing.T) {
			m := newFixture()
			m.FailWith(providertest.MethodMemberships, kind)
			p := Wrap(m, breakerOptions(newRecorder()))
			for range 10 {
				_, _ = p.Memberships(ctx, alice)
			}
			if p.State() != StateClosed {
				t.Fatalf("state = %q, want closed: the platform is healthy", p.State())
			}
		})
	}

	t.Run("calls the caller cancelled do not count", func(t *testing.T) {
		m := newFixture()
		m.Latency = time.Second
		p := Wrap(m, breakerOptions(newRecorder()))
		for range 5 {
			cctx, cancel := context.WithCancel(ctx)
			go func() { time.Sleep(5 * time.Millisecond); cancel() }()
			_, _ = p.Memberships(cctx, alice)
			cancel()
		}
		if p.State() != StateClosed {
			t.Fatalf("state = %q, want closed", p.State())
		}
	})

	t.Run("leaves go through the breaker too", func(t *testing.T) {
		m := newFixture()
		m.FailWith(providertest.MethodMemberships, errUnavailable("503"))
		opts := breakerOptions(newRecorder())
		opts.BreakerOpenFor = time.Hour // still open when the leave comes
		p := Wrap(m, opts)
		for range 3 {
			_, _ = p.Memberships(ctx, alice)
		}
		_, err := p.LeaveGroup(ctx, alice, "pub", providers.LeaveOptions{})
		if !errors.Is(err, ErrCircuitOpen) || len(m.CallsOf(providertest.MethodLeaveGroup)) != 0 {
			t.Fatalf("err = %v, want a fast failure without a leave call", err)
		}
	})
}
