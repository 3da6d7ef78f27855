package graph_test

import (
	"context"
	"sync"
	"testing"

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
