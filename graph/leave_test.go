package graph_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

// laggingList is a platform whose list call goes on naming the groups the
// viewer left for a while, as real platforms' listings do.
type laggingList struct {
	providers.Provider
	mu    sync.Mutex
	first []providers.Membership
}

func (p *laggingList) Memberships(ctx context.Context, a providers.Account) ([]providers.Membership, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.first == nil {
		ms, err := p.Provider.Memberships(ctx, a)
		if err != nil {
			return nil, err
		}
		p.first = ms
	}
	return p.first, nil
}

func TestALeavesPayloadShowsNoMembershipOfTheViewer(t *testing.T) {
	f := newFixtureWrapped(t, 0, 0, func(p providers.Provider) providers.Provider { return &laggingList{Provider: p} })
	// The listing is taken before the leave and served after it.
	f.post(`{ viewer { memberships { totalCount } } }`, nil).mustSucceed(t)
	r := f.post(`mutation($id: ID!) { leaveGroup(input: {groupId: $id}) {
	  membership { status viewerCanLeave group { viewerCanLeave viewerMembership { status } } }
	  group { viewerCanLeave viewerMembership { status } } } }`,
		map[string]any{"id": encodeRaw("gg1:flickr:Group:flickr-1")}).mustSucceed(t)
	want := `{"leaveGroup":{"membership":{"status":"REMOVED","viewerCanLeave":false,"group":{"viewerCanLeave":false,"viewerMembership":null}},` +
		`"group":{"viewerCanLeave":false,"viewerMembership":null}}}`
	if got := string(r.Data); got != want {
		t.Errorf("data = %s\nwant   %s", got, want)
	}
}

func TestALeaveCostsTheFewestUpstreamCalls(t *testing.T) {
	s := newSimulated(t, simulatedOptions{cache: true})
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct {
					ViewerCanLeave bool
					Group          struct{ ID, Provider string }
				}
			}
		}
	}
	r, _, _ := s.post(`{ viewer { memberships { nodes { viewerCanLeave group { id provider } } } } }`, nil)
	r.mustSucceed(t).decode(t, &d)
	// The fewest calls a leave whose payload asks for the group after it
	// needs: Upcoming's group.getInfo before (the role and privacy of the
	// ended membership), group.leave, and group.getInfo after (was the
	// group deleted?), which is also the payload's group; Flickr's signed
	// groups.getInfo before (its leave answer is empty), groups.leave, and
	// groups.getInfo for the group after.
	want := map[string]map[string]int{
		"UPCOMING": {"group.getInfo": 2, "group.leave": 1},
		"FLICKR":   {"flickr.groups.getInfo": 2, "flickr.groups.leave": 1},
	}
	left := map[string]bool{}
	for _, n := range d.Viewer.Memberships.Nodes {
		p := n.Group.Provider
		if want[p] == nil || left[p] || !n.ViewerCanLeave {
			continue
		}
		left[p] = true
		t.Run(p, func(t *testing.T) {
			r, _, by := s.post(`mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { groupDeleted
			  membership { status group { name } } group { memberCount viewerMembership { status } viewerCanLeave } errors { code } } }`,
				map[string]any{"id": n.Group.ID})
			r.mustSucceed(t)
			for k, calls := range by {
				if string(k) != strings.ToLower(p) && len(calls) > 0 {
					t.Errorf("the leave called %s: %v", k, calls)
				}
			}
			if diff := cmp.Diff(want[p], by[providers.Kind(strings.ToLower(p))]); diff != "" {
				t.Errorf("upstream calls (-want +got):\n%s", diff)
			}
		})
	}
	if len(left) != len(want) {
		t.Fatalf("left groups on %v, want one on each of %v", left, want)
	}
}

func TestOneNodeSelectionAsksBothViewerCanLeaveFields(t *testing.T) {
	f := newFixture(t, 0)
	q := `query($g: ID!, $m: ID!) { a: node(id: $g) { ...canLeave } b: node(id: $m) { ...canLeave } }
	fragment canLeave on Node { ... on Group { viewerCanLeave } ... on Membership { viewerCanLeave } }`
	var ids struct {
		Viewer struct {
			Memberships struct{ Nodes []struct{ ID string } }
		}
	}
	f.post(`{ viewer { memberships(first: 1, filter: {providers: [FLICKR]}) { nodes { id } } } }`, nil).mustSucceed(t).decode(t, &ids)
	r := f.post(q, map[string]any{"g": encodeRaw("gg1:flickr:Group:flickr-1"), "m": ids.Viewer.Memberships.Nodes[0].ID}).mustSucceed(t)
	if want := `{"a":{"viewerCanLeave":true},"b":{"viewerCanLeave":true}}`; string(r.Data) != want {
		t.Errorf("data = %s, want %s", r.Data, want)
	}
}
