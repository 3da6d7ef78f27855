package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// simulated is the GraphQL handler over the real platform clients talking
// to the sandbox's simulators, each behind the resilience layer, with every
// upstream call counted. It is the graph-level stand-in for the server's
// wiring: what it proves about call counts holds for the sandbox.
type simulated struct {
	t       *testing.T
	sb      *sandbox.Sandbox
	handler http.Handler
	viewer  *providers.Viewer
	reg     *providers.Registry
	calls   *callCounter
}

// callCounter counts the HTTP requests each platform's client sends.
type callCounter struct {
	mu sync.Mutex
	n  map[providers.Kind]map[string]int // platform → call name → count
}

func (c *callCounter) transport(k providers.Kind) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		c.mu.Lock()
		if c.n[k] == nil {
			c.n[k] = map[string]int{}
		}
		c.n[k][callName(r)]++
		c.mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})
}

// callName names a request for failure messages: the REST method of Flickr
// and Upcoming, the path elsewhere.
func callName(r *http.Request) string {
	if m := r.URL.Query().Get("method"); m != "" {
		return m
	}
	if r.Method == http.MethodPost && r.GetBody != nil {
		// A form POST's method is in its body, read from a copy.
		if body, err := r.GetBody(); err == nil {
			b, _ := io.ReadAll(body)
			body.Close()
			if form, err := url.ParseQuery(string(b)); err == nil && form.Get("method") != "" {
				return form.Get("method")
			}
		}
	}
	return r.Method + " " + r.URL.Path
}

// total returns every call counted since the last reset, and the calls by
// platform and name.
func (c *callCounter) total() (int, map[providers.Kind]map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	by := map[providers.Kind]map[string]int{}
	for k, m := range c.n {
		by[k] = maps.Clone(m)
		for _, v := range m {
			n += v
		}
	}
	return n, by
}

func (c *callCounter) reset() {
	c.mu.Lock()
	c.n = map[providers.Kind]map[string]int{}
	c.mu.Unlock()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// simulatedOptions shape newSimulated.
type simulatedOptions struct {
	// cache shares group details between requests, as the server does by
	// default; without it every request loads its details cold.
	cache bool
}

func newSimulated(t *testing.T, opts simulatedOptions) *simulated {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	s := &simulated{t: t, sb: sb, calls: &callCounter{n: map[providers.Kind]map[string]int{}}, viewer: sb.Viewer()}
	cfg := sb.Providers()
	client := func(k providers.Kind) *http.Client {
		return &http.Client{Transport: s.calls.transport(k), Timeout: 10 * time.Second}
	}
	var ps []providers.Provider
	fl, err := flickr.New(flickr.Config{BaseURL: cfg.Flickr.BaseURL, OAuthURL: cfg.Flickr.OAuthURL,
		ConsumerKey: cfg.Flickr.ConsumerKey, ConsumerSecret: cfg.Flickr.ConsumerSecret, HTTPClient: client(providers.Flickr)})
	if err != nil {
		t.Fatal(err)
	}
	up, err := upcoming.New(upcoming.Config{BaseURL: cfg.Upcoming.BaseURL, SiteURL: cfg.Upcoming.SiteURL,
		APIKey: cfg.Upcoming.APIKey, HTTPClient: client(providers.Upcoming)})
	if err != nil {
		t.Fatal(err)
	}
	ps2, err := pageseeder.New(pageseeder.Config{BaseURL: cfg.PageSeeder.BaseURL, ClientID: cfg.PageSeeder.ClientID,
		ClientSecret: cfg.PageSeeder.ClientSecret, RedirectURL: cfg.PageSeeder.RedirectURL, HTTPClient: client(providers.PageSeeder)})
	if err != nil {
		t.Fatal(err)
	}
	ak, err := akana.New(akana.Config{BaseURL: cfg.Akana.BaseURL, Tenant: cfg.Akana.Tenant, HTTPClient: client(providers.Akana)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []providers.Provider{fl, up, ps2, ak} {
		ps = append(ps, resilience.Wrap(p, resilience.Options{DisableCache: !opts.cache, MaxAttempts: 1}))
	}
	s.reg = providers.NewRegistry(ps...)
	h := graph.NewHandler(graph.HandlerConfig{Registry: s.reg, LoaderWait: 20 * time.Millisecond})
	s.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: s.viewer}), h)
	return s
}

// post runs a query as the sandbox viewer and returns the response and the
// upstream calls it made.
func (s *simulated) post(query string, vars map[string]any) (response, int, map[providers.Kind]map[string]int) {
	s.t.Helper()
	s.calls.reset()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	var r response
	r.Status = rec.Code
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		s.t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	n, by := s.calls.total()
	return r, n, by
}
