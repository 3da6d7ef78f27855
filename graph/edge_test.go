package graph_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/providers"
)

// edgeFixture is the fixture's platforms and viewer behind a handler built
// with the given configuration.
func edgeFixture(t *testing.T, configure func(*graph.HandlerConfig)) *fixture {
	t.Helper()
	f := newFixture(t, 0)
	hc := graph.HandlerConfig{Registry: f.registry, Introspection: true, MaxBodyBytes: 4096, LoaderWait: 20 * time.Millisecond}
	if configure != nil {
		configure(&hc)
	}
	f.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: f.viewer}), graph.NewHandler(hc))
	return f
}

// request is one HTTP request to the fixture.
type request struct {
	method  string
	query   string         // the document
	vars    map[string]any // variables
	ext     map[string]any // extensions
	body    string         // a raw POST body instead of query/vars/ext
	ctype   string         // Content-Type; application/json when empty on POST
	accept  string
	headers map[string]string
	anon    bool // no Authorization header
}

// exchange is a response, decoded.
type exchange struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (e exchange) code() string {
	errs, _ := e.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	c, _ := ext["code"].(string)
	return c
}

func (e exchange) hasData() bool { _, ok := e.body["data"]; return ok }

func (f *fixture) send(r request) exchange {
	f.t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	var req *http.Request
	if r.method == http.MethodGet {
		q := url.Values{}
		if r.query != "" {
			q.Set("query", r.query)
		}
		if r.vars != nil {
			b, _ := json.Marshal(r.vars)
			q.Set("variables", string(b))
		}
		if r.ext != nil {
			b, _ := json.Marshal(r.ext)
			q.Set("extensions", string(b))
		}
		req = httptest.NewRequest(http.MethodGet, "/graphql?"+q.Encode(), nil)
	} else {
		body := r.body
		if body == "" {
			m := map[string]any{}
			if r.query != "" {
				m["query"] = r.query
			}
			if r.vars != nil {
				m["variables"] = r.vars
			}
			if r.ext != nil {
				m["extensions"] = r.ext
			}
			b, _ := json.Marshal(m)
			body = string(b)
		}
		req = httptest.NewRequest(r.method, "/graphql", strings.NewReader(body))
		if r.ctype == "" {
			r.ctype = "application/json"
		}
		req.Header.Set("Content-Type", r.ctype)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if !r.anon {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "192.0.2.7:1234"
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	ex := exchange{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &ex.body); err != nil {
		f.t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return ex
}

const graphQLResponse = "application/graphql-response+json"

func TestStatusTable(t *testing.T) {
	f := edgeFixture(t, nil)
	cases := []struct {
		name       string
		req        request
		status     int
		media      string
		code       string
		data       bool
		allowValue string
	}{
		{"a query without Accept is application/json", request{query: "{ __typename }"}, 200, "application/json", "", true, ""},
		{"*/* gets application/json", request{query: "{ __typename }", accept: "*/*"}, 200, "application/json", "", true, ""},
		{"the new media type is served when asked for", request{query: "{ __typename }", accept: graphQLResponse}, 200, graphQLResponse, "", true, ""},
		{"the new media type wins when preferred", request{query: "{ __typename }", accept: graphQLResponse + ", application/json;q=0.9"}, 200, graphQLResponse, "", true, ""},
		{"application/json wins when preferred", request{query: "{ __typename }", accept: graphQLResponse + ";q=0.5, application/json"}, 200, "application/json", "", true, ""},
		{"an unacceptable Accept is 406", request{query: "{ __typename }", accept: "text/html"}, 406, "application/json", "NOT_ACCEPTABLE", false, ""},
		{"a parse error under application/json is 200 without data", request{query: "{", accept: "application/json"}, 200, "application/json", "GRAPHQL_PARSE_FAILED", false, ""},
		{"a parse error under the new media type is 400 without data", request{query: "{", accept: graphQLResponse}, 400, graphQLResponse, "GRAPHQL_PARSE_FAILED", false, ""},
		{"a validation error under application/json is 200 without data", request{query: "{ nope }", accept: "application/json"}, 200, "application/json", "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"a validation error under the new media type is 400 without data", request{query: "{ nope }", accept: graphQLResponse}, 400, graphQLResponse, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"a variable that does not coerce is 400 under the new media type", request{query: "query($n: Int) { viewer { memberships(first: $n) { totalCount } } }", vars: map[string]any{"n": "ten"}, accept: graphQLResponse}, 400, graphQLResponse, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"malformed JSON is 400", request{body: `{"query":`}, 400, "application/json", "BAD_REQUEST", false, ""},
		{"a body that is not an object is 400", request{body: `["{ __typename }"]`}, 400, "application/json", "BAD_REQUEST", false, ""},
		{"a missing query is 400", request{body: `{}`}, 400, "application/json", "BAD_REQUEST", false, ""},
		{"a query that is not a string is 400", request{body: `{"query": 1}`}, 400, "application/json", "BAD_REQUEST", false, ""},
		{"variables that are not an object are 400", request{body: `{"query": "{ __typename }", "variables": "x"}`}, 400, "application/json", "BAD_REQUEST", false, ""},
		{"a POST that is not JSON is 415", request{body: "{ __typename }", ctype: "application/graphql"}, 415, "application/json", "UNSUPPORTED_MEDIA_TYPE", false, ""},
		{"a POST without Content-Type is 415", request{body: "{}", ctype: " "}, 415, "application/json", "UNSUPPORTED_MEDIA_TYPE", false, ""},
		{"a PUT is 405", request{method: http.MethodPut, query: "{ __typename }"}, 405, "application/json", "METHOD_NOT_ALLOWED", false, "GET, POST, OPTIONS"},
		{"a GET query runs", request{method: http.MethodGet, query: "{ __typename }"}, 200, "application/json", "", true, ""},
		{"a HEAD is 405 with Allow", request{method: http.MethodHead, query: "{ __typename }", headers: map[string]string{"X-GraphQL-Client": "t"}}, 405, "application/json", "METHOD_NOT_ALLOWED", false, "GET, POST, OPTIONS"},
		{"a POST offering an h2c upgrade runs", request{query: "{ __typename }", headers: map[string]string{"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c"}}, 200, "application/json", "", true, ""},
		{"a GET asking for a WebSocket is answered over HTTP", request{method: http.MethodGet, query: "{ __typename }", headers: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}}, 200, "application/json", "", true, ""},
		{"a GET mutation is 405 with Allow: POST", request{method: http.MethodGet, query: `mutation { leaveGroup(input: {groupId: "x"}) { groupDeleted } }`}, 405, "application/json", "METHOD_NOT_ALLOWED", false, "POST"},
		{"a field error keeps data and 200", request{query: "{ viewer { name } }", anon: true, accept: graphQLResponse}, 200, graphQLResponse, "UNAUTHENTICATED", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(tc.req)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if got := r.header.Get("Content-Type"); got != tc.media+"; charset=utf-8" {
				t.Errorf("Content-Type = %q, want %s; charset=utf-8", got, tc.media)
			}
			if r.code() != tc.code {
				t.Errorf("code = %q, want %q: %s", r.code(), tc.code, r.raw)
			}
			if r.hasData() != tc.data {
				t.Errorf("data entry present = %v, want %v: %s", r.hasData(), tc.data, r.raw)
			}
			if got := r.header.Get("Allow"); got != tc.allowValue {
				t.Errorf("Allow = %q, want %q", got, tc.allowValue)
			}
		})
	}
	t.Run("a GET mutation does not run", func(t *testing.T) {
		before := len(f.mem[providers.Flickr].Calls())
		f.send(request{method: http.MethodGet, query: `mutation { leaveGroup(input: {groupId: "x"}) { groupDeleted } }`})
		if after := len(f.mem[providers.Flickr].Calls()); after != before {
			t.Errorf("the mutation reached a platform")
		}
	})
}

func TestLimits(t *testing.T) {
	f := edgeFixture(t, func(hc *graph.HandlerConfig) {
		hc.Limits = graph.Limits{MaxDepth: 4, MaxComplexity: 300, MaxTokens: 200, MaxAliases: 2, MaxRootFields: 3}
	})
	cases := []struct {
		name  string
		query string
		code  string
	}{
		{"a query within every limit runs", `{ viewer { memberships(first: 10) { nodes { id } } } }`, ""},
		{"a query deeper than the depth limit is refused", `{ viewer { memberships(first: 1) { nodes { group { owner { id } } } } } }`, graph.CodeDepthLimitExceeded},
		{"depth counts through fragments", `query { viewer { ...M } } fragment M on Viewer { memberships(first: 1) { nodes { group { owner { id } } } } }`, graph.CodeDepthLimitExceeded},
		{"introspection does not count towards depth", `{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`, ""},
		{"a connection costs first times its children", `{ viewer { memberships(first: 100) { nodes { id role status } } } }`, graph.CodeComplexityLimit},
		{"a smaller page of the same fields fits", `{ viewer { memberships(first: 20) { nodes { id role status } } } }`, ""},
		{"nodes costs the number of IDs times its children", `query { nodes(ids: ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z","aa","ab","ac","ad","ae","af","ag","ah","ai","aj","ak","al","am","an","ao","ap","aq","ar","as","at","au","av","aw","ax","ay","az","ba","bb","bc","bd","be","bf","bg","bh","bi","bj","bk","bl","bm","bn","bo","bp","bq","br","bs","bt","bu","bv","bw","bx","by","bz","ca","cb","cc","cd","ce","cf","cg","ch","ci","cj","ck","cl","cm","cn","co","cp","cq","cr","cs","ct","cu","cv"]) { id ... on Group { name description url } } }`, graph.CodeComplexityLimit},
		{"more aliases than allowed are refused", `{ a: __typename b: __typename c: __typename }`, graph.CodeAliasLimitExceeded},
		{"more root fields than allowed are refused", `{ __typename providers { provider } viewer { name } rateLimit { cost } }`, graph.CodeRootFieldLimitExceeded},
		{"a document over the token limit is refused before parsing", "{ " + strings.Repeat("__typename ", 300) + "}", graph.CodeTokenLimitExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(request{query: tc.query})
			if r.code() != tc.code {
				t.Fatalf("code = %q, want %q: %s", r.code(), tc.code, r.raw)
			}
			if tc.code != "" && r.hasData() {
				t.Errorf("a refused request has a data entry: %s", r.raw)
			}
		})
	}
	t.Run("a fragment bomb is refused quickly", func(t *testing.T) {
		f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Limits = graph.Limits{MaxTokens: -1, MaxAliases: -1} })
		var b strings.Builder
		b.WriteString("query { ...F0 }\n")
		for i := range 40 {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		b.WriteString("fragment F40 on Query { __typename }\n")
		start := time.Now()
		r := f.send(request{query: b.String()})
		if r.code() == "" {
			t.Fatalf("the bomb ran: %s", r.raw)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("refusing the bomb took %v", d)
		}
	})
	t.Run("field suggestions are off unless asked for", func(t *testing.T) {
		r := f.send(request{query: "{ viewe { name } }"})
		if strings.Contains(r.raw, "Did you mean") {
			t.Errorf("a suggestion leaked the schema: %s", r.raw)
		}
		on := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Suggestions = true })
		if r := on.send(request{query: "{ viewe { name } }"}); !strings.Contains(r.raw, "Did you mean") {
			t.Errorf("suggestions were asked for but missing: %s", r.raw)
		}
	})
	t.Run("introspection, when off, is refused with its own code", func(t *testing.T) {
		off := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Introspection = false })
		r := off.send(request{query: `{ __type(name: "Group") { name } }`})
		if r.code() != graph.CodeIntrospectionDisabled || r.hasData() {
			t.Fatalf("code %q: %s", r.code(), r.raw)
		}
		off.send(request{query: "{ __typename }"}).mustBeOK(t)
	})
	t.Run("connection arguments are validated", func(t *testing.T) {
		for _, args := range []string{"first: -1", "first: 101", "last: 101", "first: 1, last: 1"} {
			r := f.send(request{query: "{ viewer { memberships(" + args + ") { totalCount } } }"})
			if r.code() != "BAD_USER_INPUT" {
				t.Errorf("memberships(%s): code %q, want BAD_USER_INPUT: %s", args, r.code(), r.raw)
			}
		}
	})
}

func TestDefaultLimitsAdmitGraphiQLIntrospection(t *testing.T) {
	q, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	f := edgeFixture(t, func(hc *graph.HandlerConfig) {
		hc.RateLimiter = ratelimit.New(ratelimit.NewMemory(nil), 0, 0)
	})
	r := f.send(request{query: string(q)}).mustBeOK(t)
	t.Logf("introspection costs %s points", r.header.Get("X-RateLimit-Used"))
	if cost := r.header.Get("X-RateLimit-Used"); cost == "" {
		t.Errorf("introspection was not charged")
	}
}

// CSRF prevention follows Apollo Server's rule, so that the requests
// mainstream clients send with their default settings pass: their headers
// below are copied from the clients' sources (Apollo Client 4's HttpLink
// defaults, urql 6's makeFetchOptions, Apollo iOS). The refused shapes are
// what a page on another site can make a browser send without a preflight.
func TestCSRFPreventionAcceptsWhatApolloServerAccepts(t *testing.T) {
	f := edgeFixture(t, func(hc *graph.HandlerConfig) {
		hc.CSRFPrevention = true
		hc.PersistedQueries = apq.NewMemory(10)
	})
	q := "query Name { __typename }"
	f.send(request{query: q, ext: pq(apq.Hash(q))}).mustBeOK(t) // registers the document
	apolloGET := map[string]string{"Accept": "application/graphql-response+json,application/json;q=0.9", "Content-Type": "application/json"}
	urqlAccept := "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
	cases := []struct {
		name string
		req  request
		code string
	}{
		{"a JSON POST needs no header", request{query: q, anon: true}, ""},
		{"Apollo Client's useGETForQueries runs", request{method: http.MethodGet, query: q, anon: true, headers: apolloGET}, ""},
		{"Apollo Client's useGETForHashedQueries (APQ GET) runs", request{method: http.MethodGet, ext: pq(apq.Hash(q)), anon: true, headers: apolloGET}, ""},
		{"urql's default GET with a bearer token runs", request{method: http.MethodGet, query: q, accept: urqlAccept}, ""},
		{"Apollo iOS's GET with X-Apollo-Operation-Name runs", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"X-Apollo-Operation-Name": "Name"}}, ""},
		{"a GET with Apollo-Require-Preflight runs", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"Apollo-Require-Preflight": "true"}}, ""},
		{"a GET with X-GraphQL-Client runs", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"X-GraphQL-Client": "ios"}}, ""},
		{"a GET with an unparseable Content-Type passes the check", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"Content-Type": "nonsense"}}, ""},
		{"a POST of another media type passes the check and gets 415", request{body: "{}", ctype: "application/xml", anon: true}, graph.CodeUnsupportedMediaType},

		{"an anonymous GET with no Content-Type and no header is refused (urql without a token)", request{method: http.MethodGet, query: q, anon: true, accept: urqlAccept}, graph.CodeCSRFHeaderRequired},
		{"a GET with an empty preflight header is refused", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"Apollo-Require-Preflight": ""}}, graph.CodeCSRFHeaderRequired},
		{"a GET labelled text/plain is refused", request{method: http.MethodGet, query: q, anon: true, headers: map[string]string{"Content-Type": "text/plain"}}, graph.CodeCSRFHeaderRequired},
		{"a form POST is refused", request{body: "query=%7B__typename%7D", ctype: "application/x-www-form-urlencoded", anon: true}, graph.CodeCSRFHeaderRequired},
		{"a multipart form POST is refused", request{body: "--x--", ctype: "multipart/form-data; boundary=x", anon: true}, graph.CodeCSRFHeaderRequired},
		{"a text/plain POST is refused", request{body: `{"query":"{ __typename }"}`, ctype: "text/plain", anon: true}, graph.CodeCSRFHeaderRequired},
		{"a text/plain POST in other case and spacing is refused", request{body: `{"query":"{ __typename }"}`, ctype: " Text/Plain ;charset=utf-8", anon: true}, graph.CodeCSRFHeaderRequired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(tc.req)
			if r.code() != tc.code {
				t.Fatalf("code = %q, want %q: %s", r.code(), tc.code, r.raw)
			}
			if tc.code == graph.CodeCSRFHeaderRequired && r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", r.status)
			}
		})
	}
}

// A graphql-ws client's upgrade is told there are no subscriptions, not
// that it lacks a CSRF header.
func TestWebSocketUpgradesAreToldThereAreNoSubscriptions(t *testing.T) {
	for _, csrf := range []bool{true, false} {
		t.Run(fmt.Sprintf("with CSRF prevention %v", csrf), func(t *testing.T) {
			testWebSocketUpgrade(t, csrf)
		})
	}
}

func testWebSocketUpgrade(t *testing.T, csrf bool) {
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.CSRFPrevention = csrf })
	r := f.send(request{method: http.MethodGet, anon: true, headers: map[string]string{
		"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "graphql-transport-ws",
	}})
	if r.status != http.StatusBadRequest || r.code() != graph.CodeSubscriptionsNotSupported {
		t.Fatalf("status %d code %q: %s", r.status, r.code(), r.raw)
	}
	if !strings.Contains(r.raw, "no subscriptions") {
		t.Errorf("the message does not say why: %s", r.raw)
	}
}

func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// testPersistedQueries runs the APQ protocol against a store.
func testPersistedQueries(t *testing.T, store apq.Store) {
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.PersistedQueries = store })
	q := "query Providers { providers { provider } }"
	h := apq.Hash(q)
	t.Run("an unknown hash is PERSISTED_QUERY_NOT_FOUND", func(t *testing.T) {
		r := f.send(request{method: http.MethodGet, ext: pq(h)})
		if r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.status != 200 {
			t.Fatalf("status %d code %q: %s", r.status, r.code(), r.raw)
		}
	})
	t.Run("the document sent with its hash registers it", func(t *testing.T) {
		f.send(request{query: q, ext: pq(h)}).mustBeOK(t)
	})
	t.Run("then the hash alone runs it, over GET too", func(t *testing.T) {
		r := f.send(request{method: http.MethodGet, ext: pq(h)}).mustBeOK(t)
		if !strings.Contains(r.raw, "FLICKR") {
			t.Errorf("unexpected answer %s", r.raw)
		}
	})
	t.Run("a hash that does not match the document is refused", func(t *testing.T) {
		r := f.send(request{query: "{ __typename }", ext: pq(h)})
		if r.code() != "BAD_USER_INPUT" {
			t.Fatalf("code %q: %s", r.code(), r.raw)
		}
	})
}

func (e exchange) mustBeOK(t *testing.T) exchange {
	t.Helper()
	if e.status != 200 || e.code() != "" {
		t.Fatalf("status %d: %s", e.status, e.raw)
	}
	return e
}

func TestPersistedQueriesInMemory(t *testing.T) {
	testPersistedQueries(t, apq.NewMemory(10))
}

func TestPersistedQueriesInRedis(t *testing.T) {
	rdb, prefix := testRedis(t)
	testPersistedQueries(t, apq.NewRedis(rdb, prefix, time.Minute, nil))
}

func TestPersistedQueriesOff(t *testing.T) {
	f := edgeFixture(t, nil)
	r := f.send(request{ext: pq(apq.Hash("{ __typename }"))})
	if r.code() != graph.CodePersistedQueryNotSupp {
		t.Fatalf("code %q: %s", r.code(), r.raw)
	}
}

func TestSafelist(t *testing.T) {
	list := apq.NewList()
	allowed := "query Providers { providers { provider } }"
	manifest := fmt.Sprintf(`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":%q,"name":"Providers","type":"query","body":%q}]}`, apq.Hash(allowed), allowed)
	if n, err := apq.ImportManifest(context.Background(), list, strings.NewReader(manifest)); err != nil || n != 1 {
		t.Fatalf("import: %d, %v", n, err)
	}
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.PersistedQueries, hc.Safelist = list, true })
	t.Run("a registered hash runs", func(t *testing.T) {
		f.send(request{ext: pq(apq.Hash(allowed))}).mustBeOK(t)
	})
	t.Run("a registered document sent in full runs", func(t *testing.T) {
		f.send(request{query: allowed}).mustBeOK(t)
	})
	for name, req := range map[string]request{
		"an unregistered document is refused":           {query: "{ __typename }"},
		"an unregistered hash is refused":               {ext: pq(apq.Hash("{ __typename }"))},
		"a client cannot register a document by itself": {query: "{ __typename }", ext: pq(apq.Hash("{ __typename }"))},
	} {
		t.Run(name, func(t *testing.T) {
			if r := f.send(req); r.code() != graph.CodePersistedQueryNotInList {
				t.Fatalf("code %q: %s", r.code(), r.raw)
			}
		})
	}
	if _, ok := list.Get(context.Background(), apq.Hash("{ __typename }")); ok {
		t.Error("the refused document was registered")
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	limiter := ratelimit.New(ratelimit.NewMemory(func() time.Time { return now }), 10, time.Hour)
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.RateLimiter = limiter })
	var d struct {
		RateLimit struct {
			Limit, Cost, Remaining, Used int
			ResetAt                      time.Time
		}
	}
	t.Run("rateLimit reports the charge and the headers agree", func(t *testing.T) {
		r := f.send(request{query: "{ rateLimit { limit cost remaining used resetAt } }"}).mustBeOK(t)
		b, _ := json.Marshal(r.body["data"])
		_ = json.Unmarshal(b, &d)
		// A document the server has not parsed before costs a point for
		// the parse, then the operation its own.
		if d.RateLimit.Limit != 10 || d.RateLimit.Cost != 1 || d.RateLimit.Remaining != 8 || d.RateLimit.Used != 2 || !d.RateLimit.ResetAt.Equal(now.Add(time.Hour)) {
			t.Errorf("rateLimit = %+v", d.RateLimit)
		}
		for h, want := range map[string]string{
			"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "8", "X-RateLimit-Used": "2",
			"X-RateLimit-Reset": strconv.FormatInt(now.Add(time.Hour).Unix(), 10), "X-RateLimit-Resource": "graphql",
		} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
	})
	t.Run("a costly query costs more points", func(t *testing.T) {
		r := f.send(request{query: "{ viewer { memberships(first: 100) { nodes { id role } } } rateLimit { cost } }"}).mustBeOK(t)
		if got := r.header.Get("X-RateLimit-Used"); got != "7" { // 2 before + 1 to parse + ceil(~301/100)=4
			t.Errorf("used = %s after a 100-item page, want 7: %s", got, r.raw)
		}
	})
	t.Run("over the budget is 429 RATE_LIMITED and charges nothing", func(t *testing.T) {
		for range 5 {
			f.send(request{query: "{ __typename }"})
		}
		r := f.send(request{query: "{ __typename }", accept: graphQLResponse})
		if r.status != http.StatusTooManyRequests || r.code() != graph.CodeRateLimited || r.hasData() {
			t.Fatalf("status %d code %q: %s", r.status, r.code(), r.raw)
		}
		if r.header.Get("Retry-After") == "" || r.header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("headers: %v", r.header)
		}
		if got := r.header.Get("X-RateLimit-Used"); got != "10" {
			t.Errorf("used = %s, want 10 (refusals are free)", got)
		}
	})
	t.Run("anonymous callers have their own budget, by address", func(t *testing.T) {
		f.send(request{query: "{ __typename }", anon: true}).mustBeOK(t)
	})
	t.Run("the budget is whole again after the window", func(t *testing.T) {
		now = now.Add(time.Hour + time.Second)
		f.send(request{query: "{ __typename }"}).mustBeOK(t)
	})
}

func TestCacheControlOnGET(t *testing.T) {
	f := edgeFixture(t, nil)
	cases := []struct{ name, query, want string }{
		{"a viewer query is private", "{ viewer { name } }", "private, max-age=0"},
		{"a query of viewer-independent fields may be shared", "{ __typename providers { provider } }", "public, max-age=60"},
		{"rateLimit depends on the caller", "{ providers { provider } rateLimit { cost } }", "private, max-age=0"},
		{"an error is not stored", "{ nope }", "no-store"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(request{method: http.MethodGet, query: tc.query})
			if got := r.header.Get("Cache-Control"); got != tc.want {
				t.Errorf("Cache-Control = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("a POST carries no Cache-Control", func(t *testing.T) {
		if got := f.send(request{query: "{ providers { provider } }"}).header.Get("Cache-Control"); got != "" {
			t.Errorf("Cache-Control = %q", got)
		}
	})
}

// testRedis connects to REDIS_URL and returns a random key prefix whose
// keys are deleted when the test ends. It skips the test without Redis.
func testRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		t.Skip("REDIS_URL is not set; skipping the Redis test")
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("REDIS_URL is set but Redis does not answer: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "groupgraph-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return rdb, prefix
}

func TestOperationSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(context.Background(), telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	if err != nil {
		t.Fatal(err)
	}
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Telemetry = tel })
	f.send(request{query: "query Mine($n: Int) { providers { provider } viewer { memberships(first: $n) { totalCount } } }", vars: map[string]any{"n": 7}}).mustBeOK(t)
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
		for _, a := range s.Attributes() {
			if strings.Contains(string(a.Key), "variables") {
				t.Errorf("span %s records variables: %v", s.Name(), a)
			}
		}
	}
	for _, want := range []string{"Mine", "Query/providers", "Query/viewer"} {
		if !names[want] {
			t.Errorf("no span %q among %v", want, names)
		}
	}
	if names["Viewer/memberships"] {
		t.Errorf("a field below the root got a span: %v", names)
	}
}

// fragmentBomb is a document whose fragments spread the fragment below them
// width times, levels deep: a few hundred bytes that expand to
// width^levels copies of leaf, selected on the type `on` under prefix.
func fragmentBomb(prefix, on, leaf string, width, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { %s }\n", strings.Replace(prefix, "$", fmt.Sprintf("...F%d", levels), 1))
	fmt.Fprintf(&b, "fragment F0 on %s { %s }\n", on, leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on %s {%s }\n", i, on, strings.Repeat(fmt.Sprintf(" ...F%d", i-1), width))
	}
	return b.String()
}

// A document whose fragments spread each other many times must be measured
// without expanding it: these expand to 20^8 fields and were answered only
// after the server had walked every copy, which never ended in practice.
func TestFragmentBombsAreRefusedWithoutExpandingThem(t *testing.T) {
	cases := []struct {
		name   string
		limits graph.Limits
		query  string
		code   string
	}{
		{"before validation, by the selection limit", graph.Limits{}, fragmentBomb("$", "Query", "__typename", 20, 8), graph.CodeSelectionLimitExceeded},
		// Without the selection limit, the later limits measure the
		// operation without expanding it either.
		{"root fields", graph.Limits{MaxSelections: -1}, fragmentBomb("$", "Query", "__typename", 20, 8), graph.CodeRootFieldLimitExceeded},
		{"nested fields", graph.Limits{MaxSelections: -1}, fragmentBomb("providers { $ }", "ProviderInfo", "provider", 20, 8), graph.CodeComplexityLimit},
		{"inside introspection", graph.Limits{MaxSelections: -1}, fragmentBomb(`__type(name: "Query") { $ }`, "__Type", "name", 20, 8), graph.CodeComplexityLimit},
		{"with the complexity limit off", graph.Limits{MaxComplexity: -1, MaxRootFields: -1, MaxSelections: -1}, fragmentBomb("$", "Query", "__typename", 20, 8), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Limits = tc.limits })
			r := f.send(request{query: tc.query})
			if r.code() != tc.code {
				t.Fatalf("code = %q, want %q: %s", r.code(), tc.code, r.raw)
			}
			if tc.code != "" && r.hasData() {
				t.Errorf("a refused request has a data entry: %s", r.raw)
			}
		})
	}
}

// Root fields are counted however deep the fragments that hold them nest:
// fragments more than twenty spreads deep used to count for nothing, which
// let any number of root fields through.
func TestRootFieldsCountThroughDeepFragments(t *testing.T) {
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Limits = graph.Limits{MaxRootFields: 3} })
	q := fragmentBomb("$", "Query", "__typename __typename __typename __typename", 1, 25)
	r := f.send(request{query: q})
	if r.code() != graph.CodeRootFieldLimitExceeded || r.hasData() {
		t.Fatalf("code = %q, want %s: %s", r.code(), graph.CodeRootFieldLimitExceeded, r.raw)
	}
	if ext := r.body["errors"].([]any)[0].(map[string]any)["extensions"].(map[string]any); ext["rootFields"] != 4.0 {
		t.Errorf("rootFields = %v, want 4", ext["rootFields"])
	}
}

// A password written into the document itself, not passed as a variable,
// must not reach the trace backend either: spans carry neither the
// document nor the arguments' values.
func TestOperationSpansRecordNoPassword(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(context.Background(), telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	if err != nil {
		t.Fatal(err)
	}
	f := edgeFixture(t, func(hc *graph.HandlerConfig) { hc.Telemetry = tel })
	f.send(request{query: `mutation Link { linkAkanaAccount(input: {email: "a@example.com", password: "hunter2-inline"}) { clientMutationId } }`})
	names := map[string]bool{}
	for _, s := range rec.Ended() {
		names[s.Name()] = true
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.Emit(), "hunter2") {
				t.Errorf("span %s records the password in %s", s.Name(), a.Key)
			}
		}
	}
	for _, want := range []string{"Link", "Mutation/linkAkanaAccount"} {
		if !names[want] {
			t.Errorf("no span %q among %v", want, names)
		}
	}
}
