package telemetry

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
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
// they are third parties. The span records the scheme, host and path of
// the call, never its query string or user info, where Flickr and
// Upcoming carry the API key, the account's token and the signature. Give
// it to each provider client's http.Client:
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
	c := &countingTransport{provider: provider, next: next, metrics: t.Metrics(), method: cfg.method}
	if tp := t.TracerProvider(); tp != nil {
		c.tracer = tp.Tracer("github.com/groupgraph/groupgraph/internal/telemetry")
	}
	return c
}

type countingTransport struct {
	provider string
	next     http.RoundTripper
	metrics  *Metrics
	method   MethodFunc
	tracer   trace.Tracer // nil when tracing is off
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if info := RequestInfoFrom(r.Context()); info != nil {
		info.upstream.Add(1)
	}
	method := c.method(r)
	var span trace.Span
	if c.tracer != nil {
		var ctx context.Context
		ctx, span = c.tracer.Start(r.Context(), c.provider+" "+method, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("server.address", r.URL.Hostname()),
				attribute.String("url.scheme", r.URL.Scheme),
				attribute.String("url.path", r.URL.Path),
				attribute.String("groupgraph.provider", c.provider),
				attribute.String("groupgraph.upstream.method", method),
			))
		defer span.End()
		r = r.WithContext(ctx)
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
	c.metrics.ObserveUpstream(c.provider, method, outcome, time.Since(start))
	if span != nil {
		if err == nil {
			span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		}
		span.SetAttributes(attribute.String("groupgraph.upstream.outcome", outcome))
		if err != nil || resp.StatusCode >= 500 {
			desc := outcome
			if err == nil {
				desc = strconv.Itoa(resp.StatusCode)
			}
			span.SetStatus(codes.Error, desc)
		}
	}
	return resp, err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
