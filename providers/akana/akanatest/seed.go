package akanatest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// seedGroups is the sample "My Groups" response of the platform's
// documentation for GET /api/users/{UserID}/groups, kept verbatim: the
// simulator's groups feed must come out in exactly this shape.
//
//go:embed seed/my_groups.json
var seedGroups []byte

// SeedGroupsJSON returns the documentation's sample groups feed, for tests
// that compare the simulator's output with it. Its Image.Url carries the
// placeholder host "{hostname}".
func SeedGroupsJSON() []byte { return append([]byte(nil), seedGroups...) }

// The sandbox's fixed identities. The sandbox user is the one the
// documentation's sample request asks about; it logs in with
// SandboxEmail and SandboxPassword.
const (
	SandboxUserID   = "957482b9-ck7f-0gk5-ae07-9flgok5djtus.acmepaymentscorp"
	SandboxEmail    = "developer@acmepayments.example"
	SandboxPassword = "sandbox-password"
	// SandboxAccountID is the link id of the account SeedSandbox returns.
	SandboxAccountID = "akana-sandbox"

	// SeedGroupID is the documentation's group, in which the sandbox user
	// is a plain member: their leave is refused.
	SeedGroupID = "group19212.acmepaymentscorp"
	// LedGroupID is a generated group the sandbox user leads: their leave
	// succeeds.
	LedGroupID = "group20001.acmepaymentscorp"
	// AdminGroupID is a generated group the sandbox user administers.
	AdminGroupID = "group20002.acmepaymentscorp"
	// PendingGroupID is a generated group the sandbox user asked to join.
	PendingGroupID = "group20003.acmepaymentscorp"
	// OpenGroupID is a generated public group the sandbox user is not in.
	OpenGroupID = "group20004.acmepaymentscorp"
	// PrivateGroupID is a generated private group the sandbox user is not
	// in and may not see.
	PrivateGroupID = "group20005.acmepaymentscorp"
)

// seedEpoch dates the generated groups, so that the sandbox is the same
// on every run.
var seedEpoch = time.Date(2013, 5, 20, 22, 20, 58, 0, time.UTC)

// SeedSandbox loads the sandbox data into a simulator of the seed's
// tenant (DefaultTenant) and returns the sandbox user's linked account,
// with a session that the simulator's clock starts now.
//
// The data: the documentation's group (its title, description, visibility
// and the sandbox user's role and state taken from the embedded sample),
// led by a generated leader with generated members; and generated groups
// the sandbox user leads, administers, has a pending request for, or is
// not in (one public, one private). Everything generated is fixed, so the
// sandbox is the same on every run. It panics if the embedded sample does
// not decode or the simulator is of another tenant: both are programming
// errors the package's tests rule out.
func (s *Server) SeedSandbox() providers.Account {
	acct, err := s.seedSandbox()
	if err != nil {
		panic("akanatest: SeedSandbox: " + err.Error())
	}
	return acct
}

func (s *Server) seedSandbox() (providers.Account, error) {
	if s.tenant != DefaultTenant {
		return providers.Account{}, fmt.Errorf("the sandbox is of tenant %q, the simulator of %q", DefaultTenant, s.tenant)
	}
	t := "." + DefaultTenant
	users := []User{
		{ID: SandboxUserID, Email: SandboxEmail, Password: SandboxPassword, Name: "Sandbox Developer", UserName: "sandbox.developer"},
		{ID: "1c0d7a52-5e8b-4b1f-9a63-0d2f8f6a7e11" + t, Email: "jonathan.leader@acmepayments.example", Password: "leader-password", Name: "Jonathan Leader", UserName: "jonathan.leader"},
		{ID: "2d1e8b63-6f9c-4c2a-8b74-1e3a9a7b8f22" + t, Email: "maria.admin@acmepayments.example", Password: "admin-password", Name: "Maria Admin", UserName: "maria.admin"},
		{ID: "3e2f9c74-7a0d-4d3b-9c85-2f4b0b8c9a33" + t, Email: "li.member@acmepayments.example", Password: "member-password", Name: "Li Member", UserName: "li.member"},
		{ID: "4f3a0d85-8b1e-4e4c-8d96-3a5c1c9d0b44" + t, Email: "site.admin@acmepayments.example", Password: "siteadmin-password", Name: "Site Admin", UserName: "site.admin", SiteAdmin: true},
	}
	for _, u := range users {
		if err := s.AddUser(u); err != nil {
			return providers.Account{}, err
		}
	}
	leader, admin, member := users[1].ID, users[2].ID, users[3].ID

	var sample struct {
		Channel struct {
			Item []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
				Category    []struct {
					Value  string `json:"value"`
					Domain string `json:"domain"`
				} `json:"category"`
				GUID struct {
					Value string `json:"value"`
				} `json:"guid"`
			} `json:"item"`
		} `json:"channel"`
	}
	if err := json.Unmarshal(seedGroups, &sample); err != nil {
		return providers.Account{}, fmt.Errorf("embedded seed: %v", err)
	}
	for _, it := range sample.Channel.Item {
		g := Group{ID: it.GUID.Value, Name: it.Title, Description: it.Description, Created: seedEpoch, CreatedBy: leader}
		role, state := RoleMember, StateApproved
		for _, c := range it.Category {
			switch c.Domain {
			case "uddi:soa.com:visibility":
				g.Visibility = c.Value
			case "uddi:soa.com:role":
				role = Role(c.Value)
			case "uddi:soa.com:status":
				state = State(c.Value)
			}
		}
		if err := s.AddGroup(g); err != nil {
			return providers.Account{}, err
		}
		for _, m := range []struct {
			user  string
			role  Role
			state State
		}{{leader, RoleLeader, StateApproved}, {admin, RoleAdmin, StateApproved}, {SandboxUserID, role, state}, {member, RoleMember, StateApproved}} {
			if err := s.SetMembership(g.ID, m.user, m.role, m.state); err != nil {
				return providers.Account{}, err
			}
		}
	}

	generated := []struct {
		group   Group
		sandbox Role
		state   State // the sandbox user's; "" for none
	}{
		{Group{ID: LedGroupID, Name: "ACME Payments Sandbox Team", Description: "Developers trying the ACME Payments API in the sandbox", Visibility: VisibilityPublic}, RoleLeader, StateApproved},
		{Group{ID: AdminGroupID, Name: "ACME Payments API Council", Description: "Decides the roadmap of the ACME Payments API", Visibility: VisibilityLimited}, RoleAdmin, StateApproved},
		{Group{ID: PendingGroupID, Name: "ACME Payments Beta Program", Description: "Early access to new ACME Payments API versions", Visibility: VisibilityLimited}, RoleMember, StatePending},
		{Group{ID: OpenGroupID, Name: "ACME Open Banking Forum", Description: "Open discussion of open-banking integrations", Visibility: VisibilityPublic}, "", ""},
		{Group{ID: PrivateGroupID, Name: "ACME Partner Integrations", Description: "Private group of ACME's integration partners", Visibility: VisibilityPrivate}, "", ""},
	}
	for i, gen := range generated {
		g := gen.group
		g.Created = seedEpoch.AddDate(0, i+1, 0)
		g.CreatedBy = leader
		if err := s.AddGroup(g); err != nil {
			return providers.Account{}, err
		}
		if err := s.SetMembership(g.ID, leader, RoleLeader, StateApproved); err != nil {
			return providers.Account{}, err
		}
		if gen.state != "" {
			if err := s.SetMembership(g.ID, SandboxUserID, gen.sandbox, gen.state); err != nil {
				return providers.Account{}, err
			}
		}
		if err := s.SetMembership(g.ID, member, RoleMember, StateApproved); err != nil {
			return providers.Account{}, err
		}
	}
	return s.Account(SandboxAccountID, SandboxUserID)
}
