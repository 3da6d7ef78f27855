package telemetry

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
)

// MethodFunc names the upstream API method a request calls, for the method
// label (e.g. Flickr's `method` query parameter). Its results must come
// from a small fixed set; past 64 distinct values per provider they are
// counted as "other".
type MethodFunc func(*http.Request) string

// TransportOption configures Transport.
type TransportOption func(*transportConfig)

type transportConfig struct {
	method MethodFunc
}

// WithMethod sets how the method label is derived; the default is the HTTP
// method.
func WithMethod(f MethodFunc) TransportOption {
	return func(c *transportConfig) { c.method = f }
}

// Transport wraps a platform client's transport (nil means
// http.DefaultTransport) so that every call is counted in the request's
// upstream-call count, measured in groupgraph_upstream_requests_total and
// groupgraph_upstream_request_duration_seconds, and traced as a client
// span when tracing is on. Trace context is not sent to the platforms:
// they are third parties. Give it to each provider client's http.Client:
//
//	client := &http.Client{Transport: tel.Transport("flickr", nil, telemetry.WithMethod(flickrMethod))}
func (t *Telemetry) Transport(provider string, next http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	cfg := transportConfig{method: func(r *http.Request) string { return r.Method }}
	for _, o := range opts {
		o(&cfg)
	}
	var rt http.RoundTripper = &countingTransport{provider: provider, next: next, metrics: t.Metrics(), method: cfg.method}
	if tp := t.TracerProvider(); tp != nil {
		rt = otelhttp.NewTransport(rt,
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
				return provider + " " + cfg.method(r)
			}))
	}
	return rt
}

type countingTransport struct {
	provider string
	next     http.RoundTripper
	metrics  *Metrics
	method   MethodFunc
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if info := RequestInfoFrom(r.Context()); info != nil {
		info.upstream.Add(1)
	}
	start := time.Now()
	resp, err := c.next.RoundTrip(r)
	outcome := "error"
	switch {
	case err == nil:
		outcome = statusOutcome(resp.StatusCode)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		outcome = "timeout"
	}
	c.metrics.ObserveUpstream(c.provider, c.method(r), outcome, time.Since(start))
	return resp, err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
