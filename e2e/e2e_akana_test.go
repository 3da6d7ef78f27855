package e2e

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
	"github.com/groupgraph/groupgraph/providers/fault"
)

type akanaFixture struct {
	sim    *akanatest.Server
	clock  *akanatest.Clock
	e      *e2e
	client *akana.Client
}

func newAkanaFixture(t *testing.T) *akanaFixture {
	t.Helper()
	clock := akanatest.NewClock(time.Date(2026, 5, 20, 22, 20, 58, 0, time.UTC))
	sim := akanatest.New(akanatest.Options{Tenant: akanatest.DefaultTenant, Clock: clock.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	acct := sim.SeedSandbox()
	client, err := akana.New(akana.Config{BaseURL: srv.URL, Tenant: akanatest.DefaultTenant, HTTPClient: srv.Client(), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := newE2E(t, []providers.Provider{client}, map[string]*providers.Viewer{"tok": {Name: "sandbox", Accounts: []providers.Account{acct}}})
	return &akanaFixture{sim: sim, clock: clock, e: e, client: client}
}

const akanaQuery = `{ viewer { memberships(first: 100) { nodes { role providerRole status providerStatus viewerCanLeave
  group { providerId name description visibility iconUrl
    details { ... on AkanaGroupDetails { resourceType visibilityName avatarUrl detailsLink categories { value domain } } } } } } } }`

func TestAkanaEndToEnd(t *testing.T) {
	t.Run("the seed's group comes back with every field of the feed", func(t *testing.T) {
		f := newAkanaFixture(t)
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []membershipNode }
			}
		}
		f.e.do("tok", akanaQuery, nil, &d, false)
		m, ok := byProviderID(d.Viewer.Memberships.Nodes)[akanatest.SeedGroupID]
		if !ok {
			t.Fatalf("seed group %s missing", akanatest.SeedGroupID)
		}
		g := m.Group
		if g.Name != "ACME Payments API UG" || g.Description == nil || *g.Description != "ACME Payments API User Group" {
			t.Errorf("title/description = %q / %v", g.Name, g.Description)
		}
		if g.Visibility == nil || *g.Visibility != "RESTRICTED" || g.Details["visibilityName"] != "Limited" {
			t.Errorf("visibility = %v (%v), want RESTRICTED from Limited", g.Visibility, g.Details["visibilityName"])
		}
		if m.Status != "ACTIVE" || *m.ProviderStatus != "com.soa.group.membership.state.approved" ||
			m.Role != "MEMBER" || *m.ProviderRole != "com.soa.group.membership.role.member" {
			t.Errorf("status %s/%v role %s/%v", m.Status, *m.ProviderStatus, m.Role, *m.ProviderRole)
		}
		avatar, _ := g.Details["avatarUrl"].(string)
		link, _ := g.Details["detailsLink"].(string)
		if !contains(avatar, "/api/groups/group19212.acmepaymentscorp/avatar") || link != "../acmepaymentscorp#/groups/group19212.acmepaymentscorp/details" {
			t.Errorf("avatar %q link %q, want the feed's Image.Url and Image.Link", avatar, link)
		}
		if g.Details["resourceType"] != "group" || len(g.Details["categories"].([]any)) != 4 {
			t.Errorf("resourceType %v categories %v", g.Details["resourceType"], g.Details["categories"])
		}
		if m.ViewerCanLeave {
			t.Error("a plain member can leave, though Akana reserves removal to leaders")
		}
	})

	t.Run("a session close to its end is renewed without the client noticing", func(t *testing.T) {
		f := newAkanaFixture(t)
		f.clock.Advance(27 * time.Minute) // 3 minutes left of 30: inside the renewal window
		before := f.sim.Stats().Renewals
		f.e.do("tok", `{ viewer { memberships(first: 1) { totalCount } } }`, nil, nil, false)
		if f.sim.Stats().Renewals <= before {
			t.Fatal("the session was not renewed")
		}
		f.clock.Advance(20 * time.Minute) // past the old session's end, inside the new one
		f.e.do("tok", `{ viewer { memberships(first: 1) { totalCount } } }`, nil, nil, false)
	})

	t.Run("an expired session is PROVIDER_AUTH_FAILED asking for a relink", func(t *testing.T) {
		f := newAkanaFixture(t)
		f.clock.Advance(31 * time.Minute)
		r := f.e.do("tok", `{ viewer { memberships(first: 1) { totalCount incompleteProviders } } }`, nil, nil, true)
		code, msg := firstError(r)
		if code != "PROVIDER_AUTH_FAILED" || !contains(msg, "relink") || r.Errors[0].Extensions["provider"] != "AKANA" {
			t.Fatalf("error %s %q %v, want PROVIDER_AUTH_FAILED asking to relink", code, msg, r.Errors)
		}
	})

	t.Run("the platform's 401 for a revoked session is PROVIDER_AUTH_FAILED with the status", func(t *testing.T) {
		f := newAkanaFixture(t)
		f.sim.Revoke(akanatest.SandboxUserID)
		r := f.e.do("tok", `{ viewer { memberships(first: 1) { totalCount incompleteProviders } } }`, nil, nil, true)
		if len(r.Errors) != 1 {
			t.Fatalf("errors = %+v, want one", r.Errors)
		}
		ext := r.Errors[0].Extensions
		if ext["code"] != "PROVIDER_AUTH_FAILED" || ext["provider"] != "AKANA" || ext["providerCode"] != "401" || !contains(r.Errors[0].Message, "relink") {
			t.Errorf("error = %+v, want PROVIDER_AUTH_FAILED from AKANA with providerCode 401, asking to relink", r.Errors[0])
		}
	})

	t.Run("the platform's 500 is PROVIDER_UNAVAILABLE with its faultcode", func(t *testing.T) {
		f := newAkanaFixture(t)
		f.sim.Faults().Set(fault.Config{Next: []fault.Kind{fault.Custom}})
		r := f.e.do("tok", `{ viewer { memberships(first: 1) { totalCount incompleteProviders } } }`, nil, nil, true)
		if len(r.Errors) != 1 {
			t.Fatalf("errors = %+v, want one", r.Errors)
		}
		ext := r.Errors[0].Extensions
		if ext["code"] != "PROVIDER_UNAVAILABLE" || ext["provider"] != "AKANA" || ext["providerCode"] != "soap:Server" {
			t.Errorf("error = %+v, want PROVIDER_UNAVAILABLE from AKANA with providerCode soap:Server", r.Errors[0])
		}
	})

	t.Run("a member's leave is NOT_PERMITTED and a leader's succeeds with a renewed session", func(t *testing.T) {
		f := newAkanaFixture(t)
		var d struct {
			LeaveGroup struct {
				Membership *struct{ Status string }
				Errors     []struct{ Code, Message string }
			}
		}
		q := `mutation($id: ID!) { leaveGroup(input: {groupId: $id}) { membership { status } errors { code message } } }`
		f.e.do("tok", q, map[string]any{"id": globalGroupID(providers.Akana, akanatest.SeedGroupID)}, &d, false)
		if len(d.LeaveGroup.Errors) != 1 || d.LeaveGroup.Errors[0].Code != "NOT_PERMITTED" || !contains(d.LeaveGroup.Errors[0].Message, "leader") {
			t.Fatalf("member leave: %+v, want NOT_PERMITTED naming a leader", d.LeaveGroup.Errors)
		}
		if _, _, still := f.sim.Membership(akanatest.SeedGroupID, akanatest.SandboxUserID); !still {
			t.Fatal("the refused leave removed the member")
		}
		renewals := f.sim.Stats().Renewals
		d.LeaveGroup.Errors = nil
		f.e.do("tok", q, map[string]any{"id": globalGroupID(providers.Akana, akanatest.LedGroupID)}, &d, false)
		if len(d.LeaveGroup.Errors) != 0 || d.LeaveGroup.Membership == nil {
			t.Fatalf("leader leave: %+v", d.LeaveGroup)
		}
		if _, state, ok := f.sim.Membership(akanatest.LedGroupID, akanatest.SandboxUserID); ok && state != akanatest.StateRemoved {
			t.Fatalf("the leader is still a member (%s)", state)
		}
		if f.sim.Stats().Renewals <= renewals {
			t.Error("the session was not renewed after the leave")
		}
	})
}
