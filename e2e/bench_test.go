package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/loadtest"
	"github.com/groupgraph/groupgraph/providers"
)

// benchStack is groupgraph as the server wires it, over a fixture of four
// simulators with 25 memberships each, served in-process (no client
// socket). The simulators run in the same process, so allocs/op counts
// their work too; upstream-calls/op counts the calls that reached them.
type benchStack struct {
	f *loadtest.Fixture
	h http.Handler
}

func newBenchStack(b *testing.B, opts loadtest.Options, cache bool) *benchStack {
	b.Helper()
	f, err := loadtest.Start(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	cfg := loadtest.Config(f)
	if !cache {
		loadtest.DisableCache(&cfg.Providers)
	}
	h, _, release, err := app.BuildStack(cfg, f.Viewers())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(release)
	return &benchStack{f: f, h: h}
}

// do runs one operation as viewer 0 and fails the benchmark on any error.
func (s *benchStack) do(b *testing.B, query string, vars map[string]any) json.RawMessage {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+loadtest.Token(0))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	var r loadtest.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != http.StatusOK || len(r.Errors) > 0 {
		b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
	}
	return r.Data
}

// upstreamCalls is every call that reached a simulator since the last
// reset.
func (s *benchStack) upstreamCalls() int {
	n := 0
	for _, c := range s.f.Counts() {
		n += c.Total()
	}
	return n
}

// report adds upstream calls per op, in all and by kind of call.
func (s *benchStack) report(b *testing.B) {
	b.ReportMetric(float64(s.upstreamCalls())/float64(b.N), "upstream-calls/op")
	by := map[loadtest.Op]int{}
	for _, c := range s.f.Counts() {
		for op, n := range c.Calls {
			by[op] += n
		}
	}
	for op, n := range by {
		b.ReportMetric(float64(n)/float64(b.N), string(op)+"-calls/op")
	}
}

// BenchmarkMemberships is the merged memberships query over four platforms
// with 25 groups each (100 memberships, one page): list fields only, and
// with fields only the detail calls return, with the details cache off
// (cold: every detail fetched upstream) and on (warm).
func BenchmarkMemberships(b *testing.B) {
	cases := []struct {
		name  string
		query string
		cache bool
	}{
		{"list fields", loadtest.MembershipsQuery, true},
		{"with details cold", loadtest.MembershipsDetailsQuery, false},
		{"with details warm", loadtest.MembershipsDetailsQuery, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := newBenchStack(b, loadtest.Options{Memberships: 25}, c.cache)
			s.do(b, c.query, nil) // warms the cache when there is one
			s.f.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				s.do(b, c.query, nil)
			}
			s.report(b)
		})
	}
}

// BenchmarkNode is node(id:) of one Flickr group, with a field only
// groups.getInfo returns: cold, one upstream call per op; warm, none.
func BenchmarkNode(b *testing.B) {
	for _, cache := range []bool{false, true} {
		name := "cold"
		if cache {
			name = "warm"
		}
		b.Run(name, func(b *testing.B) {
			s := newBenchStack(b, loadtest.Options{Memberships: 1, Kinds: []providers.Kind{providers.Flickr}}, cache)
			id := firstGroupID(b, s)
			s.do(b, loadtest.NodeQuery, map[string]any{"id": id})
			s.f.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				s.do(b, loadtest.NodeQuery, map[string]any{"id": id})
			}
			s.report(b)
		})
	}
}

// BenchmarkLeaveGroup leaves a group on Flickr (a read of the group, then
// groups.leave) and on Upcoming (group.leave); the viewer rejoins between
// iterations, off the clock, so that every leave is real.
func BenchmarkLeaveGroup(b *testing.B) {
	for _, k := range []providers.Kind{providers.Flickr, providers.Upcoming} {
		b.Run(string(k), func(b *testing.B) {
			s := newBenchStack(b, loadtest.Options{Memberships: 1, Kinds: []providers.Kind{k}}, true)
			id := firstGroupID(b, s)
			s.f.ResetCounts()
			b.ReportAllocs()
			for b.Loop() {
				data := s.do(b, loadtest.LeaveMutation, map[string]any{"id": id})
				b.StopTimer()
				var d struct {
					LeaveGroup struct {
						Membership struct{ Status string }
						Errors     []any
					}
				}
				if err := json.Unmarshal(data, &d); err != nil || len(d.LeaveGroup.Errors) > 0 || d.LeaveGroup.Membership.Status != "REMOVED" {
					b.Fatalf("leave: %s", data)
				}
				if err := s.f.Rejoin(k, 0); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			s.report(b)
		})
	}
}

// firstGroupID returns the ID of the viewer's first group, with a query
// that makes no detail call.
func firstGroupID(b *testing.B, s *benchStack) string {
	b.Helper()
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct{ Group struct{ ID string } }
			}
		}
	}
	if err := json.Unmarshal(s.do(b, loadtest.MembershipsQuery, nil), &d); err != nil || len(d.Viewer.Memberships.Nodes) == 0 {
		b.Fatal("no membership", err)
	}
	return d.Viewer.Memberships.Nodes[0].Group.ID
}
