package flickr

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/jsonscan"
)

// groupsResponse is flickr.people.getGroups with
// extras=privacy,throttle,restrictions.
type groupsResponse struct {
	Groups struct {
		Group list[listedGroup] `json:"group"`
	} `json:"groups"`
}

// listedGroup is one <group> of people.getGroups (seed document 000).
type listedGroup struct {
	NSID           flexString    `json:"nsid"`
	ID             flexString    `json:"id"` // some list calls say id rather than nsid
	Name           flexString    `json:"name"`
	IconFarm       flexString    `json:"iconfarm"`
	IconServer     flexString    `json:"iconserver"`
	Admin          flexString    `json:"admin"`
	EighteenPlus   flexString    `json:"eighteenplus"`
	InvitationOnly flexString    `json:"invitation_only"`
	Members        flexString    `json:"members"`
	PoolCount      flexString    `json:"pool_count"`
	Privacy        flexString    `json:"privacy"`
	Throttle       *wireThrottle `json:"throttle"`
	Restrictions   *wireRestrict `json:"restrictions"`
}

type wireThrottle struct {
	Count     flexString `json:"count"`
	Mode      flexString `json:"mode"`
	Remaining flexString `json:"remaining"`
}

type wireRestrict struct {
	PhotosOK     flexString `json:"photos_ok"`
	VideosOK     flexString `json:"videos_ok"`
	ImagesOK     flexString `json:"images_ok"`
	ScreensOK    flexString `json:"screens_ok"`
	ArtOK        flexString `json:"art_ok"`
	VirtualOK    flexString `json:"virtual_ok"`
	SafeOK       flexString `json:"safe_ok"`
	ModerateOK   flexString `json:"moderate_ok"`
	RestrictedOK flexString `json:"restricted_ok"`
	HasGeo       flexString `json:"has_geo"`
}

// readOK reads a people.getGroups answer in one pass (see okReader). Its
// tables name every field of the types above, as their json tags do.
func (r *groupsResponse) readOK(b []byte) bool {
	if r.Groups.Group != nil {
		return false // encoding/json would decode into what is there
	}
	var a groupsAnswer
	rd := jsonscan.NewReader(b)
	if !jsonscan.ReadObject(&rd, &a, groupsAnswerFields) || !rd.End() || a.env.Stat != "ok" {
		return false
	}
	r.Groups.Group = a.groups
	return true
}

// groupsAnswer is what a getGroups answer's two decodes give: the envelope
// and the list.
type groupsAnswer struct {
	env    envelope
	groups list[listedGroup]
}

var groupsAnswerFields = []jsonscan.Field[groupsAnswer]{
	{Name: "stat", Read: func(r *jsonscan.Reader, a *groupsAnswer) bool { return readString(r, &a.env.Stat) }},
	{Name: "code", Read: func(r *jsonscan.Reader, a *groupsAnswer) bool { return readInt(r, &a.env.Code) }},
	{Name: "message", Read: func(r *jsonscan.Reader, a *groupsAnswer) bool { return readString(r, &a.env.Message) }},
	{Name: "groups", Read: func(r *jsonscan.Reader, a *groupsAnswer) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		return jsonscan.ReadObject(r, &a.groups, groupsFields)
	}},
}

var groupsFields = []jsonscan.Field[list[listedGroup]]{
	{Name: "group", Read: func(r *jsonscan.Reader, l *list[listedGroup]) bool { return readList(r, l, readListedGroup) }},
}

func readListedGroup(r *jsonscan.Reader, g *listedGroup) bool {
	if r.Peek() == 'n' {
		return r.Null()
	}
	return jsonscan.ReadObject(r, g, listedGroupFields)
}

var listedGroupFields = []jsonscan.Field[listedGroup]{
	{Name: "nsid", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.NSID) }},
	{Name: "id", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.ID) }},
	{Name: "name", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.Name) }},
	{Name: "iconfarm", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.IconFarm) }},
	{Name: "iconserver", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.IconServer) }},
	{Name: "admin", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.Admin) }},
	{Name: "eighteenplus", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.EighteenPlus) }},
	{Name: "invitation_only", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.InvitationOnly) }},
	{Name: "members", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.Members) }},
	{Name: "pool_count", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.PoolCount) }},
	{Name: "privacy", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.Privacy) }},
	{Name: "throttle", Read: func(r *jsonscan.Reader, g *listedGroup) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		t := new(wireThrottle)
		g.Throttle = t
		return jsonscan.ReadObject(r, t, throttleFields)
	}},
	{Name: "restrictions", Read: func(r *jsonscan.Reader, g *listedGroup) bool {
		if r.Peek() == 'n' {
			return r.Null()
		}
		rs := new(wireRestrict)
		g.Restrictions = rs
		return jsonscan.ReadObject(r, rs, restrictFields)
	}},
}

var throttleFields = []jsonscan.Field[wireThrottle]{
	{Name: "count", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readString(r, &t.Count) }},
	{Name: "mode", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readString(r, &t.Mode) }},
	{Name: "remaining", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readString(r, &t.Remaining) }},
}

var restrictFields = []jsonscan.Field[wireRestrict]{
	{Name: "photos_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.PhotosOK) }},
	{Name: "videos_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.VideosOK) }},
	{Name: "images_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.ImagesOK) }},
	{Name: "screens_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.ScreensOK) }},
	{Name: "art_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.ArtOK) }},
	{Name: "virtual_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.VirtualOK) }},
	{Name: "safe_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.SafeOK) }},
	{Name: "moderate_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.ModerateOK) }},
	{Name: "restricted_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.RestrictedOK) }},
	{Name: "has_geo", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readString(r, &v.HasGeo) }},
}

// Memberships lists the groups of acct's user with flickr.people.getGroups
// (read permission), asking for every extra so that privacy, throttle and
// restrictions come with the list. Flickr has no membership id, status or
// join date; an administrator of the group is RoleAdmin, anyone else
// RoleMember.
//
// Flickr docs: https://www.flickr.com/services/api/flickr.people.getGroups.html
func (c *Client) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	nsid := acct.UserID
	if nsid == "" {
		u, err := c.Whoami(ctx, acct)
		if err != nil {
			return nil, err
		}
		nsid = u.ID
	}
	var r groupsResponse
	args := url.Values{"user_id": {nsid}, "extras": {"privacy,throttle,restrictions"}}
	if err := c.call(ctx, http.MethodGet, methodGetGroups, acct, args, &r); err != nil {
		return nil, err
	}
	ms := make([]providers.Membership, 0, len(r.Groups.Group))
	for _, lg := range r.Groups.Group {
		g := lg.group()
		if g.ID == "" {
			continue // nothing can be done with a group without an id
		}
		role, providerRole := providers.RoleMember, "member"
		if b := optBool(lg.Admin); b != nil && *b {
			role, providerRole = providers.RoleAdmin, "admin"
		}
		ms = append(ms, providers.Membership{
			Provider:     providers.Flickr,
			UserID:       nsid,
			Group:        g,
			Role:         role,
			ProviderRole: providerRole,
			Status:       providers.StatusActive,
			Leavable:     true,
		})
	}
	return ms, nil
}

// group converts the list representation; fields the list does not carry
// (description, topics, creation date) stay nil and Complete false.
func (lg listedGroup) group() providers.Group {
	id := string(lg.NSID)
	if id == "" {
		id = string(lg.ID)
	}
	d := &providers.FlickrDetails{
		Admin:          optBool(lg.Admin),
		EighteenPlus:   optBool(lg.EighteenPlus),
		InvitationOnly: optBool(lg.InvitationOnly),
		IconFarm:       optInt(lg.IconFarm),
		IconServer:     string(lg.IconServer),
		Privacy:        privacy(lg.Privacy),
		Throttle:       lg.Throttle.domain(),
		Restrictions:   lg.Restrictions.domain(),
	}
	return providers.Group{
		Provider:      providers.Flickr,
		ID:            id,
		Name:          plainName(lg.Name),
		URL:           ptr(groupURL(id)),
		IconURL:       ptr(iconURL(d.IconFarm, string(lg.IconServer), id)),
		MemberCount:   optInt(lg.Members),
		PoolCount:     optInt(lg.PoolCount),
		Visibility:    visibility(d.Privacy),
		JoinPolicy:    joinPolicy(d.Privacy, d.InvitationOnly),
		AgeRestricted: d.EighteenPlus,
		Details:       d,
	}
}

func (t *wireThrottle) domain() *providers.FlickrThrottle {
	if t == nil {
		return nil
	}
	return &providers.FlickrThrottle{Count: optInt(t.Count), Mode: string(t.Mode), Remaining: optInt(t.Remaining)}
}

func (r *wireRestrict) domain() *providers.FlickrRestrictions {
	if r == nil {
		return nil
	}
	return &providers.FlickrRestrictions{
		PhotosOK: optBool(r.PhotosOK), VideosOK: optBool(r.VideosOK), ImagesOK: optBool(r.ImagesOK),
		ScreensOK: optBool(r.ScreensOK), ArtOK: optBool(r.ArtOK), VirtualOK: optBool(r.VirtualOK),
		SafeOK: optBool(r.SafeOK), ModerateOK: optBool(r.ModerateOK), RestrictedOK: optBool(r.RestrictedOK),
		HasGeo: optBool(r.HasGeo),
	}
}

// privacy reads Flickr's privacy code, nil unless it is one of the three
// Flickr documents.
func privacy(s flexString) *int {
	p := optInt(s)
	if p == nil || *p < 1 || *p > 3 {
		return nil
	}
	return p
}

// visibility maps Flickr's privacy code: 1 private, 2 invite-only public
// (seen by everyone, joined by invitation), 3 open public.
func visibility(privacy *int) providers.Visibility {
	if privacy == nil {
		return providers.VisibilityUnknown
	}
	switch *privacy {
	case 1:
		return providers.VisibilityPrivate
	case 2:
		return providers.VisibilityRestricted
	case 3:
		return providers.VisibilityPublic
	}
	return providers.VisibilityUnknown
}

// joinPolicy decides from the privacy code and the invitation_only flag. A
// private group (1) and an invite-only public one (2) are joined by
// invitation whatever the flag says; an open public group (3) by anyone
// unless the flag says otherwise. Without a privacy code the flag alone
// decides, and without either the policy is unknown.
func joinPolicy(privacy *int, invitationOnly *bool) providers.JoinPolicy {
	switch {
	case privacy != nil && (*privacy == 1 || *privacy == 2):
		return providers.JoinInvitationOnly
	case invitationOnly != nil && *invitationOnly:
		return providers.JoinInvitationOnly
	case invitationOnly != nil || privacy != nil:
		return providers.JoinOpen
	}
	return providers.JoinUnknown
}

// groupURL is the group's page; the NSID always works, unlike the path alias
// which not every group has.
func groupURL(nsid string) string { return "https://www.flickr.com/groups/" + nsid + "/" }

// DefaultIconURL is the buddy icon Flickr shows for a group or user without
// one of their own.
const DefaultIconURL = "https://www.flickr.com/images/buddyicon.gif"

// iconURL follows Flickr's buddyicon rules
// (https://www.flickr.com/services/api/misc.buddyicons.html): the farm and
// server locate the icon, and a server of 0 means the default icon.
func iconURL(farm *int, server, nsid string) string {
	if server == "" || server == "0" || farm == nil || *farm <= 0 || nsid == "" {
		return DefaultIconURL
	}
	return "https://farm" + itoa(*farm) + ".staticflickr.com/" + url.PathEscape(server) + "/buddyicons/" + url.PathEscape(nsid) + ".jpg"
}

func ptr[T any](v T) *T { return &v }

// optInt reads an integer Flickr sent as text or a number; nil when it sent
// nothing, a blank or something that is not an integer, so that an unknown
// count is never a zero.
func optInt(s flexString) *int {
	t := strings.TrimSpace(string(s))
	if t == "" {
		return nil
	}
	v, err := parseInt(t)
	if err != nil {
		return nil
	}
	return &v
}

// optBool reads one of Flickr's flags: a number (non-zero is true), true or
// false, yes or no; nil when Flickr sent nothing, a blank or another word.
func optBool(s flexString) *bool {
	t := strings.ToLower(strings.TrimSpace(string(s)))
	var v bool
	switch t {
	case "":
		return nil
	case "true", "yes":
		v = true
	case "false", "no":
		v = false
	default:
		n, err := parseInt(t)
		if err != nil {
			return nil
		}
		v = n != 0
	}
	return &v
}
