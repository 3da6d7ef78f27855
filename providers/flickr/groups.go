package flickr

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// infoResponse is flickr.groups.getInfo.
type infoResponse struct {
	Group wireGroup `json:"group"`
}

// wireGroup is getInfo's <group>. Text nodes (name, description, members…)
// arrive as {"_content": …}; the flex types unwrap them.
type wireGroup struct {
	ID             flexString    `json:"id"`
	NSID           flexString    `json:"nsid"`
	PathAlias      flexString    `json:"path_alias"`
	IconServer     flexString    `json:"iconserver"`
	IconFarm       flexString    `json:"iconfarm"`
	Lang           flexString    `json:"lang"`
	PoolModerated  flexString    `json:"ispoolmoderated"`
	EighteenPlus   flexString    `json:"eighteenplus"`
	InvitationOnly flexString    `json:"invitation_only"`
	IsMember       flexString    `json:"is_member"`
	IsModerator    flexString    `json:"is_moderator"`
	IsAdmin        flexString    `json:"is_admin"`
	IsFounder      flexString    `json:"is_founder"`
	Name           flexString    `json:"name"`
	Description    *flexString   `json:"description"`
	Rules          *flexString   `json:"rules"`
	Members        flexString    `json:"members"`
	PoolCount      flexString    `json:"pool_count"`
	TopicCount     flexString    `json:"topic_count"`
	Privacy        flexString    `json:"privacy"`
	DateCreate     flexString    `json:"datecreate"`
	Roles          *wireRoles    `json:"roles"`
	Throttle       *wireThrottle `json:"throttle"`
	Restrictions   *wireRestrict `json:"restrictions"`
}

type wireRoles struct {
	Member    flexString `json:"member"`
	Moderator flexString `json:"moderator"`
	Admin     flexString `json:"admin"`
}

// groupInfo calls flickr.groups.getInfo for one group. Signed, so that
// Flickr adds the caller's is_member/is_moderator/is_admin flags.
//
// Flickr docs: https://www.flickr.com/services/api/flickr.groups.getInfo.html
func (c *Client) groupInfo(ctx context.Context, acct providers.Account, id string) (*providers.Group, error) {
	var r infoResponse
	if err := c.call(ctx, http.MethodGet, methodGetInfo, acct, url.Values{"group_id": {id}}, &r); err != nil {
		return nil, err
	}
	g := r.Group.group(acct.UserID)
	if g.ID == "" {
		g.ID = id
	}
	return g, nil
}

// group converts getInfo's representation into a complete Group. viewer is
// the caller's NSID, the owner when Flickr says the caller founded it.
func (w wireGroup) group(viewer string) *providers.Group {
	id := string(w.ID)
	if id == "" {
		id = string(w.NSID)
	}
	d := &providers.FlickrDetails{
		Admin:             optBool(w.IsAdmin),
		EighteenPlus:      optBool(w.EighteenPlus),
		InvitationOnly:    optBool(w.InvitationOnly),
		IconFarm:          optInt(w.IconFarm),
		IconServer:        string(w.IconServer),
		PathAlias:         string(w.PathAlias),
		Lang:              string(w.Lang),
		Privacy:           privacy(w.Privacy),
		PoolModerated:     optBool(w.PoolModerated),
		Rules:             textPtr(w.Rules),
		Throttle:          w.Throttle.domain(),
		Restrictions:      w.Restrictions.domain(),
		ViewerIsMember:    optBool(w.IsMember),
		ViewerIsModerator: optBool(w.IsModerator),
		ViewerIsAdmin:     optBool(w.IsAdmin),
	}
	if w.Roles != nil {
		d.Roles = &providers.FlickrRoles{Member: plainName(w.Roles.Member), Moderator: plainName(w.Roles.Moderator), Admin: plainName(w.Roles.Admin)}
	}
	if d.Privacy != nil && *d.Privacy == 2 {
		// Privacy 2 is "invite-only public" even when the
		// invitation_only attribute is absent.
		d.InvitationOnly = ptr(true)
	}
	g := &providers.Group{
		Provider:      providers.Flickr,
		ID:            id,
		Name:          plainName(w.Name),
		Complete:      true,
		Description:   textPtr(w.Description),
		URL:           ptr(groupURL(id)),
		IconURL:       ptr(iconURL(d.IconFarm, string(w.IconServer), id)),
		MemberCount:   optInt(w.Members),
		TopicCount:    optInt(w.TopicCount),
		PoolCount:     optInt(w.PoolCount),
		Visibility:    visibility(d.Privacy),
		JoinPolicy:    joinPolicy(d.Privacy, d.InvitationOnly),
		AgeRestricted: d.EighteenPlus,
		CreatedAt:     parseDateCreate(string(w.DateCreate)),
		Details:       d,
	}
	if f := optBool(w.IsFounder); f != nil && *f && viewer != "" {
		g.OwnerID = ptr(viewer)
	}
	return g
}

// parseDateCreate reads getInfo's datecreate, "2006-01-02 15:04:05" or,
// defensively, Unix seconds. Flickr does not say which zone the former is
// in; it is read as UTC (providers.md, Unknowns).
func parseDateCreate(s string) *time.Time {
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return &t
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		t := time.Unix(n, 0).UTC()
		return &t
	}
	return nil
}

// GroupsByID loads the details of each distinct id with one
// flickr.groups.getInfo call per group, at most MaxConcurrency at a time
// (Flickr has no batch call). Groups that do not exist, or that the account
// may not see, are absent. Failures of some ids come back as a
// *providers.BatchError beside the successes.
func (c *Client) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	out := map[string]*providers.Group{}
	seen := map[string]bool{}
	var distinct []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	if len(distinct) == 0 {
		return out, nil
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]error{}
		sem    = make(chan struct{}, c.maxConc)
	)
	for _, id := range distinct {
		if id == "" {
			continue // never a group; absent rather than asked
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			mu.Lock()
			failed[id] = providers.TransportError("flickr groups.getInfo", ctx.Err())
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			g, err := c.groupInfo(ctx, acct, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[id] = g
			case errors.Is(err, providers.ErrNotFound):
				// Absent: the contract's "not found" for a batch.
			default:
				failed[id] = err
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return out, &providers.BatchError{Failed: failed}
	}
	return out, nil
}

// LeaveGroup leaves the group with flickr.groups.leave (delete permission,
// POST), removing the user's photos from the pool when opts.DeletePhotos.
//
// Flickr's leave answers with an empty success, so what it did is learned
// beforehand: a signed groups.getInfo right before the leave gives the
// member count and the caller's role. When the caller is a member and the
// count is 1, the leave deletes the group (Flickr's rule), so GroupDeleted
// is reported. A check after the leave cannot tell: getInfo's code 1 means
// "deleted" and also "a private group the caller no longer sees".
// The info call also makes a missing group fail fast with ErrNotFound.
// Flickr does not say whom it promotes when the last admin leaves, so
// PromotedUserID stays empty.
//
// Flickr docs: https://www.flickr.com/services/api/flickr.groups.leave.html
func (c *Client) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, opts providers.LeaveOptions) (providers.LeaveResult, error) {
	if groupID == "" {
		return providers.LeaveResult{}, classified(opName(methodLeave), providers.ErrNotFound, &APIError{Method: methodLeave, Message: "no group id"})
	}
	before, err := c.groupInfo(ctx, acct, groupID)
	if err != nil {
		return providers.LeaveResult{}, err
	}
	args := url.Values{"group_id": {groupID}}
	if opts.DeletePhotos {
		args.Set("delete_photos", "1")
	}
	if err := c.call(ctx, http.MethodPost, methodLeave, acct, args, nil); err != nil {
		return providers.LeaveResult{}, err
	}
	d, _ := before.Details.(*providers.FlickrDetails)
	role, providerRole := providers.RoleMember, "member"
	switch {
	case d != nil && d.ViewerIsAdmin != nil && *d.ViewerIsAdmin:
		role, providerRole = providers.RoleAdmin, "admin"
	case d != nil && d.ViewerIsModerator != nil && *d.ViewerIsModerator:
		role, providerRole = providers.RoleModerator, "moderator"
	}
	wasMember := d == nil || d.ViewerIsMember == nil || *d.ViewerIsMember
	return providers.LeaveResult{
		Membership: &providers.Membership{
			Provider:       providers.Flickr,
			UserID:         acct.UserID,
			Group:          *before,
			Role:           role,
			ProviderRole:   providerRole,
			Status:         providers.StatusRemoved,
			ProviderStatus: "left",
			Leavable:       false,
		},
		GroupDeleted: wasMember && before.MemberCount != nil && *before.MemberCount <= 1,
	}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
