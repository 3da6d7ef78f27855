package outbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groupgraph/groupgraph/providers"
)

// Targets the smoke enforces, on counts alone.
const (
	// MaxNewConnsPerQuery is the most new upstream connections per query a
	// steady stream may open.
	MaxNewConnsPerQuery = 0.05
)

// Count is an exact count of what a fixed number of queries caused.
type Count struct {
	Server  string
	Queries int64
	Failed  int64
	// Calls and Conns are upstream calls and new upstream connections.
	Calls, Conns int64
	ByCall       map[string]int64
}

// CallsPerQuery is upstream calls per query.
func (c Count) CallsPerQuery() float64 { return perQuery(c.Calls, c.Queries) }

// ConnsPerQuery is new upstream connections per query.
func (c Count) ConnsPerQuery() float64 { return perQuery(c.Conns, c.Queries) }

// drive sends n queries from c concurrent clients (one keep-alive
// connection each) to s, spread over its instances, and waits for all of
// them: nothing is left in flight, so every upstream call and connection
// the simulators count belongs to one of these queries.
func drive(ctx context.Context, s *server, n, c int) (failed int64, err error) {
	body, _ := json.Marshal(map[string]string{"query": Query})
	tr := &http.Transport{MaxIdleConnsPerHost: c, MaxIdleConns: 2 * c}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var next, bad atomic.Int64
	var first sync.Once
	var firstErr error
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.urls[int(i)%len(s.urls)], bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+s.token)
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					first.Do(func() { firstErr = err })
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var r struct {
					Errors []json.RawMessage `json:"errors"`
				}
				if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || len(r.Errors) > 0 {
					bad.Add(1)
					first.Do(func() { firstErr = fmt.Errorf("status %d: %.300s", resp.StatusCode, b) })
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() == int64(n) {
		return bad.Load(), fmt.Errorf("every query failed: %v", firstErr)
	}
	return bad.Load(), ctx.Err()
}

// count drives n queries at s after warm queries of warm-up, and counts
// what reached the simulators during the n. The warm-up runs twice as
// many clients as the count: a pool fills up to the most calls it has had
// in flight at once, and the count's own peaks must not be what fills it.
func count(ctx context.Context, sim *simulator, s *server, warm, n, c int) (Count, error) {
	if _, err := drive(ctx, s, warm, 2*c); err != nil {
		return Count{}, err
	}
	a, err := sim.stats(ctx)
	if err != nil {
		return Count{}, err
	}
	failed, err := drive(ctx, s, n, c)
	if err != nil {
		return Count{}, err
	}
	b, err := sim.stats(ctx)
	if err != nil {
		return Count{}, err
	}
	r := diff(snapshot{stats: a}, snapshot{stats: b})
	return Count{Server: s.name, Queries: int64(n), Failed: failed, Calls: r.calls, Conns: r.conns, ByCall: r.byCall}, nil
}

// SmokeOptions shape the CI smoke.
type SmokeOptions struct {
	Groupgraph, StandIn string
	// Latency of the simulators (a few milliseconds: the smoke counts, it
	// does not time).
	Latency time.Duration
	// Warm and Queries are the unmeasured and the measured queries per
	// server; Clients send them.
	Warm, Queries, Clients int
}

// Smoke runs both servers out of process and checks the counts: the
// answers agree; no query fails; groupgraph makes as many upstream calls
// per query as the stand-in, which makes the calls the query needs (more
// is groupgraph's fault, fewer means the stand-in no longer makes
// groupgraph's calls and must be brought level); and groupgraph opens no
// more than MaxNewConnsPerQuery new upstream connections per query once
// warm. The stand-in's connections are reported, not judged: it is a
// yardstick of CPU and calls, with net/http's pool. It returns the counts
// and the targets missed.
func Smoke(ctx context.Context, o SmokeOptions) ([]Count, []string, error) {
	dir, err := os.MkdirTemp("", "groupgraph-smoke-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	bo := Options{Groupgraph: o.Groupgraph, StandIn: o.StandIn, Dir: dir}
	sim, err := startSimulator(ctx, o.Groupgraph, o.Latency, o.Latency/2)
	if err != nil {
		return nil, nil, err
	}
	defer sim.stop()
	gg, err := startGroupgraph(ctx, bo, sim, 1, Deployment{})
	if gg != nil {
		defer gg.stopAll()
	}
	if err != nil {
		return nil, nil, err
	}
	si, err := startStandIn(ctx, bo, sim)
	if si != nil {
		defer si.stopAll()
	}
	if err != nil {
		return nil, nil, err
	}
	servers := map[string]*server{Groupgraph: gg, StandIn: si}
	if err := checkAnswers(ctx, []string{Groupgraph, StandIn}, servers); err != nil {
		return nil, nil, err
	}
	var counts []Count
	for _, s := range []*server{gg, si} {
		c, err := count(ctx, sim, s, o.Warm, o.Queries, o.Clients)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s.name, err)
		}
		counts = append(counts, c)
	}
	var missed []string
	g, st := counts[0], counts[1]
	for _, c := range counts {
		if c.Failed > 0 {
			missed = append(missed, fmt.Sprintf("%s: %d of %d queries failed", c.Server, c.Failed, c.Queries))
		}
	}
	if g.ConnsPerQuery() > MaxNewConnsPerQuery {
		missed = append(missed, fmt.Sprintf("groupgraph: %.3f new upstream connections per query, above %.2f", g.ConnsPerQuery(), MaxNewConnsPerQuery))
	}
	switch {
	case g.CallsPerQuery() > st.CallsPerQuery():
		missed = append(missed, fmt.Sprintf("groupgraph: %.2f upstream calls per query, above the %.2f the query needs (the stand-in's)", g.CallsPerQuery(), st.CallsPerQuery()))
	case g.CallsPerQuery() < st.CallsPerQuery():
		// Not groupgraph's fault, but the benchmark's: the stand-in must
		// make groupgraph's calls for the comparison to mean anything.
		missed = append(missed, fmt.Sprintf("the stand-in makes %.2f upstream calls per query and groupgraph %.2f: make internal/standin make groupgraph's calls (by kind: groupgraph %v, stand-in %v)",
			st.CallsPerQuery(), g.CallsPerQuery(), g.ByCall, st.ByCall))
	}
	return counts, missed, nil
}

// WriteCounts prints counts.
func WriteCounts(w io.Writer, cs []Count) {
	for _, c := range cs {
		fmt.Fprintf(w, "%s: %d queries (%d failed), %.2f upstream calls and %.3f new upstream connections per query\n",
			c.Server, c.Queries, c.Failed, c.CallsPerQuery(), c.ConnsPerQuery())
	}
}

// stopAll stops every process of s.
func (s *server) stopAll() {
	for _, p := range s.procs {
		p.stop()
	}
}

// SharedOptions shape the run of several groupgraph instances on one
// Redis and one PostgreSQL.
type SharedOptions struct {
	Groupgraph, Wrk string
	Instances       int
	// RedisURL and DatabaseURL are the shared services; the run uses a
	// Redis key prefix and a PostgreSQL schema of its own, and drops the
	// schema afterwards.
	RedisURL, DatabaseURL string
	// FlickrBudget is Flickr's calls per hour, shared by the instances.
	FlickrBudget int
	Latency      time.Duration
	Connections  int
	Duration     time.Duration
}

// SharedResult is what the shared run measured.
type SharedResult struct {
	Instances, Connections int
	Budget                 int
	Duration               time.Duration
	Requests, Errors       int64
	Throughput             float64
	P50, P99               time.Duration
	// FlickrCalls reached the Flickr simulator in all; PerInstance is the
	// queries each instance answered.
	FlickrCalls int64
	PerInstance []int64
}

// Shared runs o.Instances groupgraph processes over one simulator process,
// one Redis and one PostgreSQL, with wrk's load spread over all of them,
// and counts at the simulator the calls that reached Flickr.
func Shared(ctx context.Context, o SharedOptions) (SharedResult, error) {
	res := SharedResult{Instances: o.Instances, Connections: o.Connections, Budget: o.FlickrBudget, Duration: o.Duration}
	dir, err := os.MkdirTemp("", "groupgraph-shared-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	schema := fmt.Sprintf("outbench_%d", time.Now().UnixNano())
	dbURL, drop, err := ownSchema(ctx, o.DatabaseURL, schema)
	if err != nil {
		return res, err
	}
	defer drop()
	sim, err := startSimulator(ctx, o.Groupgraph, o.Latency, o.Latency/4)
	if err != nil {
		return res, err
	}
	defer sim.stop()
	s, err := startGroupgraph(ctx, Options{Groupgraph: o.Groupgraph, Dir: dir}, sim, o.Instances, Deployment{
		DatabaseURL: dbURL, RedisURL: o.RedisURL, RedisPrefix: schema + ":", FlickrBudget: o.FlickrBudget,
	})
	if s != nil {
		defer s.stopAll()
	}
	if err != nil {
		return res, err
	}
	before, err := sim.stats(ctx)
	if err != nil {
		return res, err
	}
	script := filepath.Join(dir, "query.lua")
	if err := writeScript(script, s.urls, s.token); err != nil {
		return res, err
	}
	w, err := runWrk(ctx, o.Wrk, s.urls[0], script, max(o.Connections, o.Instances), o.Duration, o.Instances)
	if err != nil {
		return res, err
	}
	after, err := sim.stats(ctx)
	if err != nil {
		return res, err
	}
	res.Requests, res.Errors, res.Throughput, res.P50, res.P99 = w.requests, w.errors, w.throughput, w.p50, w.p99
	res.FlickrCalls = after[providers.Flickr].Calls - before[providers.Flickr].Calls
	for _, u := range s.urls {
		n, err := promCounter(ctx, s.hc, strings.TrimSuffix(u, "/graphql")+"/metrics", "groupgraph_requests_total")
		if err != nil {
			return res, err
		}
		res.PerInstance = append(res.PerInstance, n)
	}
	return res, nil
}

// ownSchema creates schema in the database at databaseURL and returns a
// URL that uses it, and a function dropping it.
func ownSchema(ctx context.Context, databaseURL, schema string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		conn.Close(context.WithoutCancel(ctx))
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
