package e2e

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/loadtest"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
)

// One platform fails in one way while the three others answer: the
// others' memberships are all there, the failing platform's error says
// which platform and what kind of failure, no goroutine outlives the
// stack, and the heap does not grow with the number of failed requests.
func TestOneFailingPlatformLeavesTheOthersWhole(t *testing.T) {
	cases := []struct {
		name     string
		kind     providers.Kind
		fault    fault.Kind
		wantCode string
	}{
		{"a platform that hangs past the per-call timeout times out", providers.Flickr, fault.Hang, "PROVIDER_TIMEOUT"},
		{"a platform answering 5xx is unavailable", providers.Upcoming, fault.ServerError, "PROVIDER_UNAVAILABLE"},
		{"a platform resetting connections is unavailable", providers.PageSeeder, fault.Reset, "PROVIDER_UNAVAILABLE"},
		{"a platform sending garbage is unavailable", providers.Akana, fault.Garbage, "PROVIDER_UNAVAILABLE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer verifyNoLeaks(t, goleak.IgnoreCurrent())
			const groups = 10
			f, err := loadtest.Start(loadtest.Options{Memberships: groups})
			if err != nil {
				t.Fatal(err)
			}
			cfg := loadtest.Config(f)
			// The failing platform's attempts (3 × 250 ms plus backoff)
			// fit well inside the request's deadline: the merged list waits
			// for every platform's list call, so a hanging platform must
			// give up early enough to leave the others time for their
			// details. The healthy platforms get a timeout no busy machine
			// reaches, so that only the fault decides what fails.
			cfg.RequestTimeout = config.Duration(3 * time.Second)
			loadtest.SetTimeout(&cfg.Providers, 2*time.Second)
			loadtest.UpstreamOf(&cfg.Providers, c.kind).Timeout = config.Duration(250 * time.Millisecond)
			s, err := loadtest.Serve(app.BuildStack, cfg, f)
			if err != nil {
				f.Close()
				t.Fatal(err)
			}
			stopped := false
			stop := func() {
				if !stopped {
					stopped = true
					s.Close()
					f.Close()
				}
			}
			defer stop()
			f.Faults(c.kind).Set(fault.Config{Rate: 1, Kind: c.fault})

			check := func(first bool) {
				t.Helper()
				r, err := s.Do(context.Background(), loadtest.Token(0), loadtest.MembershipsDetailsQuery, nil)
				if err != nil {
					t.Fatal(err)
				}
				var d struct {
					Viewer struct {
						Memberships struct {
							IncompleteProviders []string
							Nodes               []struct {
								Group struct {
									Provider    string
									Description *string
								}
							}
						}
					}
				}
				if err := json.Unmarshal(r.Data, &d); err != nil {
					t.Fatalf("data %s: %v (errors %+v)", r.Data, err, r.Errors)
				}
				m := d.Viewer.Memberships
				got := map[string]int{}
				for _, n := range m.Nodes {
					if n.Group.Description == nil {
						t.Errorf("%s group without its description", n.Group.Provider)
					}
					got[n.Group.Provider]++
				}
				for _, k := range providers.Kinds {
					want := groups
					if k == c.kind {
						want = 0
					}
					if got[upper(k)] != want {
						t.Errorf("%d %s memberships, want %d (all: %v)", got[upper(k)], k, want, got)
					}
				}
				if len(m.IncompleteProviders) != 1 || m.IncompleteProviders[0] != upper(c.kind) {
					t.Errorf("incompleteProviders = %v, want [%s]", m.IncompleteProviders, upper(c.kind))
				}
				if len(r.Errors) == 0 {
					t.Fatal("no error for the failing platform")
				}
				for _, e := range r.Errors {
					code, _ := e.Extensions["code"].(string)
					if e.Extensions["provider"] != upper(c.kind) {
						t.Errorf("error %q names provider %v, want %s", e.Message, e.Extensions["provider"], upper(c.kind))
					}
					// Once the circuit opens, calls fail fast as unavailable.
					if (first && code != c.wantCode) || (code != c.wantCode && code != "PROVIDER_UNAVAILABLE") {
						t.Errorf("error %q has code %s, want %s", e.Message, code, c.wantCode)
					}
				}
			}
			check(true)
			if t.Failed() {
				return
			}

			// Many more requests under the fault: the heap stays put.
			run := func(n int) {
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						for range n / 8 {
							_, _ = s.Do(context.Background(), loadtest.Token(0), loadtest.MembershipsDetailsQuery, nil)
						}
					})
				}
				wg.Wait()
			}
			run(24)
			before := heap()
			run(200)
			after := heap()
			if grew := int64(after) - int64(before); grew > 4<<20 {
				t.Errorf("heap grew by %d KiB over 200 requests under the fault (%d → %d KiB)", grew>>10, before>>10, after>>10)
			}
			check(false)
			stop()
		})
	}
}

// verifyNoLeaks fails t if goroutines other than those opts ignore are
// still running 10 s from now. goleak.VerifyNone alone gives goroutines on
// their way out (a closed server's connections, a hung platform's handler)
// about half a second, which a loaded machine can take to run them to
// their end.
func verifyNoLeaks(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for goleak.Find(opts...) != nil && time.Now().Before(deadline) {
	}
	goleak.VerifyNone(t, opts...)
}

func upper(k providers.Kind) string {
	b := []byte(k)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// heap is the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
