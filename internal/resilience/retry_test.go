package resilience

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

func TestRetries(t *testing.T) {
	reads := []struct {
		name string
		call func(*Provider) error
	}{
		{"whoami", func(p *Provider) error { _, err := p.Whoami(context.Background(), alice); return err }},
		{"memberships", func(p *Provider) error { _, err := p.Memberships(context.Background(), alice); return err }},
		{"groups by id", func(p *Provider) error {
			_, err := p.GroupsByID(context.Background(), alice, []string{"pub"})
			return err
		}},
		{"visible groups", func(p *Provider) error { _, err := p.VisibleGroups(context.Background(), alice); return err }},
	}
	for _, r := range reads {
		t.Run(r.name+" is retried after passing failures until it succeeds", func(t *testing.T) {
			s := &scripted{Provider: newFixture(), errs: []error{
				errUnavailable("503"),
				providers.TransportError("flickr test", context.DeadlineExceeded),
			}}
			p := Wrap(s, fastOptions())
			if err := r.call(p); err != nil {
				t.Fatalf("err = %v, want success on the third attempt", err)
			}
			if s.Calls() != 3 {
				t.Fatalf("upstream calls = %d, want 3", s.Calls())
			}
		})
		t.Run(r.name+" gives up after MaxAttempts", func(t *testing.T) {
			m := newFixture()
			for _, meth := range []providertest.Method{providertest.MethodWhoami, providertest.MethodMemberships, providertest.MethodGroupsByID, providertest.MethodVisibleGroups} {
				m.FailWith(meth, errUnavailable("down"))
			}
			p := Wrap(m, fastOptions())
			if err := r.call(p); !errors.Is(err, providers.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if n := len(m.Calls()); n != 3 {
				t.Fatalf("upstream calls = %d, want 3", n)
			}
		})
	}

	t.Run("leaving a group is never retried", func(t *testing.T) {
		m := newFixture()
		m.FailWith(providertest.MethodLeaveGroup, errUnavailable("503"))
		p := Wrap(m, fastOptions())
		_, err := p.LeaveGroup(context.Background(), alice, "pub", providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		if n := len(m.CallsOf(providertest.MethodLeaveGroup)); n != 1 {
			t.Fatalf("leave calls = %d, want exactly 1", n)
		}
	})

	for _, kind := range []error{providers.ErrNotFound, providers.ErrNotMember, providers.ErrForbidden, providers.ErrUnauthenticated, providers.ErrInvalid} {
		t.Run("a read failing with "+kind.Error()+" is not retried", func(t *testing.T) {
			s := &scripted{Provider: newFixture(), errs: []error{kind}}
			p := Wrap(s, fastOptions())
			if _, err := p.Memberships(context.Background(), alice); !errors.Is(err, kind) {
				t.Fatalf("err = %v, want %v", err, kind)
			}
			if s.Calls() != 1 {
				t.Fatalf("upstream calls = %d, want 1", s.Calls())
			}
		})
	}

	t.Run("a partly failed batch retries only the failed ids", func(t *testing.T) {
		m := newFixture()
		b := &flakyBatch{Memory: m, fail: map[string]int{"pub2": 1}}
		p := Wrap(b, fastOptions())
		got, err := p.GroupsByID(context.Background(), alice, []string{"pub", "pub2"})
		if err != nil || len(got) != 2 {
			t.Fatalf("got %d groups, err %v; want both, no error", len(got), err)
		}
		calls := m.CallsOf(providertest.MethodGroupsByID)
		if len(calls) != 2 || len(calls[1].IDs) != 1 || calls[1].IDs[0] != "pub2" {
			t.Fatalf("calls = %+v, want a retry asking only pub2", calls)
		}
	})
}

// flakyBatch fails chosen IDs of a batch a number of times with
// ErrUnavailable, the rest succeeding: a *providers.BatchError.
type flakyBatch struct {
	*providertest.Memory
	mu   sync.Mutex
	fail map[string]int
}

func (f *flakyBatch) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	res, err := f.Memory.GroupsByID(ctx, a, ids)
	if err != nil {
		return res, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	failed := map[string]error{}
	for _, id := range ids {
		if f.fail[id] > 0 {
			f.fail[id]--
			delete(res, id)
			failed[id] = errUnavailable("batch item")
		}
	}
	if len(failed) > 0 {
		return res, &providers.BatchError{Failed: failed}
	}
	return res, nil
}

func TestRetryAfter(t *testing.T) {
	t.Run("the platform's Retry-After is waited for", func(t *testing.T) {
		s := &scripted{Provider: newFixture(), errs: []error{retryAfterError{80 * time.Millisecond}}}
		p := Wrap(s, fastOptions())
		start := time.Now()
		if _, err := p.Memberships(context.Background(), alice); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Fatalf("retried after %v, want at least the 80ms asked for", d)
		}
		if s.Calls() != 2 {
			t.Fatalf("upstream calls = %d, want 2", s.Calls())
		}
	})
	t.Run("a Retry-After beyond MaxRetryAfter is returned at once", func(t *testing.T) {
		rec := newRecorder()
		opts := fastOptions()
		// Waits far longer than any stall, so that "at once" is told apart
		// from waiting either of them by seconds, not milliseconds.
		opts.MaxRetryAfter = time.Minute
		opts.Observer = rec
		s := &scripted{Provider: newFixture(), errs: []error{retryAfterError{time.Hour}}}
		p := Wrap(s, opts)
		start := time.Now()
		_, err := p.Memberships(context.Background(), alice)
		if !errors.Is(err, providers.ErrRateLimited) || providers.RetryAfter(err) != time.Hour {
			t.Fatalf("err = %v, want the platform's rate limit with its advice", err)
		}
		if d := time.Since(start); d > 10*time.Second || s.Calls() != 1 || rec.refused[refusedRetryAfter] != 1 {
			t.Fatalf("took %v with %d calls, refusals %v; want an immediate answer after 1 call", d, s.Calls(), rec.refused)
		}
	})
}

func TestDeadline(t *testing.T) {
	tests := []struct {
		name string
		opts func(*Options)
		err  error
	}{
		{"a Retry-After that would cross the deadline is not waited for",
			func(o *Options) { o.MaxRetryAfter = time.Hour }, retryAfterError{40 * time.Second}},
		{"a backoff that would cross the deadline is not waited for",
			func(o *Options) { o.BaseDelay, o.MaxDelay = time.Minute, time.Minute }, errUnavailable("503")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			opts := fastOptions()
			opts.Observer = rec
			tt.opts(&opts)
			s := &scripted{Provider: newFixture(), errs: []error{tt.err, tt.err}}
			p := Wrap(s, opts)
			// A deadline and waits of tens of seconds: giving up at once is
			// then seconds away from waiting until the deadline, which no
			// stall on a busy machine bridges.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			_, err := p.Memberships(ctx, alice)
			if !errors.Is(err, providers.KindOf(tt.err)) {
				t.Fatalf("err = %v, want the last upstream error", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("gave up after %v, want at once", d)
			}
			if s.Calls() != 1 || rec.refused[refusedDeadline] != 1 {
				t.Fatalf("calls = %d, refusals %v; want 1 call refused for the deadline", s.Calls(), rec.refused)
			}
		})
	}
}

func TestRetryBudget(t *testing.T) {
	t.Run("retries add at most a tenth to an outage's load", func(t *testing.T) {
		m := newFixture()
		m.FailWith(providertest.MethodMemberships, errUnavailable("outage"))
		opts := fastOptions()
		opts.MaxAttempts = 5
		opts.RetryFloor = -1
		p := Wrap(m, opts)
		const callers = 300
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() { _, _ = p.Memberships(context.Background(), alice) })
		}
		wg.Wait()
		n := len(m.CallsOf(providertest.MethodMemberships))
		// Without the budget: 5 × 300 = 1,500 calls.
		if n > callers+callers/10 {
			t.Fatalf("upstream calls = %d for %d callers, want at most %d", n, callers, callers+callers/10)
		}
		if n == callers {
			t.Fatalf("no retries at all; the budget should allow some")
		}
	})
	t.Run("the floor lets a quiet server retry", func(t *testing.T) {
		s := &scripted{Provider: newFixture(), errs: []error{errUnavailable("blip")}}
		opts := fastOptions()
		opts.RetryFloor = 1
		p := Wrap(s, opts)
		if _, err := p.Memberships(context.Background(), alice); err != nil {
			t.Fatalf("err = %v, want the single retry the floor allows", err)
		}
	})
}
