package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
)

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
