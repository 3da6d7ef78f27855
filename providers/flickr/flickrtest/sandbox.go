package flickrtest

import (
	_ "embed"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// The sandbox's fixed identities. They are not secrets: they only open the
// simulator.
const (
	// SandboxConsumerKey and SandboxConsumerSecret are the application
	// credentials SeedSandbox registers; configure the client with them.
	SandboxConsumerKey    = "5a4db0c0ffee4a11b0a7d5a4db0c0ffe"
	SandboxConsumerSecret = "b0a7d5a4db0c0ffe"
	// SandboxUserID is the sandbox user's NSID.
	SandboxUserID = "10000001@N00"
	// SandboxToken and SandboxTokenSecret are the sandbox user's access
	// token, with delete permission.
	SandboxToken       = "72157600000000001-5a4db0c0ffee0001"
	SandboxTokenSecret = "5a4db0c0ffee0002"
	// SandboxReadToken is a second token of the sandbox user with read
	// permission only (same secret), for trying a forbidden leave.
	SandboxReadToken = "72157600000000002-5a4db0c0ffee0003"
)

// The groups SeedSandbox generates beside the seed document's four.
const (
	// SandboxLastAdminGroup: the sandbox user is its only admin and it has
	// other members; leaving promotes the oldest of them.
	SandboxLastAdminGroup = "90000000001@N20"
	// SandboxSoleMemberGroup: the sandbox user is its only member; leaving
	// deletes it. It is private (privacy 1).
	SandboxSoleMemberGroup = "90000000002@N20"
	// SandboxInviteOnlyGroup: an invite-only public group (privacy 2) the
	// sandbox user moderates.
	SandboxInviteOnlyGroup = "90000000003@N20"
	// SandboxOtherGroup: a public group the sandbox user is not in.
	SandboxOtherGroup = "90000000004@N20"
	// SandboxHiddenGroup: a private group the sandbox user is not in, so
	// it does not exist for them.
	SandboxHiddenGroup = "90000000005@N20"
)

// SandboxSeedGroups are the NSIDs of the seed document's groups, in its
// order.
var SandboxSeedGroups = []string{"17274427@N00", "20083316@N00", "34427469792@N01", "37718678610@N01"}

//go:embed seed/people.getGroups.xml
var seedGroupsXML []byte

type seedRsp struct {
	Groups []struct {
		NSID           string `xml:"nsid,attr"`
		Name           string `xml:"name,attr"`
		IconFarm       int    `xml:"iconfarm,attr"`
		IconServer     string `xml:"iconserver,attr"`
		Admin          int    `xml:"admin,attr"`
		EighteenPlus   int    `xml:"eighteenplus,attr"`
		InvitationOnly int    `xml:"invitation_only,attr"`
		Members        int    `xml:"members,attr"`
		PoolCount      int    `xml:"pool_count,attr"`
	} `xml:"groups>group"`
}

// generated member names, for a readable sandbox.
var memberNames = []string{
	"Ansel", "Berenice", "Cartier", "Dorothea", "Edward", "Frida", "Garry",
	"Helen", "Imogen", "Jacques", "Karl", "Lee", "Man", "Nan", "Oscar", "Paul",
}

// SeedSandbox loads the sandbox: the four groups of the seed document, with
// their exact attributes, and generated groups, members, admins and pool
// photos so that every feature can be tried — the last admin leaving
// (SandboxLastAdminGroup), the last member leaving (SandboxSoleMemberGroup),
// an invite-only group, a group the user is not in, a private group they
// cannot see. It registers the sandbox application (SandboxConsumerKey),
// creates the sandbox user with a delete-permission token, makes the
// authorize page approve as that user, and returns the user's linked
// account. Everything it generates is deterministic.
func (s *Simulator) SeedSandbox() providers.Account {
	var seed seedRsp
	if err := xml.Unmarshal(seedGroupsXML, &seed); err != nil {
		panic("flickrtest: embedded seed: " + err.Error())
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

	s.AddApp(SandboxConsumerKey, SandboxConsumerSecret)
	s.AddUser(User{NSID: SandboxUserID, Username: "sandbox", Realname: "Sandbox Viewer"})
	s.AddToken(Token{Token: SandboxToken, Secret: SandboxTokenSecret, ConsumerKey: SandboxConsumerKey, UserID: SandboxUserID, Perms: PermDelete})
	s.AddToken(Token{Token: SandboxReadToken, Secret: SandboxTokenSecret, ConsumerKey: SandboxConsumerKey, UserID: SandboxUserID, Perms: PermRead})
	users := make([]string, len(memberNames))
	for i, name := range memberNames {
		users[i] = fmt.Sprintf("%d@N07", 20000001+i)
		s.AddUser(User{NSID: users[i], Username: name + "Lens", Realname: name + " Sandbox"})
	}
	openRestrictions := Restrictions{PhotosOK: true, VideosOK: true, ImagesOK: true, SafeOK: true}
	roles := Roles{Member: "Member", Moderator: "Moderator", Admin: "Administrator"}

	// The seed groups: the seed's attributes, plus generated details. Each
	// has two generated admins (its founders), a moderator, three members
	// and the sandbox user as a plain member (admin="0" in the seed); the
	// rest of the seed's member count and pool are counted, not modelled.
	for gi, sg := range seed.Groups {
		g := Group{
			NSID: sg.NSID, Name: sg.Name, IconFarm: sg.IconFarm, IconServer: sg.IconServer,
			EighteenPlus: sg.EighteenPlus == 1, InvitationOnly: sg.InvitationOnly == 1,
			Privacy:     3, // open public: none is invitation-only
			Description: "The " + sg.Name + " group, loaded from the seed document.",
			Rules:       "Be kind. One photo per day.",
			Lang:        "en-us",
			Topics:      40 + 17*gi,
			Created:     day(2004+gi, time.Month(1+gi*3), 10+gi),
			Roles:       roles,
			Throttle:    Throttle{Mode: "day", Count: 1 + gi},
			Restrictions: Restrictions{PhotosOK: true, VideosOK: gi%2 == 0, ImagesOK: true, ScreensOK: gi == 3,
				ArtOK: gi == 3, SafeOK: true, ModerateOK: gi%2 == 1},
			FounderID: users[gi],
		}
		s.AddGroup(g)
		modelled := []Member{
			{UserID: users[gi], Role: RoleAdmin, Joined: g.Created, Photos: 120 + gi},
			{UserID: users[gi+4], Role: RoleAdmin, Joined: g.Created.AddDate(0, 2, 0), Photos: 80},
			{UserID: users[gi+8], Role: RoleModerator, Joined: g.Created.AddDate(1, 0, 0), Photos: 33},
			{UserID: users[(gi+12)%16], Role: RoleMember, Joined: g.Created.AddDate(2, 0, 0), Photos: 12},
			{UserID: users[(gi+13)%16], Role: RoleMember, Joined: g.Created.AddDate(3, 0, 0), Photos: 7},
			{UserID: users[(gi+14)%16], Role: RoleMember, Joined: g.Created.AddDate(4, 0, 0), Photos: 5},
			{UserID: SandboxUserID, Role: RoleMember, Joined: day(2015, time.Month(1+gi), 1), Photos: 3 + gi},
		}
		photos := 0
		for _, m := range modelled {
			s.AddMember(g.NSID, m)
			photos += m.Photos
		}
		g.OtherMembers = sg.Members - len(modelled)
		g.OtherPhotos = sg.PoolCount - photos
		s.AddGroup(g)
	}

	// The last admin: only the sandbox user administers it; Berenice
	// (joined first after them) is promoted when they leave.
	s.AddGroup(Group{
		NSID: SandboxLastAdminGroup, Name: "Sandbox Darkroom", IconFarm: 66, IconServer: "65535",
		Description: "Film and darkroom talk. You are its only administrator.", Lang: "en-us",
		Privacy: 3, Topics: 4, Created: day(2014, time.March, 3), Roles: roles,
		Throttle: Throttle{Mode: "week", Count: 5}, Restrictions: openRestrictions, FounderID: SandboxUserID,
	})
	s.AddMember(SandboxLastAdminGroup, Member{UserID: SandboxUserID, Role: RoleAdmin, Joined: day(2014, time.March, 3), Photos: 21})
	s.AddMember(SandboxLastAdminGroup, Member{UserID: users[1], Role: RoleMember, Joined: day(2014, time.June, 1), Photos: 9})
	s.AddMember(SandboxLastAdminGroup, Member{UserID: users[2], Role: RoleModerator, Joined: day(2016, time.May, 5), Photos: 4})
	s.AddMember(SandboxLastAdminGroup, Member{UserID: users[3], Role: RoleMember, Joined: day(2019, time.July, 9), Photos: 0})

	// The sole member: leaving deletes it.
	s.AddGroup(Group{
		NSID: SandboxSoleMemberGroup, Name: "Sandbox Solo", IconFarm: 0, IconServer: "0",
		Description: "A private group with one member: you.", Privacy: 1, InvitationOnly: true,
		Created: day(2018, time.February, 2), Roles: roles, Throttle: Throttle{Mode: "none"},
		Restrictions: openRestrictions, FounderID: SandboxUserID,
	})
	s.AddMember(SandboxSoleMemberGroup, Member{UserID: SandboxUserID, Role: RoleAdmin, Joined: day(2018, time.February, 2), Photos: 6})

	s.AddGroup(Group{
		NSID: SandboxInviteOnlyGroup, Name: "Sandbox Night Owls (invitation only)", IconFarm: 4, IconServer: "3916", PathAlias: "nightowls",
		Description: "Night photography, by invitation.", Privacy: 2, InvitationOnly: true, EighteenPlus: true,
		PoolModerated: true, Topics: 12, Created: day(2012, time.October, 31),
		Roles:    Roles{Member: "Owl", Moderator: "Watcher", Admin: "Elder"},
		Throttle: Throttle{Mode: "month", Count: 10}, Restrictions: openRestrictions,
		FounderID: users[5], OtherMembers: 240, OtherPhotos: 5100,
	})
	s.AddMember(SandboxInviteOnlyGroup, Member{UserID: users[5], Role: RoleAdmin, Joined: day(2012, time.October, 31), Photos: 300})
	s.AddMember(SandboxInviteOnlyGroup, Member{UserID: SandboxUserID, Role: RoleModerator, Joined: day(2013, time.January, 1), Photos: 40})

	s.AddGroup(Group{
		NSID: SandboxOtherGroup, Name: "Sandbox Street", IconFarm: 8, IconServer: "7412",
		Description: "Street photography. You are not a member.", Privacy: 3, Topics: 90,
		Created: day(2009, time.April, 4), Roles: roles, Throttle: Throttle{Mode: "day", Count: 2},
		Restrictions: openRestrictions, FounderID: users[6], OtherMembers: 5000, OtherPhotos: 80000,
	})
	s.AddMember(SandboxOtherGroup, Member{UserID: users[6], Role: RoleAdmin, Joined: day(2009, time.April, 4), Photos: 500})

	s.AddGroup(Group{
		NSID: SandboxHiddenGroup, Name: "Sandbox Secret Society", Privacy: 1, InvitationOnly: true,
		Created: day(2011, time.November, 11), Roles: roles, Throttle: Throttle{Mode: "none"}, FounderID: users[7],
	})
	s.AddMember(SandboxHiddenGroup, Member{UserID: users[7], Role: RoleAdmin, Joined: day(2011, time.November, 11), Photos: 1})

	s.AutoApprove(SandboxUserID)
	return providers.Account{
		ID:          "flickr-sandbox",
		Provider:    providers.Flickr,
		UserID:      SandboxUserID,
		DisplayName: "Sandbox Viewer",
		Credentials: providers.Credentials{Token: SandboxToken, Secret: SandboxTokenSecret},
	}
}
