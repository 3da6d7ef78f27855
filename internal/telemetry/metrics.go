package telemetry

import (
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label values that keep cardinality fixed.
const (
	// OperationAnonymous stands for operations without a name.
	OperationAnonymous = "anonymous"
	// OperationOther stands for names past the first maxOperationNames, and
	// for names that are not GraphQL names.
	OperationOther = "other"
	// maxOperationNames bounds the operation label: clients choose names,
	// so without a bound a client could make the series grow without end.
	maxOperationNames = 200
	// maxMethodsPerProvider bounds the upstream method label likewise.
	maxMethodsPerProvider = 64
)

// Request outcomes, the outcome label of groupgraph_requests_total.
const (
	OutcomeOK              = "ok"              // data and no errors
	OutcomePartial         = "partial"         // data with field errors
	OutcomeRejected        = "rejected"        // request error: parse, validation, limits, persisted query
	OutcomeRateLimited     = "rate_limited"    // over the caller's rate limit
	OutcomeUnauthenticated = "unauthenticated" // bad or unknown token
	OutcomeError           = "error"           // the server failed
)

var graphQLName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,99}$`)

// BreakerStates are the states a circuit breaker reports, in the order of
// the groupgraph_breaker_state gauge's documentation.
var BreakerStates = []string{"closed", "half-open", "open"}

// Metrics holds groupgraph's Prometheus collectors in a registry of its
// own (no global registry). Every method is safe on a nil *Metrics.
type Metrics struct {
	reg *prometheus.Registry

	requests         *prometheus.CounterVec
	requestDuration  *prometheus.HistogramVec
	upstreamCalls    *prometheus.CounterVec
	upstreamDuration *prometheus.HistogramVec
	batchSize        *prometheus.HistogramVec
	cacheLookups     *prometheus.CounterVec
	rateLimited      prometheus.Counter
	breaker          *prometheus.GaugeVec
	dependencyUp     *prometheus.GaugeVec

	mu      sync.Mutex
	ops     map[string]bool
	methods map[string]map[string]bool
}

// NewMetrics returns a registry with groupgraph's collectors and the Go and
// process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupgraph_requests_total",
			Help: "GraphQL requests by operation name (bounded) and outcome.",
		}, []string{"operation", "outcome"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "groupgraph_request_duration_seconds",
			Help:    "GraphQL request latency by operation name (bounded) and outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"operation", "outcome"}),
		upstreamCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupgraph_upstream_requests_total",
			Help: "HTTP calls to the platforms by provider, method and outcome (ok, client_error, rate_limited, server_error, timeout, error).",
		}, []string{"provider", "method", "outcome"}),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "groupgraph_upstream_request_duration_seconds",
			Help:    "Latency of HTTP calls to the platforms by provider, method and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"provider", "method", "outcome"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "groupgraph_loader_batch_size",
			Help:    "Keys per group-details batch sent to a provider.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100},
		}, []string{"provider"}),
		cacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "groupgraph_cache_lookups_total",
			Help: "Cache lookups by cache (query, apq, groups, ...) and result (hit, miss).",
		}, []string{"cache", "result"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "groupgraph_rate_limited_total",
			Help: "Requests refused because the caller ran out of rate-limit points.",
		}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "groupgraph_breaker_state",
			Help: "1 for the current circuit-breaker state of each provider (closed, half-open, open), 0 for the others.",
		}, []string{"provider", "state"}),
		dependencyUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "groupgraph_dependency_up",
			Help: "1 while groupgraph's own dependency (redis, store) answers, 0 while its calls fail or are skipped after a failure.",
		}, []string{"dependency"}),
		ops:     map[string]bool{},
		methods: map[string]map[string]bool{},
	}
	m.reg.MustRegister(m.requests, m.requestDuration, m.upstreamCalls, m.upstreamDuration,
		m.batchSize, m.cacheLookups, m.rateLimited, m.breaker, m.dependencyUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry, for callers that add collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// OperationLabel maps a client-chosen operation name to a bounded label:
// unnamed operations are "anonymous"; the first 200 distinct valid names
// are kept as they are; the rest, and anything that is not a GraphQL name,
// are "other".
func (m *Metrics) OperationLabel(name string) string {
	if name == "" {
		return OperationAnonymous
	}
	if m == nil || !graphQLName.MatchString(name) {
		return OperationOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops[name] {
		return name
	}
	if len(m.ops) >= maxOperationNames {
		return OperationOther
	}
	m.ops[name] = true
	return name
}

// ObserveRequest records one GraphQL request. operation must come from
// OperationLabel.
func (m *Metrics) ObserveRequest(operation, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(operation, outcome).Inc()
	m.requestDuration.WithLabelValues(operation, outcome).Observe(d.Seconds())
}

// ObserveUpstream records one call to a platform.
func (m *Metrics) ObserveUpstream(provider, method, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	method = m.methodLabel(provider, method)
	m.upstreamCalls.WithLabelValues(provider, method, outcome).Inc()
	m.upstreamDuration.WithLabelValues(provider, method, outcome).Observe(d.Seconds())
}

func (m *Metrics) methodLabel(provider, method string) string {
	if method == "" {
		return OperationOther
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := m.methods[provider]
	if seen == nil {
		seen = map[string]bool{}
		m.methods[provider] = seen
	}
	if seen[method] {
		return method
	}
	if len(seen) >= maxMethodsPerProvider {
		return OperationOther
	}
	seen[method] = true
	return method
}

// ObserveBatch records the size of one batch of keys sent to a provider.
func (m *Metrics) ObserveBatch(provider string, size int) {
	if m == nil {
		return
	}
	m.batchSize.WithLabelValues(provider).Observe(float64(size))
}

// CacheLookup records a hit or a miss of a named cache.
func (m *Metrics) CacheLookup(cache string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cacheLookups.WithLabelValues(cache, result).Inc()
}

// RateLimited records a request refused by the rate limiter.
func (m *Metrics) RateLimited() {
	if m == nil {
		return
	}
	m.rateLimited.Inc()
}

// SetBreakerState implements BreakerGauge: it sets provider's gauge to 1
// for state and 0 for the other states.
func (m *Metrics) SetBreakerState(provider, state string) {
	if m == nil {
		return
	}
	for _, s := range BreakerStates {
		v := 0.0
		if s == state {
			v = 1
		}
		m.breaker.WithLabelValues(provider, s).Set(v)
	}
}

// SetDependencyUp sets the gauge of one of groupgraph's own dependencies:
// a dependency.Guard's Observer.
func (m *Metrics) SetDependencyUp(name string, up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.dependencyUp.WithLabelValues(name).Set(v)
}

// BreakerGauge is what a circuit breaker calls on every state change, so
// that groupgraph_breaker_state follows it. *Metrics implements it.
type BreakerGauge interface {
	SetBreakerState(provider, state string)
}

// statusOutcome classifies an upstream HTTP status.
func statusOutcome(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return "rate_limited"
	case code >= 500:
		return "server_error"
	case code >= 400:
		return "client_error"
	default:
		return "ok"
	}
}
