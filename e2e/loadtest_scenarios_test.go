package e2e

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/loadcmd"
	"github.com/groupgraph/groupgraph/internal/loadtest"
)

// These run the load scenarios over the server's own wiring, small enough
// for the suite. `groupgraph load` runs them at full size (see BENCHMARKS.md).

func TestUpstreamCallsPerQueryStayAtTheMinimum(t *testing.T) {
	for _, c := range []struct {
		name  string
		query string
		warm  bool
	}{
		{"list fields, cache on", loadtest.MembershipsQuery, true},
		{"details, cold", loadtest.MembershipsDetailsQuery, false},
		{"details, warm", loadtest.MembershipsDetailsQuery, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := loadtest.Start(loadtest.Options{Memberships: 25, Latency: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg := loadtest.Config(f)
			if !c.warm {
				loadtest.DisableCache(&cfg.Providers)
			}
			s, err := loadtest.Serve(app.BuildStack, cfg, f)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := loadtest.Measure(context.Background(), s, f, loadtest.Load{Clients: 4, Requests: 12, Query: c.query}, time.Millisecond, 0)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Result.Failed > 0 {
				t.Fatalf("%d failed: %s", rep.Result.Failed, rep.Result.FirstFail)
			}
			if over := rep.OverMinimum(); len(over) > 0 {
				t.Errorf("above the minimum: %v", over)
			}
			if c.warm != rep.Warm && c.query == loadtest.MembershipsDetailsQuery {
				t.Errorf("warm = %v, want %v", rep.Warm, c.warm)
			}
		})
	}
}

func TestAHundredViewersAskingForOnePublicGroupCauseOneUpstreamCall(t *testing.T) {
	r, err := loadtest.SameGroup(context.Background(), app.BuildStack, 100, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed > 0 {
		t.Fatalf("%d failed: %s", r.Failed, r.FirstFail)
	}
	if r.DetailCalls != 1 {
		t.Errorf("%d upstream detail calls for one group asked by %d viewers, want 1", r.DetailCalls, r.Viewers)
	}
}

func TestTheFlickrBudgetIsNeverExceeded(t *testing.T) {
	// 100 calls an hour against a load needing up to 40×26: the same
	// property as 3,600 an hour, in a fraction of the time.
	r, err := loadtest.Budget(context.Background(), app.BuildStack, 100, 40)
	if err != nil {
		t.Fatal(err)
	}
	if r.Calls > r.Allowed {
		t.Errorf("%d calls reached Flickr, budget allowed %d", r.Calls, r.Allowed)
	}
	if r.RateLimited == 0 {
		t.Errorf("no request was refused with PROVIDER_RATE_LIMITED; the load did not exceed the budget (%d calls)", r.Calls)
	}
	if r.WithoutRetryAfter > 0 {
		t.Errorf("%d PROVIDER_RATE_LIMITED errors did not say when to retry (extensions.retryAfter)", r.WithoutRetryAfter)
	}
}

// The ceiling scenario's two stand-ins do what BENCHMARKS.md says they do:
// "list calls only" makes exactly one list call per platform per query and
// answers with groupgraph's own answer; "no work" calls no platform.
func TestTheCeilingScenarioComparesLikeWithLike(t *testing.T) {
	rows, err := loadtest.Ceiling(context.Background(), app.BuildStack,
		loadtest.Options{Memberships: 5, Latency: time.Millisecond},
		loadtest.Load{Clients: 2, Requests: 6, Query: loadtest.MembershipsDetailsQuery})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{loadtest.CeilingGroupgraph, loadtest.CeilingListsOnly, loadtest.CeilingNoWork}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		rep := r.Report
		if r.Server != want[i] {
			t.Errorf("row %d is %q, want %q", i, r.Server, want[i])
		}
		if rep.Result.Failed > 0 {
			t.Errorf("%s: %d failed: %s", r.Server, rep.Result.Failed, rep.Result.FirstFail)
		}
		if !reflect.DeepEqual(rep.Nodes, rows[0].Report.Nodes) {
			t.Errorf("%s answered with memberships %v, groupgraph with %v", r.Server, rep.Nodes, rows[0].Report.Nodes)
		}
		for _, k := range rep.Kinds {
			list, detail := rep.PerQuery(k, loadtest.OpList), rep.PerQuery(k, loadtest.OpDetail)
			wantList := 1.0
			if r.Server == loadtest.CeilingNoWork {
				wantList = 0
			}
			if list != wantList || detail != 0 {
				t.Errorf("%s, %s: %.2f list and %.2f detail calls per query, want %.0f and 0", r.Server, k, list, detail, wantList)
			}
		}
	}
	if n := rows[0].Report.Nodes; len(n) != 4 {
		t.Errorf("groupgraph's answer holds memberships of %d platforms, want 4: %v", len(n), n)
	}
}

// A mistyped value must stop `groupgraph load`, not run nothing (or another
// mode) and exit 0 as if it had measured what was asked.
func TestLoadRefusesValuesItDoesNotKnow(t *testing.T) {
	for _, args := range [][]string{
		{"-scenario", "ceilling"},
		{"-scenario", "same-group", "-cache", "warm"},
		{"-scenario", "same-group", "-query", "detail"},
	} {
		var out bytes.Buffer
		if err := loadcmd.Run(t.Context(), args, &out, app.BuildStack); err == nil {
			t.Errorf("groupgraph load %v: no error; printed:\n%s", args, out.String())
		}
	}
}
