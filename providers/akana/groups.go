package akana

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// GroupsByID loads each group's details (GET /api/groups/{GroupID}, one
// request per group, at most Config.Concurrency at a time). A group that
// does not exist, or that the account may not see (404, 403), is absent
// from the map. When some requests fail and others do not, the successes
// come back with a *providers.BatchError.
//
//meta:operation GET /api/groups/{GroupID}
func (c *Client) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	out := map[string]*providers.Group{}
	var uniq []string
	seen := map[string]bool{}
	for _, id := range ids {
		// An id that cannot be a group is absent, like any unknown id.
		if id = strings.TrimSpace(id); validID(id) && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	if len(uniq) == 0 {
		return out, nil
	}
	// One renewal up front rather than a race of them, and an ended
	// session fails the whole call rather than each id.
	if _, err := c.fresh(ctx, "groups.get", acct, c.session(acct)); err != nil {
		return nil, err
	}

	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]error{}
		slots  = make(chan struct{}, c.concurrency)
	)
	for _, id := range uniq {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				failed[id] = providers.TransportError("akana groups.get", ctx.Err())
				mu.Unlock()
				return
			}
			defer func() { <-slots }()
			g, err := c.group(ctx, acct, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failed[id] = err
			case g != nil:
				out[id] = g
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return out, &providers.BatchError{Failed: failed}
	}
	return out, nil
}

// group loads one group's details; nil, nil when it is absent.
func (c *Client) group(ctx context.Context, acct providers.Account, id string) (*providers.Group, error) {
	const op = "groups.get"
	var d *groupDetails
	err := c.getJSON(ctx, acct, op, "groups/"+url.PathEscape(id), func(b []byte) error {
		var err error
		d, err = decodeGroup(b)
		return err
	})
	if errors.Is(err, providers.ErrNotFound) || errors.Is(err, providers.ErrForbidden) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.groupFromDetails(id, d), nil
}

// groupFromDetails converts a group-details object; id is the id asked for,
// which keys the result whatever the body says.
func (c *Client) groupFromDetails(id string, d *groupDetails) *providers.Group {
	link := "../" + c.tenant + "#/groups/" + url.PathEscape(id) + "/details"
	avatar := strings.TrimSpace(d.AvatarURL)
	if avatar == "" {
		// The platform serves a default avatar for groups without one.
		avatar = c.api.String() + "groups/" + url.PathEscape(id) + "/avatar"
	}
	resType := strings.TrimSpace(d.ResourceType)
	if resType == "" {
		resType = "group"
	}
	g := &providers.Group{
		Provider:    providers.Akana,
		ID:          id,
		Name:        strings.TrimSpace(d.Name),
		Complete:    true,
		Visibility:  Visibility(d.Visibility),
		URL:         c.resolve(link),
		IconURL:     c.resolve(avatar),
		MemberCount: d.MemberCount.n,
		Details: &providers.AkanaDetails{
			ResourceType:   resType,
			VisibilityName: d.Visibility,
			AvatarURL:      avatar,
			DetailsLink:    link,
		},
	}
	if g.Name == "" {
		g.Name = id
	}
	if s := strings.TrimSpace(d.Description); s != "" {
		g.Description = &s
	}
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(d.Created)); err == nil {
		g.CreatedAt = &t
	}
	if s := strings.TrimSpace(d.CreatedBy); s != "" {
		g.OwnerID = &s
	}
	return g
}

// VisibleGroups is unsupported: the platform offers no list of groups a
// user may join.
func (c *Client) VisibleGroups(ctx context.Context, acct providers.Account) ([]providers.Group, error) {
	return nil, fmt.Errorf("akana visibleGroups: %w: Akana has no list of joinable groups", providers.ErrUnsupported)
}

// LeaveGroup removes the account's user from the group
// (DELETE /api/groups/{GroupID}/members/{UserID}, with the CSRF header) and
// then renews the session, because the platform embeds the user's groups in
// the session token.
//
// The platform documents member removal as needing Modify permission, as a
// group leader has; the reading taken is that a plain member cannot remove
// themself. Its refusal (403, or a 401 that a renewed session does not
// cure) is ErrForbidden with a message saying a leader must remove them.
//
// The membership is looked up first, so that a group the account is not in
// is ErrNotMember (or ErrNotFound when the group does not exist) without a
// write, and so that the result can name the membership that ended. A
// renewal that fails after a successful removal does not fail the leave:
// the next call renews or reports the session itself.
//
//meta:operation DELETE /api/groups/{GroupID}/members/{UserID}
func (c *Client) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, _ providers.LeaveOptions) (providers.LeaveResult, error) {
	const op = "groups.removeMember"
	groupID = strings.TrimSpace(groupID)
	if !validID(groupID) || !validID(acct.UserID) {
		return providers.LeaveResult{}, fmt.Errorf("akana %s: %w: a group id and the account's user id are required", op, providers.ErrInvalid)
	}
	ms, err := c.Memberships(ctx, acct)
	if err != nil {
		return providers.LeaveResult{}, err
	}
	var mine *providers.Membership
	for i := range ms {
		if ms[i].Group.ID == groupID && ms[i].Status != providers.StatusRemoved {
			mine = &ms[i]
			break
		}
	}
	if mine == nil {
		return providers.LeaveResult{}, c.notMember(ctx, acct, op, groupID)
	}

	resp, err := c.call(ctx, acct, request{
		op:     op,
		method: http.MethodDelete,
		path:   "groups/" + url.PathEscape(groupID) + "/members/" + url.PathEscape(acct.UserID),
		// The platform answers text/plain.
		accept: "text/plain, application/json;q=0.9, */*;q=0.1",
	})
	if err != nil {
		return providers.LeaveResult{}, err
	}
	if !resp.ok() {
		apiErr := resp.apiError()
		if resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			return providers.LeaveResult{}, fmt.Errorf("akana %s: %w: %s: %w", op, providers.ErrForbidden, leaveHint, apiErr)
		}
		return providers.LeaveResult{}, classify(op, apiErr)
	}

	s := c.session(acct)
	_, _ = c.renew(ctx, op, acct, s, s.get(), true)

	ended := *mine
	ended.Status = providers.StatusRemoved
	ended.ProviderStatus = statePrefix + "removed"
	ended.Leavable = false
	return providers.LeaveResult{Membership: &ended}, nil
}

// notMember decides why groupID is not among the account's groups: the
// group does not exist (ErrNotFound) or the account is not in it
// (ErrNotMember; also when the platform will not show the group to a
// non-member).
func (c *Client) notMember(ctx context.Context, acct providers.Account, op, groupID string) error {
	resp, err := c.call(ctx, acct, request{op: op, method: http.MethodGet, path: "groups/" + url.PathEscape(groupID)})
	switch {
	case err != nil:
		return err
	case resp.ok() || resp.status == http.StatusForbidden:
		return fmt.Errorf("akana %s: %w: the account is not a member of group %q", op, providers.ErrNotMember, groupID)
	default:
		return classify(op, resp.apiError())
	}
}
