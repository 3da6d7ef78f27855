// Package loadcmd is the `groupgraph load` command: the load scenarios of
// internal/loadtest over the server's own wiring, which the caller passes
// in, and every platform's simulator, in one process.
package loadcmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/loadtest"
)

// Run is `groupgraph load`: the load scenario over the server's own
// wiring (build) and every platform's simulator, in one process. It
// prints throughput, latency percentiles against the floor the upstream
// latency sets, upstream calls per query against the minimum the query
// needs, the share of detail lookups served without an upstream call, and
// peak RSS. See BENCHMARKS.md.
func Run(ctx context.Context, args []string, out io.Writer, build loadtest.Build) error {
	fs := flag.NewFlagSet("groupgraph load", flag.ContinueOnError)
	fs.SetOutput(out)
	clients := fs.Int("clients", 50, "concurrent clients")
	requests := fs.Int("requests", 2000, "requests in all")
	latency := fs.Duration("latency", 20*time.Millisecond, "latency every simulated platform adds to each answer")
	var jitterSet bool
	jitter := new(time.Duration)
	fs.Func("jitter", "random extra `duration`, uniform in [0, jitter] (default a quarter of -latency)", func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("not a duration of zero or more: %q", v)
		}
		*jitter, jitterSet = d, true
		return nil
	})
	memberships := fs.Int("memberships", 25, "memberships per platform of the viewer")
	query := fs.String("query", "details", "details (memberships with detail-only fields) or list (list fields only)")
	cache := fs.String("cache", "both", "shared details cache: on (warm), off (cold), or both")
	scenario := fs.String("scenario", "load", "load, same-group, budget, growth, ceiling, or all")
	smoke := fs.Bool("smoke", false, "a few seconds, small N, both cache modes: exit 1 if upstream calls per query exceed the minimum or a request fails")
	redisURL := fs.String("redis", "", "keep the shared caches and budgets in this Redis, as several instances would (e.g. redis://127.0.0.1:6379/0); default in memory")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (simulators, server and clients) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range []struct {
		name, value string
		known       []string
	}{
		{"scenario", *scenario, []string{"load", "same-group", "budget", "growth", "ceiling", "all"}},
		{"cache", *cache, []string{"on", "off", "both"}},
		{"query", *query, []string{"details", "list"}},
	} {
		if !slices.Contains(f.known, f.value) {
			return fmt.Errorf("-%s: %q is not one of %s", f.name, f.value, strings.Join(f.known, ", "))
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if !jitterSet {
		*jitter = *latency / 4
	}
	if *smoke {
		return runSmoke(ctx, out, build)
	}
	q := loadtest.MembershipsDetailsQuery
	if *query == "list" {
		q = loadtest.MembershipsQuery
	}
	all := *scenario == "all"
	if all || *scenario == "load" {
		modes := []bool{true, false}
		switch *cache {
		case "on":
			modes = []bool{true}
		case "off":
			modes = []bool{false}
		}
		fmt.Fprintf(out, "== load: %d clients, %d requests, latency %v + up to %v, %d memberships per platform, query %s\n",
			*clients, *requests, *latency, *jitter, *memberships, *query)
		for _, warm := range modes {
			rep, err := load(ctx, build, loadtest.Options{Memberships: *memberships, Latency: *latency, Jitter: *jitter},
				loadtest.Load{Clients: *clients, Requests: *requests, Query: q}, warm, *redisURL)
			if err != nil {
				return err
			}
			rep.Write(out)
			for _, s := range rep.OverMinimum() {
				fmt.Fprintln(out, "  ABOVE MINIMUM:", s)
			}
		}
	}
	if all || *scenario == "same-group" {
		r, err := loadtest.SameGroup(ctx, build, 100, *latency)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== same-group: %d viewers ask for the same public Flickr group at once, cold cache, latency %v\n", r.Viewers, *latency)
		fmt.Fprintf(out, "  upstream detail calls: %d (want 1); failed %d %s; took %v\n", r.DetailCalls, r.Failed, r.FirstFail, r.Elapsed.Round(time.Millisecond))
	}
	if all || *scenario == "budget" {
		r, err := loadtest.Budget(ctx, build, 3600, 600)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== budget: Flickr at %d calls per %v, %d requests needing up to %d calls, cache off\n", r.Limit, r.Per, r.Requests, r.Demand)
		fmt.Fprintf(out, "  calls reaching Flickr: %d (allowed at most %d); requests refused with PROVIDER_RATE_LIMITED: %d; took %v\n",
			r.Calls, r.Allowed, r.RateLimited, r.Elapsed.Round(time.Millisecond))
	}
	if all || *scenario == "ceiling" {
		fmt.Fprintf(out, "== ceiling: the warm load (%d clients, %d requests, latency %v + up to %v, query %s) against groupgraph, a server that only makes the list calls, and one that does no work\n",
			*clients, *requests, *latency, *jitter, *query)
		rows, err := loadtest.Ceiling(ctx, build, loadtest.Options{Memberships: *memberships, Latency: *latency, Jitter: *jitter},
			loadtest.Load{Clients: *clients, Requests: *requests, Query: q})
		if err != nil {
			return err
		}
		loadtest.WriteCeiling(out, rows)
	}
	if all || *scenario == "growth" {
		rows, err := loadtest.Growth(ctx, build, []int{10, 100, 1000}, *latency, 20)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== growth: one viewer, first page of 100 memberships with details, cache off, sequential, latency %v\n", *latency)
		loadtest.WriteGrowth(out, rows)
	}
	return nil
}

// load measures one load against a fresh fixture and stack.
// With redisURL, the stack keeps its caches and budgets there, under a
// prefix of its own; what it writes there expires with the cache's TTL.
func load(ctx context.Context, build loadtest.Build, o loadtest.Options, l loadtest.Load, warm bool, redisURL string) (loadtest.Report, error) {
	f, err := loadtest.Start(o)
	if err != nil {
		return loadtest.Report{}, err
	}
	defer f.Close()
	cfg := loadtest.Config(f)
	if !warm {
		loadtest.DisableCache(&cfg.Providers)
	}
	if redisURL != "" {
		cfg.RedisURL = redisURL
		cfg.RedisPrefix = fmt.Sprintf("groupgraph-load-%d:", time.Now().UnixNano())
	}
	s, err := loadtest.Serve(build, cfg, f)
	if err != nil {
		return loadtest.Report{}, err
	}
	defer s.Close()
	return loadtest.Measure(ctx, s, f, l, o.Latency, o.Jitter)
}

// runSmoke is CI's check: small loads, cache on and off, list-only and
// with details; any request failing or any platform getting more calls
// per query than the minimum fails it.
func runSmoke(ctx context.Context, out io.Writer, build loadtest.Build) error {
	var problems []string
	for _, q := range []string{loadtest.MembershipsQuery, loadtest.MembershipsDetailsQuery} {
		for _, warm := range []bool{true, false} {
			rep, err := load(ctx, build, loadtest.Options{Memberships: 25, Latency: 2 * time.Millisecond, Jitter: time.Millisecond},
				loadtest.Load{Clients: 8, Requests: 80, Query: q}, warm, "")
			if err != nil {
				return err
			}
			rep.Write(out)
			problems = append(problems, rep.OverMinimum()...)
			if rep.Result.Failed > 0 {
				problems = append(problems, fmt.Sprintf("%d requests failed: %s", rep.Result.Failed, rep.Result.FirstFail))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("smoke failed:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintln(out, "smoke: upstream calls per query at or below the minimum")
	return nil
}
