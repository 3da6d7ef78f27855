package flickr_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/flickr"
)

func fixture(t *testing.T, name string) reply {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return reply{200, "text/javascript; charset=utf-8", string(b)}
}

func p[T any](v T) *T { return &v }

func listedGroup(id, name string, farm int, server string, members, pool int, d *providers.FlickrDetails) providers.Group {
	icon := flickr.DefaultIconURL
	if server != "0" && server != "" {
		icon = "https://farm" + itoa(farm) + ".staticflickr.com/" + server + "/buddyicons/" + id + ".jpg"
	}
	return providers.Group{
		Provider: providers.Flickr, ID: id, Name: name,
		URL: p("https://www.flickr.com/groups/" + id + "/"), IconURL: p(icon),
		MemberCount: p(members), PoolCount: p(pool), JoinPolicy: providers.JoinOpen,
		AgeRestricted: p(false), Details: d,
	}
}

func TestMembershipsDecodeTheSeedDocument(t *testing.T) {
	c := fakeFlickr(t, map[string]reply{"flickr.people.getGroups": fixture(t, "getGroups_seed.json")})
	got, err := c.Memberships(t.Context(), fakeAccount)
	if err != nil {
		t.Fatal(err)
	}
	seedDetails := &providers.FlickrDetails{Admin: p(false), EighteenPlus: p(false), InvitationOnly: p(false), IconFarm: p(1), IconServer: "1"}
	member := func(g providers.Group) providers.Membership {
		return providers.Membership{Provider: providers.Flickr, UserID: fakeAccount.UserID, Group: g,
			Role: providers.RoleMember, ProviderRole: "member", Status: providers.StatusActive, Leavable: true}
	}
	want := []providers.Membership{
		member(listedGroup("17274427@N00", "Cream of the Crop - Please read the rules", 1, "1", 11935, 12522, seedDetails)),
		member(listedGroup("20083316@N00", "Apple", 1, "1", 11776, 62438, seedDetails)),
		member(listedGroup("34427469792@N01", "FlickrCentral", 1, "1", 168055, 5280930, seedDetails)),
		member(listedGroup("37718678610@N01", "Typography and Lettering", 1, "1", 17318, 130169, seedDetails)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Memberships (-want +got):\n%s", diff)
	}
}

// The recorded fixture mixes numbers and strings in one field, wraps privacy
// in _content, sends "" for a zero admin flag and a throttle with only a
// mode.
func TestMembershipsTolerateFlickrsLooseTypes(t *testing.T) {
	c := fakeFlickr(t, map[string]reply{"flickr.people.getGroups": fixture(t, "getGroups_extras.json")})
	got, err := c.Memberships(t.Context(), fakeAccount)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d memberships, want 3", len(got))
	}
	night := listedGroup("11947580@N00", "Night Images", 6, "5491", 126776, 965541, &providers.FlickrDetails{
		Privacy: p(3), Admin: p(false), EighteenPlus: p(false), InvitationOnly: p(false), IconFarm: p(6), IconServer: "5491",
		Throttle: &providers.FlickrThrottle{Count: p(1), Mode: "day"},
		Restrictions: &providers.FlickrRestrictions{PhotosOK: p(true), VideosOK: p(true), ImagesOK: p(true), ScreensOK: p(false),
			ArtOK: p(false), SafeOK: p(true), ModerateOK: p(false), RestrictedOK: p(false), HasGeo: p(false)},
	})
	night.Visibility = providers.VisibilityPublic
	if diff := cmp.Diff(night, got[0].Group); diff != "" {
		t.Errorf("Night Images (-want +got):\n%s", diff)
	}
	if got[1].Role != providers.RoleMember || *got[1].Group.IconURL != "https://farm1.staticflickr.com/1/buddyicons/35468133433@N01.jpg" {
		t.Errorf(`"admin": "" and "iconserver": 1 gave role %s, icon %s`, got[1].Role, *got[1].Group.IconURL)
	}
	inv := got[2]
	if inv.Role != providers.RoleAdmin || inv.ProviderRole != "admin" || inv.Group.Visibility != providers.VisibilityRestricted ||
		inv.Group.JoinPolicy != providers.JoinInvitationOnly || *inv.Group.MemberCount != 1 {
		t.Errorf("invitation-only group = role %s/%s visibility %s join %s members %d", inv.Role, inv.ProviderRole,
			inv.Group.Visibility, inv.Group.JoinPolicy, *inv.Group.MemberCount)
	}
}

func TestMembershipsAcceptABareObjectForAListOfOne(t *testing.T) {
	c := fakeFlickr(t, map[string]reply{"flickr.people.getGroups": fixture(t, "getGroups_single.json")})
	got, err := c.Memberships(t.Context(), fakeAccount)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d memberships, want 1", len(got))
	}
	g := got[0].Group
	// "members": "" is no count at all, and privacy 1 is a private group,
	// which only invited people join whatever invitation_only says.
	if *g.IconURL != flickr.DefaultIconURL || g.MemberCount != nil || g.PoolCount != nil || g.Visibility != providers.VisibilityPrivate ||
		g.JoinPolicy != providers.JoinInvitationOnly || !*g.AgeRestricted {
		t.Errorf("group = icon %s members %v pool %v visibility %s join %s adult %v", *g.IconURL, g.MemberCount, g.PoolCount, g.Visibility, g.JoinPolicy, *g.AgeRestricted)
	}
}

func TestGroupsByIDDecodesEveryGetInfoField(t *testing.T) {
	c := fakeFlickr(t, map[string]reply{"flickr.groups.getInfo": fixture(t, "getInfo.json")})
	got, err := c.GroupsByID(t.Context(), fakeAccount, []string{"67877485@N00"})
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2020, 4, 4, 8, 23, 27, 0, time.UTC)
	want := &providers.Group{
		Provider: providers.Flickr, ID: "67877485@N00", Name: "SF Bay Area Shooters (sfbas)", Complete: true,
		Description: p("Photographers of the bay."),
		URL:         p("https://www.flickr.com/groups/67877485@N00/"),
		IconURL:     p("https://farm1.staticflickr.com/52/buddyicons/67877485@N00.jpg"),
		MemberCount: p(4409), TopicCount: p(848), PoolCount: p(145199),
		Visibility: providers.VisibilityPublic, JoinPolicy: providers.JoinOpen, AgeRestricted: p(false),
		CreatedAt: &created, OwnerID: p(fakeAccount.UserID),
		Details: &providers.FlickrDetails{
			Privacy: p(3), Admin: p(false), EighteenPlus: p(false), InvitationOnly: p(false), PoolModerated: p(false),
			IconFarm: p(1), IconServer: "52", PathAlias: "sfbas", Rules: p(""),
			Throttle: &providers.FlickrThrottle{Count: p(5), Mode: "day", Remaining: p(4)},
			Restrictions: &providers.FlickrRestrictions{PhotosOK: p(true), VideosOK: p(true), ImagesOK: p(true), ScreensOK: p(false),
				ArtOK: p(false), VirtualOK: p(false), SafeOK: p(true), ModerateOK: p(true), RestrictedOK: p(true), HasGeo: p(false)},
			Roles:          &providers.FlickrRoles{Member: "Member", Moderator: "Moderator", Admin: "Administrator"},
			ViewerIsMember: p(true), ViewerIsModerator: p(false), ViewerIsAdmin: p(false),
		},
	}
	if diff := cmp.Diff(map[string]*providers.Group{"67877485@N00": want}, got); diff != "" {
		t.Errorf("GroupsByID (-want +got):\n%s", diff)
	}
}

func TestAJSONPWrappedResponseIsAccepted(t *testing.T) {
	c := fakeFlickr(t, map[string]reply{"flickr.test.login": fixture(t, "testLogin_jsonp.txt")})
	u, err := c.Whoami(t.Context(), fakeAccount)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "12037949754@N01" || u.Username != "Bees" {
		t.Errorf("Whoami = %+v", u)
	}
}

// Flickr entity-encodes names and sends descriptions as HTML; the domain
// holds the text a person reads, in the list and in a refetch alike.
func TestEntityEncodedTextIsDecoded(t *testing.T) {
	const name = `Reykjav\u00edk \u2603 &amp; friends`
	c := fakeFlickr(t, map[string]reply{
		"flickr.people.getGroups": {200, "application/json", `{"groups":{"group":[{"nsid":"1@N01","name":"` + name + `","members":"3"}]},"stat":"ok"}`},
		"flickr.groups.getInfo": {200, "application/json", `{"group":{"id":"1@N01","name":{"_content":"` + name + `"},` +
			`"description":{"_content":"<b>Hot<\/b> springs &amp; <a href=\"https:\/\/x.example\/\">ice<\/a><br \/>Come &lt;now&gt;"},` +
			`"rules":{"_content":"No &quot;selfies&quot;"},"roles":{"member":"Vinur &amp; vinkona"}},"stat":"ok"}`},
	})
	ms, err := c.Memberships(t.Context(), fakeAccount)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Memberships = %v, %v", ms, err)
	}
	if got, want := ms[0].Group.Name, "Reykjavík ☃ & friends"; got != want {
		t.Errorf("listed name %q, want %q", got, want)
	}
	gs, err := c.GroupsByID(t.Context(), fakeAccount, []string{"1@N01"})
	if err != nil || gs["1@N01"] == nil {
		t.Fatalf("GroupsByID = %v, %v", gs, err)
	}
	g := gs["1@N01"]
	d := g.Details.(*providers.FlickrDetails)
	got := []string{g.Name, *g.Description, *d.Rules, d.Roles.Member}
	want := []string{"Reykjavík ☃ & friends", "Hot springs & ice\nCome <now>", `No "selfies"`, "Vinur & vinkona"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refetched text (-want +got):\n%s", diff)
	}
}
