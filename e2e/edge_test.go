package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/auth"
	admin "github.com/groupgraph/groupgraph/internal/cli"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/edge"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

const testToken = "edge-test-token"

// upstreamMemory is an in-memory platform whose Memberships first calls an
// HTTP upstream through the client it is given, as a real provider client
// does, so that the upstream instrumentation can be observed.
type upstreamMemory struct {
	*providertest.Memory
	client *http.Client
	url    string
}

func (u *upstreamMemory) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.url+"?method=groups.getMine", nil)
	if err != nil {
		return nil, err
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, providers.TransportError("memory groups.getMine", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return u.Memory.Memberships(ctx, acct)
}

// stack is the whole HTTP surface as the server builds it, over in-memory
// platforms.
type stack struct {
	handler http.Handler
	edge    *edge.Edge
	logs    *bytes.Buffer
	mem     *providertest.Memory
}

func newStack(t testing.TB, configure func(*config.Config)) *stack {
	t.Helper()
	cfg := config.Default()
	cfg.Playground = true // introspection on: the audit's variables test needs __type
	if configure != nil {
		configure(&cfg)
	}
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	e, err := edge.New(context.Background(), cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(upstream.Close)

	mem := providertest.NewMemory(providers.Flickr)
	mem.AddUser(providers.User{ID: "me", Name: "Alice"})
	for i := range 30 {
		id := fmt.Sprintf("g%d", i)
		mem.AddGroup(providers.Group{ID: id, Name: fmt.Sprintf("Group number %d with a long name", i), Description: ptr("A group")})
		mem.Join(id, "me", providers.RoleMember, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	p := &upstreamMemory{Memory: mem, url: upstream.URL, client: &http.Client{
		Transport: e.Telemetry.Transport("flickr", nil),
	}}
	reg := providers.NewRegistry(p)
	viewer := &providers.Viewer{ID: "v1", Name: "alice", Accounts: []providers.Account{{ID: "a1", Provider: providers.Flickr, UserID: "me"}}}
	h := app.NewHandler(cfg, reg, auth.NewStatic(map[string]*providers.Viewer{testToken: viewer}), "", logger, nil, e)
	return &stack{handler: h, edge: e, logs: logs, mem: mem}
}

func ptr[T any](v T) *T { return &v }

func (s *stack) do(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec
}

func gqlRequest(query string) *http.Request {
	b, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	return req
}

func TestMetricsAfterAQuery(t *testing.T) {
	s := newStack(t, nil)
	rec := s.do(t, gqlRequest(`query Mine { viewer { memberships(first: 5) { nodes { group { description } } } } }`))
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
		t.Fatalf("query failed: %d %s", rec.Code, rec.Body)
	}
	scrape := s.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil)).Body.String()
	for _, want := range []string{
		`groupgraph_requests_total{operation="Mine",outcome="ok"} 1`,
		`groupgraph_upstream_requests_total{method="GET",outcome="ok",provider="flickr"} 1`,
		`groupgraph_upstream_request_duration_seconds_count{method="GET",outcome="ok",provider="flickr"} 1`,
		`groupgraph_loader_batch_size_count{provider="flickr"} 1`,
		`groupgraph_cache_lookups_total{cache="query",result="miss"} 1`,
	} {
		if !strings.Contains(scrape, want) {
			t.Errorf("the scrape lacks %s", want)
		}
	}
	if !strings.Contains(s.logs.String(), `"upstream_calls":1`) || !strings.Contains(s.logs.String(), `"viewer":"v1"`) {
		t.Errorf("the request log lacks the upstream count or viewer: %s", s.logs)
	}
	if strings.Contains(s.logs.String(), testToken) {
		t.Error("the token reached the log")
	}
}

func TestMetricsCanBeTurnedOff(t *testing.T) {
	s := newStack(t, func(c *config.Config) { c.Metrics = false })
	if rec := s.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil)); rec.Code != http.StatusNotFound {
		t.Errorf("/metrics = %d, want 404 when metrics are off", rec.Code)
	}
}

func TestHealthEndpoints(t *testing.T) {
	s := newStack(t, nil)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run(path+" answers JSON", func(t *testing.T) {
			rec := s.do(t, httptest.NewRequest(http.MethodGet, path, nil))
			var body map[string]any
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["status"] != "ok" {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("/readyz reports breakers and the store", func(t *testing.T) {
		s.edge.Breakers = fakeBreakers{"flickr": "open"}
		s.edge.StorePing = func(context.Context) error { return errors.New("down") }
		mux := http.NewServeMux()
		s.edge.Routes(mux)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"flickr":"open"`) {
			t.Errorf("%d %s", rec.Code, rec.Body)
		}
	})
}

type fakeBreakers map[string]string

func (f fakeBreakers) Health() map[string]string { return f }

func TestGzipAboveOneKiB(t *testing.T) {
	s := newStack(t, nil)
	cases := []struct {
		name, query string
		gzipped     bool
	}{
		{"a large response is gzipped", `{ viewer { memberships(first: 30) { nodes { group { name } } } } }`, true},
		{"a small response is not", `{ __typename }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := gqlRequest(tc.query)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := s.do(t, req)
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzipped {
				t.Fatalf("gzipped = %v, want %v (%d bytes)", got, tc.gzipped, rec.Body.Len())
			}
			if tc.gzipped {
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(zr)
				if !json.Valid(b) || len(b) < 1024 {
					t.Errorf("decompressed body is %d bytes of %q", len(b), b[:min(len(b), 40)])
				}
			}
		})
	}
}

func TestCORSLetsBrowsersSendTheCSRFHeaderAndReadRateLimits(t *testing.T) {
	s := newStack(t, func(c *config.Config) { c.CORSOrigins = []string{"https://app.example"} })
	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "authorization,x-graphql-client")
	rec := s.do(t, req)
	if got := rec.Header().Get("Access-Control-Allow-Headers"); !strings.Contains(strings.ToLower(got), "x-graphql-client") {
		t.Errorf("preflight allows %q", got)
	}
	get := httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D", nil)
	get.Header.Set("Origin", "https://app.example")
	get.Header.Set("X-GraphQL-Client", "web")
	rec = s.do(t, get)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Ratelimit-Remaining") {
		t.Errorf("%d, exposes %q", rec.Code, rec.Header().Get("Access-Control-Expose-Headers"))
	}
}

// The preflights Apollo Client (client awareness), Sentry and OpenTelemetry
// browser instrumentation cause are allowed by default, and cors_headers
// changes which.
func TestCORSAllowsClientAndTraceHeaders(t *testing.T) {
	preflight := func(s *stack, headers string) string {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", headers)
		return strings.ToLower(s.do(t, req).Header().Get("Access-Control-Allow-Headers"))
	}
	apollo := "apollographql-client-name,apollographql-client-version,authorization,content-type"
	trace := "baggage,content-type,sentry-trace,traceparent,tracestate"
	t.Run("by default", func(t *testing.T) {
		s := newStack(t, func(c *config.Config) { c.CORSOrigins = []string{"https://app.example"} })
		for _, h := range []string{apollo, trace} {
			if got := preflight(s, h); got == "" {
				t.Errorf("preflight for %s refused", h)
			}
		}
	})
	t.Run("with cors_headers set to another list", func(t *testing.T) {
		s := newStack(t, func(c *config.Config) {
			c.CORSOrigins = []string{"https://app.example"}
			c.CORSHeaders = []string{"x-app-version"}
		})
		if got := preflight(s, "authorization,x-app-version"); got == "" {
			t.Errorf("preflight for a configured header refused")
		}
		if got := preflight(s, "sentry-trace,content-type"); got != "" {
			t.Errorf("preflight for a header no longer listed allowed: %q", got)
		}
	})
}

// Only the listed origins may call the API from a browser: without
// cors_origins none may (the default used to answer every origin with
// Access-Control-Allow-Origin: *), and a listed origin is not a pattern.
func TestCORSAllowsOnlyTheListedOrigins(t *testing.T) {
	cases := []struct {
		name    string
		origins []string
		origin  string
		allowed bool
	}{
		{"no origins configured, a foreign site", nil, "https://evil.example", false},
		{"a listed origin", []string{"https://app.example"}, "https://app.example", true},
		{"an unlisted origin", []string{"https://app.example"}, "https://evil.example", false},
		{"an origin is not a pattern", []string{"https://*.example"}, "https://evil.example", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, func(c *config.Config) { c.CORSOrigins = tc.origins })
			pre := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
			pre.Header.Set("Origin", tc.origin)
			pre.Header.Set("Access-Control-Request-Method", "POST")
			pre.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			post := gqlRequest("{ __typename }")
			post.Header.Set("Origin", tc.origin)
			for _, req := range []*http.Request{pre, post} {
				got := s.do(t, req).Header().Get("Access-Control-Allow-Origin")
				if allowed := got != ""; allowed != tc.allowed {
					t.Errorf("%s from %s: Access-Control-Allow-Origin %q, want allowed = %v", req.Method, tc.origin, got, tc.allowed)
				}
			}
		})
	}
}

func TestRequestDeadline(t *testing.T) {
	s := newStack(t, func(c *config.Config) { c.RequestTimeout = config.Duration(50 * time.Millisecond) })
	s.mem.Latency = 5 * time.Second
	start := time.Now()
	rec := s.do(t, gqlRequest(`{ viewer { memberships(first: 1) { totalCount } } }`))
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the request took %v despite a 50ms deadline", d)
	}
	if !strings.Contains(rec.Body.String(), "PROVIDER_TIMEOUT") {
		t.Errorf("want PROVIDER_TIMEOUT: %s", rec.Body)
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	cases := []struct {
		name  string
		grace time.Duration
		ok    bool
	}{
		{"a slow request finishes within the grace period", 5 * time.Second, true},
		{"a grace period shorter than the request ends the wait", 50 * time.Millisecond, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The request runs until the test releases it: once shutdown
			// has begun when it should finish within the grace, only after
			// serve has returned when it should outlast it. Which happens
			// then depends on the order of events, not on how fast the
			// machine runs a sleeping handler.
			started, release := make(chan struct{}), make(chan struct{})
			slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-release
				_, _ = io.WriteString(w, "finished")
			})
			shuttingDown := make(chan struct{})
			srv := &http.Server{Handler: slow}
			srv.RegisterOnShutdown(func() { close(shuttingDown) })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- edge.Serve(ctx, srv, ln, tc.grace, slog.New(slog.DiscardHandler))
			}()
			type result struct {
				body string
				err  error
			}
			got := make(chan result, 1)
			go func() {
				resp, err := http.Get("http://" + ln.Addr().String() + "/")
				if err != nil {
					got <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				got <- result{string(b), err}
			}()
			<-started
			cancel()
			if tc.ok {
				<-shuttingDown
				close(release)
				if serveErr := <-done; serveErr != nil {
					t.Fatalf("serve = %v", serveErr)
				}
				if r := <-got; r.err != nil || r.body != "finished" {
					t.Fatalf("in-flight request: %q, %v", r.body, r.err)
				}
				if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
					t.Error("a new request was accepted after shutdown")
				}
				return
			}
			serveErr := <-done
			close(release)
			if !errors.Is(serveErr, context.DeadlineExceeded) {
				t.Fatalf("serve = %v, want the grace deadline", serveErr)
			}
			<-got
		})
	}
}

// TestGraphQLOverHTTPAudit runs graphql-http's server audit against the
// real handler stack. It needs Node and `npm ci` in .ci/audit, so it runs
// only with AUDIT=1 (as .ci/run does); it fails on any MUST error.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	if os.Getenv("AUDIT") != "1" {
		t.Skip("set AUDIT=1 (and run npm ci in .ci/audit) to run the graphql-http audit")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH; skipping the graphql-http audit")
	}
	script, _ := filepath.Abs(filepath.Join("..", ".ci", "audit", "audit.mjs"))
	if _, err := os.Stat(filepath.Join("..", ".ci", "audit", "node_modules", "graphql-http")); err != nil {
		t.Fatal("graphql-http is not installed: run npm ci in .ci/audit")
	}
	s := newStack(t, nil)
	srv := httptest.NewServer(s.handler)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, srv.URL+"/graphql")
	out, err := cmd.CombinedOutput()
	t.Logf("graphql-http audit:\n%s", out)
	if err != nil {
		t.Fatalf("the audit found MUST failures or did not run: %v", err)
	}
}

func TestPersistedImportIntoRedis(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("REDIS_URL is not set; skipping the Redis test")
	}
	cfg := config.Default()
	cfg.RedisURL = os.Getenv("REDIS_URL")
	opts, _ := redis.ParseURL(cfg.RedisURL)
	rdb := redis.NewClient(opts)
	var b [6]byte
	_, _ = rand.Read(b[:])
	cfg.RedisPrefix = "groupgraph-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, _ := rdb.Keys(ctx, cfg.RedisPrefix+"*").Result(); len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	doc := "query ImportTest { __typename }"
	path := filepath.Join(t.TempDir(), "persisted-queries.json")
	manifest, _ := json.Marshal(map[string]string{"relay-id-1": doc})
	if err := os.WriteFile(path, manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := admin.ImportPersisted(context.Background(), cfg, path)
	if err != nil || n != 1 {
		t.Fatalf("import = %d, %v", n, err)
	}
	if got, _ := rdb.Get(context.Background(), cfg.RedisPrefix+edge.PersistedPrefix+apq.Hash(doc)).Result(); got != doc {
		t.Errorf("Redis holds %q under the hash", got)
	}
	t.Run("a safelisted server then runs it by hash", func(t *testing.T) {
		s := newStack(t, func(c *config.Config) { c.RedisURL, c.RedisPrefix, c.Safelist = cfg.RedisURL, cfg.RedisPrefix, true })
		for range 2 {
			body := fmt.Sprintf(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":%q}}}`, apq.Hash(doc))
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := s.do(t, req)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"__typename":"Query"`) {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
			if rec.Header().Get("X-RateLimit-Limit") != "5000" {
				t.Errorf("the Redis rate limiter did not answer: %v", rec.Header())
			}
		}
	})
	t.Run("without Redis the import explains what to do", func(t *testing.T) {
		if _, err := admin.ImportPersisted(context.Background(), config.Default(), path); err == nil || !strings.Contains(err.Error(), "safelist_manifests") {
			t.Errorf("err = %v", err)
		}
	})
}

// At log level debug the request log shows the variables, but never the
// Akana password linkAkanaAccount takes, however a client passes it.
func TestDebugLogKeepsPasswordsOut(t *testing.T) {
	s := newStack(t, func(c *config.Config) { c.LogLevel = "debug" })
	const password = "correct-horse-battery"
	cases := map[string]map[string]any{
		"an input object": {
			"query":     `mutation Link($in: LinkAkanaAccountInput!) { linkAkanaAccount(input: $in) { account { id } } }`,
			"variables": map[string]any{"in": map[string]any{"email": "me@example.com", "password": password}},
		},
		"a string variable": {
			"query":     `mutation Link($e: String!, $p: String!) { linkAkanaAccount(input: {email: $e, password: $p}) { account { id } } }`,
			"variables": map[string]any{"e": "me@example.com", "p": password},
		},
		"a string variable in a fragment": {
			"query":     `mutation Link($e: String!, $p: String!) { ...L } fragment L on Mutation { linkAkanaAccount(input: {email: $e, password: $p}) { account { id } } }`,
			"variables": map[string]any{"e": "me@example.com", "p": password},
		},
		"a document that does not validate": {
			"query":     `mutation Link($in: LinkAkanaAccountInput!) { linkAkanaAccount(input: $in) { acount { id } } }`,
			"variables": map[string]any{"in": map[string]any{"email": "me@example.com", "Password": password}},
		},
		"a document that does not parse": {
			"query":     `mutation Link($e: String!, $p: String!) { linkAkanaAccount(input: {email: $e, password: $p}) {`,
			"variables": map[string]any{"e": "me@example.com", "p": password},
		},
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			s.logs.Reset()
			b, _ := json.Marshal(body)
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+testToken)
			s.do(t, req)
			logs := s.logs.String()
			if strings.Contains(logs, password) {
				t.Errorf("the password reached the log: %s", logs)
			}
			if !strings.Contains(logs, "me@example.com") && name != "a document that does not parse" {
				t.Errorf("the other variables are missing from the debug log: %s", logs)
			}
		})
	}
}
