package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/providers"
)

// alternatingAliases is the document that made gqlparser report one
// conflict per pair of fields: n fields named a under viewer, every other
// one __typename, the rest memberships { totalCount }.
func alternatingAliases(n int) string {
	var b strings.Builder
	b.WriteString("{ viewer {")
	for i := range n {
		if i%2 == 0 {
			b.WriteString(" a: __typename")
		} else {
			b.WriteString(" a: memberships { totalCount }")
		}
	}
	b.WriteString(" } }")
	return b.String()
}

// repeatedTypename is n times __typename, which gqlparser compared pair by
// pair: n²/2 comparisons.
func repeatedTypename(n int) string {
	return "{" + strings.Repeat(" __typename", n) + " }"
}

// unknownFields is n distinct fields the schema does not have: one
// validation error each.
func unknownFields(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " f%d", i)
	}
	b.WriteString(" }")
	return b.String()
}

// hostileFixture is a handler as a deployment has it, big bodies allowed.
func hostileFixture(t testing.TB, configure func(*graph.HandlerConfig)) http.Handler {
	t.Helper()
	hc := graph.HandlerConfig{Registry: providers.NewRegistry(), MaxBodyBytes: 1 << 20}
	if configure != nil {
		configure(&hc)
	}
	return auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: {ID: "v1", Name: "alice"}}), graph.NewHandler(hc))
}

func postQuery(t testing.TB, h http.Handler, query, remote string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type hostileErrors struct {
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decodeErrors(t testing.TB, rec *httptest.ResponseRecorder) hostileErrors {
	t.Helper()
	var out hostileErrors
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	return out
}

// Every document within the body limit gets at most a bounded answer: a
// hundred validation errors and one saying validation stopped, never one
// error per pair of fields (the alternating document was 640,000 errors,
// 170 MB).
func TestValidationErrorsAreBounded(t *testing.T) {
	noSelectionLimit := func(hc *graph.HandlerConfig) { hc.Limits.MaxSelections = -1; hc.Limits.MaxTokens = -1 }
	cases := []struct {
		name      string
		configure func(*graph.HandlerConfig)
		query     string
		// errors is how many errors the answer has; stopped whether the
		// last says validation was aborted.
		errors  int
		stopped bool
		code    string
	}{
		{"the alternating-alias document is one conflict", noSelectionLimit, alternatingAliases(1750), 1, false, graph.CodeValidationFailed},
		{"the alternating-alias document is refused before validation by default", nil, alternatingAliases(1750), 1, false, graph.CodeSelectionLimitExceeded},
		{"10,000 __typename are refused before validation by default", nil, repeatedTypename(9990), 1, false, graph.CodeSelectionLimitExceeded},
		{"10,000 __typename pass validation, then meet the root-field limit", noSelectionLimit, repeatedTypename(9990), 1, false, graph.CodeRootFieldLimitExceeded},
		{"a thousand unknown fields stop at the hundred-and-first error", noSelectionLimit, unknownFields(1000), graph.MaxValidationErrors + 1, true, graph.CodeValidationFailed},
		{"a hundred unknown fields are a hundred errors", nil, unknownFields(100), 100, false, graph.CodeValidationFailed},
		{"an unknown field with a 500 KB name is one short error", nil, "{ " + strings.Repeat("x", 500_000) + " }", 1, false, graph.CodeValidationFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hostileFixture(t, tc.configure)
			rec := postQuery(t, h, tc.query, "192.0.2.1:1", nil)
			if rec.Body.Len() > 200_000 {
				t.Errorf("the answer is %d bytes", rec.Body.Len())
			}
			out := decodeErrors(t, rec)
			if len(out.Errors) != tc.errors {
				t.Fatalf("%d errors, want %d: %.500s", len(out.Errors), tc.errors, rec.Body.String())
			}
			if tc.errors == 0 {
				return
			}
			if code, _ := out.Errors[0].Extensions["code"].(string); code != tc.code {
				t.Errorf("code = %q, want %q", code, tc.code)
			}
			last := out.Errors[len(out.Errors)-1]
			if stopped := strings.Contains(last.Message, "Validation aborted"); stopped != tc.stopped {
				t.Errorf("last error %q: stopped = %v, want %v", last.Message, stopped, tc.stopped)
			}
			if tc.stopped && last.Extensions["errorLimit"] != float64(graph.MaxValidationErrors) {
				t.Errorf("the last error does not name the limit: %v", last.Extensions)
			}
			for _, e := range out.Errors {
				if len(e.Message) > 1024 {
					t.Errorf("a message of %d bytes", len(e.Message))
				}
			}
		})
	}
}

// The hostile documents cost work linear in their size. Allocations stand
// in for CPU, which a busy machine cannot measure: gqlparser's pairwise
// merge check allocated one conflict per pair of the alternating document
// (over 600,000) and hundreds of thousands of maps for the __typename one.
func TestHostileDocumentsCostLinearWork(t *testing.T) {
	h := hostileFixture(t, func(hc *graph.HandlerConfig) {
		hc.Limits.MaxSelections, hc.Limits.MaxTokens, hc.QueryCacheSize = -1, -1, 1
	})
	for _, tc := range []struct {
		name  string
		small string
		large string
	}{
		{"alternating aliases", alternatingAliases(500), alternatingAliases(2000)},
		{"repeated __typename", repeatedTypename(2500), repeatedTypename(10000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := func(q string) float64 {
				return testing.AllocsPerRun(3, func() {
					// A comment makes each run a document the cache has not seen.
					postQuery(t, h, q+fmt.Sprintf(" # %d", time.Now().UnixNano()), "192.0.2.1:1", nil)
				})
			}
			small, large := allocs(tc.small), allocs(tc.large)
			// Four times the document: linear work is about four times the
			// allocations, quadratic sixteen.
			if large > 6*small {
				t.Errorf("allocations grew %.1f times for a document 4 times larger (%.0f → %.0f)", large/small, small, large)
			}
		})
	}
}

// Parsing and validation are charged before they run, so a flood of
// invalid documents (each made new by a comment) meets the rate limit like
// valid queries do; anonymous IPv6 callers share the budget of their /64.
func TestInvalidDocumentsAreRateLimited(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	limiter := ratelimit.New(ratelimit.NewMemory(func() time.Time { return now }), 5, time.Hour)
	h := hostileFixture(t, func(hc *graph.HandlerConfig) { hc.RateLimiter = limiter })
	send := func(remote string, i int) *httptest.ResponseRecorder {
		return postQuery(t, h, fmt.Sprintf("{ nope } # %d", i), remote, nil)
	}
	for i := range 5 {
		if rec := send("[2001:db8:1:2::1]:443", i); rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d: %s", i, rec.Code, rec.Body.String())
		}
	}
	t.Run("the sixth invalid document is refused with 429", func(t *testing.T) {
		rec := send("[2001:db8:1:2::1]:443", 5)
		if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), graph.CodeRateLimited) {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if rec.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	t.Run("another address of the same /64 shares the budget", func(t *testing.T) {
		if rec := send("[2001:db8:1:2:ffff:ffff:ffff:ffff]:443", 6); rec.Code != http.StatusTooManyRequests {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("another /64 has its own budget", func(t *testing.T) {
		if rec := send("[2001:db8:1:3::1]:443", 7); rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("an IPv4 caller has its own budget", func(t *testing.T) {
		if rec := send("198.51.100.9:80", 8); rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
	t.Run("a document seen before is not charged for its parse again", func(t *testing.T) {
		for range 3 {
			if rec := postQuery(t, h, "{ __typename }", "198.51.100.10:80", nil); rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
		// 1 to parse + 3 × 1 for the operation = 4 of 5.
		rec := postQuery(t, h, "{ __typename }", "198.51.100.10:80", nil)
		if got := rec.Header().Get("X-RateLimit-Used"); got != "5" {
			t.Errorf("used = %s, want 5", got)
		}
	})
}

// With introspection off, no error names a field, argument, type, enum
// value or input field the request did not name itself: gqlparser's
// suggestions ("Did you mean") and the names its messages carry (the type
// of a field, a required argument, a required input field) are hidden.
func TestErrorsRevealNoSchemaNameWithIntrospectionOff(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		vars   map[string]any
		hidden []string
	}{
		{"a mistyped field", "{ viewer { nam } }", nil, []string{`"name"`, "Viewer", "Did you mean"}},
		{"a mistyped argument", "{ viewer { memberships(frist: 1) { totalCount } } }", nil, []string{"first", "Viewer", "Did you mean"}},
		{"a mistyped enum value", "{ viewer { memberships(orderBy: {field: NAM}) { totalCount } } }", nil, []string{"NAME", "MembershipOrderField", "Did you mean"}},
		{"a mistyped input field", "{ viewer { memberships(filter: {provider: [FLICKR]}) { totalCount } } }", nil, []string{"providers", "MembershipFilter", "Did you mean"}},
		{"a missing input field", "{ viewer { memberships(orderBy: {direction: ASC}) { totalCount } } }", nil, []string{`"field"`, "MembershipOrder", "MembershipOrderField"}},
		{"a missing argument", "{ node { __typename } }", nil, []string{`"id"`}},
		{"a mistyped type", "{ viewer { memberships { nodes { group { ... on Grop { name } } } } } }", nil, []string{`"Group"`, "Did you mean"}},
		{"a selection missing under an object", "{ viewer }", nil, []string{"Viewer"}},
		{"a selection under a leaf", "{ viewer { name { x } } }", nil, []string{"String!", "Viewer"}},
		{"a variable missing a required input field", "mutation($in: LeaveGroupInput!) { leaveGroup(input: $in) { groupDeleted } }",
			map[string]any{"in": map[string]any{"deletePhotos": true}}, []string{"groupId"}},
		{"a variable of the wrong enum", "query($o: MembershipOrder) { viewer { memberships(orderBy: $o) { totalCount } } }",
			map[string]any{"o": map[string]any{"field": "SIZE"}}, []string{"MembershipOrderField"}},
	}
	h := hostileFixture(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.vars})
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			out := decodeErrors(t, rec)
			if len(out.Errors) == 0 {
				t.Fatalf("no error: %s", rec.Body.String())
			}
			var text strings.Builder
			for _, e := range out.Errors {
				fmt.Fprintln(&text, e.Message, e.Path)
			}
			for _, name := range tc.hidden {
				if strings.Contains(text.String(), name) {
					t.Errorf("the answer names %s: %s", name, text.String())
				}
			}
		})
	}
	t.Run("with introspection on, suggestions stay", func(t *testing.T) {
		h := hostileFixture(t, func(hc *graph.HandlerConfig) { hc.Introspection, hc.Suggestions = true, true })
		rec := postQuery(t, h, "{ viewer { nam } }", "192.0.2.1:1", map[string]string{"Authorization": "Bearer " + token})
		if !strings.Contains(rec.Body.String(), `Did you mean \"name\"`) {
			t.Errorf("no suggestion: %s", rec.Body.String())
		}
	})
}
