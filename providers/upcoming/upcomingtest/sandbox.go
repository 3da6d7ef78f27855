package upcomingtest

import (
	"crypto/sha1"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// seedGroups is the documentation's group.getMyGroups JSON example,
// verbatim: the groups the sandbox starts with.
//
//go:embed seed/getmygroups.json
var seedGroups []byte

// The sandbox's fixed identities, for tests and the sandbox wiring.
const (
	// SandboxAPIKey is the api_key SeedSandbox registers; configure the
	// client with it.
	SandboxAPIKey = "sandbox0upcoming0key"
	// SandboxUserID is the sandbox user: 674, "getluky" (Gordon Luk), the
	// owner of four of the seed's groups.
	SandboxUserID = 674
	// SandboxLastAdminGroupID is a seed group (Em's Bridge Club, private)
	// whose only admin is the sandbox user and whose other member joined
	// later: leaving it promotes that member.
	SandboxLastAdminGroupID = 15
	// SandboxCoAdminGroupID is a seed group the sandbox user owns with a
	// second admin, so leaving it promotes nobody.
	SandboxCoAdminGroupID = 16
	// SandboxSoleGroupID is a generated group whose only member is the
	// sandbox user: leaving it deletes it for good.
	SandboxSoleGroupID = 90001
	// SandboxOtherGroupID is a generated public group the sandbox user is
	// not a member of.
	SandboxOtherGroupID = 90002
	// SandboxMergedGroupID is a generated id that was merged into seed group
	// 2083: group.getInfo answers it with a 301.
	SandboxMergedGroupID = 90003
	// firstGeneratedUser is the first id of the generated members.
	firstGeneratedUser = 500000
)

// SeedSandbox loads the sandbox data and returns the sandbox user's linked
// account, whose token the simulator accepts with SandboxAPIKey (the
// Account's ID, groupgraph's own link id, is left for the caller).
//
// The data: every group of the documentation's group.getMyGroups example
// with its fields as documented, the sandbox user a member of all of them,
// and deterministic generated members so that each group's member_count is
// what the example says. Each group's owner is an admin who joined when the
// group was created; the sandbox user joined 90 minutes later where it is
// not the owner; generated members joined an hour apart. On top of that, the
// groups named by the Sandbox… constants exercise the leave rules and the
// merge redirect. Everything but the token is the same on every run, and
// the token is derived deterministically too.
func (s *Server) SeedSandbox() providers.Account {
	var doc struct {
		Rsp struct {
			Group []jsonGroup `json:"group"`
		} `json:"rsp"`
	}
	if err := json.Unmarshal(seedGroups, &doc); err != nil {
		panic("upcomingtest: embedded seed is not valid JSON: " + err.Error())
	}
	s.AddAPIKey(SandboxAPIKey)
	s.AddUser(User{ID: SandboxUserID, Username: "getluky", Name: "Gordon Luk"})
	next := int64(firstGeneratedUser)
	member := func() int64 {
		id := next
		next++
		s.AddUser(User{ID: id, Username: fmt.Sprintf("member%d", id), Name: fmt.Sprintf("Member %d", id)})
		return id
	}
	populate := func(g Group, count int, sandbox bool, coAdmin bool) {
		s.AddGroup(g)
		if g.OwnerUserID != SandboxUserID {
			s.AddUser(User{ID: g.OwnerUserID, Username: fmt.Sprintf("user%d", g.OwnerUserID), Name: fmt.Sprintf("User %d", g.OwnerUserID)})
		}
		s.AddMember(g.ID, g.OwnerUserID, g.Created, true)
		count--
		if sandbox && g.OwnerUserID != SandboxUserID {
			s.AddMember(g.ID, SandboxUserID, g.Created.Add(90*time.Minute), false)
			count--
		}
		for i := range max(count, 0) {
			s.AddMember(g.ID, member(), g.Created.Add(time.Duration(i+1)*time.Hour), coAdmin && i == 0)
		}
	}
	for _, j := range doc.Rsp.Group {
		created, err := time.ParseInLocation("2006-01-02 15:04:05", j.Timestamp, time.UTC)
		if err != nil {
			panic("upcomingtest: embedded seed has a bad timestamp: " + j.Timestamp)
		}
		populate(Group{
			ID: j.ID, Name: j.Name, Description: j.Description, ModerationLevel: j.ModerationLevel,
			EventModeration: j.EventModeration != 0, MemberModeration: j.MemberModeration != 0, IsPrivate: j.IsPrivate != 0,
			TopicCount: j.TopicCount, NumTopics: j.NumTopics, Created: created,
			OwnerUserID: j.OwnerUserID, CommercialAccountID: j.CommercialAccountID,
		}, j.MemberCount, true, j.ID == SandboxCoAdminGroupID)
	}
	base := time.Date(2007, 3, 1, 12, 0, 0, 0, time.UTC)
	populate(Group{
		ID: SandboxSoleGroupID, Name: "Sandbox Solo Club", Description: "A group with a single member: leaving it deletes it.",
		ModerationLevel: "unmoderated", Created: base, OwnerUserID: SandboxUserID,
	}, 1, true, false)
	populate(Group{
		ID: SandboxOtherGroupID, Name: "East Bay Hikers", Description: "Weekend hikes around the East Bay hills.",
		ModerationLevel: "unmoderated", TopicCount: 3, NumTopics: 3, Created: base.Add(24 * time.Hour), OwnerUserID: firstGeneratedUser - 1,
	}, 12, false, false)
	s.MergeGroup(SandboxMergedGroupID, 2083)

	sum := sha1.Sum([]byte("groupgraph upcoming sandbox token"))
	tok := hex.EncodeToString(sum[:])
	s.SetToken(tok, SandboxAPIKey, SandboxUserID)
	return providers.Account{
		Provider:    providers.Upcoming,
		UserID:      fmt.Sprint(SandboxUserID),
		DisplayName: "Gordon Luk",
		Credentials: providers.Credentials{Token: tok},
	}
}
