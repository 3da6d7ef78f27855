package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// documentedCodes are the extensions.code values the README's "Error
// codes" table lists; a client may rely on seeing no other.
var documentedCodes = map[string]bool{
	"UNAUTHENTICATED": true, "FORBIDDEN": true, "NOT_FOUND": true, "BAD_USER_INPUT": true,
	"PROVIDER_UNAVAILABLE": true, "PROVIDER_TIMEOUT": true, "PROVIDER_RATE_LIMITED": true,
	"PROVIDER_AUTH_FAILED": true, "NOT_SUPPORTED": true,
	"GRAPHQL_PARSE_FAILED": true, "GRAPHQL_VALIDATION_FAILED": true,
	"DEPTH_LIMIT_EXCEEDED": true, "COMPLEXITY_LIMIT_EXCEEDED": true, "TOKEN_LIMIT_EXCEEDED": true,
	"ALIAS_LIMIT_EXCEEDED": true, "ROOT_FIELD_LIMIT_EXCEEDED": true,
	"INTROSPECTION_DISABLED": true, "PERSISTED_QUERY_NOT_FOUND": true,
	"PERSISTED_QUERY_NOT_IN_LIST": true, "PERSISTED_QUERY_NOT_SUPPORTED": true,
	"RATE_LIMITED": true, "BAD_REQUEST": true, "CSRF_HEADER_REQUIRED": true, "METHOD_NOT_ALLOWED": true,
	"NOT_ACCEPTABLE": true, "REQUEST_TOO_LARGE": true, "UNSUPPORTED_MEDIA_TYPE": true, "SUBSCRIPTIONS_NOT_SUPPORTED": true,
}

// fuzzStatuses are the statuses "Responses and status codes" allows for
// a request a client got wrong; 500 is a bug. 204 answers a preflight.
var fuzzStatuses = map[int]bool{200: true, 204: true, 400: true, 401: true, 405: true, 406: true, 413: true, 415: true, 429: true}

// FuzzGraphQLRequest sends arbitrary requests to /graphql through the
// whole HTTP stack and checks that every answer is one the README
// documents: no panic, an allowed status, a JSON body, and a documented
// extensions.code on every error.
func FuzzGraphQLRequest(f *testing.F) {
	node := func(raw string) string { return `{"query":"{ node(id: \"` + encodeForTest(raw) + `\") { id } }"}` }
	seeds := []struct{ method, target, ctype, accept, authz, body string }{
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, `{"query":"{ viewer { memberships(first: 2) { nodes { id group { name description } } } } }"}`},
		{"POST", "/graphql", "application/json", "", "", `[{"query":"{ __typename }"}]`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ __typ`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ __typename }","variables":"{}","extensions":[1]}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ nope }","query":"{ __typename }","operationName":7}`},
		{"POST", "/graphql", "application/json", "", "", "{\"query\":\"{ __typename \\u0000 }\"}"},
		{"POST", "/graphql", "application/json", "", "", "{\"query\":\"query($a: String) { user(provider: FLICKR, providerId: $a) { id } }\",\"variables\":{\"a\":\"\xff\xfe\"}}"},
		{"POST", "/graphql", "application/json", "", "", `{"query":"query A { __typename } query B { __typename }"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"query A { __typename }","operationName":"B"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"query @skip(if: true) { __typename @include }"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ __schema { types { name } } }"}`},
		{"POST", "/graphql", "application/json", "", "", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ABC"}}}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ __typename }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}}`},
		{"POST", "/graphql", "application/json", "", "", `{"extensions":{"persistedQuery":{"version":"2","sha256Hash":5}}}`},
		{"POST", "/graphql", "", "", "", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json; charset=latin1", "", "", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "text/plain", "", "", `{"query":"{ __typename }"}`},
		{"GET", "/graphql?query=mutation%7BleaveGroup(input:%7BgroupId:%22x%22%7D)%7BgroupDeleted%7D%7D", "", "", "", ""},
		{"GET", "/graphql?query=%7B__typename%7D&variables=%5B&extensions=%7B%7D", "", "application/graphql-response+json", "", ""},
		{"GET", "/graphql?query=%zz;x", "", "", "", ""},
		{"HEAD", "/graphql", "", "", "", ""},
		{"PUT", "/graphql", "application/json", "", "", `{"query":"{ __typename }"}`},
		{"OPTIONS", "/graphql", "", "", "", ""},
		{"POST", "/graphql", "application/json", "text/html;q=1, application/json;q=0", "", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json", "application/graphql-response+json", "", `{"query":"{ viewer { name } }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer ", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json", "", "Basic YTpi", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer a.b.c", `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer ggp_" + strings.Repeat("x", 300), `{"query":"{ __typename }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, node("gg1:flickr:Group:g1")},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, node("gg1:myspace:Group:1")},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, node("gg1:flickr:Membership:%zz/g1")},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, node("gg1:akana:LinkedAccount:1")},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, `{"query":"{ node(id: \"!!\") { id } nodes(ids: [\"\", \"éé\"]) { id } }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, `{"query":"mutation { leaveGroup(input: {groupId: \"` + encodeForTest("gg1:akana:Group:1") + `\"}) { groupDeleted errors { code } } }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, `{"query":"{ viewer { memberships(first: -1, last: 2147483647, after: \"zz\") { totalCount } } }"}`},
		{"POST", "/graphql", "application/json", "", "Bearer " + testToken, `{"query":"query($f: Int) { viewer { memberships(first: $f) { totalCount } } }","variables":{"f":1e400}}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ node(id: ` + strings.Repeat("[", 1200) + strings.Repeat("]", 1200) + `) { id } }"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ ` + strings.Repeat("a: __typename ", 40) + `}"}`},
		{"POST", "/graphql", "application/json", "", "", `{"query":"{ providers { ...F } } fragment F on ProviderInfo { ...G ...G ...G } fragment G on ProviderInfo { provider provider }"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.ctype, s.accept, s.authz, []byte(s.body))
	}
	s := newStack(f, nil)
	f.Fuzz(func(t *testing.T, method, target, ctype, accept, authz string, body []byte) {
		req, err := http.NewRequest(method, "http://groupgraph.test"+target, bytes.NewReader(body))
		if err != nil || req.URL.Path != "/graphql" {
			t.Skip()
		}
		for name, v := range map[string]string{"Content-Type": ctype, "Accept": accept, "Authorization": authz} {
			if v != "" {
				req.Header.Set(name, v)
			}
		}
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		if !fuzzStatuses[rec.Code] {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Body.Len() == 0 {
			if rec.Code != 204 && method != http.MethodOptions && method != http.MethodHead {
				t.Fatalf("status %d without a body", rec.Code)
			}
			return
		}
		var resp struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("status %d, body is not JSON (%v): %q", rec.Code, err, rec.Body)
		}
		for _, e := range resp.Errors {
			if code, _ := e.Extensions["code"].(string); !documentedCodes[code] || e.Message == "" {
				t.Fatalf("status %d, error with code %q, message %q: %s", rec.Code, code, e.Message, rec.Body)
			}
		}
		if rec.Code != 200 && rec.Code != 204 && len(resp.Errors) == 0 {
			t.Fatalf("status %d without errors: %s", rec.Code, rec.Body)
		}
	})
}
