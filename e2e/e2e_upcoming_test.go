package e2e

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/upcoming"
	"github.com/groupgraph/groupgraph/providers/upcoming/upcomingtest"
)

func TestUpcomingEndToEnd(t *testing.T) {
	sim := upcomingtest.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	acct := sim.SeedSandbox()
	client, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + upcomingtest.Path, APIKey: upcomingtest.SandboxAPIKey, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})

	// The seed document's JSON example, kept in the simulator's seed.
	var seedDoc struct {
		Rsp struct {
			Group []struct {
				ID                  int    `json:"id"`
				Name                string `json:"name"`
				Description         string `json:"description"`
				ModerationLevel     string `json:"moderation_level"`
				EventModeration     int    `json:"event_moderation"`
				MemberModeration    int    `json:"member_moderation"`
				IsPrivate           int    `json:"is_private"`
				TopicCount          int    `json:"topic_count"`
				MemberCount         int    `json:"member_count"`
				Timestamp           string `json:"timestamp"`
				OwnerUserID         int    `json:"owner_user_id"`
				CommercialAccountID int    `json:"commercial_account_id"`
				NumMembers          int    `json:"num_members"`
				NumTopics           int    `json:"num_topics"`
			} `json:"group"`
		} `json:"rsp"`
	}
	raw, err := os.ReadFile("../providers/upcoming/upcomingtest/seed/getmygroups.json")
	if err != nil {
		t.Fatalf("the seed example: %v", err)
	}
	if err := json.Unmarshal(raw, &seedDoc); err != nil {
		t.Fatal(err)
	}
	if len(seedDoc.Rsp.Group) < 15 {
		t.Fatalf("seed has %d groups", len(seedDoc.Rsp.Group))
	}

	t.Run("the seed's groups come back with every field", func(t *testing.T) {
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100) { nodes { role providerRole group { providerId name description memberCount topicCount
		  createdAt visibility joinPolicy owner { providerId }
		  details { ... on UpcomingGroupDetails { moderationLevel eventModeration memberModeration isPrivate commercialAccountId numMembers numTopics } } } } } } }`, nil, &d, false)
		got := byProviderID(d.Viewer.Memberships.Nodes)
		for _, want := range seedDoc.Rsp.Group {
			id := strconv.Itoa(want.ID)
			m, ok := got[id]
			if !ok {
				t.Errorf("seed group %s (%s) missing", id, want.Name)
				continue
			}
			g := m.Group
			check := func(field string, ok bool) {
				if !ok {
					t.Errorf("group %s: %s does not match the seed", id, field)
				}
			}
			check("name", g.Name == want.Name)
			check("description", (want.Description == "" && (g.Description == nil || *g.Description == "")) || (g.Description != nil && *g.Description == want.Description))
			check("member_count", g.MemberCount != nil && *g.MemberCount == want.MemberCount)
			check("topic_count", g.TopicCount != nil && *g.TopicCount == want.TopicCount)
			check("timestamp (UTC)", g.CreatedAt != nil && (*g.CreatedAt)[:19] == want.Timestamp[:10]+"T"+want.Timestamp[11:])
			check("owner_user_id", g.Owner != nil && g.Owner.ProviderID == strconv.Itoa(want.OwnerUserID))
			check("role from owner_user_id", (m.Role == "OWNER") == (want.OwnerUserID == upcomingtest.SandboxUserID))
			det := g.Details
			check("moderation_level", det["moderationLevel"] == want.ModerationLevel)
			check("event_moderation", det["eventModeration"] == (want.EventModeration == 1))
			check("member_moderation", det["memberModeration"] == (want.MemberModeration == 1))
			check("is_private", det["isPrivate"] == (want.IsPrivate == 1))
			check("commercial_account_id", det["commercialAccountId"] == strconv.Itoa(want.CommercialAccountID))
			check("num_members", det["numMembers"] == float64(want.NumMembers))
			check("num_topics", det["numTopics"] == float64(want.NumTopics))
			check("visibility from is_private", g.Visibility != nil && (*g.Visibility == "PRIVATE") == (want.IsPrivate == 1))
		}
	})

	t.Run("details of every group take one group.getInfo call", func(t *testing.T) {
		before := sim.Calls("group.getInfo")
		q := `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Group { providerId description memberCount } } }`
		var ids []string
		for _, g := range seedDoc.Rsp.Group {
			ids = append(ids, globalGroupID(providers.Upcoming, strconv.Itoa(g.ID)))
		}
		var d struct{ Nodes []*groupNode }
		e.do("tok", q, map[string]any{"ids": ids}, &d, false)
		for i, n := range d.Nodes {
			if n == nil || n.Description == nil {
				t.Errorf("node %d: %+v, want the group with its description", i, n)
			}
		}
		if calls := sim.Calls("group.getInfo") - before; calls != 1 {
			t.Fatalf("group.getInfo called %d times for %d groups, want 1", calls, len(ids))
		}
	})

	leave := func(t *testing.T, id int) (deleted bool, errs []string) {
		t.Helper()
		var d struct {
			LeaveGroup struct {
				GroupDeleted bool
				Errors       []struct{ Code string }
			}
		}
		e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { groupDeleted errors { code } } }`,
			map[string]any{"id": globalGroupID(providers.Upcoming, strconv.Itoa(id))}, &d, false)
		for _, er := range d.LeaveGroup.Errors {
			errs = append(errs, er.Code)
		}
		return d.LeaveGroup.GroupDeleted, errs
	}

	t.Run("the last admin leaving makes the earliest-joined member admin", func(t *testing.T) {
		var earliest upcomingtest.Member
		for _, m := range sim.Members(upcomingtest.SandboxLastAdminGroupID) {
			if m.UserID != upcomingtest.SandboxUserID && (earliest.UserID == 0 || m.Joined.Before(earliest.Joined)) {
				earliest = m
			}
		}
		if deleted, errs := leave(t, upcomingtest.SandboxLastAdminGroupID); deleted || len(errs) != 0 {
			t.Fatalf("deleted %v errors %v", deleted, errs)
		}
		for _, m := range sim.Members(upcomingtest.SandboxLastAdminGroupID) {
			if m.UserID == earliest.UserID && !m.Admin {
				t.Fatalf("member %d (earliest join) was not promoted", m.UserID)
			}
		}
	})

	t.Run("the last member leaving deletes the group for good", func(t *testing.T) {
		if deleted, errs := leave(t, upcomingtest.SandboxSoleGroupID); !deleted || len(errs) != 0 {
			t.Fatalf("deleted %v errors %v, want deleted", deleted, errs)
		}
		if !sim.Deleted(upcomingtest.SandboxSoleGroupID) {
			t.Fatal("the simulator did not delete the group")
		}
	})

	t.Run("leaving a group one is not in is NOT_A_MEMBER", func(t *testing.T) {
		if _, errs := leave(t, upcomingtest.SandboxOtherGroupID); len(errs) != 1 || errs[0] != "NOT_A_MEMBER" {
			t.Fatalf("errors %v, want NOT_A_MEMBER", errs)
		}
	})
}

// The error codes of group.getMyGroups's page (403 for the token, 404 for
// the api_key) reach GraphQL as PROVIDER_AUTH_FAILED, with the HTTP status in
// extensions.providerCode.
func TestUpcomingSeedErrorCodesReachGraphQL(t *testing.T) {
	sim := upcomingtest.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	acct := sim.SeedSandbox()
	badToken := acct
	badToken.Credentials.Token = "0000000000000000000000000000000000000000"
	for _, tc := range []struct {
		name, apiKey string
		acct         providers.Account
		status       string
	}{
		{"403 for a token the platform does not know", upcomingtest.SandboxAPIKey, badToken, "403"},
		{"404 for an api_key the platform does not know", "not-a-key", acct, "404"},
	} {
		t.Run(tc.name+" is PROVIDER_AUTH_FAILED", func(t *testing.T) {
			client, err := upcoming.New(upcoming.Config{BaseURL: srv.URL + upcomingtest.Path, APIKey: tc.apiKey, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{tc.acct}}})
			r := e.do("tok", `{ viewer { memberships(first: 1) { totalCount incompleteProviders } } }`, nil, nil, true)
			if len(r.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", r.Errors)
			}
			ext := r.Errors[0].Extensions
			if ext["code"] != "PROVIDER_AUTH_FAILED" || ext["provider"] != "UPCOMING" || ext["providerCode"] != tc.status {
				t.Errorf("error = %+v, want PROVIDER_AUTH_FAILED from UPCOMING with providerCode %s", r.Errors[0], tc.status)
			}
		})
	}
}
