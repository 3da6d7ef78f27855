// Package outbench measures groupgraph from outside its process: the
// platforms' simulators run as their own process (`groupgraph simulate`),
// groupgraph runs as a deployment would (its own configuration file and
// store), wrk sends the load, and a plain net/http stand-in (cmd/standin)
// making the same upstream calls for the same query runs beside it in the
// same run. Per server it reports throughput, latency percentiles, the CPU
// the server process alone used per query (/proc/<pid>/stat), and the
// upstream calls and new upstream connections per query the simulator
// process counted; then the ratios of groupgraph to the stand-in.
package outbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/loadtest"
	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/providers"
)

// Query is the operation measured: the sandbox viewer's memberships with
// fields the platforms' list calls do not all return.
const Query = `query Memberships { viewer { memberships(first: 100) { nodes { role group { provider name description memberCount } } } } }`

// Server names.
const (
	Groupgraph = "groupgraph"
	StandIn    = "stand-in"
)

// server is one measured process behind a URL.
type server struct {
	name  string
	procs []*proc
	urls  []string // GraphQL endpoints, one per process
	token string
	hc    *http.Client
}

// Options shape a run.
type Options struct {
	// Groupgraph and StandIn are the binaries.
	Groupgraph, StandIn string
	// Wrk is the wrk binary (default "wrk").
	Wrk string
	// Latency and Jitter are the simulators' (Jitter < 0: a quarter of
	// Latency).
	Latency, Jitter time.Duration
	// Connections are the wrk connection counts to measure, each in turn.
	Connections []int
	// Duration is each measured wrk run; Warmup the unmeasured run before
	// each connection count's first round.
	Duration, Warmup time.Duration
	// Rounds is how many times each server is measured at each connection
	// count, interleaved; the report gives medians.
	Rounds int
	// Dir is a scratch directory (default a new temporary one).
	Dir string
	// Servers to measure (default both).
	Servers []string
}

// Row is one server's measurement at one connection count: the medians
// of its rounds.
type Row struct {
	Server      string
	Connections int
	Rounds      int
	// Requests and Errors (non-2xx answers, socket errors) of all rounds.
	Requests, Errors int64
	Throughput       float64
	P50, P90, P99    time.Duration
	// CPUPerQuery is the server process's CPU time per query.
	CPUPerQuery time.Duration
	// CallsPerQuery and ConnsPerQuery are upstream calls and new upstream
	// connections per query, counted by the simulators.
	CallsPerQuery, ConnsPerQuery float64
	// ByPlatform is calls per query by platform, and ByCall by kind of
	// call (sandbox.CallName).
	ByPlatform map[providers.Kind]float64
	ByCall     map[string]float64
}

// Run starts the simulators and the servers, checks that both answer the
// query alike, and measures every connection count, interleaving the
// servers round by round. It writes progress to log.
func Run(ctx context.Context, o Options, log io.Writer) ([]Row, error) {
	if o.Wrk == "" {
		o.Wrk = "wrk"
	}
	if o.Rounds <= 0 {
		o.Rounds = 1
	}
	if len(o.Servers) == 0 {
		o.Servers = []string{Groupgraph, StandIn}
	}
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "groupgraph-outbench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		o.Dir = d
	}
	sim, err := startSimulator(ctx, o.Groupgraph, o.Latency, o.Jitter)
	if err != nil {
		return nil, err
	}
	defer sim.stop()
	fmt.Fprintf(log, "simulators: control %s\n", sim.control)

	servers := map[string]*server{}
	defer func() {
		for _, s := range servers {
			for _, p := range s.procs {
				p.stop()
			}
		}
	}()
	for _, name := range o.Servers {
		var s *server
		switch name {
		case Groupgraph:
			s, err = startGroupgraph(ctx, o, sim, 1, Deployment{})
		case StandIn:
			s, err = startStandIn(ctx, o, sim)
		default:
			err = fmt.Errorf("unknown server %q", name)
		}
		if err != nil {
			return nil, err
		}
		servers[name] = s
	}
	if err := checkAnswers(ctx, o.Servers, servers); err != nil {
		return nil, err
	}
	script := filepath.Join(o.Dir, "query.lua")
	var rows []Row
	for _, c := range o.Connections {
		perServer := map[string][]round{}
		for _, name := range o.Servers {
			if o.Warmup > 0 {
				if _, err := measure(ctx, o, sim, servers[name], c, o.Warmup, script); err != nil {
					return nil, err
				}
			}
		}
		for r := range o.Rounds {
			for _, name := range o.Servers {
				rd, err := measure(ctx, o, sim, servers[name], c, o.Duration, script)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(log, "  %s, %d connections, round %d: %.0f/s p50 %v, %v CPU, %.2f calls, %.3f new connections per query\n",
					name, c, r+1, rd.throughput, rd.p50, rd.cpuPerQuery().Round(time.Microsecond), rd.callsPerQuery(), rd.connsPerQuery())
				perServer[name] = append(perServer[name], rd)
			}
		}
		for _, name := range o.Servers {
			rows = append(rows, summarize(name, c, perServer[name]))
		}
	}
	return rows, nil
}

// startGroupgraph runs n groupgraph instances as deployments over sim.
// Instances after the first share the first one's store, so that they
// serve the same viewer (base must then name a shared PostgreSQL).
func startGroupgraph(ctx context.Context, o Options, sim *simulator, n int, base Deployment) (*server, error) {
	dir := filepath.Join(o.Dir, "groupgraph")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	d, err := prepare(ctx, dir, sim.desc, base.DatabaseURL, base.Key)
	if err != nil {
		return nil, err
	}
	d.RedisURL, d.RedisPrefix, d.FlickrBudget = base.RedisURL, base.RedisPrefix, base.FlickrBudget
	s := &server{name: Groupgraph, token: d.Token, hc: sim.hc}
	for i := range n {
		addr, err := freeAddr()
		if err != nil {
			return s, err
		}
		cfg, err := d.configFile(fmt.Sprintf("groupgraph-%d.yaml", i+1), addr, sim.desc)
		if err != nil {
			return s, err
		}
		p, err := start(fmt.Sprintf("groupgraph %d", i+1), o.Groupgraph, []string{"-config", cfg}, d.env(), nil)
		if err != nil {
			return s, err
		}
		s.procs = append(s.procs, p)
		if err := waitHealthy(ctx, sim.hc, p, "http://"+addr+"/healthz"); err != nil {
			return s, err
		}
		s.urls = append(s.urls, "http://"+addr+"/graphql")
	}
	return s, nil
}

// startStandIn runs the stand-in over sim.
func startStandIn(ctx context.Context, o Options, sim *simulator) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p, err := start("stand-in", o.StandIn, []string{"-listen", addr, "-sandbox", sim.control + "/sandbox"}, nil, nil)
	if err != nil {
		return nil, err
	}
	s := &server{name: StandIn, procs: []*proc{p}, urls: []string{"http://" + addr + "/graphql"}, token: "stand-in", hc: sim.hc}
	return s, waitHealthy(ctx, sim.hc, p, "http://"+addr+"/healthz")
}

// post sends the query to url and returns the answer's body.
func post(ctx context.Context, hc *http.Client, url, token string) ([]byte, error) {
	body, _ := json.Marshal(map[string]string{"query": Query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("POST %s: %s: %.300s", url, resp.Status, b)
	}
	return b, nil
}

// checkAnswers asks every server once and fails unless each answers
// without errors and they all answer the same: the stand-in then does the
// work groupgraph does, and the comparison is fair.
func checkAnswers(ctx context.Context, names []string, servers map[string]*server) error {
	var first []byte
	var firstName string
	for _, name := range names {
		s := servers[name]
		for _, u := range s.urls {
			b, err := post(ctx, s.hc, u, s.token)
			if err != nil {
				return err
			}
			var r struct {
				Data   json.RawMessage `json:"data"`
				Errors []any           `json:"errors"`
			}
			if err := json.Unmarshal(b, &r); err != nil || len(r.Errors) > 0 || len(r.Data) == 0 {
				return fmt.Errorf("%s answered %.500s", name, b)
			}
			// Compared as values, so that escaping and spacing do not count.
			var v any
			if err := json.Unmarshal(r.Data, &v); err != nil {
				return err
			}
			canon, _ := json.Marshal(v)
			if first == nil {
				first, firstName = canon, name
				continue
			}
			if !bytes.Equal(first, canon) {
				return fmt.Errorf("%s and %s answer differently:\n%s\n%s", firstName, name, first, canon)
			}
		}
	}
	return nil
}

// round is one wrk run against one server.
type round struct {
	wrkResult
	// Counted over the measuring window: the server's CPU, the queries it
	// answered, and the upstream calls and connections.
	cpu          time.Duration
	queries      int64
	calls, conns int64
	byPlatform   map[providers.Kind]int64
	byCall       map[string]int64
}

func (r round) cpuPerQuery() time.Duration {
	if r.queries == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.queries)
}

func (r round) callsPerQuery() float64 { return perQuery(r.calls, r.queries) }
func (r round) connsPerQuery() float64 { return perQuery(r.conns, r.queries) }

func perQuery(n, requests int64) float64 {
	if requests == 0 {
		return 0
	}
	return float64(n) / float64(requests)
}

// snapshot is what the counters say at one moment of a run.
type snapshot struct {
	cpu    time.Duration
	served int64
	stats  map[providers.Kind]sandbox.PlatformStats
}

func take(ctx context.Context, sim *simulator, s *server) (snapshot, error) {
	var sn snapshot
	var err error
	if sn.cpu, err = serverCPU(s); err != nil {
		return sn, err
	}
	if sn.served, err = served(ctx, s); err != nil {
		return sn, err
	}
	sn.stats, err = sim.stats(ctx)
	return sn, err
}

// measure runs wrk against s for d with c connections. Throughput and
// latency are wrk's, over the whole run; CPU, upstream calls and new
// upstream connections per query are counted over the run's middle three
// fifths, divided by the queries the server answered in that window: at
// the end of a run wrk drops its connections with queries in flight,
// whose cancelled upstream calls close their connections, which the next
// run would count as churn.
func measure(ctx context.Context, o Options, sim *simulator, s *server, c int, d time.Duration, script string) (round, error) {
	if err := writeScript(script, s.urls, s.token); err != nil {
		return round{}, err
	}
	type wrkDone struct {
		res wrkResult
		err error
	}
	done := make(chan wrkDone, 1)
	go func() {
		res, err := runWrk(ctx, o.Wrk, s.urls[0], script, c, d, len(s.urls))
		done <- wrkDone{res, err}
	}()
	wait := func(t time.Duration) error {
		select {
		case <-time.After(t):
			return nil
		case w := <-done:
			done <- w
			if w.err != nil {
				return w.err
			}
			return fmt.Errorf("wrk ended before the measuring window did")
		}
	}
	fifth := d.Round(time.Second) / 5
	if err := wait(fifth); err != nil {
		return round{}, err
	}
	a, err := take(ctx, sim, s)
	if err != nil {
		return round{}, err
	}
	if err := wait(3 * fifth); err != nil {
		return round{}, err
	}
	b, err := take(ctx, sim, s)
	if err != nil {
		return round{}, err
	}
	w := <-done
	if w.err != nil {
		return round{}, w.err
	}
	r := diff(a, b)
	r.wrkResult = w.res
	for _, p := range s.procs {
		select {
		case <-p.done:
			return r, p.exited()
		default:
		}
	}
	return r, nil
}

// diff is what happened between two snapshots.
func diff(a, b snapshot) round {
	r := round{cpu: b.cpu - a.cpu, queries: b.served - a.served, byPlatform: map[providers.Kind]int64{}, byCall: map[string]int64{}}
	for k, st := range b.stats {
		was := a.stats[k]
		r.calls += st.Calls - was.Calls
		r.conns += st.Connections - was.Connections
		r.byPlatform[k] = st.Calls - was.Calls
		for name, n := range st.ByCall {
			if dn := n - was.ByCall[name]; dn > 0 {
				r.byCall[string(k)+" "+name] = dn
			}
		}
	}
	return r
}

// served is how many queries s has answered: groupgraph's
// groupgraph_requests_total (every instance's), the stand-in's /stats.
func served(ctx context.Context, s *server) (int64, error) {
	var sum int64
	for _, u := range s.urls {
		base := strings.TrimSuffix(u, "/graphql")
		if s.name == StandIn {
			var st struct {
				Served int64 `json:"served"`
			}
			if err := getJSON(ctx, s.hc, base+"/stats", &st); err != nil {
				return 0, err
			}
			sum += st.Served
			continue
		}
		n, err := promCounter(ctx, s.hc, base+"/metrics", "groupgraph_requests_total")
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// promCounter sums every series of counter name in a Prometheus text
// exposition.
func promCounter(ctx context.Context, hc *http.Client, url, name string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return sumCounter(string(b), name)
}

func sumCounter(text, name string) (int64, error) {
	var sum float64
	for _, line := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue
		}
		f := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %w", name, line, err)
		}
		sum += v
	}
	return int64(sum), nil
}

// serverCPU is the CPU time of every process of s.
func serverCPU(s *server) (time.Duration, error) {
	var sum time.Duration
	for _, p := range s.procs {
		t, err := cpuTime(p.pid())
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

// summarize takes the medians of a server's rounds.
func summarize(name string, c int, rs []round) Row {
	row := Row{Server: name, Connections: c, Rounds: len(rs), ByPlatform: map[providers.Kind]float64{}, ByCall: map[string]float64{}}
	var tput, cpu, calls, conns []float64
	var p50, p90, p99 []time.Duration
	var reqs int64
	for _, r := range rs {
		row.Requests += r.requests
		row.Errors += r.errors
		tput = append(tput, r.throughput)
		cpu = append(cpu, float64(r.cpuPerQuery()))
		calls = append(calls, r.callsPerQuery())
		conns = append(conns, r.connsPerQuery())
		p50, p90, p99 = append(p50, r.p50), append(p90, r.p90), append(p99, r.p99)
		reqs += r.queries
	}
	row.Throughput = median(tput)
	row.CPUPerQuery = time.Duration(median(cpu))
	row.CallsPerQuery, row.ConnsPerQuery = median(calls), median(conns)
	row.P50, row.P90, row.P99 = medianD(p50), medianD(p90), medianD(p99)
	for _, r := range rs {
		for k, n := range r.byPlatform {
			row.ByPlatform[k] += float64(n) / float64(max(reqs, 1))
		}
		for k, n := range r.byCall {
			row.ByCall[k] += float64(n) / float64(max(reqs, 1))
		}
	}
	return row
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianD(xs []time.Duration) time.Duration {
	f := make([]float64, len(xs))
	for i, x := range xs {
		f[i] = float64(x)
	}
	return time.Duration(median(f))
}

// TwoWaveFloor is the latency of the query's two waves of upstream calls
// alone, from the simulators' latency and jitter: every platform's list
// call, then its detail calls (calls per query beyond the list call, four
// at a time), all platforms at once. It returns the median and the 99th
// percentile over many draws (loadtest.Floor).
func TwoWaveFloor(latency, jitter time.Duration, callsPerQuery map[providers.Kind]float64) (p50, p99 time.Duration) {
	var chains []loadtest.Chain
	for k, n := range callsPerQuery {
		chains = append(chains, loadtest.Chain{Kind: k, DetailCalls: max(int(math.Round(n))-1, 0), Concurrency: 4})
	}
	return loadtest.Floor(latency, jitter, chains)
}

// Write prints rows as a table, then groupgraph's ratios to the stand-in
// and, at one connection, its p50 against the two-wave floor of the
// simulators' latency and jitter.
func Write(w io.Writer, rows []Row, latency, jitter time.Duration) {
	fmt.Fprintln(w, "| server | connections | throughput | p50 | p90 | p99 | server CPU per query | upstream calls per query | new upstream connections per query | errors |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %.0f/s | %s | %s | %s | %s | %.2f | %.3f | %d |\n", r.Server, r.Connections, r.Throughput,
			ms(r.P50), ms(r.P90), ms(r.P99), ms(r.CPUPerQuery), r.CallsPerQuery, r.ConnsPerQuery, r.Errors)
	}
	fmt.Fprintln(w)
	for _, g := range rows {
		if g.Server != Groupgraph {
			continue
		}
		for _, s := range rows {
			if s.Server == StandIn && s.Connections == g.Connections && s.Throughput > 0 && s.CPUPerQuery > 0 {
				fmt.Fprintf(w, "groupgraph / stand-in at %d connections: throughput %.2f×, p50 %.2f×, CPU per query %.2f×\n", g.Connections,
					g.Throughput/s.Throughput, float64(g.P50)/float64(max(s.P50, 1)), float64(g.CPUPerQuery)/float64(s.CPUPerQuery))
			}
		}
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.Server != Groupgraph || r.Connections != 1 || latency <= 0 {
			continue
		}
		p50, _ := TwoWaveFloor(latency, jitter, r.ByPlatform)
		fmt.Fprintf(w, "groupgraph at 1 connection: p50 %s against the two-wave floor's %s (%+.0f %%)\n", ms(r.P50), ms(p50),
			100*(float64(r.P50)/float64(p50)-1))
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		keys := make([]string, 0, len(r.ByCall))
		for k := range r.ByCall {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %.2f", k, r.ByCall[k])
		}
		fmt.Fprintf(w, "%s, %d connections, calls per query: %s\n", r.Server, r.Connections, strings.Join(parts, "; "))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
