package graph

import (
	"github.com/groupgraph/groupgraph/providers"
)

// The details' fields that a platform's list call may leave out. Each pick
// serves both prepareGroups (through detailsNeeds) and the field's method,
// like the Group picks.

// detailsValue returns pick's field from d (the details the view holds),
// or, when d lacks it, from the loaded group's details.
func detailsValue[D providers.Details, T any](g *Group, d D, pick func(D) *T) (*T, error) {
	if v := pick(d); v != nil || g.rep.Complete {
		return v, nil
	}
	full, err := g.complete()
	if err != nil || full == nil {
		return nil, err
	}
	fd, ok := full.Details.(D)
	if !ok {
		return nil, nil
	}
	return pick(fd), nil
}

// detailsMissing reports whether a group's representation lacks a details
// field that pick reads.
func detailsMissing[D providers.Details, T any](pick func(D) *T) func(*providers.Group) bool {
	return func(g *providers.Group) bool {
		if g.Complete {
			return false
		}
		d, ok := g.Details.(D)
		return !ok || pick(d) == nil
	}
}

// flickrPick reads one field of a Flickr group's details; nil means the
// details lack it.
type flickrPick[T any] func(*providers.FlickrDetails) *T

// stringPick reads a string field of details of type D, "" meaning absent.
func stringPick[D providers.Details](f func(D) string) func(D) *string {
	return func(d D) *string { return nonEmpty(f(d)) }
}

var (
	pickFlickrPrivacy       flickrPick[int]                          = func(d *providers.FlickrDetails) *int { return d.Privacy }
	pickFlickrPoolModerated flickrPick[bool]                         = func(d *providers.FlickrDetails) *bool { return d.PoolModerated }
	pickFlickrPathAlias                                              = stringPick(func(d *providers.FlickrDetails) string { return d.PathAlias })
	pickFlickrLang                                                   = stringPick(func(d *providers.FlickrDetails) string { return d.Lang })
	pickFlickrRules         flickrPick[string]                       = func(d *providers.FlickrDetails) *string { return d.Rules }
	pickFlickrRestrictions  flickrPick[providers.FlickrRestrictions] = func(d *providers.FlickrDetails) *providers.FlickrRestrictions { return d.Restrictions }
	pickFlickrRoles         flickrPick[providers.FlickrRoles]        = func(d *providers.FlickrDetails) *providers.FlickrRoles { return d.Roles }
	pickFlickrThrottle      flickrPick[providers.FlickrThrottle]     = func(d *providers.FlickrDetails) *providers.FlickrThrottle { return d.Throttle }
	pickFlickrIsMember      flickrPick[bool]                         = func(d *providers.FlickrDetails) *bool { return d.ViewerIsMember }
	pickFlickrIsModerator   flickrPick[bool]                         = func(d *providers.FlickrDetails) *bool { return d.ViewerIsModerator }
	pickFlickrIsAdmin       flickrPick[bool]                         = func(d *providers.FlickrDetails) *bool { return d.ViewerIsAdmin }

	pickPSOwner         = stringPick(func(d *providers.PageSeederDetails) string { return d.Owner })
	pickPSTitle         = stringPick(func(d *providers.PageSeederDetails) string { return d.Title })
	pickPSAccess        = stringPick(func(d *providers.PageSeederDetails) string { return d.Access })
	pickPSVisibleTo     = stringPick(func(d *providers.PageSeederDetails) string { return d.VisibleTo })
	pickPSTemplate      = stringPick(func(d *providers.PageSeederDetails) string { return d.Template })
	pickPSCommenting    = stringPick(func(d *providers.PageSeederDetails) string { return d.Commenting })
	pickPSModeration    = stringPick(func(d *providers.PageSeederDetails) string { return d.Moderation })
	pickPSRegistration  = stringPick(func(d *providers.PageSeederDetails) string { return d.Registration })
	pickPSDefaultRole   = stringPick(func(d *providers.PageSeederDetails) string { return d.DefaultRole })
	pickPSDefaultNotify = stringPick(func(d *providers.PageSeederDetails) string { return d.DefaultNotify })
	pickPSIndexVersion  = stringPick(func(d *providers.PageSeederDetails) string { return d.IndexVersion })
	pickPSDetailsType   = stringPick(func(d *providers.PageSeederDetails) string { return d.DetailsType })
	pickPSRelatedURL    = stringPick(func(d *providers.PageSeederDetails) string { return d.RelatedURL })
	pickPSMessage       = stringPick(func(d *providers.PageSeederDetails) string { return d.Message })
	pickPSEditURLs      = func(d *providers.PageSeederDetails) *bool { return d.EditURLs }
)

// detailsNeeds maps each details type's fields that may need the detail
// call to whether a representation lacks them. Fields not listed are always
// in the list representation. FlickrThrottle.remaining is handled by
// groupSelection, since it depends on the throttle's own selection.
var detailsNeeds = map[string]map[string]func(*providers.Group) bool{
	"FlickrGroupDetails": {
		"privacy":           detailsMissing(pickFlickrPrivacy),
		"pathAlias":         detailsMissing(pickFlickrPathAlias),
		"lang":              detailsMissing(pickFlickrLang),
		"poolModerated":     detailsMissing(pickFlickrPoolModerated),
		"rules":             detailsMissing(pickFlickrRules),
		"throttle":          detailsMissing(pickFlickrThrottle),
		"restrictions":      detailsMissing(pickFlickrRestrictions),
		"roles":             detailsMissing(pickFlickrRoles),
		"viewerIsMember":    detailsMissing(pickFlickrIsMember),
		"viewerIsModerator": detailsMissing(pickFlickrIsModerator),
		"viewerIsAdmin":     detailsMissing(pickFlickrIsAdmin),
	},
	"PageSeederGroupDetails": {
		"owner":         detailsMissing(pickPSOwner),
		"title":         detailsMissing(pickPSTitle),
		"access":        detailsMissing(pickPSAccess),
		"visibleTo":     detailsMissing(pickPSVisibleTo),
		"template":      detailsMissing(pickPSTemplate),
		"editUrls":      detailsMissing(pickPSEditURLs),
		"commenting":    detailsMissing(pickPSCommenting),
		"moderation":    detailsMissing(pickPSModeration),
		"registration":  detailsMissing(pickPSRegistration),
		"defaultRole":   detailsMissing(pickPSDefaultRole),
		"defaultNotify": detailsMissing(pickPSDefaultNotify),
		"indexVersion":  detailsMissing(pickPSIndexVersion),
		"detailsType":   detailsMissing(pickPSDetailsType),
		"relatedUrl":    detailsMissing(pickPSRelatedURL),
		"message":       detailsMissing(pickPSMessage),
	},
}

// remainingMissing reports whether a representation lacks the caller's
// remaining pool allowance, which only Flickr's detail call returns.
func remainingMissing(g *providers.Group) bool {
	if g.Complete {
		return false
	}
	d, ok := g.Details.(*providers.FlickrDetails)
	return !ok || d.Throttle == nil || d.Throttle.Remaining == nil
}

// Privacy is Flickr's privacy code.
func (d *FlickrGroupDetails) Privacy() (*int, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrPrivacy)
}

// PathAlias is the group's URL alias.
func (d *FlickrGroupDetails) PathAlias() (*string, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrPathAlias)
}

// Lang is the group's primary language.
func (d *FlickrGroupDetails) Lang() (*string, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrLang)
}

// PoolModerated is whether pool additions need a moderator's approval.
func (d *FlickrGroupDetails) PoolModerated() (*bool, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrPoolModerated)
}

// Rules are the group's rules.
func (d *FlickrGroupDetails) Rules() (*string, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrRules)
}

// Throttle is the pool throttle. The list call gives its count and mode,
// only the detail call the caller's remaining allowance; when the details
// were loaded (because remaining or another field needed them), they win.
func (d *FlickrGroupDetails) Throttle() (*providers.FlickrThrottle, error) {
	g := d.group
	if t := d.FlickrDetails.Throttle; g.rep.Complete || (t != nil && (t.Remaining != nil || !g.loaded)) {
		return t, nil
	}
	full, err := g.complete()
	if err != nil || full == nil {
		return nil, err
	}
	if fd, ok := full.Details.(*providers.FlickrDetails); ok {
		return fd.Throttle, nil
	}
	return nil, nil
}

// Restrictions are the kinds of content the pool accepts.
func (d *FlickrGroupDetails) Restrictions() (*providers.FlickrRestrictions, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrRestrictions)
}

// Roles are the group's names for its roles.
func (d *FlickrGroupDetails) Roles() (*providers.FlickrRoles, error) {
	return detailsValue(d.group, d.FlickrDetails, pickFlickrRoles)
}

// Admin is the list call's admin flag: whether the caller administers the
// group. Details that came with the caller's flags (the list call's, or a
// groups.getInfo signed for the caller) say so themselves; details shared
// between viewers carry none of the caller's flags (WithoutViewerFields
// clears them), so the flag is then derived from the viewer's membership,
// as viewerIsAdmin's is.
//
// It is nullable: when the viewer's memberships cannot be listed, only this
// field fails, not the whole details object.
func (d *FlickrGroupDetails) Admin() (*bool, error) {
	if d.FlickrDetails.ViewerIsAdmin != nil || d.fromList() {
		return d.FlickrDetails.Admin, nil
	}
	m, err := d.group.ViewerMembership()
	if err != nil {
		return nil, err
	}
	admin := m != nil && (m.m.Role == providers.RoleAdmin || m.m.Role == providers.RoleOwner)
	return &admin, nil
}

// fromList reports whether the details are those the platform's list call
// returned for the caller.
func (d *FlickrGroupDetails) fromList() bool {
	rep := d.group.rep
	return !rep.Complete && rep.Details == providers.Details(d.FlickrDetails)
}

// ViewerIsMember is whether the caller is a member.
func (d *FlickrGroupDetails) ViewerIsMember() (*bool, error) {
	return d.viewerFlag(pickFlickrIsMember, func(m *providers.Membership) bool { return m != nil })
}

// ViewerIsModerator is whether the caller is a moderator.
func (d *FlickrGroupDetails) ViewerIsModerator() (*bool, error) {
	return d.viewerFlag(pickFlickrIsModerator, func(m *providers.Membership) bool { return m != nil && m.Role == providers.RoleModerator })
}

// ViewerIsAdmin is whether the caller is an administrator.
func (d *FlickrGroupDetails) ViewerIsAdmin() (*bool, error) {
	return d.viewerFlag(pickFlickrIsAdmin, func(m *providers.Membership) bool {
		return m != nil && (m.Role == providers.RoleAdmin || m.Role == providers.RoleOwner)
	})
}

// viewerFlag returns one of getInfo's per-caller flags. Details shared
// between viewers (from the group cache) carry none, so the flag is then
// derived from the viewer's own membership, which says the same thing.
func (d *FlickrGroupDetails) viewerFlag(pick flickrPick[bool], derive func(*providers.Membership) bool) (*bool, error) {
	v, err := detailsValue(d.group, d.FlickrDetails, pick)
	if err != nil || v != nil {
		return v, err
	}
	m, err := d.group.ViewerMembership()
	if err != nil {
		return nil, err
	}
	var dm *providers.Membership
	if m != nil {
		dm = m.m
	}
	b := derive(dm)
	return &b, nil
}

// ModerationLevel is Upcoming's moderation level.
func (d *UpcomingGroupDetails) ModerationLevel() *string {
	return nonEmpty(d.UpcomingDetails.ModerationLevel)
}

// CommercialAccountID is the commercial account the group belongs to.
func (d *UpcomingGroupDetails) CommercialAccountID() *string {
	if d.UpcomingDetails.CommercialAccountID == nil {
		return nil
	}
	s := itoa64(*d.UpcomingDetails.CommercialAccountID)
	return &s
}

// Owner is the owning organisation's name.
func (d *PageSeederGroupDetails) Owner() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSOwner)
}

// Title is the group's title.
func (d *PageSeederGroupDetails) Title() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSTitle)
}

// Access is public or member.
func (d *PageSeederGroupDetails) Access() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSAccess)
}

// Common is PageSeeder's deprecated common flag.
func (d *PageSeederGroupDetails) Common() *bool { return d.PageSeederDetails.Common }

// VisibleTo is the visibility setting.
func (d *PageSeederGroupDetails) VisibleTo() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSVisibleTo)
}

// Template is the group's template.
func (d *PageSeederGroupDetails) Template() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSTemplate)
}

// EditUrls is whether URLs can be edited.
func (d *PageSeederGroupDetails) EditUrls() (*bool, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSEditURLs)
}

// Commenting is who may comment.
func (d *PageSeederGroupDetails) Commenting() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSCommenting)
}

// Moderation is how comments are moderated.
func (d *PageSeederGroupDetails) Moderation() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSModeration)
}

// Registration is how people register.
func (d *PageSeederGroupDetails) Registration() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSRegistration)
}

// DefaultRole is the role new members get.
func (d *PageSeederGroupDetails) DefaultRole() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSDefaultRole)
}

// DefaultNotify is the notification new members get.
func (d *PageSeederGroupDetails) DefaultNotify() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSDefaultNotify)
}

// IndexVersion is the group's search index version.
func (d *PageSeederGroupDetails) IndexVersion() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSIndexVersion)
}

// DetailsType is the group's member details type.
func (d *PageSeederGroupDetails) DetailsType() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSDetailsType)
}

// RelatedURL is a related URL.
func (d *PageSeederGroupDetails) RelatedURL() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSRelatedURL)
}

// Message is the welcome message sent to new members.
func (d *PageSeederGroupDetails) Message() (*string, error) {
	return detailsValue(d.group, d.PageSeederDetails, pickPSMessage)
}

// ResourceType is the uddi:soa.com:resourcetype category.
func (d *AkanaGroupDetails) ResourceType() *string { return nonEmpty(d.AkanaDetails.ResourceType) }

// VisibilityName is the platform's visibility value as sent.
func (d *AkanaGroupDetails) VisibilityName() *string { return nonEmpty(d.AkanaDetails.VisibilityName) }

// AvatarURL is the group's avatar.
func (d *AkanaGroupDetails) AvatarURL() *string { return nonEmpty(d.AkanaDetails.AvatarURL) }

// DetailsLink is the link to the group's details page.
func (d *AkanaGroupDetails) DetailsLink() *string { return nonEmpty(d.AkanaDetails.DetailsLink) }
