package resilience

import (
	"context"
	"errors"
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
	opts := breakerOptions(newRecorder())
	opts.BreakerFailures = 1
	opts.DisableCache = true
	inner := &panicOnce{scripted: &scripted{Provider: newFixture(), errs: []error{errUnavailable("503")}}}
	p := Wrap(inner, opts)
	if _, err := p.GroupsByID(ctx, alice, []string{"pub"}); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want the upstream failure", err)
	}
	if p.State() != StateOpen {
		t.Fatalf("state = %q, want open", p.State())
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
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := p.GroupsByID(ctx, alice, []string{"pub"})
		if err == nil {
			break
		}
		if !isCircuitOpen(err) || time.Now().After(deadline) {
			t.Fatalf("after a panicking probe: err = %v, state %q; want the circuit to probe again and close", err, p.State())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
