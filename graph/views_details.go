package graph

import (
	"github.com/groupgraph/groupgraph/providers"
)

// The details' fields that a platform's list call may leave out, read from
// the group's one truth like the Group picks.

// detailsPick returns the pick of a field of details of type D.
func detailsPick[D providers.Details, T any](field providers.Field, get func(D) *T) pick[T] {
	return pick[T]{field, func(g *providers.Group) *T {
		d, ok := g.Details.(D)
		if !ok {
			return nil
		}
		return get(d)
	}}
}

// stringPick is detailsPick for a string field, "" meaning absent.
func stringPick[D providers.Details](field providers.Field, f func(D) string) pick[string] {
	return detailsPick(field, func(d D) *string { return nonEmpty(f(d)) })
}

var (
	pickFlickrPrivacy       = detailsPick(providers.FieldFlickrPrivacy, func(d *providers.FlickrDetails) *int { return d.Privacy })
	pickFlickrPathAlias     = stringPick(providers.FieldFlickrPathAlias, func(d *providers.FlickrDetails) string { return d.PathAlias })
	pickFlickrLang          = stringPick(providers.FieldFlickrLang, func(d *providers.FlickrDetails) string { return d.Lang })
	pickFlickrPoolModerated = detailsPick(providers.FieldFlickrPoolModerated, func(d *providers.FlickrDetails) *bool { return d.PoolModerated })
	pickFlickrRules         = detailsPick(providers.FieldFlickrRules, func(d *providers.FlickrDetails) *string { return d.Rules })
	pickFlickrRestrictions  = detailsPick(providers.FieldFlickrRestrictions, func(d *providers.FlickrDetails) *providers.FlickrRestrictions { return d.Restrictions })
	pickFlickrRoles         = detailsPick(providers.FieldFlickrRoles, func(d *providers.FlickrDetails) *providers.FlickrRoles { return d.Roles })
	pickFlickrThrottle      = detailsPick(providers.FieldFlickrThrottle, func(d *providers.FlickrDetails) *providers.FlickrThrottle { return d.Throttle })
	pickFlickrRemaining     = detailsPick(providers.FieldFlickrThrottleRemaining, func(d *providers.FlickrDetails) *int {
		if d.Throttle == nil {
			return nil
		}
		return d.Throttle.Remaining
	})
	pickFlickrIsMember    = detailsPick(providers.FieldFlickrViewerFlags, func(d *providers.FlickrDetails) *bool { return d.ViewerIsMember })
	pickFlickrIsModerator = detailsPick(providers.FieldFlickrViewerFlags, func(d *providers.FlickrDetails) *bool { return d.ViewerIsModerator })
	pickFlickrIsAdmin     = detailsPick(providers.FieldFlickrViewerFlags, func(d *providers.FlickrDetails) *bool { return d.ViewerIsAdmin })

	pickPSOwner         = stringPick(providers.FieldPageSeederOwner, func(d *providers.PageSeederDetails) string { return d.Owner })
	pickPSTitle         = stringPick(providers.FieldPageSeederTitle, func(d *providers.PageSeederDetails) string { return d.Title })
	pickPSAccess        = stringPick(providers.FieldPageSeederAccess, func(d *providers.PageSeederDetails) string { return d.Access })
	pickPSVisibleTo     = stringPick(providers.FieldPageSeederVisibleTo, func(d *providers.PageSeederDetails) string { return d.VisibleTo })
	pickPSTemplate      = stringPick(providers.FieldPageSeederTemplate, func(d *providers.PageSeederDetails) string { return d.Template })
	pickPSEditURLs      = detailsPick(providers.FieldPageSeederEditURLs, func(d *providers.PageSeederDetails) *bool { return d.EditURLs })
	pickPSCommenting    = stringPick(providers.FieldPageSeederCommenting, func(d *providers.PageSeederDetails) string { return d.Commenting })
	pickPSModeration    = stringPick(providers.FieldPageSeederModeration, func(d *providers.PageSeederDetails) string { return d.Moderation })
	pickPSRegistration  = stringPick(providers.FieldPageSeederRegistration, func(d *providers.PageSeederDetails) string { return d.Registration })
	pickPSDefaultRole   = stringPick(providers.FieldPageSeederDefaultRole, func(d *providers.PageSeederDetails) string { return d.DefaultRole })
	pickPSDefaultNotify = stringPick(providers.FieldPageSeederDefaultNotify, func(d *providers.PageSeederDetails) string { return d.DefaultNotify })
	pickPSIndexVersion  = stringPick(providers.FieldPageSeederIndexVersion, func(d *providers.PageSeederDetails) string { return d.IndexVersion })
	pickPSDetailsType   = stringPick(providers.FieldPageSeederDetailsType, func(d *providers.PageSeederDetails) string { return d.DetailsType })
	pickPSRelatedURL    = stringPick(providers.FieldPageSeederRelatedURL, func(d *providers.PageSeederDetails) string { return d.RelatedURL })
	pickPSMessage       = stringPick(providers.FieldPageSeederMessage, func(d *providers.PageSeederDetails) string { return d.Message })
)

// presentIn says, for every Field, whether a group has it: the planner
// asks it of a group's list entry to decide whether the detail call is
// worth making. It is built from the picks the fields' methods read, so a
// group is loaded exactly when a method would otherwise have nothing to
// return.
var presentIn = map[providers.Field]func(*providers.Group) bool{
	providers.FieldDescription:   pickDescription.present,
	providers.FieldURL:           pickURL.present,
	providers.FieldIconURL:       pickIconURL.present,
	providers.FieldMemberCount:   pickMemberCount.present,
	providers.FieldTopicCount:    pickTopicCount.present,
	providers.FieldPoolCount:     pickPoolCount.present,
	providers.FieldVisibility:    pickVisibility.present,
	providers.FieldJoinPolicy:    pickJoinPolicy.present,
	providers.FieldAgeRestricted: pickAgeRestricted.present,
	providers.FieldCreatedAt:     pickCreatedAt.present,
	providers.FieldOwner:         pickOwnerID.present,

	providers.FieldFlickrPrivacy:           pickFlickrPrivacy.present,
	providers.FieldFlickrPathAlias:         pickFlickrPathAlias.present,
	providers.FieldFlickrLang:              pickFlickrLang.present,
	providers.FieldFlickrPoolModerated:     pickFlickrPoolModerated.present,
	providers.FieldFlickrRules:             pickFlickrRules.present,
	providers.FieldFlickrThrottle:          pickFlickrThrottle.present,
	providers.FieldFlickrThrottleRemaining: pickFlickrRemaining.present,
	providers.FieldFlickrRestrictions:      pickFlickrRestrictions.present,
	providers.FieldFlickrRoles:             pickFlickrRoles.present,
	providers.FieldFlickrViewerFlags: func(g *providers.Group) bool {
		return pickFlickrIsMember.present(g) && pickFlickrIsModerator.present(g) && pickFlickrIsAdmin.present(g)
	},

	providers.FieldPageSeederOwner:         pickPSOwner.present,
	providers.FieldPageSeederTitle:         pickPSTitle.present,
	providers.FieldPageSeederAccess:        pickPSAccess.present,
	providers.FieldPageSeederVisibleTo:     pickPSVisibleTo.present,
	providers.FieldPageSeederTemplate:      pickPSTemplate.present,
	providers.FieldPageSeederEditURLs:      pickPSEditURLs.present,
	providers.FieldPageSeederCommenting:    pickPSCommenting.present,
	providers.FieldPageSeederModeration:    pickPSModeration.present,
	providers.FieldPageSeederRegistration:  pickPSRegistration.present,
	providers.FieldPageSeederDefaultRole:   pickPSDefaultRole.present,
	providers.FieldPageSeederDefaultNotify: pickPSDefaultNotify.present,
	providers.FieldPageSeederIndexVersion:  pickPSIndexVersion.present,
	providers.FieldPageSeederDetailsType:   pickPSDetailsType.present,
	providers.FieldPageSeederRelatedURL:    pickPSRelatedURL.present,
	providers.FieldPageSeederMessage:       pickPSMessage.present,
}

// present reports whether g has field f.
func present(g *providers.Group, f providers.Field) bool {
	p := presentIn[f]
	return p != nil && p(g)
}

// Privacy is Flickr's privacy code.
func (d *FlickrGroupDetails) Privacy() (*int, error) {
	return value(d.group, pickFlickrPrivacy)
}

// PathAlias is the group's URL alias.
func (d *FlickrGroupDetails) PathAlias() (*string, error) {
	return value(d.group, pickFlickrPathAlias)
}

// Lang is the group's primary language.
func (d *FlickrGroupDetails) Lang() (*string, error) {
	return value(d.group, pickFlickrLang)
}

// PoolModerated is whether pool additions need a moderator's approval.
func (d *FlickrGroupDetails) PoolModerated() (*bool, error) {
	return value(d.group, pickFlickrPoolModerated)
}

// Rules are the group's rules.
func (d *FlickrGroupDetails) Rules() (*string, error) {
	return value(d.group, pickFlickrRules)
}

// Throttle is the pool throttle. The list call gives its count and mode,
// only the detail call the caller's remaining allowance; the group's one
// truth has both when both were asked.
func (d *FlickrGroupDetails) Throttle() (*providers.FlickrThrottle, error) {
	return value(d.group, pickFlickrThrottle)
}

// Restrictions are the kinds of content the pool accepts.
func (d *FlickrGroupDetails) Restrictions() (*providers.FlickrRestrictions, error) {
	return value(d.group, pickFlickrRestrictions)
}

// Roles are the group's names for its roles.
func (d *FlickrGroupDetails) Roles() (*providers.FlickrRoles, error) {
	return value(d.group, pickFlickrRoles)
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
	if d.FlickrDetails.ViewerIsAdmin != nil || d.group.list != nil {
		return d.FlickrDetails.Admin, nil
	}
	m, err := d.group.ViewerMembership()
	if err != nil {
		return nil, err
	}
	admin := m != nil && (m.m.Role == providers.RoleAdmin || m.m.Role == providers.RoleOwner)
	return &admin, nil
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
func (d *FlickrGroupDetails) viewerFlag(p pick[bool], derive func(*providers.Membership) bool) (*bool, error) {
	if v := p.get(d.group.truth); v != nil {
		return v, nil
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
	return value(d.group, pickPSOwner)
}

// Title is the group's title.
func (d *PageSeederGroupDetails) Title() (*string, error) {
	return value(d.group, pickPSTitle)
}

// Access is public or member.
func (d *PageSeederGroupDetails) Access() (*string, error) {
	return value(d.group, pickPSAccess)
}

// Common is PageSeeder's deprecated common flag.
func (d *PageSeederGroupDetails) Common() *bool { return d.PageSeederDetails.Common }

// VisibleTo is the visibility setting.
func (d *PageSeederGroupDetails) VisibleTo() (*string, error) {
	return value(d.group, pickPSVisibleTo)
}

// Template is the group's template.
func (d *PageSeederGroupDetails) Template() (*string, error) {
	return value(d.group, pickPSTemplate)
}

// EditUrls is whether URLs can be edited.
func (d *PageSeederGroupDetails) EditUrls() (*bool, error) {
	return value(d.group, pickPSEditURLs)
}

// Commenting is who may comment.
func (d *PageSeederGroupDetails) Commenting() (*string, error) {
	return value(d.group, pickPSCommenting)
}

// Moderation is how comments are moderated.
func (d *PageSeederGroupDetails) Moderation() (*string, error) {
	return value(d.group, pickPSModeration)
}

// Registration is how people register.
func (d *PageSeederGroupDetails) Registration() (*string, error) {
	return value(d.group, pickPSRegistration)
}

// DefaultRole is the role new members get.
func (d *PageSeederGroupDetails) DefaultRole() (*string, error) {
	return value(d.group, pickPSDefaultRole)
}

// DefaultNotify is the notification new members get.
func (d *PageSeederGroupDetails) DefaultNotify() (*string, error) {
	return value(d.group, pickPSDefaultNotify)
}

// IndexVersion is the group's search index version.
func (d *PageSeederGroupDetails) IndexVersion() (*string, error) {
	return value(d.group, pickPSIndexVersion)
}

// DetailsType is the group's member details type.
func (d *PageSeederGroupDetails) DetailsType() (*string, error) {
	return value(d.group, pickPSDetailsType)
}

// RelatedURL is a related URL.
func (d *PageSeederGroupDetails) RelatedURL() (*string, error) {
	return value(d.group, pickPSRelatedURL)
}

// Message is the welcome message sent to new members.
func (d *PageSeederGroupDetails) Message() (*string, error) {
	return value(d.group, pickPSMessage)
}

// ResourceType is the uddi:soa.com:resourcetype category.
func (d *AkanaGroupDetails) ResourceType() *string { return nonEmpty(d.AkanaDetails.ResourceType) }

// VisibilityName is the platform's visibility value as sent.
func (d *AkanaGroupDetails) VisibilityName() *string { return nonEmpty(d.AkanaDetails.VisibilityName) }

// AvatarURL is the group's avatar.
func (d *AkanaGroupDetails) AvatarURL() *string { return nonEmpty(d.AkanaDetails.AvatarURL) }

// DetailsLink is the link to the group's details page.
func (d *AkanaGroupDetails) DetailsLink() *string { return nonEmpty(d.AkanaDetails.DetailsLink) }
