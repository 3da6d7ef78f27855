package pageseeder

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/groupgraph/groupgraph/providers"
)

// Memberships lists the memberships in force of the account's member:
// groups and projects (PageSeederDetails.Type says which), including those
// inherited through a subgroup, which have no id, are marked Inherited and
// are not Leavable. Former memberships (deregistered: status disabled,
// deleted) are left out, so that a group the member left is no longer
// listed.
//
// PageSeeder API docs: https://dev.pageseeder.com/api/web_services/services/list-self-memberships-GET.html
//
//meta:operation GET /self/memberships
func (c *Client) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	var doc wireMemberships
	q := url.Values{"subgroups": {"true"}}
	if err := c.call(ctx, acct, svcMemberships, http.MethodGet, "/self/memberships", q, &doc); err != nil {
		return nil, err
	}
	userID := acct.UserID
	if doc.Member != nil && doc.Member.ID != "" {
		userID = string(doc.Member.ID)
	}
	out := make([]providers.Membership, 0, len(doc.Memberships))
	for _, wm := range doc.Memberships {
		if wm.former() {
			continue
		}
		if m, ok := wm.toMembership(userID); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// LeaveGroup deregisters the account's member from the group, which
// PageSeeder keeps as a former membership (status disabled). It first reads
// the member's membership of that group, one cheap call that tells a direct
// membership from one inherited through a subgroup: an inherited membership
// cannot be left on its own, so it fails with providers.ErrInherited without
// calling deregister. PageSeeder never deletes a group when its last member
// leaves.
//
// PageSeeder API docs: https://dev.pageseeder.com/api/web_services/services/deregister-group-member-POST.html
//
//meta:operation GET /groups/{group}/members/{member}
//meta:operation POST /groups/{group}/members/{member}/deregister
func (c *Client) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, _ providers.LeaveOptions) (providers.LeaveResult, error) {
	if !numericID(groupID) {
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: group id %q is not a PageSeeder id", svcDeregister.op(), providers.ErrInvalid, groupID)
	}
	if acct.UserID == "" {
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: the account has no member id", svcDeregister.op(), providers.ErrInvalid)
	}
	var doc wireMembershipDoc
	q := url.Values{"subgroups": {"true"}}
	if err := c.call(ctx, acct, svcMembership, http.MethodGet, pathf("/groups/%s/members/%s", groupID, acct.UserID), q, &doc); err != nil {
		return providers.LeaveResult{}, err
	}
	wm := doc.membership()
	if wm.Status == "" && wm.Role == "" {
		// Without them an answer of another shape would read as an
		// inherited membership (no id); refuse to guess.
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: %w", svcMembership.op(), providers.ErrUnavailable, &APIError{Service: string(svcMembership), Status: http.StatusOK, Message: "the answer describes no membership"})
	}
	if wm.Group == nil && wm.Project == nil {
		// The membership answer may omit its group; it is the one asked for.
		wm.Group = &wireGroup{ID: flexString(groupID), Name: groupID}
	}
	switch {
	case wm.former():
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: the membership of group %s has already ended", svcDeregister.op(), providers.ErrNotMember, groupID)
	case wm.inherited():
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: the membership of group %s comes through subgroup %q", svcDeregister.op(), providers.ErrInherited, groupID, wm.Subgroups)
	}
	m, _ := wm.toMembership(acct.UserID)

	var after wireMembershipDoc
	if err := c.call(ctx, acct, svcDeregister, http.MethodPost, pathf("/groups/%s/members/%s/deregister", groupID, acct.UserID), nil, &bestEffort{&after}); err != nil {
		return providers.LeaveResult{}, err
	}
	m.Status, m.ProviderStatus, m.Leavable = providers.StatusRemoved, "disabled", false
	if s := after.membership().Status; s != "" {
		m.ProviderStatus = s
	}
	return providers.LeaveResult{Membership: &m}, nil
}
