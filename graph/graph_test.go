package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

const token = "test-token"

// fixture is a server over three in-memory platforms and a viewer linked to
// all of them.
type fixture struct {
	t        *testing.T
	handler  http.Handler
	mem      map[providers.Kind]*providertest.Memory
	registry *providers.Registry
	viewer   *providers.Viewer
}

var t0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func newFixture(t *testing.T, latency time.Duration) *fixture {
	t.Helper()
	return newFixtureWithWait(t, latency, 0)
}

// newFixtureWithWait sets the loaders' batching window; 0 keeps the default.
func newFixtureWithWait(t *testing.T, latency, wait time.Duration) *fixture {
	t.Helper()
	return newFixtureWrapped(t, latency, wait, nil)
}

// newFixtureWrapped is newFixtureWithWait with each platform wrapped by
// wrap (nil: none) before it is registered.
func newFixtureWrapped(t *testing.T, latency, wait time.Duration, wrap func(providers.Provider) providers.Provider) *fixture {
	t.Helper()
	f := &fixture{t: t, mem: map[providers.Kind]*providertest.Memory{}}
	viewer := &providers.Viewer{ID: "v1", Name: "alice"}
	groups := map[providers.Kind][]string{
		providers.Flickr:     {"Apple", "FlickrCentral", "Typography"},
		providers.Upcoming:   {"blasthaus fans", "SXSW 2007"},
		providers.PageSeeder: {"acme-forum", "Zebra club"},
	}
	var ps []providers.Provider
	for _, k := range []providers.Kind{providers.Flickr, providers.Upcoming, providers.PageSeeder} {
		m := providertest.NewMemory(k)
		m.Latency = latency
		m.Token = "cred-" + string(k)
		user := "me-" + string(k)
		m.AddUser(providers.User{ID: user, Name: "Alice on " + string(k)})
		for i, name := range groups[k] {
			id := fmt.Sprintf("%s-%d", k, i+1)
			m.AddGroup(providers.Group{
				ID: id, Name: name, Description: ptr("About " + name), MemberCount: ptr(10 + i),
				Visibility: providers.VisibilityPublic, Details: &providers.FlickrDetails{Privacy: ptr(3)},
			})
			m.Join(id, user, providers.RoleMember, t0.Add(time.Duration(i)*time.Hour))
			m.Join(id, "someone-else", providers.RoleAdmin, t0)
		}
		m.AddGroup(providers.Group{ID: string(k) + "-solo", Name: "Solo " + string(k)})
		m.Join(string(k)+"-solo", user, providers.RoleAdmin, t0)
		m.AddGroup(providers.Group{ID: string(k) + "-other", Name: "Other " + string(k)})
		m.Join(string(k)+"-other", "someone-else", providers.RoleAdmin, t0)
		f.mem[k] = m
		if wrap != nil {
			ps = append(ps, wrap(m))
		} else {
			ps = append(ps, m)
		}
		viewer.Accounts = append(viewer.Accounts, providers.Account{
			ID: "acct-" + string(k), Provider: k, UserID: user, DisplayName: "Alice",
			Credentials: providers.Credentials{Token: "cred-" + string(k)},
		})
	}
	f.mem[providers.PageSeeder].Caps.Leave = false
	f.registry, f.viewer = providers.NewRegistry(ps...), viewer
	// A generous batching window: under the race detector on a busy machine
	// the resolvers of one level can take longer than the 1 ms default to
	// register their keys, which splits a batch and fails the batching tests.
	if wait == 0 {
		wait = 20 * time.Millisecond
	}
	h := graph.NewHandler(graph.HandlerConfig{Registry: f.registry, Introspection: true, MaxBodyBytes: 4096, LoaderWait: wait})
	f.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: viewer}), h)
	return f
}

// response is a decoded GraphQL response.
type response struct {
	Status int
	Data   json.RawMessage  `json:"data"`
	Errors []responseError  `json:"errors"`
	Raw    map[string]any   `json:"-"`
	_      *json.RawMessage `json:"-"`
}

type responseError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r response) code(i int) string { s, _ := r.Errors[i].Extensions["code"].(string); return s }

// post sends a query as the viewer.
func (f *fixture) post(query string, vars map[string]any) response {
	f.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return f.raw(http.MethodPost, "/graphql", "application/json", token, body)
}

func (f *fixture) raw(method, target, contentType, bearer string, body []byte) response {
	f.t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	var r response
	r.Status = rec.Code
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		f.t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return r
}

// decode unmarshals the data into v, failing on errors unless allowed.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decoding data %s: %v", r.Data, err)
	}
}

func (r response) mustSucceed(t *testing.T) response {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	return r
}

type membershipsData struct {
	Viewer struct {
		Memberships struct {
			TotalCount          int
			IncompleteProviders []string
			PageInfo            struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
			Edges []struct {
				Cursor string
				Node   struct {
					ID       string
					Provider string
					Role     string
					Group    struct {
						ID, ProviderID, Name string
						Description          *string
					}
				}
			}
		}
	}
}

// meetAll holds every Memberships call until n of them have begun: the
// calls can only get through if they run at the same time. A call still
// alone after 10 s fails, as it would wait forever behind calls made one
// after another.
type meetAll struct {
	providers.Provider
	*meeting
}

type meeting struct {
	mu      sync.Mutex
	n       int
	arrived int
	all     chan struct{}
}

func (m meetAll) Memberships(ctx context.Context, a providers.Account) ([]providers.Membership, error) {
	m.mu.Lock()
	m.arrived++
	if m.arrived == m.n {
		close(m.all)
	}
	m.mu.Unlock()
	select {
	case <-m.all:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("%s Memberships: the other platforms' calls never started alongside: %w", a.Provider, providers.ErrUnavailable)
	}
	return m.Provider.Memberships(ctx, a)
}

func TestFanOutIsConcurrent(t *testing.T) {
	// Every platform's list call must have started before any finished:
	// the calls overlap, so the latency is the slowest one's, not the sum.
	// Each call waits for all the others to begin rather than for a fixed
	// latency, so a loaded machine starting them far apart cannot fail it.
	meet := &meeting{n: 3, all: make(chan struct{})}
	f := newFixtureWrapped(t, 0, 0, func(p providers.Provider) providers.Provider { return meetAll{p, meet} })
	if len(f.mem) != meet.n {
		t.Fatalf("%d platforms, want %d", len(f.mem), meet.n)
	}
	var d membershipsData
	f.post(`{ viewer { memberships(first: 100) { totalCount edges { node { id } } } } }`, nil).mustSucceed(t).decode(t, &d)
	if d.Viewer.Memberships.TotalCount != 10 {
		t.Fatalf("totalCount = %d, want 10", d.Viewer.Memberships.TotalCount)
	}
	for k, m := range f.mem {
		if calls := m.CallsOf(providertest.MethodMemberships); len(calls) != 1 {
			t.Fatalf("%s: %d Memberships calls, want 1", k, len(calls))
		}
	}
}

func TestPartialResultsKeepOtherPlatforms(t *testing.T) {
	cases := []struct {
		kind error
		code string
	}{
		{providers.ErrUnavailable, "PROVIDER_UNAVAILABLE"},
		{providers.ErrTimeout, "PROVIDER_TIMEOUT"},
		{providers.ErrRateLimited, "PROVIDER_RATE_LIMITED"},
		{providers.ErrUnauthenticated, "PROVIDER_AUTH_FAILED"},
		{providers.ErrForbidden, "FORBIDDEN"},
		{providers.ErrNotFound, "NOT_FOUND"},
		{providers.ErrInvalid, "BAD_USER_INPUT"},
		{providers.ErrUnsupported, "NOT_SUPPORTED"},
		{providers.ErrInternal, "INTERNAL"},
		{fmt.Errorf("some unclassified failure with a secret s3cr3t"), "INTERNAL"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("a failing platform with %v still leaves the others", tc.kind), func(t *testing.T) {
			f := newFixture(t, 0)
			f.mem[providers.Upcoming].FailWith(providertest.MethodMemberships, fmt.Errorf("upcoming group.getMyGroups: %w", tc.kind))
			r := f.post(`{ viewer { memberships(first: 100) { totalCount incompleteProviders edges { node { provider } } } } }`, nil)
			var d membershipsData
			r.decode(t, &d)
			if d.Viewer.Memberships.TotalCount != 7 {
				t.Errorf("totalCount = %d, want the other platforms' 7", d.Viewer.Memberships.TotalCount)
			}
			for _, e := range d.Viewer.Memberships.Edges {
				if e.Node.Provider == "UPCOMING" {
					t.Errorf("a membership of the failing platform was returned")
				}
			}
			if got := d.Viewer.Memberships.IncompleteProviders; len(got) != 1 || got[0] != "UPCOMING" {
				t.Errorf("incompleteProviders = %v, want [UPCOMING]", got)
			}
			if len(r.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", r.Errors)
			}
			e := r.Errors[0]
			if fmt.Sprint(e.Path) != "[viewer memberships]" || r.code(0) != tc.code || e.Extensions["provider"] != "UPCOMING" {
				t.Errorf("error = %+v, want path [viewer memberships], code %s, provider UPCOMING", e, tc.code)
			}
			if strings.Contains(e.Message, "s3cr3t") {
				t.Errorf("an unclassified error's text reached the client: %q", e.Message)
			}
		})
	}
}

func TestDetailsAreBatchedPerPlatform(t *testing.T) {
	// Root-level lookups (node, group) register at once, the memberships'
	// only after the list calls return. Rather than a window wide enough
	// for a loaded machine to run the list calls in, which no width
	// guarantees, the window is 10 s and each platform's batch capacity is
	// the number of distinct groups the query asks of it: the batch goes
	// as soon as the last lookup joins it, and a lookup that missed it, or
	// one too many, makes a second call (after the window) that fails the
	// test.
	f := newFixtureWithWait(t, 0, 10*time.Second)
	f.mem[providers.Flickr].Caps.MaxBatch = 1 // the one lookup of groupNodeID
	apple := groupNodeID(t, f, providers.Flickr, "flickr-1")
	q := `query($id: ID!) {
	  viewer { memberships(first: 100) { nodes { group { description memberCount } } } }
	  node(id: $id) { ... on Group { description } }
	  group(provider: FLICKR, providerId: "flickr-1") { description }
	  again: group(provider: FLICKR, providerId: "flickr-other") { description }
	}`
	want := map[providers.Kind][]string{
		providers.Flickr:     {"flickr-1", "flickr-2", "flickr-3", "flickr-other", "flickr-solo"},
		providers.Upcoming:   {"upcoming-1", "upcoming-2", "upcoming-solo"},
		providers.PageSeeder: {"pageseeder-1", "pageseeder-2", "pageseeder-solo"},
	}
	for k, ids := range want {
		f.mem[k].Caps.MaxBatch = len(ids)
	}
	f.post(q, map[string]any{"id": apple}).mustSucceed(t)
	for k, ids := range want {
		calls := f.mem[k].CallsOf(providertest.MethodGroupsByID)
		if len(calls) != 1 {
			t.Errorf("%s: %d GroupsByID calls, want exactly 1", k, len(calls))
			continue
		}
		got := append([]string(nil), calls[0].IDs...)
		if !sameSet(got, ids) {
			t.Errorf("%s: GroupsByID(%v), want the distinct ids %v", k, got, ids)
		}
	}
}

func TestListFieldsNeedNoDetailCalls(t *testing.T) {
	f := newFixture(t, 0)
	f.post(`{ viewer { memberships(first: 100) { nodes { id role status providerRole joinedAt inherited viewerCanLeave
	  group { id providerId name provider } } } } }`, nil).mustSucceed(t)
	for k, m := range f.mem {
		if n := len(m.CallsOf(providertest.MethodGroupsByID)); n != 0 {
			t.Errorf("%s: %d GroupsByID calls for list-only fields, want 0", k, n)
		}
	}
}

func TestPaginationVisitsEveryMembershipOnce(t *testing.T) {
	for _, order := range []string{"{field: NAME}", "{field: NAME, direction: DESC}", "{field: JOINED_AT}", "{field: PROVIDER, direction: DESC}"} {
		t.Run("forwards and backwards by "+order, func(t *testing.T) {
			f := newFixture(t, 0)
			var all membershipsData
			f.post(`{ viewer { memberships(first: 100, orderBy: `+order+`) { edges { node { id } } } } }`, nil).mustSucceed(t).decode(t, &all)
			var want []string
			for _, e := range all.Viewer.Memberships.Edges {
				want = append(want, e.Node.ID)
			}
			if len(want) != 10 {
				t.Fatalf("%d memberships, want 10", len(want))
			}
			var got []string
			var after *string
			for page := 0; ; page++ {
				var d membershipsData
				f.post(`query($after: String) { viewer { memberships(first: 5, after: $after, orderBy: `+order+`) {
				  pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id } } } } }`,
					map[string]any{"after": after}).mustSucceed(t).decode(t, &d)
				for _, e := range d.Viewer.Memberships.Edges {
					got = append(got, e.Node.ID)
				}
				if !d.Viewer.Memberships.PageInfo.HasNextPage {
					break
				}
				if page > 5 {
					t.Fatal("pagination does not end")
				}
				after = d.Viewer.Memberships.PageInfo.EndCursor
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("forward pages = %v, want %v", got, want)
			}
			var back []string
			var before *string
			for page := 0; ; page++ {
				var d membershipsData
				f.post(`query($before: String) { viewer { memberships(last: 5, before: $before, orderBy: `+order+`) {
				  pageInfo { hasPreviousPage startCursor } edges { node { id } } } } }`,
					map[string]any{"before": before}).mustSucceed(t).decode(t, &d)
				var ids []string
				for _, e := range d.Viewer.Memberships.Edges {
					ids = append(ids, e.Node.ID)
				}
				back = append(ids, back...)
				if !d.Viewer.Memberships.PageInfo.HasPreviousPage {
					break
				}
				if page > 5 {
					t.Fatal("backward pagination does not end")
				}
				before = d.Viewer.Memberships.PageInfo.StartCursor
			}
			if strings.Join(back, ",") != strings.Join(want, ",") {
				t.Errorf("backward pages = %v, want %v", back, want)
			}
		})
	}
}

func TestPaginationRejectsBadArguments(t *testing.T) {
	f := newFixture(t, 0)
	var d membershipsData
	f.post(`{ viewer { memberships(first: 1) { edges { cursor } } } }`, nil).mustSucceed(t).decode(t, &d)
	nameCursor := d.Viewer.Memberships.Edges[0].Cursor
	cases := map[string]string{
		"a cursor that is not base64":          `memberships(after: "%%%")`,
		"a cursor that is base64 but not ours": `memberships(after: "aGVsbG8")`,
		"a cursor from another order":          `memberships(after: "` + nameCursor + `", orderBy: {field: JOINED_AT})`,
		"first over 100":                       `memberships(first: 101)`,
		"a negative last":                      `memberships(last: -1)`,
		"first and last together":              `memberships(first: 1, last: 1)`,
	}
	for name, field := range cases {
		t.Run(name+" is BAD_USER_INPUT", func(t *testing.T) {
			f.mem[providers.Flickr].ResetCalls()
			r := f.post(`{ viewer { `+field+` { totalCount } } }`, nil)
			if len(r.Errors) != 1 || r.code(0) != "BAD_USER_INPUT" {
				t.Fatalf("errors = %+v, want one BAD_USER_INPUT", r.Errors)
			}
			if n := len(f.mem[providers.Flickr].Calls()); n != 0 {
				t.Errorf("%d upstream calls for a request refused up front", n)
			}
		})
	}
}

func TestFiltersNarrowTheMergedList(t *testing.T) {
	f := newFixture(t, 0)
	var d membershipsData
	f.post(`{ viewer { memberships(first: 100, filter: {providers: [FLICKR], roles: [ADMIN]}) { totalCount edges { node { group { providerId } } } } } }`, nil).mustSucceed(t).decode(t, &d)
	if d.Viewer.Memberships.TotalCount != 1 || d.Viewer.Memberships.Edges[0].Node.Group.ProviderID != "flickr-solo" {
		t.Fatalf("filtered = %+v, want only flickr-solo", d.Viewer.Memberships)
	}
	if n := len(f.mem[providers.Upcoming].Calls()); n != 0 {
		t.Errorf("a platform filtered out was still asked (%d calls), want 0", n)
	}
}

func groupNodeID(t *testing.T, f *fixture, k providers.Kind, id string) string {
	t.Helper()
	var d struct{ Group struct{ ID string } }
	f.post(`query($p: Provider!, $id: String!) { group(provider: $p, providerId: $id) { id } }`,
		map[string]any{"p": strings.ToUpper(string(k)), "id": id}).mustSucceed(t).decode(t, &d)
	for _, m := range f.mem {
		m.ResetCalls()
	}
	return d.Group.ID
}

func TestNodeRoundTripsEveryType(t *testing.T) {
	f := newFixture(t, 0)
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct {
					ID    string
					User  struct{ ID, ProviderID string }
					Group struct{ ID, ProviderID string }
				}
			}
		}
	}
	f.post(`{ viewer { memberships(first: 1) { nodes { id user { id providerId } group { id providerId } } } } }`, nil).mustSucceed(t).decode(t, &d)
	m := d.Viewer.Memberships.Nodes[0]
	for _, tc := range []struct{ typ, id, want string }{
		{"Membership", m.ID, m.ID},
		{"User", m.User.ID, m.User.ProviderID},
		{"Group", m.Group.ID, m.Group.ProviderID},
	} {
		t.Run("a "+tc.typ+" ID fetches the same "+tc.typ, func(t *testing.T) {
			var n struct {
				Node struct {
					Typename   string `json:"__typename"`
					ID         string
					ProviderID string
				}
			}
			f.post(`query($id: ID!) { node(id: $id) { __typename id ... on User { providerId } ... on Group { providerId } } }`,
				map[string]any{"id": tc.id}).mustSucceed(t).decode(t, &n)
			if n.Node.Typename != tc.typ || n.Node.ID != tc.id {
				t.Fatalf("node = %+v, want a %s with id %s", n.Node, tc.typ, tc.id)
			}
			if tc.typ != "Membership" && n.Node.ProviderID != tc.want {
				t.Errorf("providerId = %q, want %q", n.Node.ProviderID, tc.want)
			}
		})
	}
}

func TestBadIDsAreNullWithAnError(t *testing.T) {
	f := newFixture(t, 0)
	foreign := "Z2cxOmZsaWNrcjpHcm91cDpub3BlLWdyb3Vw" // gg1:flickr:Group:nope-group
	cases := []struct{ name, id, code string }{
		{"garbage", "!!!", "BAD_USER_INPUT"},
		{"base64 of something else", "aGVsbG8gd29ybGQ", "BAD_USER_INPUT"},
		{"an unknown platform", encodeRaw("gg1:myspace:Group:1"), "BAD_USER_INPUT"},
		{"an unknown type", encodeRaw("gg1:flickr:Photo:1"), "BAD_USER_INPUT"},
		{"a group that does not exist", foreign, "NOT_FOUND"},
		{"a membership that is not the viewer's", encodeRaw("gg1:flickr:Membership:x/flickr-1"), "NOT_FOUND"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" gives null and "+tc.code, func(t *testing.T) {
			r := f.post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": tc.id})
			var d struct{ Node *struct{ ID string } }
			r.decode(t, &d)
			if d.Node != nil || len(r.Errors) != 1 || r.code(0) != tc.code || r.Status != http.StatusOK {
				t.Fatalf("node = %v, status %d, errors %+v; want null and one %s", d.Node, r.Status, r.Errors, tc.code)
			}
		})
	}
	t.Run("nodes keeps order and length, with nulls for bad ids", func(t *testing.T) {
		good := groupNodeID(t, f, providers.Flickr, "flickr-2")
		r := f.post(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{"!!!", good, foreign}})
		var d struct{ Nodes []*struct{ ID string } }
		r.decode(t, &d)
		if len(d.Nodes) != 3 || d.Nodes[0] != nil || d.Nodes[1] == nil || d.Nodes[1].ID != good || d.Nodes[2] != nil {
			t.Fatalf("nodes = %+v", d.Nodes)
		}
		if len(r.Errors) != 2 || fmt.Sprint(r.Errors[0].Path) != "[nodes 0]" && fmt.Sprint(r.Errors[1].Path) != "[nodes 0]" {
			t.Fatalf("errors = %+v, want two, one at [nodes 0]", r.Errors)
		}
	})
}

func encodeRaw(s string) string {
	return strings.TrimRight(base64URL(s), "=")
}

type leaveData struct {
	LeaveGroup struct {
		ClientMutationID *string
		GroupDeleted     bool
		Group            *struct {
			ProviderID  string
			MemberCount *int
		}
		Membership *struct {
			Status string
			Group  struct{ ProviderID string }
		}
		Errors []struct{ Code, Message string }
	}
}

const leaveMutation = `mutation($id: ID!) { leaveGroup(input: {groupId: $id, clientMutationId: "m1"}) {
  clientMutationId groupDeleted group { providerId memberCount } membership { status group { providerId } } errors { code message } } }`

func TestLeaveGroup(t *testing.T) {
	cases := []struct {
		name        string
		provider    providers.Kind
		group       string
		wantCode    string
		wantDeleted bool
	}{
		{"leaving a member group succeeds", providers.Flickr, "flickr-1", "", false},
		{"leaving a group one is not in is NOT_A_MEMBER", providers.Flickr, "flickr-other", "NOT_A_MEMBER", false},
		{"leaving a missing group is GROUP_NOT_FOUND", providers.Flickr, "flickr-missing", "GROUP_NOT_FOUND", false},
		{"leaving on a platform without leave is NOT_SUPPORTED", providers.PageSeeder, "pageseeder-1", "NOT_SUPPORTED", false},
		{"the last member leaving deletes the group", providers.Upcoming, "upcoming-solo", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 0)
			id := encodeRaw("gg1:" + string(tc.provider) + ":Group:" + tc.group)
			var d leaveData
			f.post(leaveMutation, map[string]any{"id": id}).mustSucceed(t).decode(t, &d)
			p := d.LeaveGroup
			if p.ClientMutationID == nil || *p.ClientMutationID != "m1" {
				t.Errorf("clientMutationId not echoed")
			}
			if tc.wantCode != "" {
				if len(p.Errors) != 1 || p.Errors[0].Code != tc.wantCode || p.Membership != nil || p.GroupDeleted {
					t.Fatalf("payload = %+v, want only the error %s", p, tc.wantCode)
				}
				if tc.wantCode == "NOT_SUPPORTED" && len(f.mem[tc.provider].CallsOf(providertest.MethodLeaveGroup)) != 0 {
					t.Errorf("the platform was asked to leave though it cannot")
				}
				return
			}
			if len(p.Errors) != 0 || p.Membership == nil || p.Membership.Status != "REMOVED" || p.Membership.Group.ProviderID != tc.group {
				t.Fatalf("payload = %+v, want an ended membership of %s", p, tc.group)
			}
			if p.GroupDeleted != tc.wantDeleted || (p.Group == nil) != tc.wantDeleted {
				t.Fatalf("groupDeleted = %v, group = %v; want deleted %v", p.GroupDeleted, p.Group, tc.wantDeleted)
			}
			if !tc.wantDeleted && (p.Group.MemberCount == nil || *p.Group.MemberCount != 1) {
				t.Errorf("group after leave has memberCount %v, want the fresh 1", p.Group.MemberCount)
			}
		})
	}
}

func TestLeaveThenQueryShowsTheChange(t *testing.T) {
	f := newFixture(t, 0)
	id := encodeRaw("gg1:flickr:Group:flickr-1")
	q := `mutation($id: ID!) {
	  before: leaveGroup(input: {groupId: "` + encodeRaw("gg1:flickr:Group:flickr-other") + `"}) { group { memberCount viewerMembership { id } } }
	  leave: leaveGroup(input: {groupId: $id}) { group { memberCount viewerCanLeave viewerMembership { id } } }
	}`
	var d struct {
		Leave struct {
			Group struct {
				MemberCount      int
				ViewerCanLeave   bool
				ViewerMembership *struct{ ID string }
			}
		}
	}
	f.post(q, map[string]any{"id": id}).mustSucceed(t).decode(t, &d)
	if d.Leave.Group.MemberCount != 1 || d.Leave.Group.ViewerMembership != nil || d.Leave.Group.ViewerCanLeave {
		t.Fatalf("after leaving, the group reads %+v; want the cleared, fresh state", d.Leave.Group)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, 0)
	big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 5000) + `"}}`
	cases := []struct {
		name        string
		method      string
		contentType string
		bearer      string
		body        string
		status      int
		code        string
	}{
		{"malformed JSON is 400", http.MethodPost, "application/json", token, `{"query": `, http.StatusBadRequest, ""},
		{"an unknown field is a validation error", http.MethodPost, "application/json", token, `{"query":"{ nope }"}`, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"a variable of the wrong type is refused", http.MethodPost, "application/json", token, `{"query":"query($f: Int) { viewer { memberships(first: $f) { totalCount } } }","variables":{"f":"ten"}}`, http.StatusOK, "GRAPHQL_VALIDATION_FAILED"},
		{"a missing token on viewer is UNAUTHENTICATED", http.MethodPost, "application/json", "", `{"query":"{ viewer { name } }"}`, http.StatusOK, "UNAUTHENTICATED"},
		{"an unknown token is 401", http.MethodPost, "application/json", "wrong", `{"query":"{ __typename }"}`, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"an oversize body is 413", http.MethodPost, "application/json", token, big, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.raw(tc.method, "/graphql", tc.contentType, tc.bearer, []byte(tc.body))
			if r.Status != tc.status {
				t.Fatalf("status = %d, want %d (errors %+v)", r.Status, tc.status, r.Errors)
			}
			if len(r.Errors) == 0 || r.Errors[0].Message == "" {
				t.Fatalf("no error message: %+v", r)
			}
			if tc.code != "" && r.code(0) != tc.code {
				t.Errorf("code = %q, want %q (%s)", r.code(0), tc.code, r.Errors[0].Message)
			}
		})
	}
	t.Run("schema queries work without a token", func(t *testing.T) {
		r := f.raw(http.MethodPost, "/graphql", "application/json", "", []byte(`{"query":"{ __typename providers { provider capabilities { leaveGroup } } }"}`))
		r.mustSucceed(t)
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}

func TestAFailedLeaveKeepsTheOtherLeavesOfTheRequest(t *testing.T) {
	f := newFixture(t, 0)
	f.mem[providers.Upcoming].FailWith(providertest.MethodLeaveGroup, fmt.Errorf("upcoming group.leave: %w", providers.ErrUnavailable))
	r := f.post(`mutation($a: ID!, $b: ID!) {
	  a: leaveGroup(input: {groupId: $a, clientMutationId: "a"}) { clientMutationId errors { code } membership { status } }
	  b: leaveGroup(input: {groupId: $b, clientMutationId: "b"}) { clientMutationId errors { code } membership { status } }
	}`, map[string]any{"a": encodeRaw("gg1:flickr:Group:flickr-1"), "b": encodeRaw("gg1:upcoming:Group:upcoming-1")})
	var d struct {
		A, B *struct {
			ClientMutationID string
			Errors           []struct{ Code string }
			Membership       *struct{ Status string }
		}
	}
	r.decode(t, &d)
	if d.A == nil || d.A.ClientMutationID != "a" || len(d.A.Errors) != 0 || d.A.Membership == nil || d.A.Membership.Status != "REMOVED" {
		t.Fatalf("data %s: the Flickr leave happened, but its payload was lost", r.Data)
	}
	if d.B != nil || len(r.Errors) != 1 || fmt.Sprint(r.Errors[0].Path) != "[b]" || r.code(0) != "PROVIDER_UNAVAILABLE" {
		t.Fatalf("data %s, errors %+v; want b null with one PROVIDER_UNAVAILABLE at [b]", r.Data, r.Errors)
	}
	if _, ok := f.mem[providers.Flickr].Group("flickr-1"); !ok {
		t.Fatal("flickr-1 is gone; the test expects it to stay with its other member")
	}
}

func TestAFailingMembershipListLeavesTheRestOfFlickrDetails(t *testing.T) {
	f := newFixture(t, 0)
	// Details that do not carry the caller's flags derive admin from the
	// caller's memberships; when that list fails, only admin can be null.
	f.mem[providers.Flickr].FailWith(providertest.MethodMemberships, fmt.Errorf("flickr.people.getGroups: %w", providers.ErrUnavailable))
	r := f.post(`{ group(provider: FLICKR, providerId: "flickr-1") { name details { ... on FlickrGroupDetails { privacy admin } } } }`, nil)
	var d struct {
		Group struct {
			Name    string
			Details *struct {
				Privacy *int
				Admin   *bool
			}
		}
	}
	r.decode(t, &d)
	if d.Group.Details == nil || d.Group.Details.Privacy == nil || *d.Group.Details.Privacy != 3 || d.Group.Details.Admin != nil {
		t.Fatalf("data %s; want the details with privacy 3 and only admin null", r.Data)
	}
	if len(r.Errors) != 1 || fmt.Sprint(r.Errors[0].Path) != "[group details admin]" || r.code(0) != "PROVIDER_UNAVAILABLE" {
		t.Fatalf("errors %+v; want one PROVIDER_UNAVAILABLE at [group details admin]", r.Errors)
	}
}
