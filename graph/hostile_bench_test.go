package graph_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/groupgraph/groupgraph/graph"
)

// hostileDocuments are the worst documents found for each stage before
// execution, each within the default 1 MiB body.
func hostileDocuments() []struct{ name, query string } {
	var vars, uses strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&vars, " $v%d: Boolean", i)
		fmt.Fprintf(&uses, " __typename @skip(if: $v%d)", i)
	}
	var args strings.Builder
	for range 3000 {
		args.WriteString(" id: 1")
	}
	var subs strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&subs, " a: viewer { b%d: name }", i)
	}
	return []struct{ name, query string }{
		{"alternating aliases (35 KB)", alternatingAliases(1750)},
		{"9,990 __typename (110 KB)", repeatedTypename(9990)},
		{"1,000 unknown fields", unknownFields(1000)},
		{"fragment bomb (20^8 fields)", fragmentBomb("$", "Query", "__typename", 20, 8)},
		{"1,200 variables each used once", "query(" + vars.String() + ") {" + uses.String() + " }"},
		{"two fields of 3,000 arguments", "{ a: node(" + args.String() + ") { id } a: node(" + args.String() + ") { id } }"},
		{"1,500 same-named fields with different subfields", "{" + subs.String() + " }"},
	}
}

// BenchmarkHostileDocuments is the CPU and memory one request of each
// hostile document costs, through the real handler, each iteration a
// document the cache has not seen (a comment makes it new): with the
// default limits, and with the token and selection limits off, where
// validation itself must stay linear.
func BenchmarkHostileDocuments(b *testing.B) {
	for _, limits := range []struct {
		name string
		l    graph.Limits
	}{
		{"default limits", graph.Limits{}},
		{"no token or selection limit", graph.Limits{MaxTokens: -1, MaxSelections: -1}},
	} {
		h := hostileFixture(b, func(hc *graph.HandlerConfig) { hc.Limits = limits.l })
		for _, doc := range hostileDocuments() {
			b.Run(limits.name+"/"+doc.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				start := processCPU()
				for b.Loop() {
					i++
					rec := postQuery(b, h, fmt.Sprintf("%s # %d", doc.query, i), "192.0.2.1:1", nil)
					if rec.Body.Len() > 1<<20 {
						b.Fatalf("an answer of %d bytes", rec.Body.Len())
					}
				}
				// CPU time, not wall time: on a shared machine the wall
				// clock counts other processes' work too.
				b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// processCPU is the CPU time the test process has used, in nanoseconds,
// the garbage collector's included.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
