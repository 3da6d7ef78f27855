package flickr

import (
	"context"
	"net/http"
	"net/url"

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
	IconFarm       flexInt       `json:"iconfarm"`
	IconServer     flexString    `json:"iconserver"`
	Admin          flexBool      `json:"admin"`
	EighteenPlus   flexBool      `json:"eighteenplus"`
	InvitationOnly flexBool      `json:"invitation_only"`
	Members        *flexInt      `json:"members"`
	PoolCount      *flexInt      `json:"pool_count"`
	Privacy        *flexInt      `json:"privacy"`
	Throttle       *wireThrottle `json:"throttle"`
	Restrictions   *wireRestrict `json:"restrictions"`
}

type wireThrottle struct {
	Count     *flexInt   `json:"count"`
	Mode      flexString `json:"mode"`
	Remaining *flexInt   `json:"remaining"`
}

type wireRestrict struct {
	PhotosOK     flexBool `json:"photos_ok"`
	VideosOK     flexBool `json:"videos_ok"`
	ImagesOK     flexBool `json:"images_ok"`
	ScreensOK    flexBool `json:"screens_ok"`
	ArtOK        flexBool `json:"art_ok"`
	VirtualOK    flexBool `json:"virtual_ok"`
	SafeOK       flexBool `json:"safe_ok"`
	ModerateOK   flexBool `json:"moderate_ok"`
	RestrictedOK flexBool `json:"restricted_ok"`
	HasGeo       flexBool `json:"has_geo"`
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
	{Name: "iconfarm", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readInt(r, &g.IconFarm) }},
	{Name: "iconserver", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readString(r, &g.IconServer) }},
	{Name: "admin", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readBool(r, &g.Admin) }},
	{Name: "eighteenplus", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readBool(r, &g.EighteenPlus) }},
	{Name: "invitation_only", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readBool(r, &g.InvitationOnly) }},
	{Name: "members", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readIntPtr(r, &g.Members) }},
	{Name: "pool_count", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readIntPtr(r, &g.PoolCount) }},
	{Name: "privacy", Read: func(r *jsonscan.Reader, g *listedGroup) bool { return readIntPtr(r, &g.Privacy) }},
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
	{Name: "count", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readIntPtr(r, &t.Count) }},
	{Name: "mode", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readString(r, &t.Mode) }},
	{Name: "remaining", Read: func(r *jsonscan.Reader, t *wireThrottle) bool { return readIntPtr(r, &t.Remaining) }},
}

var restrictFields = []jsonscan.Field[wireRestrict]{
	{Name: "photos_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.PhotosOK) }},
	{Name: "videos_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.VideosOK) }},
	{Name: "images_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.ImagesOK) }},
	{Name: "screens_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.ScreensOK) }},
	{Name: "art_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.ArtOK) }},
	{Name: "virtual_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.VirtualOK) }},
	{Name: "safe_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.SafeOK) }},
	{Name: "moderate_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.ModerateOK) }},
	{Name: "restricted_ok", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.RestrictedOK) }},
	{Name: "has_geo", Read: func(r *jsonscan.Reader, v *wireRestrict) bool { return readBool(r, &v.HasGeo) }},
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
		if lg.Admin {
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
		Admin:          bool(lg.Admin),
		EighteenPlus:   bool(lg.EighteenPlus),
		InvitationOnly: bool(lg.InvitationOnly),
		IconFarm:       int(lg.IconFarm),
		IconServer:     string(lg.IconServer),
		Throttle:       lg.Throttle.domain(),
		Restrictions:   lg.Restrictions.domain(),
	}
	g := providers.Group{
		Provider:      providers.Flickr,
		ID:            id,
		Name:          string(lg.Name),
		URL:           ptr(groupURL(id)),
		IconURL:       ptr(iconURL(int(lg.IconFarm), string(lg.IconServer), id)),
		MemberCount:   intPtr(lg.Members),
		PoolCount:     intPtr(lg.PoolCount),
		JoinPolicy:    joinPolicy(bool(lg.InvitationOnly)),
		AgeRestricted: ptr(bool(lg.EighteenPlus)),
		Details:       d,
	}
	if lg.Privacy != nil {
		d.Privacy = int(*lg.Privacy)
		g.Visibility = visibility(d.Privacy)
	}
	return g
}

func (t *wireThrottle) domain() *providers.FlickrThrottle {
	if t == nil {
		return nil
	}
	return &providers.FlickrThrottle{Count: intPtr(t.Count), Mode: string(t.Mode), Remaining: intPtr(t.Remaining)}
}

func (r *wireRestrict) domain() *providers.FlickrRestrictions {
	if r == nil {
		return nil
	}
	return &providers.FlickrRestrictions{
		PhotosOK: bool(r.PhotosOK), VideosOK: bool(r.VideosOK), ImagesOK: bool(r.ImagesOK),
		ScreensOK: bool(r.ScreensOK), ArtOK: bool(r.ArtOK), VirtualOK: bool(r.VirtualOK),
		SafeOK: bool(r.SafeOK), ModerateOK: bool(r.ModerateOK), RestrictedOK: bool(r.RestrictedOK),
		HasGeo: bool(r.HasGeo),
	}
}

// visibility maps Flickr's privacy code: 1 private, 2 invite-only public
// (seen by everyone, joined by invitation), 3 open public.
func visibility(privacy int) providers.Visibility {
	switch privacy {
	case 1:
		return providers.VisibilityPrivate
	case 2:
		return providers.VisibilityRestricted
	case 3:
		return providers.VisibilityPublic
	}
	return providers.VisibilityUnknown
}

func joinPolicy(invitationOnly bool) providers.JoinPolicy {
	if invitationOnly {
		return providers.JoinInvitationOnly
	}
	return providers.JoinOpen
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
func iconURL(farm int, server, nsid string) string {
	if server == "" || server == "0" || farm <= 0 || nsid == "" {
		return DefaultIconURL
	}
	return "https://farm" + itoa(farm) + ".staticflickr.com/" + url.PathEscape(server) + "/buddyicons/" + url.PathEscape(nsid) + ".jpg"
}

func ptr[T any](v T) *T { return &v }

func intPtr(n *flexInt) *int {
	if n == nil {
		return nil
	}
	v := int(*n)
	return &v
}
