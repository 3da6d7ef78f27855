package resilience

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// panicOnce is a GroupsByID that panics while armed, then answers from the
// fixture.
type panicOnce struct {
	*scripted
	armed atomic.Bool
}

func (p *panicOnce) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	if p.armed.CompareAndSwap(true, false) {
		panic("decoder bug")
	}
	return p.scripted.GroupsByID(ctx, a, ids)
}

// A half-open circuit's probe that panics (a decoder bug an upstream's
// answer triggers) is a probe that said nothing: the next call probes
// again, rather than the circuit waiting for a probe that will never
// report and refusing every call until a restart.
func TestAPanickingProbeDoesNotWedgeTheCircuit(t *testing.T) {
	ctx := context.Background()
	rec := newRecorder()
	opts := breakerOptions(rec)
	opts.BreakerFailures = 1
	opts.DisableCache = true
	inner := &panicOnce{scripted: &scripted{Provider: newFixture(), errs: []error{errUnavailable("503")}}}
	p := Wrap(inner, opts)
	if _, err := p.GroupsByID(ctx, alice, []string{"pub"}); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want the upstream failure", err)
	}
	// The transitions, not p.State(): on a slow machine the short open
	// period may already be over.
	if got := strings.Join(rec.transitions, " "); got != "closed→open" {
		t.Fatalf("transitions = %q, want the circuit open", got)
	}
	time.Sleep(80 * time.Millisecond)
	inner.armed.Store(true)
	func() {
		// Whoever called the platform recovers the panic (the registry's
		// fan-out, gqlgen); the circuit must not depend on who.
		defer func() { _ = recover() }()
		_, _ = p.GroupsByID(ctx, alice, []string{"pub"})
	}()
	if inner.armed.Load() {
		t.Fatal("the probe did not reach the platform")
	}
	// The panicking probe counted for nothing: the circuit is still half-open
	// and lets the very next call probe, which closes it.
	if _, err := p.GroupsByID(ctx, alice, []string{"pub"}); err != nil {
		t.Fatalf("after a panicking probe: err = %v, state %q; want the next call to probe and close the circuit", err, p.State())
	}
	if got := strings.Join(rec.transitions, " "); got != "closed→open open→half-open half-open→closed" {
		t.Fatalf("transitions = %q, want open, half-open, then closed by the second probe", got)
	}
}
