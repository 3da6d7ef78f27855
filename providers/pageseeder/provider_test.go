package pageseeder_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/fault"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

func ptr[T any](v T) *T { return &v }

// seedGroups are the two groups of the seed document, as the domain must
// carry them: every attribute lands in a common field or in Details.
func seedGroups() []providers.Group {
	return []providers.Group{
		{
			Provider: providers.PageSeeder, ID: "123", Name: "acme-forum", Complete: true,
			Description: ptr("Public forum of ACME Group"),
			Visibility:  providers.VisibilityPublic, JoinPolicy: providers.JoinModerated,
			Details: &providers.PageSeederDetails{
				Type: "group", Owner: "ACME", Access: "member", Common: ptr(false), VisibleTo: "public",
				Template: "acme", EditURLs: ptr(false), Commenting: "contributor", Moderation: "email",
				Registration: "moderated", DefaultRole: "reviewer", DefaultNotify: "immediate",
				IndexVersion: "9203", Message: "You have been added to ACME's public forum.",
			},
		},
		{
			Provider: providers.PageSeeder, ID: "777", Name: "test-public", Complete: true,
			Description: ptr("For testing"),
			Visibility:  providers.VisibilityPublic, JoinPolicy: providers.JoinModerated,
			Details: &providers.PageSeederDetails{
				Type: "group", Owner: "PageSeeder", Access: "member", Common: ptr(false), VisibleTo: "public",
				Template: "test", EditURLs: ptr(false), Commenting: "reviewer", Moderation: "email",
				Registration: "moderated", DefaultRole: "reviewer", DefaultNotify: "immediate",
				IndexVersion: "9203", Message: "Welcome to the testing group!",
			},
		},
	}
}

func groupIDs(gs []providers.Group) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

func membershipIDs(ms []providers.Membership) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Group.ID)
	}
	return ids
}

func TestVisibleGroups(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("the seed's groups come back with every field", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		gs, err := sb.client.VisibleGroups(ctx, sb.acct)
		if err != nil {
			t.Fatalf("VisibleGroups: %v", err)
		}
		var fromSeed []providers.Group
		for _, g := range gs {
			if g.ID == "123" || g.ID == "777" {
				fromSeed = append(fromSeed, g)
			}
		}
		if diff := cmp.Diff(seedGroups(), fromSeed); diff != "" {
			t.Errorf("seed groups (-want +got):\n%s", diff)
		}
	})

	t.Run("groups visible to one of the member's groups are listed and others are not", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		gs, err := sb.client.VisibleGroups(ctx, sb.acct)
		if err != nil {
			t.Fatalf("VisibleGroups: %v", err)
		}
		want := []string{"123", "220", "240", "777"}
		got := groupIDs(gs)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("visible group ids (-want +got):\n%s", diff)
		}
		for _, g := range gs {
			if g.ID == "220" && g.Visibility != providers.VisibilityRestricted {
				t.Errorf("group 220 visibility = %q, want RESTRICTED", g.Visibility)
			}
		}
	})
}

func TestMemberships(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sb := newSandbox(t, pageseeder.Config{})
	ms, err := sb.client.Memberships(ctx, sb.acct)
	if err != nil {
		t.Fatalf("Memberships: %v", err)
	}
	type row struct {
		Group, ID, Type       string
		Role                  providers.Role
		ProviderRole          string
		Status                providers.Status
		ProviderStatus        string
		Inherited, Leavable   bool
		InheritedFrom         string
		HasJoinedAt, Complete bool
	}
	var got []row
	for _, m := range ms {
		got = append(got, row{
			Group: m.Group.ID, ID: m.ID, Type: m.Group.Details.(*providers.PageSeederDetails).Type,
			Role: m.Role, ProviderRole: m.ProviderRole, Status: m.Status, ProviderStatus: m.ProviderStatus,
			Inherited: m.Inherited, Leavable: m.Leavable, InheritedFrom: m.InheritedFrom,
			HasJoinedAt: m.JoinedAt != nil, Complete: m.Group.Complete,
		})
		if m.UserID != sb.acct.UserID {
			t.Errorf("group %s: UserID = %q, want %q", m.Group.ID, m.UserID, sb.acct.UserID)
		}
	}
	want := []row{
		{Group: "201", ID: "101", Type: "project", Role: providers.RoleAdmin, ProviderRole: "manager", Status: providers.StatusActive, ProviderStatus: "normal", Leavable: true, HasJoinedAt: true},
		{Group: "202", ID: "102", Type: "group", Role: providers.RoleMember, ProviderRole: "contributor", Status: providers.StatusActive, ProviderStatus: "normal", Leavable: true, HasJoinedAt: true},
		{Group: "203", ID: "103", Type: "group", Role: providers.RoleMember, ProviderRole: "reviewer", Status: providers.StatusActive, ProviderStatus: "normal", Leavable: true, HasJoinedAt: true},
		{Group: "204", ID: "104", Type: "group", Role: providers.RoleMember, ProviderRole: "reviewer", Status: providers.StatusPending, ProviderStatus: "moderated", Leavable: true, HasJoinedAt: true},
		{Group: "210", ID: "105", Type: "group", Role: providers.RoleModerator, ProviderRole: "moderator", Status: providers.StatusActive, ProviderStatus: "normal", Leavable: true, HasJoinedAt: true},
		{Group: "211", Type: "group", Role: providers.RoleMember, ProviderRole: "contributor", Status: providers.StatusActive, ProviderStatus: "normal", Inherited: true, InheritedFrom: "acme-administrators"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
}

func TestLeaveGroup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("an inherited membership is ErrInherited and deregister is never called", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		_, err := sb.client.LeaveGroup(ctx, sb.acct, id(pageseedertest.SandboxInheritedGroup), providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrInherited) {
			t.Fatalf("LeaveGroup: %v, want ErrInherited", err)
		}
		if n := sb.sim.CountRequests(http.MethodPost, "/deregister"); n != 0 {
			t.Errorf("deregister called %d times, want 0", n)
		}
	})

	t.Run("a normal leave moves the group from memberships to visible groups", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		gid := id(pageseedertest.SandboxReviewGroup)
		res, err := sb.client.LeaveGroup(ctx, sb.acct, gid, providers.LeaveOptions{})
		if err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		if res.GroupDeleted || res.Membership == nil || res.Membership.Status != providers.StatusRemoved ||
			res.Membership.ProviderStatus != "disabled" || res.Membership.ID != "103" {
			t.Errorf("LeaveResult = %+v, membership %+v; want the ended membership 103, disabled, group kept", res, res.Membership)
		}
		ms, err := sb.client.Memberships(ctx, sb.acct)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		if slices.Contains(membershipIDs(ms), gid) {
			t.Errorf("group %s still among memberships after leaving", gid)
		}
		gs, err := sb.client.VisibleGroups(ctx, sb.acct)
		if err != nil {
			t.Fatalf("VisibleGroups: %v", err)
		}
		if !slices.Contains(groupIDs(gs), gid) {
			t.Errorf("group %s not among visible groups after leaving: %v", gid, groupIDs(gs))
		}
		former := slices.IndexFunc(sb.sim.Memberships(), func(m pageseedertest.Membership) bool {
			return m.ID == 103 && m.Status == "disabled" && m.Deleted
		})
		if former < 0 {
			t.Error("the simulator kept no former membership")
		}
	})

	t.Run("malformed group ids are ErrInvalid without a request", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		for _, gid := range []string{"", "~acme-info", "12/../34", "abc"} {
			if _, err := sb.client.LeaveGroup(ctx, sb.acct, gid, providers.LeaveOptions{}); !errors.Is(err, providers.ErrInvalid) {
				t.Errorf("LeaveGroup(%q): %v, want ErrInvalid", gid, err)
			}
		}
		if n := len(sb.sim.Requests()); n != 0 {
			t.Errorf("%d requests sent, want 0", n)
		}
	})
}

func TestGroupsByID(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("duplicate ids are asked once and hidden or malformed ids are absent", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		got, err := sb.client.GroupsByID(ctx, sb.acct, []string{"202", "202", "123", "230", "x", "999999"})
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"123", "202"}, keys); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
		if n := sb.sim.CountRequests(http.MethodGet, "/groups/202"); n != 1 {
			t.Errorf("group 202 asked %d times, want 1", n)
		}
		want := &providers.Group{
			Provider: providers.PageSeeder, ID: "202", Name: "acme-info", Complete: true,
			Description: ptr("Info group of the ACME project"),
			Visibility:  providers.VisibilityPublic, JoinPolicy: providers.JoinOpen,
			Details: &providers.PageSeederDetails{
				Type: "group", Owner: "ACME", Access: "member", Common: ptr(false), VisibleTo: "public", Template: "acme", EditURLs: ptr(false),
				Commenting: "contributor", Moderation: "none", Registration: "normal", DefaultRole: "reviewer",
				DefaultNotify: "daily", IndexVersion: "9203", DetailsType: "staff", RelatedURL: "https://acme.example/info",
				Message: "Welcome to acme-info.",
			},
		}
		if diff := cmp.Diff(want, got["202"]); diff != "" {
			t.Errorf("group 202 (-want +got):\n%s", diff)
		}
	})

	t.Run("a failing upstream yields the successes and a BatchError", func(t *testing.T) {
		t.Parallel()
		sb := newSandbox(t, pageseeder.Config{})
		ids := []string{"202", "123", "777"}
		// Fail the one request for 777: a handler in front of the simulator.
		sb.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/ps/service/groups/777" {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			sb.sim.ServeHTTP(w, r)
		})
		got, err := sb.client.GroupsByID(ctx, sb.acct, ids)
		var be *providers.BatchError
		if !errors.As(err, &be) || len(be.Failed) != 1 || be.Failed["777"] == nil {
			t.Fatalf("GroupsByID error = %v, want a BatchError for 777", err)
		}
		if !errors.Is(err, providers.ErrUnavailable) {
			t.Errorf("BatchError does not unwrap to ErrUnavailable: %v", err)
		}
		if len(got) != 2 || got["202"] == nil || got["123"] == nil {
			t.Errorf("got %d successes, want 202 and 123", len(got))
		}
	})
}

func TestWhoami(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, pageseeder.Config{})
	u, err := sb.client.Whoami(t.Context(), sb.acct)
	if err != nil {
		t.Fatalf("Whoami: %v", err)
	}
	want := providers.User{Provider: providers.PageSeeder, ID: "1001", Username: "sandbox", Name: "Sam Sandbox"}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("Whoami (-want +got):\n%s", diff)
	}
}

// TestServicePrefix checks that the client honours a non-default prefix by
// mounting the simulator under another path.
func TestServicePrefix(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, pageseeder.Config{})
	sb.srv.Config.Handler = http.StripPrefix("/custom", sb.sim)
	c, err := pageseeder.New(pageseeder.Config{BaseURL: sb.srv.URL + "/custom", HTTPClient: sb.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := c.Whoami(ctx, sb.acct); err != nil {
		t.Fatalf("Whoami under /custom: %v", err)
	}
	c2, err := pageseeder.New(pageseeder.Config{BaseURL: sb.srv.URL + "/custom", ServicePrefix: "/nowhere", HTTPClient: sb.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Whoami(ctx, sb.acct); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Whoami with a wrong prefix: %v, want ErrNotFound", err)
	}
}

func TestInjectedFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind fault.Kind
		want error
	}{
		{"PageSeeder's own unavailable answer is ErrUnavailable", fault.Custom, providers.ErrUnavailable},
		{"a load balancer's HTML 503 is ErrUnavailable", fault.ServerError, providers.ErrUnavailable},
		{"a truncated body is ErrUnavailable", fault.Garbage, providers.ErrUnavailable},
		{"a reset connection is ErrUnavailable", fault.Reset, providers.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb := newSandbox(t, pageseeder.Config{})
			sb.sim.Faults().Set(fault.Config{Next: []fault.Kind{tt.kind}})
			_, err := sb.client.VisibleGroups(t.Context(), sb.acct)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VisibleGroups: %v, want %v", err, tt.want)
			}
			assertNoSecret(t, err, sb.acct.Credentials.Token, sb.acct.Credentials.RefreshToken)
		})
	}
}
