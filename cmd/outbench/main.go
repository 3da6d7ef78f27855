// Command outbench measures groupgraph from outside its process, beside a
// plain net/http stand-in making the same upstream calls: see
// BENCHMARKS.md ("Out of process") for what it reports and how to run it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groupgraph/groupgraph/internal/outbench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "outbench:", err)
		os.Exit(1)
	}
}

func run() error {
	latency := flag.Duration("latency", 20*time.Millisecond, "latency every simulated platform adds to each answer")
	jitter := flag.Duration("jitter", -1, "random extra latency per answer, uniform in [0, jitter] (default a quarter of -latency)")
	conns := flag.String("connections", "1,10,50", "comma-separated wrk connection counts")
	duration := flag.Duration("duration", 5*time.Second, "each measured wrk run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured wrk run per server before each connection count")
	rounds := flag.Int("rounds", 3, "measured runs per server and connection count, interleaved; the table gives medians")
	servers := flag.String("servers", "groupgraph,stand-in", "servers to measure")
	wrk := flag.String("wrk", "wrk", "the wrk binary")
	bin := flag.String("bin", "", "directory holding prebuilt groupgraph and standin binaries (default: go build them)")
	smoke := flag.Bool("smoke", false, "CI: a few hundred queries per server at 2 ms; exit 1 when upstream calls or new upstream connections per query exceed their targets")
	instances := flag.Int("instances", 0, "run this many groupgraph instances on one Redis and one PostgreSQL (-redis, -database) with the load spread over them, and count the calls reaching Flickr against -flickr-budget")
	redisURL := flag.String("redis", os.Getenv("REDIS_URL"), "Redis shared by the -instances (env REDIS_URL)")
	databaseURL := flag.String("database", os.Getenv("DATABASE_URL"), "PostgreSQL shared by the -instances (env DATABASE_URL)")
	flickrBudget := flag.Int("flickr-budget", 300, "Flickr's calls per hour, shared by the -instances")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := outbench.Options{Wrk: *wrk, Latency: *latency, Jitter: *jitter, Duration: *duration, Warmup: *warmup, Rounds: *rounds,
		Servers: strings.Split(*servers, ",")}
	for _, c := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n <= 0 {
			return fmt.Errorf("-connections: %q is not a positive number", c)
		}
		o.Connections = append(o.Connections, n)
	}
	dir := *bin
	if dir == "" {
		d, err := os.MkdirTemp("", "groupgraph-outbench-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
		for _, b := range []struct{ out, pkg string }{{"groupgraph", "."}, {"standin", "./cmd/standin"}} {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, b.out), b.pkg)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("go build %s: %w", b.pkg, err)
			}
		}
	}
	o.Groupgraph, o.StandIn = filepath.Join(dir, "groupgraph"), filepath.Join(dir, "standin")
	switch {
	case *smoke:
		counts, missed, err := outbench.Smoke(ctx, outbench.SmokeOptions{Groupgraph: o.Groupgraph, StandIn: o.StandIn,
			Latency: 2 * time.Millisecond, Warm: 300, Queries: 400, Clients: 32})
		if err != nil {
			return err
		}
		outbench.WriteCounts(os.Stdout, counts)
		if len(missed) > 0 {
			return fmt.Errorf("smoke failed:\n  %s", strings.Join(missed, "\n  "))
		}
		fmt.Println("smoke: upstream calls and new upstream connections per query within their targets")
		return nil
	case *instances > 0:
		if *redisURL == "" || *databaseURL == "" {
			return fmt.Errorf("-instances needs -redis and -database (or REDIS_URL and DATABASE_URL)")
		}
		c := o.Connections[len(o.Connections)-1]
		r, err := outbench.Shared(ctx, outbench.SharedOptions{Groupgraph: o.Groupgraph, Wrk: o.Wrk, Instances: *instances,
			RedisURL: *redisURL, DatabaseURL: *databaseURL, FlickrBudget: *flickrBudget, Latency: *latency, Connections: c, Duration: *duration})
		if err != nil {
			return err
		}
		fmt.Printf("%d instances, %d connections, %v: %d requests (%.0f/s, p50 %v, p99 %v, %d non-2xx or socket errors), answered per instance %v\n",
			r.Instances, r.Connections, r.Duration, r.Requests, r.Throughput, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Errors, r.PerInstance)
		fmt.Printf("Flickr: %d calls reached the simulator against a budget of %d per hour shared by the instances\n", r.FlickrCalls, r.Budget)
		if r.FlickrCalls > int64(r.Budget) {
			return fmt.Errorf("the Flickr budget was exceeded: %d calls, budget %d", r.FlickrCalls, r.Budget)
		}
		return nil
	}
	fmt.Printf("latency %v, jitter %v (negative: a quarter of the latency), %v per run, %d rounds, connections %v\n", *latency, *jitter, *duration, *rounds, o.Connections)
	rows, err := outbench.Run(ctx, o, os.Stderr)
	if err != nil {
		return err
	}
	j := *jitter
	if j < 0 {
		j = *latency / 4
	}
	outbench.Write(os.Stdout, rows, *latency, j)
	return nil
}
