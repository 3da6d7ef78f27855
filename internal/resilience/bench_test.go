package resilience

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers/providertest"
)

// BenchmarkGroupsByIDCacheHit is a detail lookup of a warm public group:
// the path every repeated group field takes.
func BenchmarkGroupsByIDCacheHit(b *testing.B) {
	m := newFixture()
	p := Wrap(m, Options{})
	ctx := context.Background()
	ids := []string{"pub"}
	if _, err := p.GroupsByID(ctx, alice, ids); err != nil {
		b.Fatal(err)
	}
	m.ResetCalls()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.GroupsByID(ctx, alice, ids); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(m.CallsOf(providertest.MethodGroupsByID)))/float64(b.N), "upstream-calls/op")
}

// BenchmarkGroupsByIDCoalescedMiss is 32 concurrent callers missing the
// cache for the same public group at once, against an upstream answering
// in 1 ms: one op is the whole burst, and upstream-calls/op should be 1.
func BenchmarkGroupsByIDCoalescedMiss(b *testing.B) {
	const callers = 32
	m := newFixture()
	m.Latency = time.Millisecond
	p := Wrap(m, Options{DisableCache: true})
	ctx := context.Background()
	ids := []string{"pub"}
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range callers {
			wg.Go(func() {
				<-start
				if _, err := p.GroupsByID(ctx, alice, ids); err != nil {
					b.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
	b.ReportMetric(float64(len(m.CallsOf(providertest.MethodGroupsByID)))/float64(b.N), "upstream-calls/op")
}
