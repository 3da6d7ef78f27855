package fault_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers/fault"
)

func TestInjector(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	in := &fault.Injector{Custom: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }}
	srv := httptest.NewServer(in.Wrap(ok))
	t.Cleanup(srv.Close)
	get := func(ctx context.Context) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		// Without keep-alive, so that net/http does not quietly retry a GET
		// on a fresh connection after the reset of a reused one.
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.ReadAll(resp.Body)
		return resp.StatusCode, nil
	}
	in.Set(fault.Config{Next: []fault.Kind{fault.ServerError, fault.Custom, fault.Reset, fault.Garbage, fault.None}})
	for i, want := range []int{http.StatusServiceUnavailable, http.StatusTeapot, -1, http.StatusOK, http.StatusOK} {
		got, err := get(context.Background())
		if want == -1 {
			if err == nil {
				t.Errorf("request %d: a reset connection answered %d", i, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("request %d = %d, %v; want %d", i, got, err, want)
		}
	}
	t.Run("a hang lasts until the client gives up", func(t *testing.T) {
		in.Set(fault.Config{Rate: 1, Kind: fault.Hang})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := get(ctx); err == nil {
			t.Fatal("a hung request answered")
		}
	})
	t.Run("latency delays every answer", func(t *testing.T) {
		in.Set(fault.Config{Latency: 30 * time.Millisecond})
		start := time.Now()
		if _, err := get(context.Background()); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) < 30*time.Millisecond {
			t.Fatal("answered before the latency")
		}
	})
	if in.Requests() < 7 {
		t.Errorf("Requests() = %d, want at least 7", in.Requests())
	}
}
