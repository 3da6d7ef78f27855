package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/internal/health"
)

type breakers map[string]string

func (b breakers) Health() map[string]string { return b }

func TestReady(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("dial tcp db.internal:5432: secret-user refused") }
	cases := []struct {
		name   string
		checks health.Checks
		status int
		want   health.Report
	}{
		{"without a store or breakers the instance is ready", health.Checks{}, 200,
			health.Report{Status: "ok", Store: "none", Providers: map[string]string{}}},
		{"closed breakers and a reachable store are ok", health.Checks{Ping: ok, Providers: breakers{"flickr": "closed"}}, 200,
			health.Report{Status: "ok", Store: "ok", Providers: map[string]string{"flickr": "closed"}}},
		{"an open breaker is degraded but still ready", health.Checks{Ping: ok, Providers: breakers{"flickr": "open", "akana": "closed"}}, 200,
			health.Report{Status: "degraded", Store: "ok", Providers: map[string]string{"flickr": "open", "akana": "closed"}}},
		{"an unreachable store is unavailable", health.Checks{Ping: down, Providers: breakers{"flickr": "closed"}}, 503,
			health.Report{Status: "unavailable", Store: "unreachable", Providers: map[string]string{"flickr": "closed"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			health.Ready(tc.checks).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "db.internal") {
				t.Errorf("the store error leaked: %s", rec.Body)
			}
			var got health.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}
