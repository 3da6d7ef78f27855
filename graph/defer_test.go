package graph_test

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

// gated holds one platform's memberships call until release is closed.
type gated struct {
	providers.Provider
	release chan struct{}
}

func (g gated) Memberships(ctx context.Context, a providers.Account) ([]providers.Membership, error) {
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Provider.Memberships(ctx, a)
}

// The headers Apollo Client 4's Defer20220824Handler and urql 6 send.
const (
	apolloDeferAccept = "multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9"
	urqlAccept        = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
)

// perPlatformDeferred asks for Flickr's memberships at once and defers
// Upcoming's and PageSeeder's, each in its own fragment.
const perPlatformDeferred = `query PerPlatform { viewer { name
  flickr: memberships(filter: {providers: [FLICKR]}) { totalCount }
  ... @defer(label: "upcoming") { upcoming: memberships(filter: {providers: [UPCOMING]}) { totalCount } }
  ... @defer(label: "pageseeder") { pageseeder: memberships(filter: {providers: [PAGESEEDER]}) { totalCount } }
} }`

// stream posts query to srv with accept and returns a reader of the parts.
func stream(t *testing.T, srv *httptest.Server, accept, query string) (*http.Response, *multipart.Reader) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" || params["deferspec"] != "20220824" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("Content-Type %q (%v): %s", resp.Header.Get("Content-Type"), err, b)
	}
	return resp, multipart.NewReader(resp.Body, params["boundary"])
}

// nextPart reads one part as JSON.
func nextPart(t *testing.T, mr *multipart.Reader) map[string]any {
	t.Helper()
	p, err := mr.NextPart()
	if err != nil {
		t.Fatalf("next part: %v", err)
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("part Content-Type %q", ct)
	}
	var v map[string]any
	if err := json.NewDecoder(p).Decode(&v); err != nil {
		t.Fatalf("part is not JSON: %v", err)
	}
	return v
}

// incremental is a subsequent payload's one deferred result.
func incremental(t *testing.T, part map[string]any) (label string, path []any, data map[string]any) {
	t.Helper()
	items, _ := part["incremental"].([]any)
	if len(items) != 1 {
		t.Fatalf("incremental = %v", part)
	}
	item := items[0].(map[string]any)
	label, _ = item["label"].(string)
	path, _ = item["path"].([]any)
	data, _ = item["data"].(map[string]any)
	return label, path, data
}

// Each platform's deferred part goes out when that platform answers: with
// PageSeeder held, the first payload (Flickr's) and Upcoming's deferred
// part arrive; PageSeeder's follows once it answers, and ends the stream.
func TestDeferDeliversEachPlatformAsItAnswers(t *testing.T) {
	for _, accept := range []string{apolloDeferAccept, urqlAccept} {
		t.Run("with the Accept header "+accept, func(t *testing.T) {
			release := make(chan struct{})
			var once sync.Once
			f := newFixtureWrapped(t, 0, 0, func(p providers.Provider) providers.Provider {
				if p.Kind() == providers.PageSeeder {
					return gated{p, release}
				}
				return p
			})
			srv := httptest.NewServer(f.handler)
			t.Cleanup(srv.Close)
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			_, mr := stream(t, srv, accept, perPlatformDeferred)
			first := nextPart(t, mr)
			// gqlgen writes the deferred fields as null in the first
			// payload; clients merge the deferred data over them.
			want := map[string]any{"data": map[string]any{"viewer": map[string]any{
				"name": "alice", "flickr": map[string]any{"totalCount": 4.0}, "upcoming": nil, "pageseeder": nil,
			}}, "hasNext": true}
			if diff := cmp.Diff(want, first); diff != "" {
				t.Fatalf("first payload (-want +got):\n%s", diff)
			}
			second := nextPart(t, mr)
			label, path, data := incremental(t, second)
			if label != "upcoming" || !cmp.Equal(path, []any{"viewer"}) || second["hasNext"] != true ||
				!cmp.Equal(data, map[string]any{"upcoming": map[string]any{"totalCount": 3.0}}) {
				t.Fatalf("second payload = %v", second)
			}
			once.Do(func() { close(release) })
			last := nextPart(t, mr)
			label, path, data = incremental(t, last)
			if label != "pageseeder" || !cmp.Equal(path, []any{"viewer"}) || last["hasNext"] != false ||
				!cmp.Equal(data, map[string]any{"pageseeder": map[string]any{"totalCount": 3.0}}) {
				t.Fatalf("last payload = %v", last)
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Errorf("after the last payload: %v, want the closing boundary", err)
			}
		})
	}
}

// The stream's framing is the one Apollo Client's and urql's parsers
// split on: a delimiter before the first part, one right after every part
// (clients hand a part over when they see it), and the closing delimiter
// right after the last.
func TestDeferStreamFraming(t *testing.T) {
	f := newFixture(t, 0)
	srv := httptest.NewServer(f.handler)
	t.Cleanup(srv.Close)
	resp, _ := stream(t, srv, apolloDeferAccept, `{ viewer { name ... @defer { memberships(first: 2) { totalCount } } } }`)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := "\r\n--graphql\r\nContent-Type: application/json; charset=utf-8\r\n\r\n" +
		`{"data":{"viewer":{"name":"alice","memberships":null}},"hasNext":true}` +
		"\r\n--graphql\r\nContent-Type: application/json; charset=utf-8\r\n\r\n" +
		`{"incremental":[{"data":{"memberships":{"totalCount":10}},"path":["viewer"]}],"hasNext":false}` +
		"\r\n--graphql--\r\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// A client that cannot read incremental payloads gets the deferred fields
// in the one JSON response, complete; so does a mutation.
func TestDeferWithoutMultipartAnswersCompleteData(t *testing.T) {
	f := newFixture(t, 0)
	cases := []struct{ name, accept string }{
		{"no Accept", ""},
		{"application/json", "application/json"},
		{"graphql-response+json", "application/graphql-response+json"},
		{"only a multipart version that is not spoken here", "multipart/mixed;incrementalSpec=v0.2, application/json;q=0.9"},
	}
	q := `query { viewer { name ... @defer(label: "m") { memberships(first: 2) { totalCount } } ...Accounts @defer } }
	fragment Accounts on Viewer { accounts { provider } }`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(request{query: q, accept: tc.accept})
			if r.status != http.StatusOK || strings.HasPrefix(r.header.Get("Content-Type"), "multipart") {
				t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
			}
			if _, ok := r.body["hasNext"]; ok {
				t.Errorf("hasNext in a complete response: %s", r.raw)
			}
			var d struct {
				Viewer struct {
					Name        string
					Memberships *struct{ TotalCount int }
					Accounts    []struct{ Provider string }
				}
			}
			b, _ := json.Marshal(r.body["data"])
			_ = json.Unmarshal(b, &d)
			if d.Viewer.Memberships == nil || d.Viewer.Memberships.TotalCount != 10 || len(d.Viewer.Accounts) != 3 {
				t.Errorf("incomplete data: %s", r.raw)
			}
		})
	}
	t.Run("a mutation with @defer, even when multipart is accepted", func(t *testing.T) {
		r := f.send(request{accept: apolloDeferAccept, query: `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) {
			... @defer { errors { code } } } }`, vars: map[string]any{"id": encodeRaw("gg1:flickr:Group:nope")}})
		if strings.HasPrefix(r.header.Get("Content-Type"), "multipart") {
			t.Fatalf("mutation streamed: %s", r.raw)
		}
		if _, ok := r.body["hasNext"]; ok {
			t.Errorf("hasNext in a complete response: %s", r.raw)
		}
	})
}
