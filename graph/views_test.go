package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
)

// Every resolver that returns groups settles their data before their fields
// resolve. These queries reach a group by every path the schema has, asking
// for fields the list representations lack, and expect those fields filled
// in: a path the selection analysis missed would answer INTERNAL instead.
func TestEveryPathToAGroupServesItsDetails(t *testing.T) {
	f := newFixture(t, 0)
	var ids struct {
		Viewer struct {
			Memberships struct{ Nodes []struct{ ID string } }
		}
	}
	f.post(`{ viewer { memberships(first: 1, filter: {providers: [FLICKR]}) { nodes { id } } } }`, nil).mustSucceed(t).decode(t, &ids)
	membershipID := ids.Viewer.Memberships.Nodes[0].ID
	appleID := groupNodeID(t, f, providers.Flickr, "flickr-1")

	cases := []struct {
		name, query string
		vars        map[string]any
		want        string // JSON the data must equal
	}{
		{
			"a membership's group, through nodes and through edges",
			`{ viewer { memberships(first: 1, filter: {providers: [FLICKR]}) {
			  nodes { group { description memberCount details { ... on FlickrGroupDetails { privacy } } } }
			  edges { node { group { url: description } } } } } }`,
			nil,
			`{"viewer":{"memberships":{"nodes":[{"group":{"description":"About Apple","memberCount":10,"details":{"privacy":3}}}],
			  "edges":[{"node":{"group":{"url":"About Apple"}}}]}}}`,
		},
		{
			"the group of a group's viewerMembership",
			`{ viewer { memberships(first: 1, filter: {providers: [FLICKR]}) { nodes { group { viewerCanLeave viewerMembership { role group { memberCount } } } } } } }`,
			nil,
			`{"viewer":{"memberships":{"nodes":[{"group":{"viewerCanLeave":true,"viewerMembership":{"role":"MEMBER","group":{"memberCount":10}}}}]}}}`,
		},
		{
			"a visible group, which the viewer is not a member of",
			`{ viewer { visibleGroups(first: 1, providers: [FLICKR]) { nodes { name viewerCanLeave viewerMembership { id } } } } }`,
			nil,
			`{"viewer":{"visibleGroups":{"nodes":[{"name":"Other flickr","viewerCanLeave":false,"viewerMembership":null}]}}}`,
		},
		{
			"a membership fetched by node",
			`query($id: ID!) { node(id: $id) { ... on Membership { group { description viewerCanLeave } } } }`,
			map[string]any{"id": membershipID},
			`{"node":{"group":{"description":"About Apple","viewerCanLeave":true}}}`,
		},
		{
			"a group fetched by node through a Node fragment",
			`query($id: ID!) { node(id: $id) { ... on Node { ... on Group { memberCount viewerMembership { role } } } } }`,
			map[string]any{"id": appleID},
			`{"node":{"memberCount":10,"viewerMembership":{"role":"MEMBER"}}}`,
		},
		{
			"a group fetched by nodes",
			`query($id: ID!) { nodes(ids: [$id, $id]) { ... on Group { description viewerCanLeave } } }`,
			map[string]any{"id": appleID},
			`{"nodes":[{"description":"About Apple","viewerCanLeave":true},{"description":"About Apple","viewerCanLeave":true}]}`,
		},
		{
			"the groups of a leave's payload",
			`mutation($id: ID!) { leaveGroup(input: {groupId: $id}) {
			  group { memberCount viewerCanLeave } membership { status group { description } } } }`,
			map[string]any{"id": appleID},
			`{"leaveGroup":{"group":{"memberCount":1,"viewerCanLeave":false},"membership":{"status":"REMOVED","group":{"description":"About Apple"}}}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(tc.query, tc.vars).mustSucceed(t)
			var got, want any
			if err := json.Unmarshal(r.Data, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("data = %s\nwant   %s", gb, wb)
			}
		})
	}
}

func TestUsersAnswerWhatIsKnownAndNullOtherwise(t *testing.T) {
	f := newFixture(t, 0)
	var d struct {
		Viewer struct {
			Memberships struct {
				Nodes []struct {
					User struct {
						ID, Provider, ProviderID   string
						Name, Username, ProfileURL *string
					}
				}
			}
		}
	}
	f.post(`{ viewer { memberships(first: 1, filter: {providers: [FLICKR]}) { nodes {
	  user { id provider providerId name username profileUrl } } } } }`, nil).mustSucceed(t).decode(t, &d)
	u := d.Viewer.Memberships.Nodes[0].User
	if u.ID != base64URL("gg1:flickr:User:me-flickr") || u.Provider != "FLICKR" || u.ProviderID != "me-flickr" {
		t.Errorf("user = %+v, want the viewer's Flickr user", u)
	}
	if u.Name == nil || *u.Name != "Alice" || u.Username != nil || u.ProfileURL != nil {
		t.Errorf("user = %+v, want the linked account's name and nothing unknown", u)
	}
}
