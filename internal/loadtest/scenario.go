package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// DefaultDetailConcurrency is how many per-group detail calls the Flickr,
// PageSeeder and Akana clients run at once by default; the floor uses it.
const DefaultDetailConcurrency = 4

// Report is what Measure found.
type Report struct {
	Load   Load
	Result Result
	// Warm: the shared details cache was on and filled before the load.
	Warm bool
	// Kinds are the platforms in the order reported.
	Kinds []providers.Kind
	// Nodes is how many memberships of each platform one answer holds.
	Nodes map[providers.Kind]int
	// NeedsDetails: the query needs platform k's detail calls for those
	// memberships (seen on the first, cold query).
	NeedsDetails map[providers.Kind]bool
	// Calls is what reached each platform during the load.
	Calls map[providers.Kind]Count
	// Minimum is the fewest calls per query each platform must get.
	Minimum map[providers.Kind]map[Op]int
	// FloorP50, FloorP99 are the upstream chain's own latency (see Floor).
	FloorP50, FloorP99 time.Duration
	// DetailLookups is how many group details the load's answers held
	// that platforms' detail calls back; DetailIDs how many of them were
	// asked upstream.
	DetailLookups, DetailIDs int
	// PeakRSS is the process's peak resident set (0 when unknown).
	PeakRSS int64
}

// PerQuery is platform k's calls of op per query.
func (r Report) PerQuery(k providers.Kind, op Op) float64 {
	return float64(r.Calls[k].Calls[op]) / float64(r.Result.Requests)
}

// HitRate is the share of detail lookups served without an upstream call
// (from the shared cache, or from another request's call in flight).
func (r Report) HitRate() float64 {
	if r.DetailLookups == 0 {
		return 1
	}
	return 1 - float64(r.DetailIDs)/float64(r.DetailLookups)
}

// OverMinimum lists, as sentences, every platform whose list or detail
// calls per query exceeded the minimum.
func (r Report) OverMinimum() []string {
	var out []string
	for _, k := range r.Kinds {
		for _, op := range []Op{OpList, OpDetail} {
			if got, want := r.PerQuery(k, op), float64(r.Minimum[k][op]); got > want {
				out = append(out, fmt.Sprintf("%s: %.2f %s calls per query, minimum %d", k, got, op, r.Minimum[k][op]))
			}
		}
	}
	return out
}

// Measure sends one query (which warms the cache when the stack has one,
// and shows which platforms need detail calls), then runs l and reports.
// latency and jitter are the fixture's, for the floor.
func Measure(ctx context.Context, s *Stack, f *Fixture, l Load, latency, jitter time.Duration) (Report, error) {
	rep := Report{Load: l, Kinds: f.Kinds(), Nodes: map[providers.Kind]int{}, NeedsDetails: map[providers.Kind]bool{},
		Minimum: map[providers.Kind]map[Op]int{}}
	tok := Token(0)
	if len(l.Tokens) > 0 {
		tok = l.Tokens[0]
	}
	f.ResetCounts()
	first, err := s.Do(ctx, tok, l.Query, l.Vars)
	if err != nil {
		return rep, err
	}
	if len(first.Errors) > 0 {
		return rep, fmt.Errorf("first query: %v", first.Errors)
	}
	rep.Nodes = nodesByProvider(first.Data)
	probe := f.Counts()
	for _, k := range rep.Kinds {
		rep.NeedsDetails[k] = probe[k].Calls[OpDetail] > 0
	}
	// A second query tells whether the cache holds the details now.
	f.ResetCounts()
	if _, err := s.Do(ctx, tok, l.Query, l.Vars); err != nil {
		return rep, err
	}
	warmProbe := f.Counts()
	rep.Warm = true
	for _, k := range rep.Kinds {
		if rep.NeedsDetails[k] && warmProbe[k].Calls[OpDetail] > 0 {
			rep.Warm = false
		}
	}
	var chains []Chain
	for _, k := range rep.Kinds {
		min := map[Op]int{OpList: 1, OpDetail: 0}
		n := rep.Nodes[k]
		if rep.NeedsDetails[k] {
			rep.DetailLookups += n * l.Requests
			if !rep.Warm {
				min[OpDetail] = n
				if p, ok := s.Registry.Provider(k); ok && p.Capabilities().BatchGroupDetails {
					min[OpDetail] = 1
					if mb := p.Capabilities().MaxBatch; mb > 0 {
						min[OpDetail] = (n + mb - 1) / mb
					}
				}
			}
		}
		rep.Minimum[k] = min
		chains = append(chains, Chain{Kind: k, DetailCalls: min[OpDetail], Concurrency: DefaultDetailConcurrency})
		if min[OpDetail] == 1 {
			chains[len(chains)-1].Concurrency = 1
		}
	}
	rep.FloorP50, rep.FloorP99 = Floor(latency, jitter, chains)

	f.ResetCounts()
	rep.Result = s.Run(ctx, l)
	rep.Calls = f.Counts()
	for _, k := range rep.Kinds {
		if rep.NeedsDetails[k] {
			rep.DetailIDs += rep.Calls[k].DetailIDs
		}
	}
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// nodesByProvider counts an answer's memberships by platform.
func nodesByProvider(data json.RawMessage) map[providers.Kind]int {
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct {
					Group struct{ Provider string }
				}
			}
		}
	}
	_ = json.Unmarshal(data, &d)
	out := map[providers.Kind]int{}
	for _, n := range d.Viewer.Memberships.Nodes {
		if k, err := providers.ParseKind(strings.ToLower(n.Group.Provider)); err == nil {
			out[k]++
		}
	}
	return out
}

// PeakRSS is the process's peak resident set size in bytes, from
// /proc/self/status (VmHWM); 0 where that is unavailable.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// Write prints the report.
func (r Report) Write(w io.Writer) {
	res := r.Result
	cache := "off (every detail fetched upstream unless coalesced)"
	if r.Warm {
		cache = "on, warm"
	}
	fmt.Fprintf(w, "clients %d, requests %d, cache %s\n", r.Load.Clients, res.Requests, cache)
	fmt.Fprintf(w, "  throughput  %.0f req/s over %v, %d failed\n", res.Throughput(), res.Elapsed.Round(time.Millisecond), res.Failed)
	if res.FirstFail != "" {
		fmt.Fprintf(w, "  first failure: %s\n", res.FirstFail)
	}
	p50, p90, p99 := res.Percentile(50), res.Percentile(90), res.Percentile(99)
	fmt.Fprintf(w, "  latency     p50 %v  p90 %v  p99 %v\n", ms(p50), ms(p90), ms(p99))
	fmt.Fprintf(w, "  floor       p50 %v  p99 %v   (p50 %+.1f%%, p99 %+.1f%% over the floor's p50)\n",
		ms(r.FloorP50), ms(r.FloorP99), pct(p50, r.FloorP50), pct(p99, r.FloorP50))
	fmt.Fprintf(w, "  upstream calls per query (minimum):\n")
	for _, k := range r.Kinds {
		c := r.Calls[k]
		fmt.Fprintf(w, "    %-10s list %.2f (%d)  detail %.2f (%d)  other %.2f  [%d memberships in the answer, details needed: %v]\n",
			k, r.PerQuery(k, OpList), r.Minimum[k][OpList], r.PerQuery(k, OpDetail), r.Minimum[k][OpDetail],
			float64(c.Calls[OpOther]+c.Calls[OpWrite])/float64(res.Requests), r.Nodes[k], r.NeedsDetails[k])
	}
	fmt.Fprintf(w, "  detail lookups served without an upstream call (cache hits, coalesced): %.1f%%\n", 100*r.HitRate())
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "  peak RSS    %.1f MiB (the whole process: simulators, server and clients)\n", float64(r.PeakRSS)/(1<<20))
	}
	if res.CPU > 0 {
		perQuery := res.CPU / time.Duration(res.Requests)
		fmt.Fprintf(w, "  CPU         %v per query (the whole process: simulators, server and clients); %.0f%% of %d cores busy\n",
			ms(perQuery), 100*res.CPU.Seconds()/res.Elapsed.Seconds()/float64(runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0))
	}
	fmt.Fprintf(w, "  GOMAXPROCS  %d\n", runtime.GOMAXPROCS(0))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func pct(d, floor time.Duration) float64 {
	if floor == 0 {
		return 0
	}
	return 100 * (float64(d) - float64(floor)) / float64(floor)
}
