package chaos_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/loadtest"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// memberships is how many groups each fixture viewer has per platform.
const memberships = 8

// query asks for what needs every platform's list call and, for Flickr,
// PageSeeder and Akana, their detail calls: the details cache and the
// budget are on its path.
const query = `{ viewer { memberships(first: 100) { totalCount incompleteProviders nodes { group { name description memberCount } } } } }`

// stack is groupgraph wired as the server wires it, over the load fixture's
// simulators: each platform's client behind its budget and the resilience
// layer (retries, breaker, details cache), the account decorator when there
// is a store, the rate limiter and persisted queries, the auth chain and
// the GraphQL handler.
type stack struct {
	fixture *loadtest.Fixture
	handler http.Handler
	wrapped []*resilience.Provider
}

type stackOptions struct {
	redis  redis.UniversalClient // nil: everything in memory
	prefix string                // of every Redis key
	store  store.Store           // nil: the fixture's static viewers only
}

func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	f, err := loadtest.Start(loadtest.Options{Viewers: 2, Memberships: memberships, Latency: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	cfg := f.Providers()
	var sink providers.CredentialSink
	var statuses *accounts.Statuses
	if opts.store != nil {
		sink = store.NewCredentialSink(opts.store)
		statuses = accounts.NewStatuses(opts.store, accounts.StatusOptions{})
	}
	httpClient := func(k providers.Kind) *http.Client {
		b := resilience.NewBudget(resilience.BudgetOptions{
			Name: string(k), Limit: 1_000_000, Per: time.Hour, Redis: opts.redis, KeyPrefix: opts.prefix + "budget:",
		})
		return resilience.NewHTTPClient(resilience.HTTPOptions{Timeout: 5 * time.Second, Middleware: []func(http.RoundTripper) http.RoundTripper{b.Transport}})
	}
	var clients []providers.Provider
	if c := cfg.Flickr; c != nil {
		p, err := flickr.New(flickr.Config{BaseURL: c.BaseURL, OAuthURL: c.OAuthURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
			MaxConcurrency: c.MaxConcurrency, HTTPClient: httpClient(providers.Flickr)})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, p)
	}
	if c := cfg.PageSeeder; c != nil {
		p, err := pageseeder.New(pageseeder.Config{BaseURL: c.BaseURL, ServicePrefix: c.ServicePrefix, TokenURL: c.TokenURL, AuthorizeURL: c.AuthorizeURL,
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, Scopes: c.Scopes,
			HTTPClient: httpClient(providers.PageSeeder), Credentials: sink})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, p)
	}
	if c := cfg.Upcoming; c != nil {
		p, err := upcoming.New(upcoming.Config{BaseURL: c.BaseURL, SiteURL: c.SiteURL, APIKey: c.APIKey, Location: time.UTC, MaxBatch: c.MaxBatch,
			HTTPClient: httpClient(providers.Upcoming)})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, p)
	}
	if c := cfg.Akana; c != nil {
		p, err := akana.New(akana.Config{BaseURL: c.BaseURL, Tenant: c.Tenant, RenewBefore: time.Duration(c.RenewBefore), Concurrency: c.Concurrency,
			HTTPClient: httpClient(providers.Akana), Sink: sink})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, p)
	}
	s := &stack{fixture: f}
	var decorated []providers.Provider
	for _, p := range clients {
		if opts.store != nil {
			p = accounts.Decorate(p, opts.store, statuses, nil)
		}
		var cache resilience.Cache = resilience.NewMemoryCache(1000, time.Minute)
		if opts.redis != nil {
			cache = resilience.NewRedisCache(opts.redis, opts.prefix+"group:", time.Minute)
		}
		w := resilience.Wrap(p, resilience.Options{Cache: cache})
		s.wrapped = append(s.wrapped, w)
		decorated = append(decorated, w)
	}
	var limits ratelimit.Store = ratelimit.NewMemory(nil)
	var persisted apq.Store = apq.NewMemory(100)
	if opts.redis != nil {
		limits = ratelimit.NewRedis(opts.redis, opts.prefix+"ratelimit:")
		persisted = apq.NewRedis(opts.redis, opts.prefix+"apq:", time.Hour, nil)
	}
	authn := auth.Chain{Static: auth.NewStatic(f.Viewers())}
	hc := graph.HandlerConfig{
		Registry: providers.NewRegistry(decorated...), PersistedQueries: persisted,
		RateLimiter: ratelimit.New(limits, 1_000_000, time.Hour),
	}
	if opts.store != nil {
		authn.Tokens = auth.NewTokens(opts.store)
		staticIDs := []string{}
		for _, v := range f.Viewers() {
			staticIDs = append(staticIDs, v.ID)
		}
		hc.Accounts = accounts.NewService(opts.store, nil, nil).WithStatuses(statuses).WithStaticViewers(staticIDs...)
	}
	gql := graph.NewHandler(hc)
	s.handler = auth.MiddlewareWithLogger(authn, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
		defer cancel()
		gql.ServeHTTP(w, r.WithContext(ctx))
	}))
	return s
}

// answer is what one request got.
type answer struct {
	status int
	codes  []string // extensions.code of every error
	total  int      // memberships.totalCount
	missed []string // incompleteProviders
	paid   int      // dependency timeouts the request waited one after another
	took   time.Duration
}

// ask sends q with token, as an APQ client that registers its document,
// and reads the answer.
func (s *stack) ask(token, q string) answer {
	sum := sha256.Sum256([]byte(q))
	body, _ := json.Marshal(map[string]any{
		"query":      q,
		"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}},
	})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	ctx, waits := dependency.WithWaits(req.Context())
	rec := httptest.NewRecorder()
	start := time.Now()
	s.handler.ServeHTTP(rec, req.WithContext(ctx))
	a := answer{status: rec.Code, paid: waits.Paid(), took: time.Since(start)}
	var out struct {
		Data struct {
			Viewer struct {
				Memberships *struct {
					TotalCount          int      `json:"totalCount"`
					IncompleteProviders []string `json:"incompleteProviders"`
				} `json:"memberships"`
			} `json:"viewer"`
		} `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	for _, e := range out.Errors {
		code, _ := e.Extensions["code"].(string)
		a.codes = append(a.codes, code)
	}
	if m := out.Data.Viewer.Memberships; m != nil {
		a.total, a.missed = m.TotalCount, m.IncompleteProviders
	}
	return a
}

// load sends n requests with token from workers concurrent clients.
func (s *stack) load(token, q string, workers, n int) []answer {
	out := make([]answer, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i] = s.ask(token, q)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// wantComplete checks that every answer has every platform's memberships,
// no error, and cost at most one dependency timeout.
func (s *stack) wantComplete(t *testing.T, phase string, answers []answer) {
	t.Helper()
	want := memberships * len(s.wrapped)
	codes := map[string]int{}
	paid := 0
	for _, a := range answers {
		for _, c := range a.codes {
			codes[c]++
		}
		if a.paid > 0 {
			paid++
		}
		if a.paid > 1 {
			t.Errorf("%s: a request waited %d dependency timeouts one after another, want at most one", phase, a.paid)
		}
		if a.status != http.StatusOK || a.total != want || len(a.missed) > 0 {
			t.Errorf("%s: status %d, %d memberships (want %d), incomplete %v, codes %v", phase, a.status, a.total, want, a.missed, a.codes)
		}
	}
	if len(codes) > 0 {
		t.Errorf("%s: error codes %v, want none", phase, codes)
	}
	t.Logf("%s: %d answers, %d of them waited one dependency timeout", phase, len(answers), paid)
	s.wantBreakersClosed(t, phase)
}

func (s *stack) wantBreakersClosed(t *testing.T, phase string) {
	t.Helper()
	for _, w := range s.wrapped {
		if st := w.State(); st != "closed" {
			t.Errorf("%s: %s's circuit is %s, want closed: a platform was blamed", phase, w.Kind(), st)
		}
	}
}

// codesOf counts the error codes of answers, and fails on any PROVIDER_*.
func codesOf(t *testing.T, phase string, answers []answer) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, a := range answers {
		for _, c := range a.codes {
			out[c]++
			if strings.HasPrefix(c, "PROVIDER_") {
				t.Errorf("%s: %s: a dependency's failure blamed a platform", phase, c)
			}
		}
	}
	return out
}

// logLines decodes the JSON log lines of buf at info level and above.
func logLines(t *testing.T, buf *syncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func jsonLogger(w *syncBuffer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
