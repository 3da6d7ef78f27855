package upcoming

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// timestampLayout is the gateway's zoneless timestamp ("2005-09-02 02:15:11").
const timestampLayout = "2006-01-02 15:04:05"

// Memberships lists the account's groups (group.getMyGroups). Upcoming has
// no membership records of its own, so each Membership is built from the
// group:
//
//   - Role is OWNER when the group's owner_user_id is the account's user id
//     and MEMBER otherwise. getMyGroups carries no admin flag and no API
//     method lists a group's admins, so an admin who is not the owner (for
//     example one promoted when the last admin left) is reported as MEMBER.
//     ProviderRole is "owner" or "member" accordingly: the platform sends no
//     role word, and this inferred one is what the role was based on.
//   - Status is ACTIVE: the call lists only groups the user has joined
//     (moderated joins that are still queued are not listed).
//   - JoinedAt is nil: the platform does not say when the user joined.
//   - ID is empty: the platform has no membership identifier.
//
// The groups carry every field the call returns, with Complete false.
//
// Upcoming API docs: http://upcoming.yahoo.com/services/api/group.getMyGroups.php
//
//meta:operation GET group.getMyGroups
func (c *Client) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	const op = "upcoming group.getMyGroups"
	tok, err := token(op, acct)
	if err != nil {
		return nil, err
	}
	env, err := c.do(ctx, http.MethodGet, "group.getMyGroups", url.Values{"token": {tok}})
	if err != nil {
		return nil, err
	}
	ms := make([]providers.Membership, 0, len(env.Groups))
	for _, el := range env.Groups {
		g, err := c.group(el, false)
		if err != nil {
			return nil, c.fail(op, "group.getMyGroups", providers.ErrUnavailable, http.StatusOK, err.Error(), "", nil)
		}
		ms = append(ms, membership(acct, g))
	}
	return ms, nil
}

// membership is the account's membership of g, as Memberships describes it.
func membership(acct providers.Account, g providers.Group) providers.Membership {
	role, providerRole := providers.RoleMember, "member"
	if g.OwnerID != nil && acct.UserID != "" && *g.OwnerID == acct.UserID {
		role, providerRole = providers.RoleOwner, "owner"
	}
	return providers.Membership{
		Provider:     providers.Upcoming,
		UserID:       acct.UserID,
		Group:        g,
		Role:         role,
		ProviderRole: providerRole,
		Status:       providers.StatusActive,
		Leavable:     true,
	}
}

// GroupsByID returns the details of the groups with the given ids
// (group.getInfo). getInfo takes a comma-separated id list, so this is one
// call per MaxBatch ids. The account's token is sent so that private groups
// the account belongs to are visible.
//
// Ids that are not numeric cannot exist on Upcoming and are absent from the
// result without being sent (one bad id must not fail its whole batch). Ids
// the gateway does not return (unknown, deleted, private) are absent too.
//
// A group that was merged into another answers 301 naming its new home; the
// client follows it and returns the surviving group under the id the caller
// asked for. That Group's ID is the new id: it describes the surviving
// group, whose id is what a later leave or lookup must use, and stamping the
// old id on it would give one group two identities.
//
// Upcoming API docs: http://www.upcoming.org/services/api/group.getInfo.php
//
//meta:operation GET group.getInfo
func (c *Client) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	out := map[string]*providers.Group{}
	var want []string
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || !validID(id) {
			continue
		}
		seen[id] = true
		want = append(want, id)
	}
	if len(want) == 0 {
		return out, nil
	}
	tok := acct.Credentials.Token // optional for getInfo: public groups need none
	failed := map[string]error{}
	var lastErr error
	for chunk := range slices.Chunk(want, c.maxBatch) {
		got, err := c.getInfo(ctx, tok, chunk)
		for asked, g := range got {
			out[asked] = g
		}
		if err != nil {
			lastErr = err
			for _, id := range chunk {
				if _, ok := got[id]; !ok {
					failed[id] = err
				}
			}
		}
	}
	if len(failed) == 0 {
		return out, nil
	}
	if len(out) == 0 {
		return out, lastErr
	}
	return out, &providers.BatchError{Failed: failed}
}

// merged reads the 301 message "The group <old> has been permanently merged
// to http://…/group/<new>/".
var (
	mergedFrom = regexp.MustCompile(`(?i)group\s+(\d+)`)
	mergedTo   = regexp.MustCompile(`(?i)/group/(\d+)`)
)

// getInfo asks for one chunk of ids, following merges: each 301 names one
// merged group, which is swapped for its new id before asking again. It
// returns the groups found, keyed by the id the caller asked for.
func (c *Client) getInfo(ctx context.Context, tok string, chunk []string) (map[string]*providers.Group, error) {
	const op = "upcoming group.getInfo"
	// current[i] is the id now asked for in place of chunk[i].
	current := slices.Clone(chunk)
	for hops := 0; ; hops++ {
		params := url.Values{"group_id": {strings.Join(uniq(current), ",")}}
		if tok != "" {
			params.Set("token", tok)
		}
		env, err := c.do(ctx, http.MethodGet, "group.getInfo", params)
		// Each hop resolves one merge; chains are allowed, cycles are not.
		if ae := apiError(err); ae != nil && ae.StatusCode == http.StatusMovedPermanently && hops < 4*len(chunk) {
			from, to, ok := mergeTarget(ae.Upstream, current)
			if ok {
				for i := range current {
					if current[i] == from {
						current[i] = to
					}
				}
				continue
			}
		}
		if ae := apiError(err); ae != nil && ae.StatusCode == http.StatusNotFound && errors.Is(err, providers.ErrNotFound) {
			// None of the ids exists: absent, not failed.
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		byID := map[string]*providers.Group{}
		for _, el := range env.Groups {
			g, err := c.group(el, true)
			if err != nil {
				return nil, c.fail(op, "group.getInfo", providers.ErrUnavailable, http.StatusOK, err.Error(), "", nil)
			}
			byID[g.ID] = &g
		}
		out := map[string]*providers.Group{}
		for i, asked := range chunk {
			if g, ok := byID[current[i]]; ok {
				out[asked] = g
			}
		}
		return out, nil
	}
}

// mergeTarget reads which asked id a 301 moved, and where. When the message
// names no old id and only one id was asked, it is that one.
func mergeTarget(msg string, asked []string) (from, to string, ok bool) {
	m := mergedTo.FindStringSubmatch(msg)
	if m == nil {
		return "", "", false
	}
	to = m[1]
	if f := mergedFrom.FindStringSubmatch(msg); f != nil && slices.Contains(asked, f[1]) {
		from = f[1]
	} else if u := uniq(asked); len(u) == 1 {
		from = u[0]
	} else {
		return "", "", false
	}
	return from, to, from != to
}

func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// validID reports whether id can be an Upcoming id: the gateway rejects
// anything but a positive integer ("improperly formatted or non-numeric").
func validID(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == id
}

// VisibleGroups is not offered: Upcoming has no "groups I could join"
// method.
func (c *Client) VisibleGroups(context.Context, providers.Account) ([]providers.Group, error) {
	return nil, fmt.Errorf("upcoming: %w: the platform cannot list joinable groups", providers.ErrUnsupported)
}

// LeaveGroup leaves a group (group.leave, POST). The platform's documented
// rules apply on its side: the last member leaving deletes the group for
// good, and the last admin leaving makes the remaining member who joined
// earliest an admin. group.leave answers an empty success either way, so the
// client learns the outcome by asking:
//
//  1. group.getInfo before leaving, for the ended membership as it was (the
//     group and the OWNER/MEMBER role). A failure here does not stop the
//     leave; the membership then names only the group id.
//  2. group.leave.
//  3. group.getInfo after leaving: the group missing (404 or absent) means
//     the platform deleted it, so GroupDeleted is true. A private group is
//     hidden from non-members too, so for one the missing group counts as
//     deleted only when step 1 saw the account as its only member. If this
//     check fails the leave still succeeded and is reported, with
//     GroupDeleted false. The group found is the result's Group, so that
//     the caller need not read it a fourth time.
//
// PromotedUserID stays empty: the platform does not say whom it promoted.
//
// Upcoming API docs: http://www.upcoming.org/services/api/group.leave.php
//
//meta:operation POST group.leave
func (c *Client) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, _ providers.LeaveOptions) (providers.LeaveResult, error) {
	const op = "upcoming group.leave"
	tok, err := token(op, acct)
	if err != nil {
		return providers.LeaveResult{}, err
	}
	if !validID(groupID) {
		return providers.LeaveResult{}, fmt.Errorf("%s: %w: group id must be a positive integer", op, providers.ErrInvalid)
	}
	ended := membership(acct, providers.Group{Provider: providers.Upcoming, ID: groupID})
	var was *providers.Group
	if before, err := c.getInfo(ctx, tok, []string{groupID}); err == nil && before[groupID] != nil && before[groupID].ID == groupID {
		was = before[groupID]
		ended = membership(acct, *was)
	} else if ctx.Err() != nil {
		return providers.LeaveResult{}, providers.TransportError(op, ctx.Err())
	}
	if _, err := c.do(ctx, http.MethodPost, "group.leave", url.Values{"token": {tok}, "group_id": {groupID}}); err != nil {
		return providers.LeaveResult{}, err
	}
	ended.Status = providers.StatusRemoved
	ended.Leavable = false
	res := providers.LeaveResult{Membership: &ended}
	after, err := c.getInfo(ctx, tok, []string{groupID})
	if err == nil && after[groupID] != nil && after[groupID].ID == groupID {
		res.Group = after[groupID]
	}
	if err == nil && after[groupID] == nil {
		// A private group also disappears from a former member's view, so
		// for one the absence only means deletion if the account was its
		// last member a moment ago.
		private := was != nil && was.Visibility == providers.VisibilityPrivate
		res.GroupDeleted = !private || (was.MemberCount != nil && *was.MemberCount <= 1)
	}
	return res, nil
}

// group converts a <group/> element. complete says whether it came from the
// detail call. Only id and name are required; a field that is absent or
// unreadable is left unknown (nil) rather than failing the whole answer.
func (c *Client) group(el element, complete bool) (providers.Group, error) {
	id, ok := parseInt(el["id"])
	if !ok || id <= 0 {
		return providers.Group{}, errors.New("group without a valid id")
	}
	name, ok := el["name"]
	if !ok {
		return providers.Group{}, fmt.Errorf("group %d without a name", id)
	}
	sid := strconv.FormatInt(id, 10)
	page := c.site + "group/" + sid + "/"
	g := providers.Group{
		Provider: providers.Upcoming,
		ID:       sid,
		Name:     name,
		Complete: complete,
		URL:      &page,
	}
	if d, ok := el["description"]; ok {
		g.Description = &d
	}
	g.MemberCount = optInt(el, "member_count")
	g.TopicCount = optInt(el, "topic_count")
	if v := parseFlag(el["is_private"]); v != nil {
		g.Visibility = providers.VisibilityPublic
		if *v {
			g.Visibility = providers.VisibilityPrivate
		}
	}
	if v := parseFlag(el["member_moderation"]); v != nil {
		g.JoinPolicy = providers.JoinOpen
		if *v {
			g.JoinPolicy = providers.JoinModerated
		}
	}
	if ts, ok := el["timestamp"]; ok {
		// The documentation's XML wraps a timestamp across lines
		// ("2005-09-02\n\t02:15:11"); any run of blanks is one space.
		if t, err := time.ParseInLocation(timestampLayout, strings.Join(strings.Fields(ts), " "), c.loc); err == nil {
			g.CreatedAt = &t
		}
	}
	if owner, ok := parseInt(el["owner_user_id"]); ok && owner > 0 {
		s := strconv.FormatInt(owner, 10)
		g.OwnerID = &s
	}
	det := &providers.UpcomingDetails{
		ModerationLevel:  el["moderation_level"],
		EventModeration:  parseFlag(el["event_moderation"]),
		MemberModeration: parseFlag(el["member_moderation"]),
		IsPrivate:        parseFlag(el["is_private"]),
		NumMembers:       optInt(el, "num_members"),
		NumTopics:        optInt(el, "num_topics"),
	}
	if n, ok := parseInt(el["commercial_account_id"]); ok {
		det.CommercialAccountID = &n
	}
	g.Details = det
	return g, nil
}

// optInt reads an optional non-negative count.
func optInt(el element, key string) *int {
	n, ok := parseInt(el[key])
	if !ok || n < 0 || n > int64(^uint(0)>>1) {
		return nil
	}
	v := int(n)
	return &v
}
