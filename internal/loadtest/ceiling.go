package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
)

// CeilingRow is one server's run of the ceiling scenario.
type CeilingRow struct {
	// Server says what answered the load.
	Server string
	Report Report
}

// The servers the ceiling scenario compares.
const (
	CeilingGroupgraph = "groupgraph"
	CeilingListsOnly  = "list calls only"
	CeilingNoWork     = "no work"
)

// Ceiling runs the same warm load against three servers on this machine,
// to separate what groupgraph costs from what the machine can do at all:
//
//   - groupgraph itself, as Measure runs it with the cache warm;
//   - "list calls only": a handler that makes the viewer's list calls
//     through groupgraph's own platform clients (the registry build
//     returns, with its resilience layer) and answers with groupgraph's
//     recorded answer to the query: no parsing, no execution, no
//     serialising, no compression;
//   - "no work": a handler that calls no platform, waits as long as the
//     list calls would (the longest of one latency-plus-jitter draw per
//     platform) and answers with the same recorded bytes.
//
// Each runs over the same simulators and clients. What the last two cannot
// reach, no implementation of the query can reach on this machine.
func Ceiling(ctx context.Context, build Build, o Options, l Load) ([]CeilingRow, error) {
	f, err := Start(o)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg := Config(f)

	var rows []CeilingRow
	s, err := Serve(build, cfg, f)
	if err != nil {
		return nil, err
	}
	rep, err := Measure(ctx, s, f, l, o.Latency, o.Jitter)
	if err == nil && !rep.Warm {
		err = fmt.Errorf("ceiling: the query still needs detail calls on a warm cache")
	}
	var answer []byte
	if err == nil {
		var r Response
		r, err = s.Do(ctx, tokenOf(l), l.Query, l.Vars)
		if err == nil && len(r.Errors) > 0 {
			err = fmt.Errorf("ceiling: recording the answer: %v", r.Errors)
		}
		answer = []byte(`{"data":` + string(r.Data) + `}`)
	}
	s.Close()
	if err != nil {
		return nil, err
	}
	rows = append(rows, CeilingRow{Server: CeilingGroupgraph, Report: rep})

	for _, server := range []string{CeilingListsOnly, CeilingNoWork} {
		b := listsOnly(build, answer)
		if server == CeilingNoWork {
			b = noWork(answer, len(f.Kinds()), o.Latency, o.Jitter)
		}
		s, err := Serve(b, cfg, f)
		if err != nil {
			return nil, err
		}
		rep, err := Measure(ctx, s, f, l, o.Latency, o.Jitter)
		s.Close()
		if err != nil {
			return nil, fmt.Errorf("ceiling, %s: %w", server, err)
		}
		rows = append(rows, CeilingRow{Server: server, Report: rep})
	}
	return rows, nil
}

func tokenOf(l Load) string {
	if len(l.Tokens) > 0 {
		return l.Tokens[0]
	}
	return Token(0)
}

// listsOnly builds groupgraph with build, keeps only its platform
// registry, and answers every request by listing the viewer's memberships
// on every platform, then writing answer.
func listsOnly(build Build, answer []byte) Build {
	return func(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error) {
		_, reg, release, err := build(cfg, viewers)
		if err != nil {
			return nil, nil, nil, err
		}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			v, ok := viewers[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			if !ok {
				http.Error(w, "unknown viewer", http.StatusUnauthorized)
				return
			}
			for _, res := range reg.Memberships(r.Context(), v.Accounts) {
				if res.Err != nil {
					http.Error(w, res.Err.Error(), http.StatusBadGateway)
					return
				}
			}
			writeAnswer(w, answer)
		})
		return h, reg, release, nil
	}
}

// noWork answers every request with answer after the time platforms list
// calls, made in parallel, would take: the longest of one latency plus
// jitter draw per platform.
func noWork(answer []byte, platforms int, latency, jitter time.Duration) Build {
	return func(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			var wait time.Duration
			for range platforms {
				d := latency
				if jitter > 0 {
					d += rand.N(jitter + 1)
				}
				wait = max(wait, d)
			}
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
			writeAnswer(w, answer)
		})
		return h, providers.NewRegistry(), func() {}, nil
	}
}

func writeAnswer(w http.ResponseWriter, answer []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(answer)
}

// WriteCeiling prints the ceiling scenario's rows as a table.
func WriteCeiling(w io.Writer, rows []CeilingRow) {
	fmt.Fprintf(w, "  %-16s %12s %10s %10s %10s %14s %9s\n", "server", "throughput", "p50", "p90", "p99", "CPU per query", "CPU busy")
	for _, r := range rows {
		res := r.Report.Result
		cpu, busy := "", ""
		if res.CPU > 0 {
			cpu = ms(res.CPU / time.Duration(res.Requests))
			busy = fmt.Sprintf("%.0f%%", 100*res.CPU.Seconds()/res.Elapsed.Seconds()/float64(runtime.GOMAXPROCS(0)))
		}
		fmt.Fprintf(w, "  %-16s %10.0f/s %10v %10v %10v %14s %9s\n", r.Server, res.Throughput(),
			ms(res.Percentile(50)), ms(res.Percentile(90)), ms(res.Percentile(99)), cpu, busy)
		if res.Failed > 0 {
			fmt.Fprintf(w, "    %d failed: %s\n", res.Failed, res.FirstFail)
		}
	}
	if len(rows) > 0 {
		r := rows[0].Report
		fmt.Fprintf(w, "  floor p50 %v (targets: p50 ≤ %v, p99 ≤ %v)\n", ms(r.FloorP50),
			ms(r.FloorP50*110/100), ms(r.FloorP50*150/100))
	}
}
