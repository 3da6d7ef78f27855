package providertest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Harness is one provider with a known fixture behind it, fresh for each
// subtest. Fields left empty (or nil) skip the checks that need them, so a
// platform that lacks a behaviour is not asked for it.
type Harness struct {
	// Provider is the client under test, talking to its simulator.
	Provider providers.Provider
	// Account is a linked account whose credentials the platform accepts.
	Account providers.Account
	// Rejected is an account whose credentials the platform rejects.
	Rejected providers.Account

	// MemberGroups are groups Account belongs to and may leave (at least one).
	MemberGroups []string
	// OtherGroup is an existing group Account does not belong to.
	OtherGroup string
	// MissingGroup is a well-formed ID of a group that does not exist.
	MissingGroup string
	// SoleMemberGroup is a group whose only member is Account; leaving it
	// deletes the group. Empty where the platform never deletes groups.
	SoleMemberGroup string
	// ForbiddenGroup is a group Account belongs to but may not leave (Akana
	// reserves removal to leaders): leaving fails with ErrForbidden.
	ForbiddenGroup string
	// InheritedGroup is a group Account belongs to only through another
	// group: listed as inherited, and leaving fails with ErrInherited.
	InheritedGroup string

	// FailNext makes the platform answer the next n requests with a server
	// error (the simulator's fault injection). Nil skips the check.
	FailNext func(n int)
	// Hang makes the platform stop answering until the client gives up. Nil
	// skips the check.
	Hang func()
}

// Factory builds a fresh Harness; Run calls it once per subtest, so that
// leaves in one subtest do not affect another.
type Factory func(t *testing.T) Harness

// Run is the conformance suite. Every provider passes it against its
// simulator; it checks the contract of providers.Provider that callers
// depend on: classification of failures, the shape of list and detail
// results, and the leave semantics.
func Run(t *testing.T, factory Factory) {
	t.Helper()
	ctx := context.Background()

	t.Run("kind and capabilities are consistent", func(t *testing.T) {
		h := factory(t)
		if !h.Provider.Kind().Valid() {
			t.Fatalf("Kind() = %q, not a known platform", h.Provider.Kind())
		}
		if h.Account.Provider != h.Provider.Kind() {
			t.Fatalf("harness account is for %q, provider is %q", h.Account.Provider, h.Provider.Kind())
		}
		if len(h.MemberGroups) == 0 {
			t.Fatal("harness names no member groups")
		}
		if c := h.Provider.Capabilities(); c.MaxBatch < 0 {
			t.Fatalf("MaxBatch = %d, want >= 0", c.MaxBatch)
		}
	})

	t.Run("whoami names the account's user", func(t *testing.T) {
		h := factory(t)
		u, err := h.Provider.Whoami(ctx, h.Account)
		if err != nil {
			t.Fatalf("Whoami: %v", err)
		}
		if u.ID != h.Account.UserID || u.Provider != h.Provider.Kind() {
			t.Fatalf("Whoami = {%s %s}, want {%s %s}", u.Provider, u.ID, h.Provider.Kind(), h.Account.UserID)
		}
	})

	t.Run("rejected credentials are ErrUnauthenticated and do not leak", func(t *testing.T) {
		h := factory(t)
		_, err := h.Provider.Whoami(ctx, h.Rejected)
		assertKind(t, "Whoami", err, providers.ErrUnauthenticated)
		assertNoSecret(t, err, h.Rejected.Credentials, h.Account.Credentials)
		_, err = h.Provider.Memberships(ctx, h.Rejected)
		assertKind(t, "Memberships", err, providers.ErrUnauthenticated)
		assertNoSecret(t, err, h.Rejected.Credentials, h.Account.Credentials)
	})

	t.Run("memberships list the member groups with normalized fields", func(t *testing.T) {
		h := factory(t)
		ms, err := h.Provider.Memberships(ctx, h.Account)
		if err != nil {
			t.Fatalf("Memberships: %v", err)
		}
		seen := map[string]providers.Membership{}
		for _, m := range ms {
			if m.Provider != h.Provider.Kind() || m.Group.Provider != h.Provider.Kind() {
				t.Errorf("membership of %q has provider %q, group provider %q", m.Group.ID, m.Provider, m.Group.Provider)
			}
			if m.Group.ID == "" || m.Group.Name == "" {
				t.Errorf("membership has group id %q name %q; both are required", m.Group.ID, m.Group.Name)
			}
			if !validRole(m.Role) || !validStatus(m.Status) {
				t.Errorf("group %s: role %q status %q are not normalized", m.Group.ID, m.Role, m.Status)
			}
			if m.ProviderRole == "" && m.ProviderStatus == "" {
				t.Errorf("group %s: neither the platform's role nor its status is kept", m.Group.ID)
			}
			seen[m.Group.ID] = m
		}
		for _, id := range h.MemberGroups {
			m, ok := seen[id]
			if !ok {
				t.Errorf("member group %s missing from Memberships", id)
				continue
			}
			if !m.Leavable && h.Provider.Capabilities().Leave {
				t.Errorf("member group %s is not Leavable though the platform supports leave", id)
			}
		}
		if h.OtherGroup != "" {
			if _, ok := seen[h.OtherGroup]; ok {
				t.Errorf("non-member group %s listed in Memberships", h.OtherGroup)
			}
		}
		if h.InheritedGroup != "" {
			m, ok := seen[h.InheritedGroup]
			if !ok || !m.Inherited || m.Leavable {
				t.Errorf("inherited group %s: listed=%v inherited=%v leavable=%v, want listed, inherited, not leavable", h.InheritedGroup, ok, m.Inherited, m.Leavable)
			}
		}
	})

	t.Run("memberships are safe to call concurrently", func(t *testing.T) {
		h := factory(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = h.Provider.Memberships(ctx, h.Account)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent Memberships: %v", err)
		}
	})

	t.Run("groups by id return complete groups keyed by id", func(t *testing.T) {
		h := factory(t)
		ids := slices.Clone(h.MemberGroups)
		if h.OtherGroup != "" {
			ids = append(ids, h.OtherGroup)
		}
		got, err := h.Provider.GroupsByID(ctx, h.Account, append(slices.Clone(ids), h.MissingGroup))
		if err != nil {
			t.Fatalf("GroupsByID: %v", err)
		}
		for _, id := range ids {
			g, ok := got[id]
			if !ok || g == nil {
				t.Errorf("group %s missing from GroupsByID", id)
				continue
			}
			if g.ID != id || g.Provider != h.Provider.Kind() || g.Name == "" || !g.Complete {
				t.Errorf("group %s = {id %q provider %q name %q complete %v}, want its own id, the provider, a name, complete", id, g.ID, g.Provider, g.Name, g.Complete)
			}
			if g.Details == nil {
				t.Errorf("group %s has no platform details", id)
			}
		}
		if _, ok := got[h.MissingGroup]; ok {
			t.Errorf("missing group %s present in GroupsByID", h.MissingGroup)
		}
	})

	t.Run("groups by id with no ids asks nothing", func(t *testing.T) {
		h := factory(t)
		got, err := h.Provider.GroupsByID(ctx, h.Account, nil)
		if err != nil || len(got) != 0 {
			t.Fatalf("GroupsByID(nil) = %v, %v; want empty, nil", got, err)
		}
	})

	t.Run("visible groups exclude the account's groups or are unsupported", func(t *testing.T) {
		h := factory(t)
		gs, err := h.Provider.VisibleGroups(ctx, h.Account)
		if !h.Provider.Capabilities().VisibleGroups {
			assertKind(t, "VisibleGroups", err, providers.ErrUnsupported)
			return
		}
		if err != nil {
			t.Fatalf("VisibleGroups: %v", err)
		}
		for _, g := range gs {
			if slices.Contains(h.MemberGroups, g.ID) {
				t.Errorf("visible groups include member group %s", g.ID)
			}
			if g.Provider != h.Provider.Kind() || g.ID == "" || g.Name == "" {
				t.Errorf("visible group {%q %q %q} lacks provider, id or name", g.Provider, g.ID, g.Name)
			}
		}
	})

	t.Run("leaving a member group ends the membership", func(t *testing.T) {
		h := factory(t)
		id := h.MemberGroups[0]
		res, err := h.Provider.LeaveGroup(ctx, h.Account, id, providers.LeaveOptions{})
		if !h.Provider.Capabilities().Leave {
			assertKind(t, "LeaveGroup", err, providers.ErrUnsupported)
			return
		}
		if err != nil {
			t.Fatalf("LeaveGroup(%s): %v", id, err)
		}
		if res.Membership != nil && (res.Membership.Group.ID != id || res.Membership.Status != providers.StatusRemoved) {
			t.Errorf("ended membership = {group %q status %q}, want {%q REMOVED}", res.Membership.Group.ID, res.Membership.Status, id)
		}
		ms, err := h.Provider.Memberships(ctx, h.Account)
		if err != nil {
			t.Fatalf("Memberships after leave: %v", err)
		}
		for _, m := range ms {
			if m.Group.ID == id && m.Status != providers.StatusRemoved {
				t.Errorf("after leaving, group %s is still listed with status %s", id, m.Status)
			}
		}
		_, err = h.Provider.LeaveGroup(ctx, h.Account, id, providers.LeaveOptions{})
		assertKind(t, "LeaveGroup again", err, providers.ErrNotMember, providers.ErrNotFound)
	})

	t.Run("leaving a group one does not belong to is ErrNotMember", func(t *testing.T) {
		h := factory(t)
		if h.OtherGroup == "" || !h.Provider.Capabilities().Leave {
			t.Skip("no other group, or no leave")
		}
		_, err := h.Provider.LeaveGroup(ctx, h.Account, h.OtherGroup, providers.LeaveOptions{})
		assertKind(t, "LeaveGroup", err, providers.ErrNotMember)
	})

	t.Run("leaving a missing group is ErrNotFound", func(t *testing.T) {
		h := factory(t)
		if !h.Provider.Capabilities().Leave {
			t.Skip("no leave")
		}
		_, err := h.Provider.LeaveGroup(ctx, h.Account, h.MissingGroup, providers.LeaveOptions{})
		assertKind(t, "LeaveGroup", err, providers.ErrNotFound)
	})

	t.Run("the last member leaving deletes the group", func(t *testing.T) {
		h := factory(t)
		if h.SoleMemberGroup == "" {
			t.Skip("the platform never deletes groups on leave")
		}
		res, err := h.Provider.LeaveGroup(ctx, h.Account, h.SoleMemberGroup, providers.LeaveOptions{})
		if err != nil {
			t.Fatalf("LeaveGroup: %v", err)
		}
		if !res.GroupDeleted {
			t.Error("GroupDeleted = false, want true")
		}
		got, err := h.Provider.GroupsByID(ctx, h.Account, []string{h.SoleMemberGroup})
		if err != nil {
			t.Fatalf("GroupsByID after deletion: %v", err)
		}
		if _, ok := got[h.SoleMemberGroup]; ok {
			t.Error("deleted group still returned by GroupsByID")
		}
	})

	t.Run("leaving without the permission is ErrForbidden", func(t *testing.T) {
		h := factory(t)
		if h.ForbiddenGroup == "" {
			t.Skip("every member may leave on this platform")
		}
		_, err := h.Provider.LeaveGroup(ctx, h.Account, h.ForbiddenGroup, providers.LeaveOptions{})
		assertKind(t, "LeaveGroup", err, providers.ErrForbidden)
	})

	t.Run("leaving an inherited membership is ErrInherited", func(t *testing.T) {
		h := factory(t)
		if h.InheritedGroup == "" {
			t.Skip("no inherited memberships on this platform")
		}
		_, err := h.Provider.LeaveGroup(ctx, h.Account, h.InheritedGroup, providers.LeaveOptions{})
		assertKind(t, "LeaveGroup", err, providers.ErrInherited)
	})

	t.Run("server errors are ErrUnavailable", func(t *testing.T) {
		h := factory(t)
		if h.FailNext == nil {
			t.Skip("no fault injection")
		}
		h.FailNext(50) // more than any retry budget
		_, err := h.Provider.Memberships(ctx, h.Account)
		assertKind(t, "Memberships", err, providers.ErrUnavailable)
		assertNoSecret(t, err, h.Account.Credentials)
	})

	t.Run("a hung upstream is ErrTimeout when the deadline passes", func(t *testing.T) {
		h := factory(t)
		if h.Hang == nil {
			t.Skip("no fault injection")
		}
		h.Hang()
		ctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { _, err := h.Provider.Memberships(ctx, h.Account); done <- err }()
		select {
		case err := <-done:
			assertKind(t, "Memberships", err, providers.ErrTimeout)
		case <-time.After(10 * time.Second):
			t.Fatal("Memberships did not return after its deadline")
		}
	})

	t.Run("a cancelled context fails fast", func(t *testing.T) {
		h := factory(t)
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := h.Provider.Memberships(ctx, h.Account); err == nil {
			t.Fatal("Memberships with a cancelled context succeeded")
		}
	})
}

func assertKind(t *testing.T, op string, err error, want ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", op, want)
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("%s: error %q is not %v (kind %v)", op, err, want, providers.KindOf(err))
}

// assertNoSecret fails when err's text contains any credential.
func assertNoSecret(t *testing.T, err error, creds ...providers.Credentials) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, c := range creds {
		for _, s := range []string{c.Token, c.Secret, c.RefreshToken} {
			if len(s) >= 4 && strings.Contains(msg, s) {
				t.Fatalf("error %q contains a credential", msg)
			}
		}
	}
}

func validRole(r providers.Role) bool {
	switch r {
	case providers.RoleOwner, providers.RoleAdmin, providers.RoleModerator, providers.RoleMember, providers.RoleGuest:
		return true
	}
	return false
}

func validStatus(s providers.Status) bool {
	switch s {
	case providers.StatusActive, providers.StatusPending, providers.StatusInvited, providers.StatusRemoved:
		return true
	}
	return false
}
