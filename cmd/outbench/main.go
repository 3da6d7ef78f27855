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
	fmt.Printf("latency %v, jitter %v, %v per run, %d rounds, connections %v\n", *latency, *jitter, *duration, *rounds, o.Connections)
	rows, err := outbench.Run(ctx, o, os.Stderr)
	if err != nil {
		return err
	}
	outbench.Write(os.Stdout, rows)
	return nil
}
