// Package health serves the liveness and readiness endpoints.
//
// /healthz answers 200 while the process serves HTTP at all: an
// orchestrator restarts the process when it fails. /readyz says whether
// this instance should receive traffic: 200 while the store answers, 503
// when it does not, with each provider's circuit-breaker state in the body
// either way. An open breaker does not make the instance unready: every
// instance shares the platform's outage, and the others' data is still
// served; the body reports it as "degraded".
package health

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"time"
)

// HealthReporter reports each provider's circuit-breaker state, keyed by
// provider name ("flickr", ...), with values "closed", "half-open" or
// "open". The resilience layer implements it.
type HealthReporter interface {
	Health() map[string]string
}

// Checks are what readiness depends on. Nil fields are skipped.
type Checks struct {
	// Ping checks that the store answers.
	Ping func(context.Context) error
	// Providers reports the breakers.
	Providers HealthReporter
	// Timeout bounds Ping; 2 s when zero.
	Timeout time.Duration
}

// Report is the /readyz body.
type Report struct {
	// Status is "ok", "degraded" (some breaker not closed) or "unavailable"
	// (the store does not answer).
	Status string `json:"status"`
	// Store is "ok", "unreachable", or "none" when there is no store.
	Store string `json:"store"`
	// Providers maps each provider to its breaker state.
	Providers map[string]string `json:"providers"`
}

// Ready serves /readyz.
func Ready(c Checks) http.Handler {
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := c.Check(r.Context())
		status := http.StatusOK
		if rep.Status == "unavailable" {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, rep)
	})
}

// Check runs the checks. The store error itself is not reported: it may
// name hosts or users.
func (c Checks) Check(ctx context.Context) Report {
	rep := Report{Status: "ok", Store: "none", Providers: map[string]string{}}
	if c.Providers != nil {
		maps.Copy(rep.Providers, c.Providers.Health())
		for _, s := range rep.Providers {
			if s != "closed" {
				rep.Status = "degraded"
			}
		}
	}
	if c.Ping != nil {
		ctx, cancel := context.WithTimeout(ctx, c.Timeout)
		defer cancel()
		rep.Store = "ok"
		if err := c.Ping(ctx); err != nil {
			rep.Store, rep.Status = "unreachable", "unavailable"
		}
	}
	return rep
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
