package e2e

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/pageseeder/pageseedertest"
)

const visibleGroupsQuery = `{ viewer { visibleGroups(first: 100) { totalCount nodes { providerId name description
  details { ... on PageSeederGroupDetails { type owner access common visibleTo template editUrls commenting moderation
    registration defaultRole defaultNotify indexVersion message } } } } } }`

// pageseederSandbox is the PageSeeder simulator with its sandbox seed
// data, a client of it, and the sandbox member's account.
func pageseederSandbox(t *testing.T) (*pageseedertest.Server, *pageseeder.Client, providers.Account) {
	t.Helper()
	sim := pageseedertest.New()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	acct, err := sim.SeedSandbox()
	if err != nil {
		t.Fatal(err)
	}
	client, err := pageseeder.New(pageseeder.Config{
		BaseURL: srv.URL, ClientID: pageseedertest.SandboxClientID, ClientSecret: pageseedertest.SandboxClientSecret, HTTPClient: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sim, client, acct
}

func TestPageSeederEndToEnd(t *testing.T) {
	sim, client, acct := pageseederSandbox(t)
	e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})

	var seed struct {
		Groups []map[string]any `json:"groups"`
	}
	raw, err := os.ReadFile("../providers/pageseeder/pageseedertest/seed/visiblegroups.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &seed); err != nil || len(seed.Groups) != 2 {
		t.Fatalf("seed: %v, %d groups", err, len(seed.Groups))
	}

	visible := func(t *testing.T) map[string]groupNode {
		t.Helper()
		var d struct {
			Viewer struct{ VisibleGroups struct{ Nodes []groupNode } }
		}
		e.do("tok", visibleGroupsQuery, nil, &d, false)
		out := map[string]groupNode{}
		for _, g := range d.Viewer.VisibleGroups.Nodes {
			out[g.ProviderID] = g
		}
		return out
	}

	t.Run("visible groups return the seed's groups with every field", func(t *testing.T) {
		got := visible(t)
		// The seed's JSON field → the GraphQL field that carries it.
		fields := map[string]string{
			"type": "type", "owner": "owner", "access": "access", "common": "common", "visibility": "visibleTo", "template": "template",
			"editurls": "editUrls", "commenting": "commenting", "moderation": "moderation", "registration": "registration",
			"defaultrole": "defaultRole", "defaultnotify": "defaultNotify", "message": "message",
		}
		for _, want := range seed.Groups {
			id := strconv.Itoa(int(want["id"].(float64)))
			g, ok := got[id]
			if !ok {
				t.Errorf("seed group %s missing from visibleGroups", id)
				continue
			}
			if g.Name != want["name"] || g.Description == nil || *g.Description != want["description"] {
				t.Errorf("group %s: name %q description %v, want %v %v", id, g.Name, g.Description, want["name"], want["description"])
			}
			for seedField, gqlField := range fields {
				if g.Details[gqlField] != want[seedField] {
					t.Errorf("group %s: %s = %v, want the seed's %s %v", id, gqlField, g.Details[gqlField], seedField, want[seedField])
				}
			}
			if g.Details["indexVersion"] != strconv.Itoa(int(want["indexversion"].(float64))) {
				t.Errorf("group %s: indexVersion = %v, want %v", id, g.Details["indexVersion"], want["indexversion"])
			}
		}
		if _, ok := got[strconv.FormatInt(pageseedertest.SandboxBoard, 10)]; ok {
			t.Error("a group visible only to another group's members is listed")
		}
	})

	t.Run("a listed group's details-only fields come from its detail call", func(t *testing.T) {
		// editUrls is a boolean only the detail call carries; a listed group
		// has to be completed for it, and must not answer null.
		var d struct {
			Viewer struct {
				Memberships struct {
					Nodes []struct {
						Group struct {
							Details map[string]any
						}
					}
				}
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100) { nodes { group { details { ... on PageSeederGroupDetails { editUrls template } } } } } } }`, nil, &d, false)
		if len(d.Viewer.Memberships.Nodes) == 0 {
			t.Fatal("no memberships")
		}
		for _, n := range d.Viewer.Memberships.Nodes {
			if _, ok := n.Group.Details["editUrls"].(bool); !ok {
				t.Errorf("details = %v, want editUrls true or false", n.Group.Details)
			}
		}
	})

	inherited := strconv.FormatInt(pageseedertest.SandboxInheritedGroup, 10)
	t.Run("memberships include inherited ones, flagged and not leavable", func(t *testing.T) {
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100) { nodes { inherited viewerCanLeave role providerRole status providerStatus group { providerId name } } } } }`, nil, &d, false)
		m, ok := byProviderID(d.Viewer.Memberships.Nodes)[inherited]
		if !ok || !m.Inherited || m.ViewerCanLeave {
			t.Fatalf("inherited membership = %+v (listed %v), want inherited and not leavable", m, ok)
		}
	})

	t.Run("leaving an inherited membership is INHERITED_MEMBERSHIP without deregistering", func(t *testing.T) {
		before := sim.CountRequests("POST", "/deregister")
		var d struct {
			LeaveGroup struct {
				Errors []struct{ Code, Message string }
			}
		}
		e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { errors { code message } } }`,
			map[string]any{"id": globalGroupID(providers.PageSeeder, inherited)}, &d, false)
		if len(d.LeaveGroup.Errors) != 1 || d.LeaveGroup.Errors[0].Code != "INHERITED_MEMBERSHIP" {
			t.Fatalf("errors = %+v, want INHERITED_MEMBERSHIP", d.LeaveGroup.Errors)
		}
		if n := sim.CountRequests("POST", "/deregister") - before; n != 0 {
			t.Fatalf("%d deregister calls, want none", n)
		}
	})

	t.Run("a normal leave moves the group from memberships to visible groups", func(t *testing.T) {
		id := strconv.FormatInt(pageseedertest.SandboxGroup, 10)
		if _, ok := visible(t)[id]; ok {
			t.Fatalf("group %s is visible before leaving, fixture is wrong", id)
		}
		var d struct {
			LeaveGroup struct {
				GroupDeleted bool
				Membership   *struct{ Status string }
				Errors       []struct{ Code string }
			}
		}
		e.do("tok", `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { groupDeleted membership { status } errors { code } } }`,
			map[string]any{"id": globalGroupID(providers.PageSeeder, id)}, &d, false)
		if len(d.LeaveGroup.Errors) != 0 || d.LeaveGroup.GroupDeleted || d.LeaveGroup.Membership == nil || d.LeaveGroup.Membership.Status != "REMOVED" {
			t.Fatalf("payload = %+v", d.LeaveGroup)
		}
		var after struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		e.do("tok", `{ viewer { memberships(first: 100) { nodes { group { providerId } } } } }`, nil, &after, false)
		if slices.ContainsFunc(after.Viewer.Memberships.Nodes, func(n membershipNode) bool { return n.Group.ProviderID == id }) {
			t.Error("the group is still among the memberships")
		}
		if _, ok := visible(t)[id]; !ok {
			t.Error("the group is not among the visible groups after leaving")
		}
	})
}

// visiblegroups's one documented error, 0x102A (the member not found),
// reaches GraphQL as NOT_FOUND with the id in extensions.providerCode.
func TestPageSeederSeedErrorCodeReachesGraphQL(t *testing.T) {
	_, client, acct := pageseederSandbox(t)
	acct.UserID = "424242" // a member the server does not know
	e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})
	var d struct {
		Viewer struct {
			VisibleGroups struct {
				TotalCount          int
				IncompleteProviders []string
			}
		}
	}
	r := e.do("tok", `{ viewer { visibleGroups(first: 10) { totalCount incompleteProviders } } }`, nil, &d, true)
	if len(r.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", r.Errors)
	}
	ext := r.Errors[0].Extensions
	if ext["code"] != "NOT_FOUND" || ext["provider"] != "PAGESEEDER" || ext["providerCode"] != "0x102A" {
		t.Errorf("error = %+v, want NOT_FOUND from PAGESEEDER with providerCode 0x102A", r.Errors[0])
	}
	if got := d.Viewer.VisibleGroups.IncompleteProviders; len(got) != 1 || got[0] != "PAGESEEDER" {
		t.Errorf("incompleteProviders = %v, want [PAGESEEDER]", got)
	}
}
