package providers

import "time"

// Visibility is who can see a group, normalized across platforms.
type Visibility string

// Visibilities.
const (
	// VisibilityPublic: anyone can see the group.
	VisibilityPublic Visibility = "PUBLIC"
	// VisibilityRestricted: only some people can see it (Akana "Limited",
	// PageSeeder groups visible to the members of another group, Flickr
	// invite-only public groups).
	VisibilityRestricted Visibility = "RESTRICTED"
	// VisibilityPrivate: only members can see it.
	VisibilityPrivate Visibility = "PRIVATE"
	// VisibilityUnknown: the platform did not say.
	VisibilityUnknown Visibility = ""
)

// JoinPolicy is how a person becomes a member, normalized across platforms.
type JoinPolicy string

// Join policies.
const (
	// JoinOpen: anyone who can see the group can join it.
	JoinOpen JoinPolicy = "OPEN"
	// JoinModerated: joining needs an administrator's approval.
	JoinModerated JoinPolicy = "MODERATED"
	// JoinInvitationOnly: only invited people can join.
	JoinInvitationOnly JoinPolicy = "INVITATION_ONLY"
	// JoinUnknown: the platform did not say.
	JoinUnknown JoinPolicy = ""
)

// Group is a group on one platform. Every numeric, boolean and enum field,
// here and in the Details, can be unknown: a pointer is nil and an enum is
// its Unknown value when the platform sent nothing, a blank or a value the
// decoder does not recognise, never a zero that the platform did not say.
// When Complete is false, a nil field may be known after GroupsByID; when
// Complete is true, nil means the platform has no value.
type Group struct {
	Provider Kind
	// ID is the platform's identifier (an NSID, a numeric id, an Akana GUID).
	ID   string
	Name string
	// Complete is true when the group came from GroupsByID (the platform's
	// detail call) rather than from a list call.
	Complete bool

	Description   *string
	URL           *string // the group's page on the platform
	IconURL       *string // icon or avatar image
	MemberCount   *int
	TopicCount    *int // discussion topics
	PoolCount     *int // photos in the pool (Flickr)
	Visibility    Visibility
	JoinPolicy    JoinPolicy
	AgeRestricted *bool // visible to adults only (Flickr eighteenplus)
	CreatedAt     *time.Time
	OwnerID       *string // the platform user id of the owner, when known

	// Details are the platform's own fields: *FlickrDetails,
	// *UpcomingDetails, *PageSeederDetails or *AkanaDetails.
	Details Details
}

// Details is the platform-specific part of a Group. It is one of
// *FlickrDetails, *UpcomingDetails, *PageSeederDetails, *AkanaDetails.
type Details interface {
	isDetails()
}

// FlickrDetails are the fields only Flickr groups have
// (flickr.people.getGroups with extras, flickr.groups.getInfo).
type FlickrDetails struct {
	// Privacy is Flickr's privacy code: 1 private, 2 invite-only public,
	// 3 open public; nil when Flickr sent none or another value.
	Privacy *int
	// Admin is the list call's admin flag for the caller.
	Admin *bool
	// EighteenPlus and InvitationOnly are the list call's flags.
	EighteenPlus   *bool
	InvitationOnly *bool
	// IconFarm and IconServer locate the buddy icon (see IconURL).
	IconFarm   *int
	IconServer string
	// PathAlias is the group's URL alias, when it has one.
	PathAlias string
	Lang      string
	// PoolModerated: photos added to the pool need approval.
	PoolModerated *bool
	Rules         *string
	Throttle      *FlickrThrottle
	Restrictions  *FlickrRestrictions
	// Roles are the group's own names for its member, moderator and admin
	// roles.
	Roles *FlickrRoles
	// ViewerIsMember, ViewerIsModerator, ViewerIsAdmin are getInfo's
	// per-caller flags; nil when unknown. They depend on who asked.
	ViewerIsMember    *bool
	ViewerIsModerator *bool
	ViewerIsAdmin     *bool
}

// FlickrThrottle is how many photos a member may add to the pool per period.
type FlickrThrottle struct {
	// Count is nil when the mode has no count ("none").
	Count *int
	// Mode is "none", "day", "week", "month", "ever" or another value Flickr
	// sends.
	Mode string
	// Remaining is nil when Flickr did not say (it does in getInfo, for the
	// caller).
	Remaining *int
}

// FlickrRestrictions are the content types a group's pool accepts; a flag
// Flickr did not send is nil.
type FlickrRestrictions struct {
	PhotosOK, VideosOK, ImagesOK, ScreensOK, ArtOK, VirtualOK *bool
	SafeOK, ModerateOK, RestrictedOK                          *bool
	HasGeo                                                    *bool
}

// FlickrRoles are a Flickr group's names for its roles.
type FlickrRoles struct {
	Member, Moderator, Admin string
}

func (*FlickrDetails) isDetails() {}

// UpcomingDetails are the fields only Upcoming groups have
// (group.getMyGroups, group.getInfo).
type UpcomingDetails struct {
	// ModerationLevel is Upcoming's own word, e.g. "unmoderated", "moderated".
	ModerationLevel  string
	EventModeration  *bool
	MemberModeration *bool
	IsPrivate        *bool
	// CommercialAccountID is 0 for a non-commercial group.
	CommercialAccountID *int64
	// NumMembers and NumTopics are the JSON output's second pair of counts.
	// The seed shows them disagreeing with member_count and topic_count, so
	// both are kept as sent.
	NumMembers *int
	NumTopics  *int
}

func (*UpcomingDetails) isDetails() {}

// PageSeederDetails are the fields of PageSeeder's extended group
// representation.
type PageSeederDetails struct {
	// Type is "group" or "project".
	Type string
	// Owner is the owning organisation's name (not a user).
	Owner  string
	Title  string
	Access string // "public" or "member"
	Common *bool  // deprecated by PageSeeder, kept as sent
	// VisibleTo is the "visibility" setting: "public" or the name of a group
	// whose members can see this one.
	VisibleTo     string
	Template      string
	EditURLs      *bool
	Commenting    string // public, reviewer, contributor
	Moderation    string // reviewer, email, all
	Registration  string // normal, moderated, confirmed
	DefaultRole   string // reviewer, contributor
	DefaultNotify string // immediate, daily, weekly, essential, none
	IndexVersion  string
	DetailsType   string
	RelatedURL    string
	// Message is the welcome message sent to new members.
	Message string
}

func (*PageSeederDetails) isDetails() {}

// AkanaDetails are the fields only Akana groups have.
type AkanaDetails struct {
	// ResourceType is the uddi:soa.com:resourcetype category ("group").
	ResourceType string
	// VisibilityName is the platform's visibility value as sent ("Limited").
	VisibilityName string
	// Categories are every {value, domain} pair the platform sent, in order.
	Categories []AkanaCategory
	// AvatarURL is Image.Url; DetailsLink is Image.Link.
	AvatarURL   string
	DetailsLink string
}

// AkanaCategory is one RSS category pair.
type AkanaCategory struct {
	Value  string
	Domain string
}

func (*AkanaDetails) isDetails() {}

// WithoutViewerFields returns a copy of g without the fields that depend on
// who asked (Flickr's per-caller flags and the caller's remaining pool
// allowance), fit to be shared between viewers. The copy shares no memory
// with g that either could change.
func (g *Group) WithoutViewerFields() *Group {
	c := *g
	if d, ok := g.Details.(*FlickrDetails); ok {
		dc := *d
		dc.ViewerIsMember, dc.ViewerIsModerator, dc.ViewerIsAdmin = nil, nil, nil
		dc.Admin = nil
		if d.Throttle != nil {
			t := *d.Throttle
			t.Remaining = nil
			dc.Throttle = &t
		}
		c.Details = &dc
	}
	return &c
}
