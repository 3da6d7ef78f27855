package e2e

import (
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/resilience"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/flickr/flickrtest"
)

const flickrMembershipsQuery = `{ viewer { memberships(first: 100, filter: {providers: [FLICKR]}) { totalCount nodes {
  id role providerRole status viewerCanLeave
  group { id providerId name iconUrl memberCount poolCount visibility joinPolicy ageRestricted url
    details { __typename ... on FlickrGroupDetails { privacy admin eighteenPlus invitationOnly iconFarm iconServer
      throttle { count mode } restrictions { photosOk videosOk } } } } } } } }`

// flickrSandbox is the Flickr simulator with its sandbox seed data, a client
// of it, and the sandbox user's account.
func flickrSandbox(t *testing.T) (*flickrtest.Simulator, *flickr.Client, providers.Account) {
	t.Helper()
	sim := flickrtest.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	acct := sim.SeedSandbox()
	client, err := flickr.New(flickr.Config{
		BaseURL: srv.URL + "/services/rest", OAuthURL: srv.URL + "/services/oauth",
		ConsumerKey: flickrtest.SandboxConsumerKey, ConsumerSecret: flickrtest.SandboxConsumerSecret, HTTPClient: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sim, client, acct
}

func TestFlickrEndToEnd(t *testing.T) {
	sim, client, acct := flickrSandbox(t)
	viewers := map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}}
	e := newE2E(t, []providers.Provider{client}, viewers)

	// The seed document's four groups, as flickr.people.getGroups shows them.
	seed := map[string]struct {
		name          string
		members, pool int
	}{
		"17274427@N00":    {"Cream of the Crop - Please read the rules", 11935, 12522},
		"20083316@N00":    {"Apple", 11776, 62438},
		"34427469792@N01": {"FlickrCentral", 168055, 5280930},
		"37718678610@N01": {"Typography and Lettering", 17318, 130169},
	}

	t.Run("memberships include the seed's four groups with every list field", func(t *testing.T) {
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", flickrMembershipsQuery, nil, &d, false)
		got := byProviderID(d.Viewer.Memberships.Nodes)
		for nsid, want := range seed {
			m, ok := got[nsid]
			if !ok {
				t.Errorf("seed group %s missing", nsid)
				continue
			}
			g := m.Group
			if g.Name != want.name || g.MemberCount == nil || *g.MemberCount != want.members || g.PoolCount == nil || *g.PoolCount != want.pool {
				t.Errorf("%s = %q members %v pool %v; want %q %d %d", nsid, g.Name, g.MemberCount, g.PoolCount, want.name, want.members, want.pool)
			}
			if g.IconURL == nil || *g.IconURL != "https://farm1.staticflickr.com/1/buddyicons/"+nsid+".jpg" {
				t.Errorf("%s iconUrl = %v, want the buddyicon built from iconfarm 1, iconserver 1", nsid, g.IconURL)
			}
			if m.Role != "MEMBER" || *m.ProviderRole == "" || !m.ViewerCanLeave {
				t.Errorf("%s role %s/%v canLeave %v, want MEMBER (admin=0), leavable", nsid, m.Role, m.ProviderRole, m.ViewerCanLeave)
			}
			if g.AgeRestricted == nil || *g.AgeRestricted || g.JoinPolicy == nil || *g.JoinPolicy != "OPEN" {
				t.Errorf("%s ageRestricted %v joinPolicy %v, want false (eighteenplus=0) and OPEN (invitation_only=0)", nsid, g.AgeRestricted, g.JoinPolicy)
			}
			det := g.Details
			if det["__typename"] != "FlickrGroupDetails" || det["admin"] != false || det["eighteenPlus"] != false || det["invitationOnly"] != false ||
				det["iconFarm"] != float64(1) || det["iconServer"] != "1" || det["privacy"] == nil || det["throttle"] == nil || det["restrictions"] == nil {
				t.Errorf("%s details = %v, want the list call's flags, icon location and extras", nsid, det)
			}
		}
	})

	t.Run("details come from groups.getInfo only when asked", func(t *testing.T) {
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100, filter: {providers: [FLICKR]}) { nodes { group { providerId description topicCount createdAt
		  details { ... on FlickrGroupDetails { rules lang roles { admin } throttle { remaining } viewerIsMember } } } } } } }`, nil, &d, false)
		for _, m := range d.Viewer.Memberships.Nodes {
			if _, isSeed := seed[m.Group.ProviderID]; !isSeed {
				continue
			}
			if m.Group.Description == nil || *m.Group.Description == "" || m.Group.TopicCount == nil || m.Group.CreatedAt == nil {
				t.Errorf("%s: description %v topics %v created %v, want getInfo's values", m.Group.ProviderID, m.Group.Description, m.Group.TopicCount, m.Group.CreatedAt)
			}
			if m.Group.Details["rules"] == nil || m.Group.Details["viewerIsMember"] != true || m.Group.Details["roles"] == nil {
				t.Errorf("%s: details %v, want rules, roles and the caller's is_member", m.Group.ProviderID, m.Group.Details)
			}
		}
	})

	t.Run("the last member leaving deletes the group", func(t *testing.T) {
		var d struct {
			LeaveGroup struct {
				GroupDeleted bool
				Group        *struct{ Name string }
				Membership   *struct{ Status string }
				Errors       []struct{ Code string }
			}
		}
		e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { groupDeleted group { name } membership { status } errors { code } } }`,
			map[string]any{"id": globalGroupID(providers.Flickr, flickrtest.SandboxSoleMemberGroup)}, &d, false)
		if !d.LeaveGroup.GroupDeleted || d.LeaveGroup.Group != nil || d.LeaveGroup.Membership == nil || len(d.LeaveGroup.Errors) != 0 {
			t.Fatalf("payload = %+v, want groupDeleted, group null, the ended membership", d.LeaveGroup)
		}
		if _, exists := sim.Group(flickrtest.SandboxSoleMemberGroup); exists {
			t.Error("the simulator still has the group")
		}
	})

	t.Run("the last admin leaving promotes the oldest member, visible to them in the next query", func(t *testing.T) {
		group := flickrtest.SandboxLastAdminGroup
		members := sim.Members(group)
		var oldest flickrtest.Member
		for _, m := range members {
			if m.UserID != acct.UserID && (oldest.UserID == "" || m.Joined.Before(oldest.Joined)) {
				oldest = m
			}
		}
		if oldest.UserID == "" || oldest.Role == flickrtest.RoleAdmin {
			t.Fatalf("fixture: want another non-admin member in %s, have %+v", group, members)
		}
		var d struct {
			LeaveGroup struct{ Errors []struct{ Code string } }
		}
		e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { errors { code } } }`,
			map[string]any{"id": globalGroupID(providers.Flickr, group)}, &d, false)
		if len(d.LeaveGroup.Errors) != 0 {
			t.Fatalf("leave refused: %+v", d.LeaveGroup.Errors)
		}
		// The promoted member signs in with a token of their own.
		sim.AddToken(flickrtest.Token{Token: "promoted-token", Secret: "promoted-secret", ConsumerKey: flickrtest.SandboxConsumerKey, UserID: oldest.UserID, Perms: flickrtest.PermRead})
		other := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok2": {Name: "oldest", Accounts: []providers.Account{{
			Provider: providers.Flickr, UserID: oldest.UserID, Credentials: providers.Credentials{Token: "promoted-token", Secret: "promoted-secret"},
		}}}})
		var after struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		other.do("tok2", `{ viewer { memberships(first: 100) { nodes { role group { providerId } } } } }`, nil, &after, false)
		m, ok := byProviderID(after.Viewer.Memberships.Nodes)[group]
		if !ok || m.Role != "ADMIN" {
			t.Fatalf("the oldest member's membership of %s = %+v, want ADMIN", group, m)
		}
		var mine struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100) { nodes { group { providerId } } } } }`, nil, &mine, false)
		if slices.ContainsFunc(mine.Viewer.Memberships.Nodes, func(n membershipNode) bool { return n.Group.ProviderID == group }) {
			t.Error("the group is still among the leaver's memberships")
		}
	})
}

// The error codes of the seed pages (flickr.people.getGroups and
// flickr.groups.leave) each reach GraphQL with the code the README documents
// and Flickr's own number in extensions.providerCode.
func TestFlickrSeedErrorCodesReachGraphQL(t *testing.T) {
	sim, client, acct := flickrSandbox(t)
	e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})

	list := map[int]string{
		1: "NOT_FOUND", 95: "INTERNAL", 96: "PROVIDER_AUTH_FAILED", 97: "PROVIDER_AUTH_FAILED", 98: "PROVIDER_AUTH_FAILED",
		99: "FORBIDDEN", 100: "PROVIDER_AUTH_FAILED", 105: "PROVIDER_UNAVAILABLE", 106: "PROVIDER_UNAVAILABLE",
		111: "INTERNAL", 112: "INTERNAL", 114: "INTERNAL", 115: "INTERNAL", 116: "INTERNAL",
	}
	for flickrCode, want := range list {
		t.Run("people.getGroups "+strconv.Itoa(flickrCode)+" is "+want, func(t *testing.T) {
			sim.FailNext("flickr.people.getGroups", flickrCode)
			r := e.do("tok", `{ viewer { memberships(first: 1) { totalCount incompleteProviders } } }`, nil, nil, true)
			if len(r.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", r.Errors)
			}
			ext := r.Errors[0].Extensions
			if ext["code"] != want || ext["provider"] != "FLICKR" || ext["providerCode"] != strconv.Itoa(flickrCode) ||
				fmt.Sprint(r.Errors[0].Path) != "[viewer memberships]" {
				t.Errorf("error = %+v, want %s from FLICKR with providerCode %d at [viewer memberships]", r.Errors[0], want, flickrCode)
			}
		})
	}

	// groups.leave: the expected refusals are payload errors, the platform's
	// failures GraphQL errors.
	leave := map[int]string{1: "GROUP_NOT_FOUND", 2: "GROUP_NOT_FOUND", 3: "NOT_A_MEMBER", 99: "NOT_PERMITTED"}
	for flickrCode, want := range leave {
		t.Run("groups.leave "+strconv.Itoa(flickrCode)+" is "+want, func(t *testing.T) {
			sim.FailNext("flickr.groups.leave", flickrCode)
			var d struct {
				LeaveGroup struct {
					Membership *struct{ Status string }
					Errors     []struct{ Code string }
				}
			}
			e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { membership { status } errors { code } } }`,
				map[string]any{"id": globalGroupID(providers.Flickr, "17274427@N00")}, &d, false)
			if len(d.LeaveGroup.Errors) != 1 || d.LeaveGroup.Errors[0].Code != want || d.LeaveGroup.Membership != nil {
				t.Errorf("payload = %+v, want only the error %s", d.LeaveGroup, want)
			}
		})
	}
	for _, flickrCode := range []int{105, 106} {
		t.Run("groups.leave "+strconv.Itoa(flickrCode)+" is PROVIDER_UNAVAILABLE", func(t *testing.T) {
			sim.FailNext("flickr.groups.leave", flickrCode)
			r := e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { errors { code } } }`,
				map[string]any{"id": globalGroupID(providers.Flickr, "17274427@N00")}, nil, true)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "PROVIDER_UNAVAILABLE" || r.Errors[0].Extensions["providerCode"] != strconv.Itoa(flickrCode) {
				t.Errorf("errors = %+v, want PROVIDER_UNAVAILABLE with providerCode %d", r.Errors, flickrCode)
			}
		})
	}
	if _, ok := sim.Group("17274427@N00"); !ok || !slices.ContainsFunc(sim.Members("17274427@N00"), func(m flickrtest.Member) bool { return m.UserID == acct.UserID }) {
		t.Error("a refused or failed leave removed the member")
	}
}

// The list call's admin flag describes the caller, so it must not come from
// details another request left in the shared cache, which carry none of the
// caller's flags: a group's administrator stays an administrator however
// the group was loaded.
func TestFlickrAdminFlagSurvivesTheSharedCache(t *testing.T) {
	_, client, acct := flickrSandbox(t)
	cached := resilience.Wrap(client, resilience.Options{Cache: resilience.NewMemoryCache(100, time.Minute)})
	e := newE2E(t, []providers.Provider{cached}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})
	q := `{ admin: group(provider: FLICKR, providerId: "` + flickrtest.SandboxLastAdminGroup + `") { details { ... on FlickrGroupDetails { admin viewerIsAdmin } } }
	  member: group(provider: FLICKR, providerId: "17274427@N00") { details { ... on FlickrGroupDetails { admin viewerIsAdmin } } } }`
	for _, round := range []string{"first, from groups.getInfo", "again, from the shared cache"} {
		var d struct {
			Admin, Member struct {
				Details struct{ Admin, ViewerIsAdmin bool }
			}
		}
		e.do("tok", q, nil, &d, false)
		if !d.Admin.Details.Admin || !d.Admin.Details.ViewerIsAdmin {
			t.Errorf("%s: the administrator's group has admin %v, viewerIsAdmin %v; want true, true", round, d.Admin.Details.Admin, d.Admin.Details.ViewerIsAdmin)
		}
		if d.Member.Details.Admin || d.Member.Details.ViewerIsAdmin {
			t.Errorf("%s: a plain member's group has admin %v, viewerIsAdmin %v; want false, false", round, d.Member.Details.Admin, d.Member.Details.ViewerIsAdmin)
		}
	}
}
