package akana_test

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana/akanatest"
)

func TestLogin(t *testing.T) {
	t.Run("a login yields a session the platform accepts", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		res, err := sb.client.Login(t.Context(), akanatest.SandboxEmail, akanatest.SandboxPassword)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if res.UserID != akanatest.SandboxUserID || res.UserName != "Sandbox Developer" {
			t.Errorf("Login = user %q name %q, want the sandbox user", res.UserID, res.UserName)
		}
		if res.Credentials.Token == "" || res.Credentials.Secret == "" {
			t.Errorf("Login credentials lack the cookie or the CSRF token")
		}
		if want := sb.clock.Now().Add(30 * time.Minute); !res.Credentials.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want %v", res.Credentials.Expiry, want)
		}
		acct := res.Account("link-2")
		if acct.Provider != providers.Akana || acct.UserID != akanatest.SandboxUserID || acct.ID != "link-2" {
			t.Errorf("Account = %+v", acct)
		}
		if _, err := sb.client.LeaveGroup(t.Context(), acct, akanatest.LedGroupID, providers.LeaveOptions{}); err != nil {
			t.Fatalf("LeaveGroup with the login's session: %v", err)
		}
	})
	t.Run("with CSRF protection off the session has no CSRF token and writes still work", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{DisableCSRF: true})
		res, err := sb.client.Login(t.Context(), akanatest.SandboxEmail, akanatest.SandboxPassword)
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		if res.Credentials.Secret != "" {
			t.Errorf("Secret = %q, want none", res.Credentials.Secret)
		}
		if _, err := sb.client.LeaveGroup(t.Context(), res.Account("l"), akanatest.LedGroupID, providers.LeaveOptions{}); err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
	})
	t.Run("with CSRF required on reads too the client's reads pass", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{ReadCSRF: true})
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
	})
	t.Run("a wrong password is unauthenticated and the password appears nowhere", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		_, err := sb.client.Login(t.Context(), akanatest.SandboxEmail, "not-the-password")
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("Login: %v, want ErrUnauthenticated", err)
		}
		assertNoLeak(t, err, "not-the-password")
	})
}

func TestSessionRenewal(t *testing.T) {
	t.Run("a session close to its end is renewed before the call and the sink is told", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.clock.Advance(26 * time.Minute)
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		if got := sb.sim.Stats().Renewals; got != 1 {
			t.Fatalf("%d renewals, want 1", got)
		}
		renewed := sb.sink.last()
		if sb.sink.count() != 1 || renewed.Token == sb.acct.Credentials.Token || !renewed.Expiry.Equal(sb.clock.Now().Add(30*time.Minute)) {
			t.Fatalf("sink told %d times, last expiry %v; want once, with a new token ending in 30 minutes", sb.sink.count(), renewed.Expiry)
		}
		if renewed.Secret != sb.acct.Credentials.Secret {
			t.Errorf("the renewal changed the CSRF token")
		}
		// The stale account is still what the caller holds; the client uses
		// the renewed session for it.
		sb.clock.Advance(10 * time.Minute)
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships after the original session ended: %v", err)
		}
		if got := sb.sim.Stats().Renewals; got != 1 {
			t.Errorf("%d renewals, want still 1", got)
		}
	})
	t.Run("an ended session is unauthenticated, asks to relink, and asks the platform nothing", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.clock.Advance(31 * time.Minute)
		before := sb.sim.Faults().Requests()
		_, err := sb.client.Memberships(t.Context(), sb.acct)
		if !errors.Is(err, providers.ErrUnauthenticated) || !strings.Contains(err.Error(), "relink") {
			t.Fatalf("Memberships: %v, want ErrUnauthenticated asking to relink", err)
		}
		assertNoLeak(t, err, sb.acct.Credentials.Token, sb.acct.Credentials.Secret)
		if got := sb.sim.Faults().Requests() - before; got != 0 {
			t.Errorf("%d requests, want none", got)
		}
	})
	t.Run("a session the platform revoked fails after one renewal attempt", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.sim.Revoke(akanatest.SandboxUserID)
		_, err := sb.client.Memberships(t.Context(), sb.acct)
		if !errors.Is(err, providers.ErrUnauthenticated) || !strings.Contains(err.Error(), "relink") {
			t.Fatalf("Memberships: %v, want ErrUnauthenticated asking to relink", err)
		}
		if got := sb.sim.Stats().Refusals; got != 2 {
			t.Errorf("%d refusals, want 2 (the call and the renewal)", got)
		}
	})
	t.Run("concurrent calls near the session's end renew it once", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.clock.Advance(27 * time.Minute)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = sb.client.GroupsByID(t.Context(), sb.acct, []string{akanatest.SeedGroupID, akanatest.LedGroupID})
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		if got := sb.sim.Stats().Renewals; got != 1 {
			t.Errorf("%d renewals, want 1", got)
		}
	})
	t.Run("renewed credentials are kept when the sink fails", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.sink.err = errors.New("store down")
		sb.clock.Advance(26 * time.Minute)
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		sb.clock.Advance(10 * time.Minute)
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships after the original session ended: %v", err)
		}
	})
	t.Run("a relinked account's newer session replaces the renewed one", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.clock.Advance(26 * time.Minute)
		if _, err := sb.client.Memberships(t.Context(), sb.acct); err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		sb.clock.Advance(20 * time.Minute)
		relinked, err := sb.client.Login(t.Context(), akanatest.SandboxEmail, akanatest.SandboxPassword)
		if err != nil {
			t.Fatal(err)
		}
		acct := sb.acct
		acct.Credentials = relinked.Credentials
		if _, err := sb.client.Memberships(t.Context(), acct); err != nil {
			t.Fatalf("Memberships with the relinked session: %v", err)
		}
		if got := sb.sim.Stats().Renewals; got != 1 {
			t.Errorf("%d renewals, want 1", got)
		}
	})
}

func TestLeave(t *testing.T) {
	t.Run("a leader's leave succeeds and renews the session", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		res, err := sb.client.LeaveGroup(t.Context(), sb.acct, akanatest.LedGroupID, providers.LeaveOptions{})
		if err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		m := res.Membership
		if m == nil || m.Group.ID != akanatest.LedGroupID || m.Role != providers.RoleModerator || m.Status != providers.StatusRemoved ||
			m.ProviderStatus != "com.soa.group.membership.state.removed" || res.GroupDeleted {
			t.Fatalf("LeaveGroup = %+v", res)
		}
		if _, state, _ := sb.sim.Membership(akanatest.LedGroupID, akanatest.SandboxUserID); state != akanatest.StateRemoved {
			t.Errorf("platform state %q, want removed", state)
		}
		if sb.sim.Stats().Renewals != 1 || sb.sink.count() != 1 {
			t.Errorf("%d renewals, sink told %d times; want 1 and 1", sb.sim.Stats().Renewals, sb.sink.count())
		}
	})
	t.Run("a plain member's leave is forbidden with a message naming the leader", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		_, err := sb.client.LeaveGroup(t.Context(), sb.acct, akanatest.SeedGroupID, providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrForbidden) || !strings.Contains(err.Error(), "leader") {
			t.Fatalf("LeaveGroup: %v, want ErrForbidden saying a leader must remove them", err)
		}
		if got := providers.ProviderCode(err); got != "403" {
			t.Errorf("ProviderCode = %q, want 403", got)
		}
		if _, state, _ := sb.sim.Membership(akanatest.SeedGroupID, akanatest.SandboxUserID); state != akanatest.StateApproved {
			t.Errorf("platform state %q, want still approved", state)
		}
		if got := sb.sim.Stats().Renewals; got != 0 {
			t.Errorf("%d renewals after a refused leave, want 0", got)
		}
	})
	t.Run("leaving a private group one is not in is not-a-member", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		_, err := sb.client.LeaveGroup(t.Context(), sb.acct, akanatest.PrivateGroupID, providers.LeaveOptions{})
		if !errors.Is(err, providers.ErrNotMember) {
			t.Fatalf("LeaveGroup: %v, want ErrNotMember", err)
		}
	})
	for _, id := range []string{" ", "..", "a\nb"} {
		t.Run("leaving group "+strconv.Quote(id)+" is invalid and asks nothing", func(t *testing.T) {
			sb := newSandbox(t, akanatest.Options{})
			before := sb.sim.Faults().Requests()
			if _, err := sb.client.LeaveGroup(t.Context(), sb.acct, id, providers.LeaveOptions{}); !errors.Is(err, providers.ErrInvalid) {
				t.Fatalf("LeaveGroup: %v, want ErrInvalid", err)
			}
			if n := sb.sim.Faults().Requests() - before; n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
}

func TestGroupsByID(t *testing.T) {
	t.Run("the seed's group comes back complete with its details", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		got, err := sb.client.GroupsByID(t.Context(), sb.acct, []string{akanatest.SeedGroupID})
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		g := got[akanatest.SeedGroupID]
		if g == nil || g.Name != "ACME Payments API UG" || g.Description == nil || *g.Description != "ACME Payments API User Group" ||
			g.Visibility != providers.VisibilityRestricted || g.IconURL == nil || g.URL == nil || !g.Complete || g.MemberCount == nil || *g.MemberCount != 4 {
			t.Fatalf("group = %+v", g)
		}
		if want := sb.srv.URL + "/acmepaymentscorp#/groups/group19212.acmepaymentscorp/details"; *g.URL != want {
			t.Errorf("URL = %q, want %q", *g.URL, want)
		}
		if d, ok := g.Details.(*providers.AkanaDetails); !ok || d.VisibilityName != "Limited" || d.ResourceType != "group" {
			t.Errorf("Details = %#v", g.Details)
		}
	})
	t.Run("ids are asked once each and a private group one may not see is absent", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		before := sb.sim.Faults().Requests()
		got, err := sb.client.GroupsByID(t.Context(), sb.acct, []string{akanatest.OpenGroupID, akanatest.OpenGroupID, akanatest.PrivateGroupID, "", ".."})
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		if _, ok := got[akanatest.PrivateGroupID]; ok || got[akanatest.OpenGroupID] == nil || len(got) != 1 {
			t.Errorf("GroupsByID = %v, want only the open group", got)
		}
		if n := sb.sim.Faults().Requests() - before; n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("a partial failure returns the successes and a batch error", func(t *testing.T) {
		c, client, acct := newCanned(t)
		c.on("GET /api/groups/a.acmepaymentscorp", answer{200, "application/json", `{"GroupID":"a.acmepaymentscorp","Name":"A"}`, false})
		c.on("GET /api/groups/b.acmepaymentscorp", answer{502, "text/html", "<html>bad gateway</html>", false})
		got, err := client.GroupsByID(t.Context(), acct, []string{"a.acmepaymentscorp", "b.acmepaymentscorp"})
		var be *providers.BatchError
		if !errors.As(err, &be) || len(be.Failed) != 1 || !errors.Is(be.Failed["b.acmepaymentscorp"], providers.ErrUnavailable) {
			t.Fatalf("GroupsByID error %v, want a batch error for b", err)
		}
		if got["a.acmepaymentscorp"] == nil || got["a.acmepaymentscorp"].Name != "A" {
			t.Errorf("GroupsByID = %v, want a", got)
		}
	})
	t.Run("an ended session fails the whole call", func(t *testing.T) {
		sb := newSandbox(t, akanatest.Options{})
		sb.clock.Advance(time.Hour)
		_, err := sb.client.GroupsByID(t.Context(), sb.acct, []string{akanatest.SeedGroupID})
		if !errors.Is(err, providers.ErrUnauthenticated) {
			t.Fatalf("GroupsByID: %v, want ErrUnauthenticated", err)
		}
	})
}

func TestWhoami(t *testing.T) {
	sb := newSandbox(t, akanatest.Options{})
	u, err := sb.client.Whoami(t.Context(), sb.acct)
	if err != nil {
		t.Fatalf("Whoami: %v", err)
	}
	if u.ID != akanatest.SandboxUserID || u.Name != "Sandbox Developer" || u.Username != "sandbox.developer" || u.AvatarURL == "" {
		t.Errorf("Whoami = %+v", u)
	}
}
