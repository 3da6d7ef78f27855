package upcoming_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/upcoming"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

func ptr[T any](v T) *T { return &v }

// seedIDs are the groups of the documentation's getMyGroups example.
var seedIDs = []string{"2083", "1972", "1836", "1660", "1254", "1196", "780", "647", "487", "188", "157", "101", "51", "50", "27", "16", "15", "14"}

func TestMemberships(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("every seed group comes back with every documented field", func(t *testing.T) {
		t.Parallel()
		_, c, acct := sandbox(t, upcoming.Config{})
		ms, err := c.Memberships(ctx, acct)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		byID := map[string]providers.Membership{}
		var ids []string
		for _, m := range ms {
			byID[m.Group.ID] = m
			ids = append(ids, m.Group.ID)
		}
		wantIDs := append([]string{strconv.Itoa(upcomingtest.SandboxSoleGroupID)}, seedIDs...)
		if diff := cmp.Diff(wantIDs, ids); diff != "" {
			t.Errorf("group ids (-want +got):\n%s", diff)
		}
		want := providers.Membership{
			Provider:     providers.Upcoming,
			UserID:       "674",
			Role:         providers.RoleMember,
			ProviderRole: "member",
			Status:       providers.StatusActive,
			Leavable:     true,
			Group: providers.Group{
				Provider:    providers.Upcoming,
				ID:          "487",
				Name:        "experience design",
				Description: ptr("Shared calendar of events and conferences on experience design and user experience"),
				URL:         ptr("http://upcoming.yahoo.com/group/487/"),
				MemberCount: ptr(938),
				TopicCount:  ptr(11),
				Visibility:  providers.VisibilityPublic,
				JoinPolicy:  providers.JoinOpen,
				CreatedAt:   ptr(time.Date(2005, 10, 13, 12, 40, 13, 0, time.UTC)),
				OwnerID:     ptr("27427"),
				Details: &providers.UpcomingDetails{
					ModerationLevel:     "unmoderated",
					EventModeration:     ptr(false),
					MemberModeration:    ptr(false),
					IsPrivate:           ptr(false),
					CommercialAccountID: ptr(int64(0)),
					NumMembers:          ptr(938),
					NumTopics:           ptr(17),
				},
			},
		}
		if diff := cmp.Diff(want, byID["487"]); diff != "" {
			t.Errorf("membership of 487 (-want +got):\n%s", diff)
		}
		owned := byID["15"]
		wantOwned := providers.Group{
			Provider:    providers.Upcoming,
			ID:          "15",
			Name:        "Em's Bridge Club \u6c5f\u5927\u5b66\u540c",
			Description: ptr("Let's schedule and discuss our bi-monthly bridge meetings. ??\r\n\r\nThis is a test group for me to test out problems with private events and unicode stuff."),
			URL:         ptr("http://upcoming.yahoo.com/group/15/"),
			MemberCount: ptr(2),
			TopicCount:  ptr(3),
			Visibility:  providers.VisibilityPrivate,
			JoinPolicy:  providers.JoinOpen,
			CreatedAt:   ptr(time.Date(2005, 7, 22, 1, 2, 31, 0, time.UTC)),
			OwnerID:     ptr("674"),
			Details: &providers.UpcomingDetails{
				ModerationLevel:     "moderated",
				EventModeration:     ptr(true),
				MemberModeration:    ptr(false),
				IsPrivate:           ptr(true),
				CommercialAccountID: ptr(int64(0)),
				NumMembers:          ptr(2),
				NumTopics:           ptr(3),
			},
		}
		if owned.Role != providers.RoleOwner || owned.ProviderRole != "owner" {
			t.Errorf("group 15 role = %s/%s, want OWNER/owner", owned.Role, owned.ProviderRole)
		}
		if diff := cmp.Diff(wantOwned, owned.Group); diff != "" {
			t.Errorf("group 15 (-want +got):\n%s", diff)
		}
		if g := byID["157"].Group; g.JoinPolicy != providers.JoinModerated || !*g.Details.(*providers.UpcomingDetails).MemberModeration {
			t.Errorf("group 157 join policy = %s, want MODERATED", g.JoinPolicy)
		}
	})

	t.Run("XML answers carry the XML example's fields", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		sim.SetXMLOnly(true)
		ms, err := c.Memberships(ctx, acct)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		i := slices.IndexFunc(ms, func(m providers.Membership) bool { return m.Group.ID == "15" })
		if i < 0 {
			t.Fatal("group 15 missing")
		}
		g := ms[i].Group
		want := &providers.UpcomingDetails{EventModeration: ptr(true), MemberModeration: ptr(false), IsPrivate: ptr(true), CommercialAccountID: ptr(int64(0))}
		if diff := cmp.Diff(want, g.Details); diff != "" {
			t.Errorf("XML details (-want +got):\n%s", diff)
		}
		if g.Name != "Em's Bridge Club \u6c5f\u5927\u5b66\u540c" || *g.MemberCount != 2 || ms[i].Role != providers.RoleOwner {
			t.Errorf("XML group 15 = %q members %d role %s", g.Name, *g.MemberCount, ms[i].Role)
		}
	})

	t.Run("the zoneless timestamp is read in the configured location", func(t *testing.T) {
		t.Parallel()
		pacific := time.FixedZone("PST", -8*3600)
		_, c, acct := sandbox(t, upcoming.Config{Location: pacific})
		ms, err := c.Memberships(ctx, acct)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		for _, m := range ms {
			if m.Group.ID != "2083" {
				continue
			}
			want := time.Date(2006, 8, 11, 13, 38, 44, 0, pacific)
			if got := *m.Group.CreatedAt; !got.Equal(want) || got.Location() != pacific {
				t.Errorf("CreatedAt = %v, want %v", got, want)
			}
			return
		}
		t.Fatal("group 2083 missing")
	})

	t.Run("the UTC default applies when no location is configured", func(t *testing.T) {
		t.Parallel()
		_, c, acct := sandbox(t, upcoming.Config{})
		ms, err := c.Memberships(ctx, acct)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		if got := ms[len(ms)-1].Group.CreatedAt; got.Location() != time.UTC {
			t.Errorf("CreatedAt zone = %v, want UTC", got.Location())
		}
	})
}

func TestGroupsByID(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("all seed groups cost one getInfo call", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		ids := append(slices.Clone(seedIDs), seedIDs[0], "not-a-number", "0", "424242")
		got, err := c.GroupsByID(ctx, acct, ids)
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		if n := sim.Calls("group.getInfo"); n != 1 {
			t.Errorf("group.getInfo calls = %d, want 1", n)
		}
		if len(got) != len(seedIDs) {
			t.Errorf("got %d groups, want %d", len(got), len(seedIDs))
		}
		for _, id := range seedIDs {
			g := got[id]
			if g == nil || g.ID != id || !g.Complete || g.Details == nil || g.MemberCount == nil || g.CreatedAt == nil {
				t.Errorf("group %s = %+v, want complete with details", id, g)
			}
		}
	})

	t.Run("batches larger than MaxBatch are split", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{MaxBatch: 5})
		if c.Capabilities().MaxBatch != 5 || !c.Capabilities().BatchGroupDetails {
			t.Errorf("Capabilities = %+v", c.Capabilities())
		}
		got, err := c.GroupsByID(ctx, acct, seedIDs)
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		if n := sim.Calls("group.getInfo"); n != 4 || len(got) != len(seedIDs) {
			t.Errorf("calls = %d, groups = %d; want 4, %d", n, len(got), len(seedIDs))
		}
	})

	t.Run("no valid ids asks nothing", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		got, err := c.GroupsByID(ctx, acct, []string{"", "abc", "-3", "007"})
		if err != nil || len(got) != 0 || sim.Calls("group.getInfo") != 0 {
			t.Errorf("GroupsByID = %v, %v after %d calls; want empty, nil, 0", got, err, sim.Calls("group.getInfo"))
		}
	})

	t.Run("a merged group is followed and keyed by the id asked", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		merged := strconv.Itoa(upcomingtest.SandboxMergedGroupID)
		got, err := c.GroupsByID(ctx, acct, []string{"14", merged, "2083"})
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		if g := got[merged]; g == nil || g.ID != "2083" || g.Name != "SXSW 2007" {
			t.Errorf("merged group = %+v, want group 2083 under key %s", g, merged)
		}
		if got["14"] == nil || got["2083"] == nil {
			t.Errorf("other groups missing: %v", got)
		}
		if n := sim.Calls("group.getInfo"); n != 2 {
			t.Errorf("group.getInfo calls = %d, want 2 (the 301, then the retry)", n)
		}
	})

	t.Run("a private group needs a member's token", func(t *testing.T) {
		t.Parallel()
		_, c, acct := sandbox(t, upcoming.Config{})
		anonymous := providers.Account{Provider: providers.Upcoming}
		got, err := c.GroupsByID(ctx, anonymous, []string{"15", "14"})
		if err != nil {
			t.Fatalf("GroupsByID anonymous: %v", err)
		}
		if got["15"] != nil || got["14"] == nil {
			t.Errorf("anonymous sees 15: %v, 14: %v; want only 14", got["15"] != nil, got["14"] != nil)
		}
		got, err = c.GroupsByID(ctx, acct, []string{"15"})
		if err != nil || got["15"] == nil {
			t.Errorf("member GroupsByID(15) = %v, %v", got, err)
		}
	})

	t.Run("a failing batch among succeeding ones is a BatchError", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{MaxBatch: 9})
		sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.None, fault.ServerError}}) // the second batch fails
		got, err := c.GroupsByID(ctx, acct, seedIDs)
		var be *providers.BatchError
		if !errors.As(err, &be) || len(be.Failed) != 9 || !errors.Is(err, providers.ErrUnavailable) {
			t.Fatalf("err = %v, want a BatchError of 9 unavailable ids", err)
		}
		if len(got) != 9 {
			t.Errorf("got %d groups, want the 9 of the first batch", len(got))
		}
	})
}

func TestLeaveGroup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("the last admin leaving promotes the earliest remaining member", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		before := sim.Members(upcomingtest.SandboxLastAdminGroupID)
		res, err := c.LeaveGroup(ctx, acct, "15", providers.LeaveOptions{})
		if err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		if res.GroupDeleted {
			t.Error("GroupDeleted = true for a group with members left")
		}
		m := res.Membership
		if m == nil || m.Role != providers.RoleOwner || m.Status != providers.StatusRemoved || m.Group.Name == "" || m.Group.ID != "15" {
			t.Errorf("ended membership = %+v, want the OWNER membership of 15, REMOVED", m)
		}
		after := sim.Members(upcomingtest.SandboxLastAdminGroupID)
		want := []upcomingtest.Member{{UserID: before[1].UserID, Joined: before[1].Joined, Admin: true}}
		if diff := cmp.Diff(want, after); diff != "" {
			t.Errorf("members after leave (-want +got):\n%s", diff)
		}
	})

	t.Run("leaving beside another admin promotes nobody", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		if _, err := c.LeaveGroup(ctx, acct, "16", providers.LeaveOptions{}); err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		var admins int
		for _, m := range sim.Members(upcomingtest.SandboxCoAdminGroupID) {
			if m.Admin {
				admins++
			}
		}
		if admins != 1 {
			t.Errorf("admins after leave = %d, want the one co-admin", admins)
		}
	})

	t.Run("the last member leaving deletes the group for good", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		id := strconv.Itoa(upcomingtest.SandboxSoleGroupID)
		res, err := c.LeaveGroup(ctx, acct, id, providers.LeaveOptions{})
		if err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		if !res.GroupDeleted || !sim.Deleted(upcomingtest.SandboxSoleGroupID) {
			t.Errorf("GroupDeleted = %v, simulator deleted = %v; want both", res.GroupDeleted, sim.Deleted(upcomingtest.SandboxSoleGroupID))
		}
		if res.Membership == nil || res.Membership.Group.Name != "Sandbox Solo Club" {
			t.Errorf("ended membership = %+v, want the group as it was", res.Membership)
		}
		if n := sim.Calls("group.leave"); n != 1 {
			t.Errorf("group.leave calls = %d, want 1", n)
		}
	})

	t.Run("a malformed group id is refused without a call", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		_, err := c.LeaveGroup(ctx, acct, "fifteen", providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrInvalid) || sim.Calls("group.leave") != 0 {
			t.Errorf("err = %v after %d calls, want ErrInvalid and none", err, sim.Calls("group.leave"))
		}
	})

	t.Run("an account without a token is unauthenticated", func(t *testing.T) {
		t.Parallel()
		_, c, _ := sandbox(t, upcoming.Config{})
		_, err := c.LeaveGroup(ctx, providers.Account{Provider: providers.Upcoming, UserID: "674"}, "15", providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("err = %v, want ErrUnauthenticated", err)
		}
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a frob is exchanged once for a working token", func(t *testing.T) {
		t.Parallel()
		sim, c, _ := sandbox(t, upcoming.Config{})
		frob := sim.IssueFrob(upcomingtest.SandboxAPIKey, upcomingtest.SandboxUserID)
		tok, err := c.GetToken(ctx, frob)
		if err != nil {
			t.Fatalf("GetToken: %v", err)
		}
		wantUser := providers.User{Provider: providers.Upcoming, ID: "674", Username: "getluky", Name: "Gordon Luk", ProfileURL: "http://upcoming.yahoo.com/user/674/"}
		if diff := cmp.Diff(wantUser, tok.User); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		acct := tok.Account()
		if acct.UserID != "674" || acct.DisplayName != "Gordon Luk" || acct.Provider != providers.Upcoming || len(acct.Credentials.Token) != 40 {
			t.Errorf("Account = %+v", acct)
		}
		if u, err := c.Whoami(ctx, acct); err != nil || u.ID != "674" {
			t.Errorf("Whoami with the new token = %+v, %v", u, err)
		}
		_, err = c.GetToken(ctx, frob)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("second GetToken: %v, want ErrUnauthenticated", err)
		}
		assertNoLeak(t, err, frob, upcomingtest.SandboxAPIKey)
	})

	t.Run("a frob issued to another application is refused", func(t *testing.T) {
		t.Parallel()
		sim, c, _ := sandbox(t, upcoming.Config{})
		sim.AddAPIKey("someoneelse")
		frob := sim.IssueFrob("someoneelse", upcomingtest.SandboxUserID)
		_, err := c.GetToken(ctx, frob)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("GetToken: %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("XML token answers read the same", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{XML: true})
		sim.SetXMLOnly(true)
		tok, err := c.CheckToken(ctx, acct.Credentials.Token)
		if err != nil {
			t.Fatalf("CheckToken: %v", err)
		}
		if tok.User.Username != "getluky" || tok.User.Name != "Gordon Luk" || tok.Credentials.Token != acct.Credentials.Token {
			t.Errorf("CheckToken = %+v", tok.User)
		}
	})

	t.Run("a revoked token is unauthenticated everywhere", func(t *testing.T) {
		t.Parallel()
		sim, c, acct := sandbox(t, upcoming.Config{})
		sim.RevokeToken(acct.Credentials.Token)
		_, err := c.Whoami(ctx, acct)
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("Whoami: %v", err)
		}
		_, err = c.LeaveGroup(ctx, acct, "14", providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Errorf("LeaveGroup: %v", err)
		}
		assertNoLeak(t, err, acct.Credentials.Token, upcomingtest.SandboxAPIKey)
	})
}

// fixture is a bare simulator with one api key, two users and the given
// groups, and a client for it acting as user 1.
func fixture(t *testing.T, groups ...upcomingtest.Group) (*upcomingtest.Server, *upcoming.Client, providers.Account) {
	t.Helper()
	sim := upcomingtest.New()
	sim.AddAPIKey("key")
	sim.AddUser(upcomingtest.User{ID: 1, Username: "ann", Name: "Ann"})
	sim.AddUser(upcomingtest.User{ID: 2, Username: "bob", Name: "Bob"})
	for _, g := range groups {
		sim.AddGroup(g)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + upcomingtest.Path, APIKey: "key", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	tok := sim.IssueToken("key", 1)
	return sim, c, providers.Account{Provider: providers.Upcoming, UserID: "1", Credentials: providers.Credentials{Token: tok}}
}

func TestLeavePrivateGroups(t *testing.T) {
	t.Parallel()
	created := time.Date(2006, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		others      bool
		wantDeleted bool
	}{
		{"the last member leaving a private group is told it was deleted", false, true},
		{"a member leaving a private group others remain in is told it was not", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, c, acct := fixture(t, upcomingtest.Group{ID: 7, Name: "secret", IsPrivate: true, Created: created, OwnerUserID: 1})
			sim.AddMember(7, 1, created, true)
			if tc.others {
				sim.AddMember(7, 2, created.Add(time.Hour), false)
			}
			res, err := c.LeaveGroup(t.Context(), acct, "7", providers.LeaveOptions{})
			if err != nil {
				t.Fatalf("LeaveGroup: %v", err)
			}
			if res.GroupDeleted != tc.wantDeleted || sim.Deleted(7) != tc.wantDeleted {
				t.Errorf("GroupDeleted = %v, simulator deleted = %v; want %v", res.GroupDeleted, sim.Deleted(7), tc.wantDeleted)
			}
		})
	}
}
