package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// reshaped is a Memory provider whose membership list is edited on the way
// out, to serve what a real platform's list call returns (no join dates on
// Upcoming, say).
type reshaped struct {
	*providertest.Memory
	edit func(*providers.Membership)
}

func (p reshaped) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	ms, err := p.Memory.Memberships(ctx, acct)
	for i := range ms {
		p.edit(&ms[i])
	}
	return ms, err
}

// editMemberships rebuilds the fixture's server with platform k's
// memberships passed through edit.
func (f *fixture) editMemberships(k providers.Kind, edit func(*providers.Membership)) {
	f.t.Helper()
	var ps []providers.Provider
	for _, kind := range []providers.Kind{providers.Flickr, providers.Upcoming, providers.PageSeeder} {
		var p providers.Provider = f.mem[kind]
		if kind == k {
			p = reshaped{f.mem[kind], edit}
		}
		ps = append(ps, p)
	}
	f.registry = providers.NewRegistry(ps...)
	h := graph.NewHandler(graph.HandlerConfig{Registry: f.registry, Introspection: true, MaxBodyBytes: 4096})
	f.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: f.viewer}), h)
}

func TestMembershipsWithoutADateComeLastInBothDirections(t *testing.T) {
	f := newFixture(t, 0)
	f.editMemberships(providers.Upcoming, func(m *providers.Membership) { m.JoinedAt = nil })
	for _, dir := range []string{"ASC", "DESC"} {
		t.Run(dir, func(t *testing.T) {
			var ids []string
			var after *string
			for page := 0; page < 10; page++ {
				var d membershipsData
				f.post(`query($after: String) { viewer { memberships(first: 3, after: $after, orderBy: {field: JOINED_AT, direction: `+dir+`}) {
				  pageInfo { hasNextPage endCursor } edges { node { provider } } } } }`, map[string]any{"after": after}).mustSucceed(t).decode(t, &d)
				for _, e := range d.Viewer.Memberships.Edges {
					ids = append(ids, e.Node.Provider)
				}
				if !d.Viewer.Memberships.PageInfo.HasNextPage {
					break
				}
				after = d.Viewer.Memberships.PageInfo.EndCursor
			}
			got := strings.Join(ids, ",")
			if len(ids) != 10 || !strings.HasSuffix(got, "UPCOMING,UPCOMING,UPCOMING") || strings.Count(got, "UPCOMING") != 3 {
				t.Fatalf("JOINED_AT %s gave %s; want the 3 undated Upcoming memberships last", dir, got)
			}
		})
	}
}

func TestACursorFromAnotherConnectionIsRefused(t *testing.T) {
	f := newFixture(t, 0)
	var m membershipsData
	f.post(`{ viewer { memberships(first: 1) { edges { cursor } } } }`, nil).mustSucceed(t).decode(t, &m)
	var g struct {
		Viewer struct {
			VisibleGroups struct{ Edges []struct{ Cursor string } }
		}
	}
	f.post(`{ viewer { visibleGroups(first: 1) { edges { cursor } } } }`, nil).mustSucceed(t).decode(t, &g)
	cases := map[string]string{
		"a visibleGroups cursor in memberships": `memberships(first: 3, after: "` + g.Viewer.VisibleGroups.Edges[0].Cursor + `")`,
		"a memberships cursor in visibleGroups": `visibleGroups(first: 3, after: "` + m.Viewer.Memberships.Edges[0].Cursor + `")`,
	}
	for name, field := range cases {
		t.Run(name, func(t *testing.T) {
			r := f.post(`{ viewer { `+field+` { totalCount } } }`, nil)
			if len(r.Errors) != 1 || r.code(0) != "BAD_USER_INPUT" {
				t.Fatalf("data %s, errors %+v; want one BAD_USER_INPUT, not a page placed by another list's item", r.Data, r.Errors)
			}
		})
	}
}
