package telemetry_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/groupgraph/groupgraph/internal/telemetry"
)

func scrape(t *testing.T, m *telemetry.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// app is a handler that calls an upstream through the telemetry transport
// and records its operation like the GraphQL handler does.
func app(tel *telemetry.Telemetry, upstream string) http.Handler {
	client := &http.Client{Transport: tel.Transport("flickr", nil, telemetry.WithMethod(func(r *http.Request) string {
		return r.URL.Query().Get("method")
	}))}
	return tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := telemetry.RequestInfoFrom(r.Context())
		info.SetOperation("MyGroups", "viewer-7")
		info.SetVariables(map[string]any{"secretVar": "hunter2"})
		for _, m := range []string{"flickr.groups.getInfo", "flickr.people.getGroups"} {
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, upstream+"?method="+m, nil)
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		info.SetOutcome(telemetry.OutcomeOK)
		w.WriteHeader(http.StatusOK)
	}))
}

func TestMetricsAndRequestLog(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("method") == "flickr.groups.getInfo" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer upstream.Close()
	var logs bytes.Buffer
	tel, err := telemetry.New(context.Background(), telemetry.Config{Metrics: true, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Authorization", "Bearer tok-s3cret")
	req.Header.Set(telemetry.RequestIDHeader, "req-42")
	rec := httptest.NewRecorder()
	app(tel, upstream.URL).ServeHTTP(rec, req)

	t.Run("the scrape has request and upstream counters", func(t *testing.T) {
		body := scrape(t, tel.Metrics())
		for _, want := range []string{
			`groupgraph_requests_total{operation="MyGroups",outcome="ok"} 1`,
			`groupgraph_upstream_requests_total{method="flickr.groups.getInfo",outcome="server_error",provider="flickr"} 1`,
			`groupgraph_upstream_requests_total{method="flickr.people.getGroups",outcome="ok",provider="flickr"} 1`,
			`groupgraph_request_duration_seconds_count{operation="MyGroups",outcome="ok"} 1`,
			`groupgraph_upstream_request_duration_seconds_count{method="flickr.people.getGroups",outcome="ok",provider="flickr"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("scrape lacks %s", want)
			}
		}
	})
	t.Run("one log line has the request's facts and no secret", func(t *testing.T) {
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs.String())
		}
		for _, want := range []string{`"request_id":"req-42"`, `"viewer":"viewer-7"`, `"operation":"MyGroups"`, `"status":200`, `"upstream_calls":2`, `"duration_ms":`} {
			if !strings.Contains(lines[0], want) {
				t.Errorf("log line lacks %s: %s", want, lines[0])
			}
		}
		for _, secret := range []string{"s3cret", "hunter2", "Authorization"} {
			if strings.Contains(lines[0], secret) {
				t.Errorf("log line leaks %q: %s", secret, lines[0])
			}
		}
		if rec.Header().Get(telemetry.RequestIDHeader) != "req-42" {
			t.Errorf("the request ID is not returned")
		}
	})
	t.Run("variables are logged only when asked for", func(t *testing.T) {
		var logs bytes.Buffer
		tel, _ := telemetry.New(context.Background(), telemetry.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), LogVariables: true})
		app(tel, upstream.URL).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
		if !strings.Contains(logs.String(), "hunter2") {
			t.Errorf("debug logging did not include the variables: %s", logs.String())
		}
	})
}

func TestOperationLabelsAreBounded(t *testing.T) {
	m := telemetry.NewMetrics()
	if got := m.OperationLabel(""); got != telemetry.OperationAnonymous {
		t.Errorf("unnamed = %q", got)
	}
	if got := m.OperationLabel("not a name!"); got != telemetry.OperationOther {
		t.Errorf("invalid = %q", got)
	}
	for i := range 200 {
		if got := m.OperationLabel(fmt.Sprintf("Op%d", i)); got != fmt.Sprintf("Op%d", i) {
			t.Fatalf("name %d = %q", i, got)
		}
	}
	if got := m.OperationLabel("OneTooMany"); got != telemetry.OperationOther {
		t.Errorf("the 201st name = %q, want other", got)
	}
	if got := m.OperationLabel("Op7"); got != "Op7" {
		t.Errorf("a known name = %q", got)
	}
}

func TestNilTelemetryRecordsNothing(t *testing.T) {
	var tel *telemetry.Telemetry
	h := tel.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		telemetry.RequestInfoFrom(r.Context()).SetOutcome("ok")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if tel.Metrics() != nil || tel.TracerProvider() != nil {
		t.Error("a nil Telemetry has parts")
	}
	var m *telemetry.Metrics
	m.ObserveRequest("x", "ok", 0)
	m.SetBreakerState("flickr", "open")
}

func TestBreakerGauge(t *testing.T) {
	m := telemetry.NewMetrics()
	var g telemetry.BreakerGauge = m
	g.SetBreakerState("flickr", "open")
	body := scrape(t, m)
	for _, want := range []string{
		`groupgraph_breaker_state{provider="flickr",state="open"} 1`,
		`groupgraph_breaker_state{provider="flickr",state="closed"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestTracing(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Traceparent") != "" {
			t.Error("trace context was sent to a third-party platform")
		}
	}))
	defer upstream.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tel, err := telemetry.New(context.Background(), telemetry.Config{TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	app(tel, upstream.URL).ServeHTTP(httptest.NewRecorder(), req)
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want the server span and two upstream spans", len(spans))
	}
	names := map[string]bool{}
	for _, s := range spans {
		names[s.Name()] = true
		if got := s.SpanContext().TraceID().String(); got != traceID {
			t.Errorf("span %s is in trace %s, want the incoming %s", s.Name(), got, traceID)
		}
	}
	for _, want := range []string{"POST /graphql", "flickr flickr.groups.getInfo", "flickr flickr.people.getGroups"} {
		if !names[want] {
			t.Errorf("no span %q among %v", want, names)
		}
	}
}

// Flickr and Upcoming sign every call in its query string; a client span
// must not carry the key, the token or the signature to the trace backend.
func TestUpstreamSpansRecordNoCredentials(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer upstream.Close()
	rec := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(context.Background(), telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tel.Transport("flickr", nil)}
	req, _ := http.NewRequest(http.MethodGet, upstream.URL+"/services/rest?method=flickr.groups.getInfo&api_key=KEY-s3cret&oauth_token=TOKEN-s3cret&oauth_signature=SIG-s3cret", nil)
	req.URL.User = url.UserPassword("u", "PASS-s3cret")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	var path bool
	for _, a := range spans[0].Attributes() {
		v := a.Value.Emit()
		if strings.Contains(v, "s3cret") {
			t.Errorf("span attribute %s = %q carries a credential", a.Key, v)
		}
		if strings.Contains(v, "/services/rest") {
			path = true
		}
	}
	if !path {
		t.Errorf("no attribute names the called path: %v", spans[0].Attributes())
	}
}
