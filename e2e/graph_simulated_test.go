package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2/ast"

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

// simulatedToken is the bearer token of the sandbox viewer in these tests.
const simulatedToken = "test-token"

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
	// Every lookup of a memberships page registers from one goroutine, so a
	// short window splits no batch.
	h := graph.NewHandler(graph.HandlerConfig{Registry: s.reg, LoaderWait: 5 * time.Millisecond})
	s.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{simulatedToken: s.viewer}), h)
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
	req.Header.Set("Authorization", "Bearer "+simulatedToken)
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

// fieldCase is one field of Group or of its details that a query can ask
// for: how to select it and the domain field it reads (none for fields
// every list entry has).
type fieldCase struct {
	name      string // for test names: "memberCount", "FlickrGroupDetails.rules"
	selection string // below group
	field     *providers.Field
	kind      providers.Kind // the platform whose details it belongs to; "" for Group's own
}

// groupFieldCases generates a case for every field of Group, and of each
// details type, from the schema.
func groupFieldCases(t *testing.T) []fieldCase {
	t.Helper()
	s := schema()
	domain := map[string]providers.Field{
		"description": providers.FieldDescription, "url": providers.FieldURL, "iconUrl": providers.FieldIconURL,
		"memberCount": providers.FieldMemberCount, "topicCount": providers.FieldTopicCount, "poolCount": providers.FieldPoolCount,
		"visibility": providers.FieldVisibility, "joinPolicy": providers.FieldJoinPolicy, "ageRestricted": providers.FieldAgeRestricted,
		"createdAt": providers.FieldCreatedAt, "owner": providers.FieldOwner,

		"FlickrGroupDetails.privacy": providers.FieldFlickrPrivacy, "FlickrGroupDetails.pathAlias": providers.FieldFlickrPathAlias,
		"FlickrGroupDetails.lang": providers.FieldFlickrLang, "FlickrGroupDetails.poolModerated": providers.FieldFlickrPoolModerated,
		"FlickrGroupDetails.rules": providers.FieldFlickrRules, "FlickrGroupDetails.throttle": providers.FieldFlickrThrottle,
		"FlickrGroupDetails.restrictions": providers.FieldFlickrRestrictions, "FlickrGroupDetails.roles": providers.FieldFlickrRoles,
		"FlickrGroupDetails.viewerIsMember": providers.FieldFlickrViewerFlags, "FlickrGroupDetails.viewerIsModerator": providers.FieldFlickrViewerFlags,
		"FlickrGroupDetails.viewerIsAdmin": providers.FieldFlickrViewerFlags,

		"PageSeederGroupDetails.owner": providers.FieldPageSeederOwner, "PageSeederGroupDetails.title": providers.FieldPageSeederTitle,
		"PageSeederGroupDetails.access": providers.FieldPageSeederAccess, "PageSeederGroupDetails.visibleTo": providers.FieldPageSeederVisibleTo,
		"PageSeederGroupDetails.template": providers.FieldPageSeederTemplate, "PageSeederGroupDetails.editUrls": providers.FieldPageSeederEditURLs,
		"PageSeederGroupDetails.commenting": providers.FieldPageSeederCommenting, "PageSeederGroupDetails.moderation": providers.FieldPageSeederModeration,
		"PageSeederGroupDetails.registration": providers.FieldPageSeederRegistration, "PageSeederGroupDetails.defaultRole": providers.FieldPageSeederDefaultRole,
		"PageSeederGroupDetails.defaultNotify": providers.FieldPageSeederDefaultNotify, "PageSeederGroupDetails.indexVersion": providers.FieldPageSeederIndexVersion,
		"PageSeederGroupDetails.detailsType": providers.FieldPageSeederDetailsType, "PageSeederGroupDetails.relatedUrl": providers.FieldPageSeederRelatedURL,
		"PageSeederGroupDetails.message": providers.FieldPageSeederMessage,
	}
	kindOf := map[string]providers.Kind{"FlickrGroupDetails": providers.Flickr, "UpcomingGroupDetails": providers.Upcoming,
		"PageSeederGroupDetails": providers.PageSeeder, "AkanaGroupDetails": providers.Akana}
	var out []fieldCase
	add := func(name, sel string, kind providers.Kind) {
		c := fieldCase{name: name, selection: sel, kind: kind}
		if f, ok := domain[name]; ok {
			c.field = &f
		}
		out = append(out, c)
	}
	for _, f := range s.Types["Group"].Fields {
		switch f.Name {
		case "viewerMembership", "viewerCanLeave":
			continue // the membership's own fields: see the membership cases
		case "details":
			add("details", "details { __typename }", "")
			for _, typ := range s.GetPossibleTypes(s.Types["GroupDetails"]) {
				for _, df := range typ.Fields {
					sel := df.Name
					switch {
					case typ.Name == "FlickrGroupDetails" && df.Name == "throttle":
						sel += " { count mode }" // remaining is a field of its own, below
					case s.Types[df.Type.Name()].Kind == ast.Object:
						sel += " " + everyField(s, df.Type.Name())
					}
					add(typ.Name+"."+df.Name, "details { ... on "+typ.Name+" { "+sel+" } }", kindOf[typ.Name])
				}
			}
			// The caller's remaining allowance is its own field.
			add("FlickrGroupDetails.throttle.remaining", "details { ... on FlickrGroupDetails { throttle { remaining } } }", providers.Flickr)
			continue
		}
		sel := f.Name
		if k := s.Types[f.Type.Name()].Kind; k == ast.Object {
			sel += " { id }"
		}
		add(f.Name, sel, "")
	}
	for i := range out {
		if out[i].name == "FlickrGroupDetails.throttle.remaining" {
			f := providers.FieldFlickrThrottleRemaining
			out[i].field = &f
		}
	}
	return out
}

// has is the test's own reading of whether a group carries field f, kept
// apart from the views' so that the two check each other.
func has(g *providers.Group, f providers.Field) bool {
	fd, _ := g.Details.(*providers.FlickrDetails)
	pd, _ := g.Details.(*providers.PageSeederDetails)
	switch f {
	case providers.FieldDescription:
		return g.Description != nil
	case providers.FieldURL:
		return g.URL != nil
	case providers.FieldIconURL:
		return g.IconURL != nil
	case providers.FieldMemberCount:
		return g.MemberCount != nil
	case providers.FieldTopicCount:
		return g.TopicCount != nil
	case providers.FieldPoolCount:
		return g.PoolCount != nil
	case providers.FieldVisibility:
		return g.Visibility != providers.VisibilityUnknown
	case providers.FieldJoinPolicy:
		return g.JoinPolicy != providers.JoinUnknown
	case providers.FieldAgeRestricted:
		return g.AgeRestricted != nil
	case providers.FieldCreatedAt:
		return g.CreatedAt != nil
	case providers.FieldOwner:
		return g.OwnerID != nil
	}
	if fd != nil {
		switch f {
		case providers.FieldFlickrPrivacy:
			return fd.Privacy != nil
		case providers.FieldFlickrPathAlias:
			return fd.PathAlias != ""
		case providers.FieldFlickrLang:
			return fd.Lang != ""
		case providers.FieldFlickrPoolModerated:
			return fd.PoolModerated != nil
		case providers.FieldFlickrRules:
			return fd.Rules != nil
		case providers.FieldFlickrThrottle:
			return fd.Throttle != nil
		case providers.FieldFlickrThrottleRemaining:
			return fd.Throttle != nil && fd.Throttle.Remaining != nil
		case providers.FieldFlickrRestrictions:
			return fd.Restrictions != nil
		case providers.FieldFlickrRoles:
			return fd.Roles != nil
		case providers.FieldFlickrViewerFlags:
			return fd.ViewerIsMember != nil && fd.ViewerIsModerator != nil && fd.ViewerIsAdmin != nil
		}
	}
	if pd != nil {
		for field, v := range map[providers.Field]string{
			providers.FieldPageSeederOwner: pd.Owner, providers.FieldPageSeederTitle: pd.Title, providers.FieldPageSeederAccess: pd.Access,
			providers.FieldPageSeederVisibleTo: pd.VisibleTo, providers.FieldPageSeederTemplate: pd.Template,
			providers.FieldPageSeederCommenting: pd.Commenting, providers.FieldPageSeederModeration: pd.Moderation,
			providers.FieldPageSeederRegistration: pd.Registration, providers.FieldPageSeederDefaultRole: pd.DefaultRole,
			providers.FieldPageSeederDefaultNotify: pd.DefaultNotify, providers.FieldPageSeederIndexVersion: pd.IndexVersion,
			providers.FieldPageSeederDetailsType: pd.DetailsType, providers.FieldPageSeederRelatedURL: pd.RelatedURL,
			providers.FieldPageSeederMessage: pd.Message,
		} {
			if f == field {
				return v != ""
			}
		}
		if f == providers.FieldPageSeederEditURLs {
			return pd.EditURLs != nil
		}
	}
	return false
}

// sandboxGroups is what each platform's calls answer for the viewer's
// groups, asked directly: the list entries and the detail answers.
type sandboxGroups struct {
	list   map[providers.Kind][]*providers.Group
	detail map[providers.Kind]map[string]*providers.Group
}

func (s *simulated) groups() sandboxGroups {
	s.t.Helper()
	out := sandboxGroups{list: map[providers.Kind][]*providers.Group{}, detail: map[providers.Kind]map[string]*providers.Group{}}
	ctx := s.t.Context()
	for _, a := range s.viewer.Accounts {
		p, _ := s.reg.Provider(a.Provider)
		ms, err := p.Memberships(ctx, a)
		if err != nil {
			s.t.Fatal(err)
		}
		var ids []string
		for i := range ms {
			out.list[a.Provider] = append(out.list[a.Provider], &ms[i].Group)
			ids = append(ids, ms[i].Group.ID)
		}
		d, err := p.GroupsByID(ctx, a, ids)
		if err != nil {
			s.t.Fatal(err)
		}
		out.detail[a.Provider] = d
	}
	return out
}

// minimumCalls is the fewest upstream calls a memberships query asking for
// fields of every group needs, by the platforms' tables: one list call per
// platform, and a detail call for each group (or one batch per platform
// with a batch call) whose list entry lacks a field the detail call can
// give and the list call cannot.
func (sg sandboxGroups) minimumCalls(reg *providers.Registry, fields providers.Fields) int {
	n := 0
	for k, gs := range sg.list {
		n++ // the list call
		p, _ := reg.Provider(k)
		caps := p.Capabilities()
		worth := fields & caps.DetailFields &^ caps.ListFields
		need := 0
		for _, g := range gs {
			for f := providers.Field(0); f < 64; f++ {
				if worth.Has(f) && !has(g, f) {
					need++
					break
				}
			}
		}
		switch {
		case need == 0:
		case caps.BatchGroupDetails:
			size := caps.MaxBatch
			if size == 0 {
				size = need
			}
			n += (need + size - 1) / size
		default:
			n += need
		}
	}
	return n
}

func TestThePlatformsTablesSayWhatTheirCallsSupply(t *testing.T) {
	s := newSimulated(t, simulatedOptions{})
	sg := s.groups()
	for _, k := range providers.Kinds {
		p, _ := s.reg.Provider(k)
		caps := p.Capabilities()
		for f := providers.Field(0); providers.AllFields.Has(f); f++ {
			inList, inDetail := false, false
			for _, g := range sg.list[k] {
				inList = inList || has(g, f)
			}
			for _, g := range sg.detail[k] {
				inDetail = inDetail || has(g, f)
			}
			if inList && !caps.ListFields.Has(f) {
				t.Errorf("%s: the list call supplies field %d, which its table does not name", k, f)
			}
			if inDetail && !caps.DetailFields.Has(f) {
				t.Errorf("%s: the detail call supplies field %d, which its table does not name", k, f)
			}
			if caps.DetailOnly().Has(f) && !inDetail {
				t.Errorf("%s: the table says the detail call supplies field %d, and the simulator's answers never carry it", k, f)
			}
		}
	}
}

func TestEveryFieldCombinationCostsTheMinimumUpstreamCalls(t *testing.T) {
	s := newSimulated(t, simulatedOptions{})
	sg := s.groups()
	cases := groupFieldCases(t)
	run := func(t *testing.T, cs ...fieldCase) {
		t.Helper()
		var sel []string
		var fields providers.Fields
		for _, c := range cs {
			sel = append(sel, c.selection)
			if c.field != nil {
				fields |= providers.FieldsOf(*c.field)
			}
		}
		// The default page holds every sandbox membership.
		q := `{ viewer { memberships { totalCount nodes { group { name ` + strings.Join(sel, " ") + ` } } } } }`
		r, n, by := s.post(q, nil)
		r.mustSucceed(t)
		if want := sg.minimumCalls(s.reg, fields); n != want {
			t.Errorf("%s: %d upstream calls, want %d: %v", q, n, want, by)
		}
	}
	for _, c := range cases {
		t.Run(c.name+" alone", func(t *testing.T) { run(t, c) })
	}
	// Pairs of Group's own fields, which every platform's table answers
	// for, and each details field beside a Group field some lists lack:
	// a group needs its detail call when any of its fields does.
	var memberCount fieldCase
	for _, c := range cases {
		if c.name == "memberCount" {
			memberCount = c
		}
	}
	for i, a := range cases {
		if a.field == nil {
			continue // a list field adds nothing to a combination
		}
		if a.kind != "" {
			t.Run(a.name+" with memberCount", func(t *testing.T) { run(t, a, memberCount) })
			continue
		}
		for _, b := range cases[i+1:] {
			if b.field != nil && b.kind == "" {
				t.Run(a.name+" with "+b.name, func(t *testing.T) { run(t, a, b) })
			}
		}
	}
	t.Run("every field at once", func(t *testing.T) { run(t, cases...) })

	// A membership's own fields, and the group's view of the membership,
	// come with the list calls.
	sch := schema()
	for _, f := range sch.Types["Membership"].Fields {
		sel := f.Name
		switch {
		case f.Name == "group":
			sel = "group { viewerCanLeave viewerMembership { id role status viewerCanLeave } }"
		case sch.Types[f.Type.Name()].Kind == ast.Object:
			sel += " " + everyField(sch, f.Type.Name())
		}
		t.Run("Membership."+f.Name, func(t *testing.T) {
			q := `{ viewer { memberships { nodes { ` + sel + ` } } } }`
			r, n, by := s.post(q, nil)
			r.mustSucceed(t)
			if want := sg.minimumCalls(s.reg, 0); n != want {
				t.Errorf("%s: %d upstream calls, want %d: %v", q, n, want, by)
			}
		})
	}
}

func TestEveryFieldAnswersTheSameColdAndWarm(t *testing.T) {
	s := newSimulated(t, simulatedOptions{cache: true})
	q := `{ viewer { memberships { nodes ` + everyField(schema(), "Membership") + ` } } }`
	cold, coldCalls, _ := s.post(q, nil)
	cold.mustSucceed(t)
	warm, warmCalls, by := s.post(q, nil)
	warm.mustSucceed(t)
	if diff := cmp.Diff(decodeAny(t, cold.Data), decodeAny(t, warm.Data)); diff != "" {
		t.Errorf("the warm answer differs from the cold one (-cold +warm):\n%s", diff)
	}
	if warmCalls >= coldCalls {
		t.Errorf("warm: %d upstream calls, cold %d: the shared cache served nothing (%v)", warmCalls, coldCalls, by)
	}

	// A group fetched by id, every field up to details (the membership's
	// fields, after it, are cut off), first with the details cache cold for
	// it, then warm.
	var ids struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct{ Group struct{ ID string } }
			}
		}
	}
	r, _, _ := s.post(`{ viewer { memberships { nodes { group { id } } } } }`, nil)
	r.mustSucceed(t).decode(t, &ids)
	fresh := newSimulated(t, simulatedOptions{cache: true})
	group := strings.Replace(everyField(schema(), "Group"), "viewerMembership", "vm: viewerCanLeave", 1)
	group = group[:strings.Index(group, "vm: viewerCanLeave")] + "}"
	for _, n := range ids.Viewer.Memberships.Nodes {
		q := `query($id: ID!) { node(id: $id) { ... on Group ` + group + ` } }`
		cold, _, _ := fresh.post(q, map[string]any{"id": n.Group.ID})
		warm, _, _ := fresh.post(q, map[string]any{"id": n.Group.ID})
		cold.mustSucceed(t)
		warm.mustSucceed(t)
		if diff := cmp.Diff(decodeAny(t, cold.Data), decodeAny(t, warm.Data)); diff != "" {
			t.Errorf("node(id: %s): the warm answer differs from the cold one (-cold +warm):\n%s", n.Group.ID, diff)
		}
	}
}

func TestAGroupRefetchedByIDAgreesWithTheList(t *testing.T) {
	s := newSimulated(t, simulatedOptions{})
	group := everyField(schema(), "Group")
	var ids struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct{ Group struct{ ID string } }
			}
		}
	}
	r, _, _ := s.post(`{ viewer { memberships { nodes { group { id } } } } }`, nil)
	r.mustSucceed(t).decode(t, &ids)
	for _, n := range ids.Viewer.Memberships.Nodes {
		id := n.Group.ID
		t.Run(id, func(t *testing.T) {
			q := `query($id: ID!) { viewer { memberships { nodes { group ` + group + ` } } } node(id: $id) { ... on Group ` + group + ` } }`
			r, _, _ := s.post(q, map[string]any{"id": id})
			r.mustSucceed(t)
			var d struct {
				Viewer struct {
					Memberships struct {
						Nodes []struct{ Group map[string]any }
					}
				}
				Node map[string]any
			}
			r.decode(t, &d)
			for _, m := range d.Viewer.Memberships.Nodes {
				if m.Group["id"] == id {
					if diff := cmp.Diff(m.Group, d.Node); diff != "" {
						t.Errorf("node(id:) differs from the list (-list +node):\n%s", diff)
					}
					return
				}
			}
			t.Fatalf("group %s is not in the list", id)
		})
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDetailCallsAreMadeOnlyWhereADetailCallCanAnswer(t *testing.T) {
	s := newSimulated(t, simulatedOptions{})
	for _, c := range []struct {
		fields string
		want   int
		why    string
	}{
		{"name memberCount", 8, "the four list calls and Akana's four groups: PageSeeder keeps no member count"},
		{"name poolCount ageRestricted", 4, "the four list calls: Flickr's list has both, no other detail call carries them"},
	} {
		t.Run(c.fields, func(t *testing.T) {
			r, n, by := s.post(`{ viewer { memberships { nodes { group { `+c.fields+` } } } } }`, nil)
			r.mustSucceed(t)
			if n != c.want {
				t.Errorf("%d upstream calls, want %d (%s): %v", n, c.want, c.why, by)
			}
		})
	}
}
