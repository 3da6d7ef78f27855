package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
)

// SameGroupResult is what SameGroup measured.
type SameGroupResult struct {
	Viewers int
	// DetailCalls is how many detail calls reached the platform.
	DetailCalls int
	Failed      int
	FirstFail   string
	Elapsed     time.Duration
}

// SameGroup has viewers distinct viewers ask, all at once, for the same
// public Flickr group by its ID, with a cold cache and the platform
// answering after latency. Coalescing and the shared cache should make
// that one upstream detail call.
func SameGroup(ctx context.Context, build Build, viewers int, latency time.Duration) (SameGroupResult, error) {
	f, err := Start(Options{Viewers: viewers, Memberships: 1, Latency: latency, Kinds: []providers.Kind{providers.Flickr}})
	if err != nil {
		return SameGroupResult{}, err
	}
	defer f.Close()
	s, err := Serve(build, Config(f), f)
	if err != nil {
		return SameGroupResult{}, err
	}
	defer s.Close()
	// The group's ID, from a query that needs no detail call.
	r, err := s.Do(ctx, Token(0), MembershipsQuery, nil)
	if err != nil {
		return SameGroupResult{}, err
	}
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct{ Group struct{ ID string } }
			}
		}
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Viewer.Memberships.Nodes) != 1 {
		return SameGroupResult{}, fmt.Errorf("memberships: %s %v", r.Data, r.Errors)
	}
	id := d.Viewer.Memberships.Nodes[0].Group.ID
	f.ResetCounts()
	tokens := make([]string, viewers)
	for i := range tokens {
		tokens[i] = Token(i)
	}
	// Every viewer's connection is opened first, so that the requests
	// really arrive together.
	warm := s.Run(ctx, Load{Clients: viewers, Requests: viewers, Query: `{ __typename }`, Tokens: tokens})
	if warm.Failed > 0 {
		return SameGroupResult{}, fmt.Errorf("warming connections: %s", warm.FirstFail)
	}
	f.ResetCounts()
	res := s.Run(ctx, Load{Clients: viewers, Requests: viewers, Query: NodeQuery, Vars: map[string]any{"id": id}, Tokens: tokens})
	return SameGroupResult{
		Viewers: viewers, DetailCalls: f.Counts()[providers.Flickr].Calls[OpDetail],
		Failed: res.Failed, FirstFail: res.FirstFail, Elapsed: res.Elapsed,
	}, nil
}

// BudgetResult is what Budget measured.
type BudgetResult struct {
	Limit    int
	Per      time.Duration
	Requests int
	// Demand is how many Flickr calls the load would have made with no
	// budget: a list call and one detail call per group, per request.
	Demand int
	// Calls is how many calls reached the Flickr simulator.
	Calls int
	// Allowed is the most the budget may let through during the run: the
	// full bucket plus what refilled while it ran.
	Allowed int
	// RateLimited counts the requests that got PROVIDER_RATE_LIMITED;
	// WithoutRetryAfter those of their errors that did not say, in
	// extensions.retryAfter, when to try again.
	RateLimited, WithoutRetryAfter int
	Elapsed                        time.Duration
}

// Budget runs a load of memberships-with-details queries against the
// Flickr simulator with the details cache off and Flickr's budget at limit
// calls per hour, a load that needs more calls than that.
func Budget(ctx context.Context, build Build, limit, requests int) (BudgetResult, error) {
	f, err := Start(Options{Memberships: 25, Kinds: []providers.Kind{providers.Flickr}})
	if err != nil {
		return BudgetResult{}, err
	}
	defer f.Close()
	cfg := Config(f)
	off := false
	cfg.Providers.Flickr.Upstream.Cache = &off
	cfg.Providers.Flickr.Budget = config.Budget{Limit: limit, Per: config.Duration(time.Hour)}
	s, err := Serve(build, cfg, f)
	if err != nil {
		return BudgetResult{}, err
	}
	defer s.Close()
	res := BudgetResult{Limit: limit, Per: time.Hour, Requests: requests, Demand: requests * 26}
	start := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan struct{})
	go func() {
		defer close(next)
		for range requests {
			select {
			case next <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range 4 {
		wg.Go(func() {
			for range next {
				r, err := s.Do(ctx, Token(0), MembershipsDetailsQuery, nil)
				if err != nil {
					continue
				}
				limited, silent := false, 0
				for _, e := range r.Errors {
					if e.Extensions["code"] == "PROVIDER_RATE_LIMITED" {
						limited = true
						if wait, _ := e.Extensions["retryAfter"].(float64); wait <= 0 {
							silent++
						}
					}
				}
				if limited {
					mu.Lock()
					res.RateLimited++
					res.WithoutRetryAfter += silent
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Calls = f.Counts()[providers.Flickr].Total()
	res.Allowed = limit + int(res.Elapsed.Seconds()*float64(limit)/time.Hour.Seconds()) + 1
	return res, nil
}

// GrowthRow is one size of the Growth scenario.
type GrowthRow struct {
	// Memberships per viewer, spread evenly over the four platforms.
	Memberships int
	// Calls per query by platform and kind.
	Calls map[providers.Kind]Count
	Nodes map[providers.Kind]int
	P50   time.Duration
	// AllocsPerQuery, BytesPerQuery: heap allocations per query, in the
	// whole process (simulators and client included).
	AllocsPerQuery, BytesPerQuery float64
	Queries                       int
}

// Growth measures one viewer's memberships-with-details query (first page
// of 100, cache off) sequentially at each size.
func Growth(ctx context.Context, build Build, sizes []int, latency time.Duration, queries int) ([]GrowthRow, error) {
	var rows []GrowthRow
	for _, n := range sizes {
		f, err := Start(Options{Memberships: max(n/len(providers.Kinds), 1), Latency: latency})
		if err != nil {
			return nil, err
		}
		cfg := Config(f)
		off := false
		for _, u := range upstreams(&cfg.Providers) {
			u.Cache = &off
		}
		s, err := Serve(build, cfg, f)
		if err != nil {
			f.Close()
			return nil, err
		}
		first, err := s.Do(ctx, Token(0), MembershipsDetailsQuery, nil)
		if err == nil && len(first.Errors) > 0 {
			err = fmt.Errorf("%v", first.Errors)
		}
		if err != nil {
			s.Close()
			f.Close()
			return nil, err
		}
		f.ResetCounts()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res := s.Run(ctx, Load{Clients: 1, Requests: queries, Query: MembershipsDetailsQuery})
		runtime.ReadMemStats(&after)
		rows = append(rows, GrowthRow{
			Memberships: max(n/len(providers.Kinds), 1) * len(f.Kinds()), Calls: f.Counts(), Nodes: nodesByProvider(first.Data),
			P50: res.Percentile(50), Queries: queries,
			AllocsPerQuery: float64(after.Mallocs-before.Mallocs) / float64(queries),
			BytesPerQuery:  float64(after.TotalAlloc-before.TotalAlloc) / float64(queries),
		})
		s.Close()
		f.Close()
	}
	return rows, nil
}

// WriteGrowth prints the Growth table as markdown.
func WriteGrowth(w io.Writer, rows []GrowthRow) {
	fmt.Fprintln(w, "| memberships per viewer | list calls/query | detail calls/query | p50 | allocs/query | KiB/query |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		var list, detail []string
		for _, k := range providers.Kinds {
			c := r.Calls[k]
			list = append(list, fmt.Sprintf("%.0f", float64(c.Calls[OpList])/float64(r.Queries)))
			detail = append(detail, fmt.Sprintf("%s %.0f", short(k), float64(c.Calls[OpDetail])/float64(r.Queries)))
		}
		fmt.Fprintf(w, "| %d | %s | %s | %v | %.0f | %.0f |\n", r.Memberships, strings.Join(list, "+"), strings.Join(detail, ", "),
			ms(r.P50), r.AllocsPerQuery, r.BytesPerQuery/1024)
	}
}

func short(k providers.Kind) string {
	s := string(k)
	return strings.ToUpper(s[:1]) + s[1:2]
}

// upstreams returns the Upstream settings of every configured platform.
func upstreams(p *config.Providers) []*config.Upstream {
	var out []*config.Upstream
	if p.Flickr != nil {
		out = append(out, &p.Flickr.Upstream)
	}
	if p.Upcoming != nil {
		out = append(out, &p.Upcoming.Upstream)
	}
	if p.PageSeeder != nil {
		out = append(out, &p.PageSeeder.Upstream)
	}
	if p.Akana != nil {
		out = append(out, &p.Akana.Upstream)
	}
	return out
}

// UpstreamOf returns platform k's upstream settings in p, or nil when k is
// not configured.
func UpstreamOf(p *config.Providers, k providers.Kind) *config.Upstream {
	switch {
	case k == providers.Flickr && p.Flickr != nil:
		return &p.Flickr.Upstream
	case k == providers.Upcoming && p.Upcoming != nil:
		return &p.Upcoming.Upstream
	case k == providers.PageSeeder && p.PageSeeder != nil:
		return &p.PageSeeder.Upstream
	case k == providers.Akana && p.Akana != nil:
		return &p.Akana.Upstream
	}
	return nil
}

// DisableCache turns every platform's shared details cache off in p.
func DisableCache(p *config.Providers) {
	off := false
	for _, u := range upstreams(p) {
		u.Cache = &off
	}
}

// SetTimeout sets every platform's per-call timeout in p.
func SetTimeout(p *config.Providers, d time.Duration) {
	for _, u := range upstreams(p) {
		u.Timeout = config.Duration(d)
	}
}
