package pageseedertest

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// seed holds the visible groups of PageSeeder's documentation for
// GET /members/{member}/visiblegroups, copied into the repository.
//
//go:embed seed/visiblegroups.json
var seed embed.FS

// The sandbox's fixed identities, so that tests and the sandbox wiring can
// name them.
const (
	// SandboxClientID and SandboxClientSecret are the sandbox's OAuth
	// client (authorization code + refresh). The client id has PageSeeder's
	// 16-hex-digit form. They protect nothing but simulated data.
	SandboxClientID     = "5a4db0c5e1f0a001"
	SandboxClientSecret = "sandbox-client-secret"
	// SandboxRedirectURL is the redirect registered for the sandbox client.
	SandboxRedirectURL = "http://127.0.0.1/link/pageseeder/callback"
	// SandboxMemberID is the sandbox member, Sam Sandbox (~sandbox).
	SandboxMemberID int64 = 1001
	// SandboxAccountID is the Account.ID SeedSandbox returns.
	SandboxAccountID = "pageseeder-sandbox"
)

// The sandbox's groups, by what they exercise.
const (
	// SandboxProject is a project the member manages (ADMIN).
	SandboxProject int64 = 201
	// SandboxGroup is a group the member contributes to; its name,
	// acme-info, is the "visible to" of SandboxStaffLounge.
	SandboxGroup int64 = 202
	// SandboxReviewGroup is a group the member reviews, public, so it is
	// not among the visible groups.
	SandboxReviewGroup int64 = 203
	// SandboxPendingGroup is a group the member asked to join (moderated).
	SandboxPendingGroup int64 = 204
	// SandboxAdminsGroup is the subgroup through which the member inherits
	// SandboxInheritedGroup.
	SandboxAdminsGroup int64 = 210
	// SandboxInheritedGroup is a group the member belongs to only through
	// SandboxAdminsGroup: no membership id, not leavable.
	SandboxInheritedGroup int64 = 211
	// SandboxStaffLounge is visible only to members of acme-info.
	SandboxStaffLounge int64 = 220
	// SandboxBoard is visible only to members of acme-directors, which the
	// member is not: the member cannot see it.
	SandboxBoard int64 = 230
	// SandboxDirectors is acme-directors, visible only to its own members.
	SandboxDirectors int64 = 231
	// SandboxAlumni is a public group the member left (a former
	// membership), so it is visible again.
	SandboxAlumni int64 = 240
	// SandboxMissingGroup is an id no group has.
	SandboxMissingGroup int64 = 999999
)

// SeedSandbox loads the sandbox data and returns the sandbox member's linked
// account, with a valid access token and refresh token issued to the
// sandbox client. It loads the documentation's visible groups (acme-forum
// 123 and test-public 777, with every attribute and their welcome messages),
// and generates, deterministically:
//   - the member Sam Sandbox (1001) with memberships of a project (201,
//     manager), groups (202 contributor, 203 reviewer), a pending request
//     (204, moderated) and a subgroup (210) through which they inherit 211;
//   - a former membership (240, deregistered), visible again;
//   - a group visible only to members of acme-info (220), which the member
//     sees, and one visible only to acme-directors (230), which they don't;
//   - two other members (an administrator and a colleague) so that groups
//     have other members, and the OAuth client SandboxClientID.
//
// PageSeeder never deletes a group on leave and documents no promotion when
// the last manager leaves, so the sandbox has nothing for those.
func (s *Server) SeedSandbox() (providers.Account, error) {
	b, err := seed.ReadFile("seed/visiblegroups.json")
	if err != nil {
		return providers.Account{}, fmt.Errorf("pageseedertest: seed: %w", err)
	}
	var doc struct {
		Groups []struct {
			ID            int64  `json:"id"`
			Name          string `json:"name"`
			Type          string `json:"type"`
			Description   string `json:"description"`
			Owner         string `json:"owner"`
			Access        string `json:"access"`
			Common        bool   `json:"common"`
			Visibility    string `json:"visibility"`
			Template      string `json:"template"`
			EditURLs      bool   `json:"editurls"`
			Commenting    string `json:"commenting"`
			Moderation    string `json:"moderation"`
			Registration  string `json:"registration"`
			DefaultRole   string `json:"defaultrole"`
			DefaultNotify string `json:"defaultnotify"`
			IndexVersion  int64  `json:"indexversion"`
			Message       string `json:"message"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return providers.Account{}, fmt.Errorf("pageseedertest: seed: %w", err)
	}
	for _, g := range doc.Groups {
		s.AddGroup(Group{
			ID: g.ID, Name: g.Name, Type: g.Type, Description: g.Description, Owner: g.Owner,
			Access: g.Access, Common: g.Common, VisibleTo: g.Visibility, Template: g.Template,
			EditURLs: g.EditURLs, Commenting: g.Commenting, Moderation: g.Moderation,
			Registration: g.Registration, DefaultRole: g.DefaultRole, DefaultNotify: g.DefaultNotify,
			IndexVersion: g.IndexVersion, Message: g.Message,
		})
	}

	const (
		admin     int64 = 1
		colleague int64 = 1002
	)
	s.AddMember(Member{ID: admin, Username: "admin", Firstname: "Ada", Surname: "Admin", Email: "admin@acme.example", Admin: true})
	s.AddMember(Member{ID: SandboxMemberID, Username: "sandbox", Firstname: "Sam", Surname: "Sandbox", Email: "sam@acme.example"})
	s.AddMember(Member{ID: colleague, Username: "jsmith", Firstname: "John", Surname: "Smith", Email: "jsmith@acme.example"})

	group := func(id int64, name, desc, visibleTo string) Group {
		return Group{
			ID: id, Name: name, Type: "group", Description: desc, Owner: "ACME", Access: "member",
			VisibleTo: visibleTo, Template: "acme", Commenting: "contributor", Moderation: "none",
			Registration: "normal", DefaultRole: "reviewer", DefaultNotify: "daily", IndexVersion: 9203,
			Message: "Welcome to " + name + ".",
		}
	}
	project := group(SandboxProject, "acme", "ACME project", "")
	project.Type, project.Registration = "project", ""
	s.AddGroup(project)
	info := group(SandboxGroup, "acme-info", "Info group of the ACME project", "public")
	info.RelatedURL, info.DetailsType = "https://acme.example/info", "staff"
	s.AddGroup(info)
	specs := group(SandboxReviewGroup, "acme-specs", "ACME project specifications", "public")
	specs.Access, specs.Commenting = "public", "reviewer"
	s.AddGroup(specs)
	support := group(SandboxPendingGroup, "acme-support", "Support group for ACME products", "public")
	support.Registration, support.Moderation = "moderated", "email"
	s.AddGroup(support)
	s.AddGroup(group(SandboxAdminsGroup, "acme-administrators", "ACME administrators", "acme-administrators"))
	config := group(SandboxInheritedGroup, "acme-config", "Product configuration", "acme-administrators")
	config.Subgroups = []Subgroup{{Group: "acme-administrators", Role: "contributor"}}
	s.AddGroup(config)
	lounge := group(SandboxStaffLounge, "acme-staff", "Staff lounge, visible to acme-info members", "acme-info")
	lounge.Registration, lounge.Moderation = "confirmed", "all"
	s.AddGroup(lounge)
	s.AddGroup(group(SandboxBoard, "acme-board", "Board papers", "acme-directors"))
	s.AddGroup(group(SandboxDirectors, "acme-directors", "ACME directors", "acme-directors"))
	alumni := group(SandboxAlumni, "acme-alumni", "Former ACME staff", "public")
	alumni.DefaultNotify = "weekly"
	s.AddGroup(alumni)

	day := func(d int) time.Time {
		return time.Date(2015, time.January, d, 13, 49, 39, 0, time.FixedZone("AEDT", 11*3600))
	}
	for _, m := range []Membership{
		{ID: 101, GroupID: SandboxProject, MemberID: SandboxMemberID, Role: "manager", EmailListed: true, Created: day(7)},
		{ID: 102, GroupID: SandboxGroup, MemberID: SandboxMemberID, Role: "contributor", Created: day(8)},
		{ID: 103, GroupID: SandboxReviewGroup, MemberID: SandboxMemberID, Role: "reviewer", Notification: "none", EmailListed: true, Created: day(9)},
		{ID: 104, GroupID: SandboxPendingGroup, MemberID: SandboxMemberID, Role: "reviewer", Status: "moderated", Created: day(10)},
		{ID: 105, GroupID: SandboxAdminsGroup, MemberID: SandboxMemberID, Role: "moderator", EmailListed: true, Created: day(11)},
		{ID: 106, GroupID: SandboxAlumni, MemberID: SandboxMemberID, Role: "reviewer", Status: "disabled", Deleted: true, Created: day(12)},
		{ID: 201, GroupID: SandboxProject, MemberID: colleague, Role: "manager", Created: day(1)},
		{ID: 202, GroupID: SandboxGroup, MemberID: colleague, Role: "manager", Created: day(1)},
		{ID: 203, GroupID: SandboxDirectors, MemberID: colleague, Role: "manager", Created: day(1)},
		{ID: 204, GroupID: SandboxBoard, MemberID: colleague, Role: "manager", Created: day(1)},
		{ID: 205, GroupID: 123, MemberID: colleague, Role: "moderator", Created: day(2)},
		{ID: 206, GroupID: 777, MemberID: colleague, Role: "guest", Created: day(3)},
		{ID: 207, GroupID: SandboxStaffLounge, MemberID: colleague, Role: "approver", Created: day(4)},
		{ID: 208, GroupID: SandboxInheritedGroup, MemberID: colleague, Role: "manager", Created: day(5)},
	} {
		s.AddMembership(m)
	}
	s.AddClient(OAuthClient{ID: SandboxClientID, Secret: SandboxClientSecret, Grant: "authorization_code", RedirectURL: SandboxRedirectURL})

	return providers.Account{
		ID:          SandboxAccountID,
		Provider:    providers.PageSeeder,
		UserID:      strconv.FormatInt(SandboxMemberID, 10),
		DisplayName: "Sam Sandbox",
		Credentials: s.IssueToken(SandboxMemberID, SandboxClientID),
	}, nil
}
