package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// Build wires groupgraph over cfg, with viewers keyed by bearer token, and
// returns its HTTP handler (serving /graphql), the provider registry it
// uses, and a function that releases what it holds.
type Build func(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error)

// Stack is groupgraph built over a Fixture and served on a loopback port,
// as a client would reach it.
type Stack struct {
	URL      string
	Registry *providers.Registry
	client   *http.Client
	srv      *http.Server
	release  func()
}

// Config returns the configuration a Stack over f starts from: the
// defaults, the fixture's platforms, and a Flickr budget large enough not
// to be the thing measured (scenarios about the budget set their own).
func Config(f *Fixture) config.Config {
	cfg := config.Default()
	cfg.Providers = f.Providers()
	if cfg.Providers.Flickr != nil {
		cfg.Providers.Flickr.Budget.Limit = 100_000_000
	}
	// The scenarios measure groupgraph against its upstreams; the API's own
	// per-viewer rate limit would refuse their thousands of requests.
	cfg.RateLimitPoints = 0
	return cfg
}

// Serve builds groupgraph with build over cfg and f's viewers and serves it
// on a loopback port.
func Serve(build Build, cfg config.Config, f *Fixture) (*Stack, error) {
	h, reg, release, err := build(cfg, f.Viewers())
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		release()
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		labelGoroutine("server")
		_ = srv.Serve(ln)
	}()
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 30 * time.Second}
	return &Stack{
		URL: "http://" + ln.Addr().String() + "/graphql", Registry: reg,
		client: &http.Client{Transport: tr, Timeout: time.Minute}, srv: srv, release: release,
	}, nil
}

// Close stops the server and releases the stack.
func (s *Stack) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	_ = s.srv.Close()
	s.client.CloseIdleConnections()
	s.release()
}

// Response is a GraphQL answer, decoded loosely.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Do sends one GraphQL operation as the viewer with token.
func (s *Stack) Do(ctx context.Context, token, query string, vars map[string]any) (Response, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	r := Response{Status: resp.StatusCode}
	if err := decodeResponse(b, &r); err != nil {
		return r, fmt.Errorf("status %d, body not JSON: %.200s", resp.StatusCode, b)
	}
	return r, nil
}

// decodeResponse decodes a GraphQL answer into r. The load's clients share
// the machine with the server they measure, so the usual answer is read in
// one pass: its data kept as it is, its errors (rare) decoded. Anything
// jsonscan will not vouch for goes to encoding/json.
func decodeResponse(b []byte, r *Response) error {
	rd := jsonscan.NewReader(b)
	var data, errs []byte
	ok := rd.Object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "data":
			data, ok = rd.Value()
		case "errors":
			errs, ok = rd.Value()
		default:
			ok = rd.Skip()
		}
		return ok
	}) && rd.End()
	if ok && (errs == nil || json.Unmarshal(errs, &r.Errors) == nil) {
		r.Data = data
		return nil
	}
	r.Data, r.Errors = nil, nil
	return json.Unmarshal(b, r)
}

// Load is a fixed number of requests sent by concurrent clients.
type Load struct {
	// Clients send requests concurrently, each one after the other.
	Clients int
	// Requests is how many requests in all.
	Requests int
	// Query is the operation; Vars its variables.
	Query string
	Vars  map[string]any
	// Tokens are the viewers' tokens, used in turn (default Token(0)).
	Tokens []string
}

// Result is what a Load measured.
type Result struct {
	Requests int
	// Failed counts requests that got a transport error, a non-200 status
	// or GraphQL errors.
	Failed    int
	FirstFail string
	Elapsed   time.Duration
	// CPU is the CPU time the whole process (simulators, server and
	// clients) used during the load; 0 when unknown.
	CPU time.Duration
	// Latencies of every request, sorted.
	Latencies []time.Duration
}

// Throughput is requests per second.
func (r Result) Throughput() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Percentile returns the p-th percentile latency (0 < p ≤ 100).
func (r Result) Percentile(p float64) time.Duration { return percentile(r.Latencies, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// labelGoroutine marks the CPU the calling goroutine, and every goroutine
// it starts from now on, spends as part's in a CPU profile: the connections
// a server accepts, the handlers, the outbound connections they dial and
// the goroutines they start all inherit it. `go tool pprof -tags` then
// splits a load's CPU between the simulators, the server and the clients;
// the garbage collector's own workers carry no label.
func labelGoroutine(part string) {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("part", part)))
}

// Run sends l to s and measures it.
func (s *Stack) Run(ctx context.Context, l Load) Result {
	if l.Clients <= 0 {
		l.Clients = 1
	}
	if len(l.Tokens) == 0 {
		l.Tokens = []string{Token(0)}
	}
	lat := make([]time.Duration, l.Requests)
	var next atomic.Int64
	var failed atomic.Int64
	var firstFail sync.Once
	res := Result{Requests: l.Requests}
	cpu0 := ProcessCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for range l.Clients {
		wg.Go(func() {
			labelGoroutine("client")
			for {
				i := int(next.Add(1)) - 1
				if i >= l.Requests || ctx.Err() != nil {
					return
				}
				t := time.Now()
				r, err := s.Do(ctx, l.Tokens[i%len(l.Tokens)], l.Query, l.Vars)
				lat[i] = time.Since(t)
				if err == nil && (r.Status != http.StatusOK || len(r.Errors) > 0) {
					err = fmt.Errorf("status %d, errors %v", r.Status, r.Errors)
				}
				if err != nil {
					failed.Add(1)
					firstFail.Do(func() { res.FirstFail = fmt.Sprintf("%.300s", err.Error()) })
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if cpu0 > 0 {
		res.CPU = ProcessCPU() - cpu0
	}
	res.Failed = int(failed.Load())
	slices.Sort(lat)
	res.Latencies = lat
	return res
}

// Floor is the latency of the slowest chain of upstream calls a query
// needs, with no time spent anywhere else: per platform, its list call,
// then (when the query needs details the cache does not hold) its detail
// calls, all platforms in parallel. Each call takes latency plus a uniform
// jitter, as the simulators inject it. Platforms without a batch call run
// their per-group calls concurrency at a time, as their clients do.
//
// It returns the median and the 99th percentile of that chain's length over
// many draws.
func Floor(latency, jitter time.Duration, chains []Chain) (p50, p99 time.Duration) {
	const draws = 20000
	rnd := rand.New(rand.NewPCG(1, 2))
	call := func() time.Duration {
		d := latency
		if jitter > 0 {
			d += time.Duration(rnd.Int64N(int64(jitter) + 1))
		}
		return d
	}
	out := make([]time.Duration, draws)
	for i := range out {
		var slowest time.Duration
		for _, c := range chains {
			d := call() // the list call
			if c.DetailCalls > 0 {
				d += pool(c.DetailCalls, max(c.Concurrency, 1), call)
			}
			slowest = max(slowest, d)
		}
		out[i] = slowest
	}
	slices.Sort(out)
	return percentile(out, 50), percentile(out, 99)
}

// Chain is one platform's part of a query: a list call, then DetailCalls
// detail calls run Concurrency at a time.
type Chain struct {
	Kind        providers.Kind
	DetailCalls int
	Concurrency int
}

// pool is how long n calls take run c at a time.
func pool(n, c int, call func() time.Duration) time.Duration {
	free := make([]time.Duration, c) // when each worker is free
	for range n {
		i := 0
		for j := range free {
			if free[j] < free[i] {
				i = j
			}
		}
		free[i] += call()
	}
	return slices.Max(free)
}
