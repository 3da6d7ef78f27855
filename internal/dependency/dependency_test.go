package dependency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/dependency"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var errDown = errors.New("connection refused")

// lockedBuffer is a log sink safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(l.b.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newGuard(clk *clock, logs *lockedBuffer) *dependency.Guard {
	opts := dependency.Options{Name: "redis", Timeout: time.Hour, Pause: time.Second, Now: clk.now}
	if logs != nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	return dependency.New(opts)
}

func TestAFailurePausesTheDependency(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1e9, 0)}
	g := newGuard(clk, nil)
	var asked atomic.Int64
	failing := func(context.Context) error { asked.Add(1); return errDown }
	answering := func(context.Context) error { asked.Add(1); return nil }

	t.Run("the failure is the dependency's, named", func(t *testing.T) {
		err := g.Do(ctx, failing)
		var de *dependency.Error
		if !errors.As(err, &de) || de.Dependency != "redis" || de.Skipped || !errors.Is(err, dependency.ErrUnavailable) || !errors.Is(err, errDown) {
			t.Fatalf("err = %v, want a *dependency.Error for redis wrapping the failure", err)
		}
		if g.Up() {
			t.Error("the guard says up after a failure")
		}
	})
	t.Run("calls during the pause are skipped without asking", func(t *testing.T) {
		before := asked.Load()
		for range 10 {
			err := g.Do(ctx, answering)
			var de *dependency.Error
			if !errors.As(err, &de) || !de.Skipped {
				t.Fatalf("err = %v, want a skip", err)
			}
		}
		if n := asked.Load() - before; n != 0 {
			t.Errorf("the dependency was asked %d times during the pause", n)
		}
	})
	t.Run("an urgent call is tried during the pause", func(t *testing.T) {
		before := asked.Load()
		_ = g.Do(dependency.Urgent(ctx), failing)
		if n := asked.Load() - before; n != 1 {
			t.Errorf("asked %d times, want 1", n)
		}
	})
	t.Run("after the pause one call of many tries, the others are skipped", func(t *testing.T) {
		clk.advance(time.Second)
		before := asked.Load()
		release := make(chan struct{})
		tried := make(chan struct{}, 10)
		probe := func(context.Context) error { asked.Add(1); tried <- struct{}{}; <-release; return errDown }
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { _ = g.Do(ctx, probe) })
		}
		<-tried
		close(release)
		wg.Wait()
		if n := asked.Load() - before; n != 1 {
			t.Errorf("asked %d times after the pause, want 1", n)
		}
	})
	t.Run("a call after the next pause that succeeds brings it back", func(t *testing.T) {
		clk.advance(time.Second)
		if err := g.Do(ctx, answering); err != nil {
			t.Fatal(err)
		}
		if !g.Up() {
			t.Fatal("the guard says down after a success")
		}
		before := asked.Load()
		for range 5 {
			if err := g.Do(ctx, answering); err != nil {
				t.Fatal(err)
			}
		}
		if n := asked.Load() - before; n != 5 {
			t.Errorf("asked %d of 5 times once back", n)
		}
	})
}

func TestWhatIsNotAFailure(t *testing.T) {
	ctx := context.Background()
	notFound := errors.New("no such key")
	tests := []struct {
		name string
		call func(g *dependency.Guard) error
	}{
		{"an answer that is an error", func(g *dependency.Guard) error {
			return g.Do(ctx, func(context.Context) error { return notFound })
		}},
		{"the caller giving up", func(g *dependency.Guard) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			return g.Do(cctx, func(ctx context.Context) error { return ctx.Err() })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" does not pause the dependency", func(t *testing.T) {
			g := dependency.New(dependency.Options{Name: "store", Timeout: time.Hour,
				IsFailure: func(err error) bool { return !errors.Is(err, notFound) }})
			err := tt.call(g)
			if errors.Is(err, dependency.ErrUnavailable) {
				t.Errorf("err = %v, reported as the dependency's failure", err)
			}
			if !g.Up() {
				t.Error("the guard paused")
			}
		})
	}
}

func TestTheTimeoutBoundsACallThatHangs(t *testing.T) {
	g := dependency.New(dependency.Options{Name: "redis", Timeout: 20 * time.Millisecond})
	ctx, waits := dependency.WithWaits(context.Background())
	err := g.Do(ctx, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	if !errors.Is(err, dependency.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the dependency unavailable after its timeout", err)
	}
	if waits.Timeouts() != 1 || waits.Paid() != 1 {
		t.Errorf("waits: %d timeouts, %d paid; want 1 and 1", waits.Timeouts(), waits.Paid())
	}
	// The next call is skipped: the request pays the timeout once.
	if err := g.Do(ctx, func(context.Context) error { return nil }); !errors.Is(err, dependency.ErrUnavailable) {
		t.Fatalf("err = %v, want a skip", err)
	}
	if waits.Paid() != 1 || waits.Skipped() != 1 {
		t.Errorf("waits: %d paid, %d skipped; want 1 and 1", waits.Paid(), waits.Skipped())
	}
}

func TestParallelTimeoutsOfOneRequestArePaidOnce(t *testing.T) {
	ctx, waits := dependency.WithWaits(context.Background())
	// Urgent, so that all three are tried even after the first fails.
	ctx = dependency.Urgent(ctx)
	g := dependency.New(dependency.Options{Name: "redis", Timeout: 50 * time.Millisecond})
	started := make(chan struct{}, 3)
	var wg sync.WaitGroup
	var all sync.WaitGroup
	all.Add(3)
	for range 3 {
		wg.Go(func() {
			_ = g.Do(ctx, func(ctx context.Context) error {
				started <- struct{}{}
				all.Done()
				all.Wait() // every call has started before any times out
				<-ctx.Done()
				return ctx.Err()
			})
		})
	}
	wg.Wait()
	if waits.Timeouts() != 3 || waits.Paid() != 1 {
		t.Errorf("waits: %d timeouts, %d paid; want 3 overlapping timeouts paid once", waits.Timeouts(), waits.Paid())
	}
	_ = g.Do(ctx, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	if waits.Paid() != 2 {
		t.Errorf("a timeout after the first: %d paid, want 2", waits.Paid())
	}
}

func TestTheLogSaysEachChangeOfStateOnce(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1e9, 0)}
	logs := &lockedBuffer{}
	g := newGuard(clk, logs)
	for range 3 { // three outages' worth of failures and skips
		_ = g.Do(ctx, func(context.Context) error { return errDown })
		for range 50 {
			_ = g.Do(ctx, func(context.Context) error { return nil })
		}
		clk.advance(time.Second)
	}
	_ = g.Do(ctx, func(context.Context) error { return nil })
	for range 50 {
		_ = g.Do(ctx, func(context.Context) error { return nil })
	}
	lines := logs.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2 (failed, recovered): %v", len(lines), lines)
	}
	if lines[0]["level"] != "WARN" || lines[0]["dependency"] != "redis" || lines[0]["error"] != errDown.Error() {
		t.Errorf("first line %v, want a warning naming redis and its error", lines[0])
	}
	rec := lines[1]
	if rec["level"] != "INFO" || rec["failed_calls"] != float64(3) || rec["skipped_calls"] != float64(150) || rec["down_for"] != "3s" {
		t.Errorf("second line %v, want the recovery with 3 failed and 150 skipped calls over 3s", rec)
	}
}

// A call that reenters its own guard (go-redis runs some commands through
// its pipeline hooks from inside the command's own) is part of the call
// that was admitted: the call that tries the dependency after a pause must
// not be skipped by itself.
func TestACallReenteringItsGuardIsNotSkipped(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1e9, 0)}
	g := newGuard(clk, nil)
	_ = g.Do(ctx, func(context.Context) error { return errDown })
	clk.advance(time.Second)
	err := g.Do(ctx, func(ctx context.Context) error {
		return g.Do(ctx, func(context.Context) error { return nil })
	})
	if err != nil || !g.Up() {
		t.Fatalf("err = %v, up = %v; want the retry to get through and bring the dependency back", err, g.Up())
	}
}
