// Package telemetry is groupgraph's observability: Prometheus metrics, an
// OpenTelemetry tracer when an OTLP endpoint is configured, and one
// structured log line per request.
//
// A Telemetry value is built once by the server and handed to whoever
// records: the HTTP middleware, the GraphQL handler, and the platform
// clients through Transport. A nil *Telemetry records nothing, so callers
// need no checks when it is off.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Config configures Telemetry.
type Config struct {
	// ServiceName names this service in traces; "groupgraph" when empty.
	ServiceName string
	// Version is the build's version, recorded in traces.
	Version string
	// Metrics turns the Prometheus registry on.
	Metrics bool
	// OTLPEndpoint is the OTLP/HTTP collector URL (e.g.
	// http://127.0.0.1:4318). Empty turns tracing off: no exporter, no
	// span, no propagation work.
	OTLPEndpoint string
	// TracerProvider, when set, is used instead of an OTLP exporter (tests
	// record spans with it).
	TracerProvider trace.TracerProvider
	// Logger receives the request log lines; nil discards them.
	Logger *slog.Logger
	// LogVariables adds query variable values to request log lines. Only
	// for debugging: variables may hold personal data.
	LogVariables bool
}

// Telemetry is the process's metrics registry, tracer and request logger.
type Telemetry struct {
	metrics    *Metrics
	tracer     trace.TracerProvider // nil when tracing is off
	propagator propagation.TextMapPropagator
	logger     *slog.Logger
	logVars    bool
	shutdown   func(context.Context) error
}

// New builds Telemetry from cfg. With an OTLP endpoint it starts a batching
// exporter; call Shutdown to flush it.
func New(ctx context.Context, cfg Config) (*Telemetry, error) {
	t := &Telemetry{
		logger:     cfg.Logger,
		logVars:    cfg.LogVariables,
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		shutdown:   func(context.Context) error { return nil },
	}
	if t.logger == nil {
		t.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics {
		t.metrics = NewMetrics()
	}
	switch {
	case cfg.TracerProvider != nil:
		t.tracer = cfg.TracerProvider
	case cfg.OTLPEndpoint != "":
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.OTLPEndpoint))
		if err != nil {
			return nil, fmt.Errorf("otlp exporter: %w", err)
		}
		name := cfg.ServiceName
		if name == "" {
			name = "groupgraph"
		}
		res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
			semconv.ServiceName(name), semconv.ServiceVersion(cfg.Version)))
		if err != nil {
			return nil, fmt.Errorf("trace resource: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.tracer = tp
		t.shutdown = tp.Shutdown
	}
	return t, nil
}

// Metrics is the Prometheus side; nil when metrics are off.
func (t *Telemetry) Metrics() *Metrics {
	if t == nil {
		return nil
	}
	return t.metrics
}

// TracerProvider is the tracer to instrument with, nil when tracing is off.
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.tracer
}

// Shutdown flushes pending spans.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("telemetry shutdown: %w", err)
	}
	return nil
}
