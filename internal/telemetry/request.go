package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// RequestIDHeader carries the request ID, taken from the client when it
// sends a sane one and returned in the response either way.
const RequestIDHeader = "X-Request-ID"

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// RequestInfo is what the layers of one request tell the request log and
// metrics: the GraphQL handler fills in the operation and the outcome, the
// upstream transport counts calls.
type RequestInfo struct {
	// ID is the request ID.
	ID string

	upstream atomic.Int64

	mu        sync.Mutex
	operation string
	viewer    string
	outcome   string
	variables map[string]any
}

// SetOperation records the operation name (as sent) and the viewer ID.
func (i *RequestInfo) SetOperation(name, viewer string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation, i.viewer = name, viewer
}

// SetOutcome records the outcome, one of the Outcome constants.
func (i *RequestInfo) SetOutcome(outcome string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.outcome = outcome
}

// SetVariables keeps the variables for the log line; they are written only
// when variable logging is on.
func (i *RequestInfo) SetVariables(v map[string]any) {
	if i == nil {
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.variables = v
}

// UpstreamCalls is how many platform calls the request made so far.
func (i *RequestInfo) UpstreamCalls() int64 {
	if i == nil {
		return 0
	}
	return i.upstream.Load()
}

type requestInfoKey struct{}

// RequestInfoFrom returns the request's info, nil outside Middleware.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	i, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return i
}

// NewContextWithRequestInfo returns ctx carrying info.
func NewContextWithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// Middleware gives every request an ID, a RequestInfo, a server span when
// tracing is on (continuing the trace of the incoming traceparent header),
// and, when it ends, one log line and the request metrics. The log line has
// the request ID, viewer ID, operation name, status, duration and upstream
// call count; never a header, a token, or a variable value unless variable
// logging is on.
func (t *Telemetry) Middleware(next http.Handler) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		info := &RequestInfo{ID: id}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(NewContextWithRequestInfo(r.Context(), info)))
		t.finish(r, rec.status, info, time.Since(start))
	})
	if tp := t.TracerProvider(); tp != nil {
		return otelhttp.NewHandler(h, "graphql",
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(t.propagator),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
	}
	return h
}

func (t *Telemetry) finish(r *http.Request, status int, info *RequestInfo, d time.Duration) {
	info.mu.Lock()
	op, viewer, outcome, vars := info.operation, info.viewer, info.outcome, info.variables
	info.mu.Unlock()
	if outcome == "" {
		outcome = outcomeOfStatus(status)
	}
	m := t.Metrics()
	label := m.OperationLabel(op)
	m.ObserveRequest(label, outcome, d)
	if t == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.ID),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("viewer", viewer),
		slog.String("operation", op),
		slog.Int("status", status),
		slog.String("outcome", outcome),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("upstream_calls", info.UpstreamCalls()),
	}
	if t.logVars && vars != nil {
		attrs = append(attrs, slog.Any("variables", vars))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	t.logger.LogAttrs(r.Context(), level, "request", attrs...)
}

func outcomeOfStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return OutcomeUnauthenticated
	case status == http.StatusTooManyRequests:
		return OutcomeRateLimited
	case status >= 500:
		return OutcomeError
	case status >= 400:
		return OutcomeRejected
	default:
		return OutcomeOK
	}
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
