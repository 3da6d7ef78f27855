package graph

import (
	"errors"
	"time"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// The GraphQL Group and Membership types bind to the views below rather
// than to the domain types. A view carries everything its fields need, and
// the planner (plan.go) settles that before a resolver returns it: the
// platform's details when the selection asks for a field the list call left
// out and the detail call can give, and the viewer's membership when the
// selection asks about it. Every field of a view is then a plain read,
// which gqlgen runs inline; a field that loaded lazily would cost a
// goroutine per field per group, and the merged memberships query selects
// thousands of them.

// errNotPrepared reports a field the planner did not foresee. It is a bug,
// so it is an INTERNAL_SERVER_ERROR, not a silent null.
var errNotPrepared = errors.New("graph: a group field was read before its data was loaded")

// Group is a group as the API serves it: one truth per request, made of
// what the platform's list call said of it and, where that is silent, what
// its detail call said.
type Group struct {
	rep *providers.Group // the representation the group came with
	req *loaders.Loaders

	list   *providers.Group // the list call's entry, when the request has it
	detail *providers.Group // the detail call's answer; nil when not asked or the group is gone
	truth  *providers.Group // list and detail merged (merge.go)

	// Set by the planner when the selection needs the details.
	loaded bool
	err    error

	// Set by the planner when the selection needs the viewer's membership.
	membershipLoaded bool
	membership       *Membership
	membershipErr    error
}

func newGroup(req *loaders.Loaders, rep *providers.Group) *Group {
	g := &Group{rep: rep, req: req, truth: rep}
	if rep.Complete {
		g.detail, g.loaded = rep, true
	} else {
		g.list = rep
	}
	return g
}

// setDetail records the detail call's answer (nil: the platform no longer
// has the group) or its failure.
func (g *Group) setDetail(full *providers.Group, err error) {
	g.loaded, g.err = true, err
	if full != nil {
		g.detail = full
	}
	g.truth = mergeGroups(g.list, g.detail)
}

// setList records the list call's entry for a group that came from a
// detail call, so that what the list said stands beside it.
func (g *Group) setList(entry *providers.Group) {
	if g.list != nil || entry == nil {
		return
	}
	g.list = entry
	g.truth = mergeGroups(g.list, g.detail)
}

// setMembership records the viewer's membership of the group (nil: none)
// or why it could not be listed. It may run beside setDetail: the
// membership's group, the list call's entry for the group, is merged in by
// setList once both are done.
func (g *Group) setMembership(m *providers.Membership, err error) {
	g.membershipLoaded, g.membershipErr = true, err
	if m != nil {
		g.membership = newMembership(g.req, m, g)
	}
}

// IsNode marks the type as a Node.
func (*Group) IsNode() {}

// GlobalID is the opaque global ID.
func (g *Group) GlobalID() string { return groupID(g.rep) }

// Provider is the platform hosting the group.
func (g *Group) Provider() providers.Kind { return g.rep.Provider }

// ProviderID is the platform's own ID of the group.
func (g *Group) ProviderID() string { return g.rep.ID }

// Name is the group's name.
func (g *Group) Name() string { return g.truth.Name }

// A pick reads one field of a group; nil means the group does not have
// it. field names it in the platforms' tables of which call supplies what.
type pick[T any] struct {
	field providers.Field
	get   func(*providers.Group) *T
}

func (p pick[T]) present(g *providers.Group) bool { return p.get(g) != nil }

var (
	pickDescription   = pick[string]{providers.FieldDescription, func(g *providers.Group) *string { return g.Description }}
	pickURL           = pick[string]{providers.FieldURL, func(g *providers.Group) *string { return g.URL }}
	pickIconURL       = pick[string]{providers.FieldIconURL, func(g *providers.Group) *string { return g.IconURL }}
	pickMemberCount   = pick[int]{providers.FieldMemberCount, func(g *providers.Group) *int { return g.MemberCount }}
	pickTopicCount    = pick[int]{providers.FieldTopicCount, func(g *providers.Group) *int { return g.TopicCount }}
	pickPoolCount     = pick[int]{providers.FieldPoolCount, func(g *providers.Group) *int { return g.PoolCount }}
	pickAgeRestricted = pick[bool]{providers.FieldAgeRestricted, func(g *providers.Group) *bool { return g.AgeRestricted }}
	pickCreatedAt     = pick[time.Time]{providers.FieldCreatedAt, func(g *providers.Group) *time.Time { return g.CreatedAt }}
	pickOwnerID       = pick[string]{providers.FieldOwner, func(g *providers.Group) *string { return g.OwnerID }}
	pickVisibility    = pick[providers.Visibility]{providers.FieldVisibility, func(g *providers.Group) *providers.Visibility {
		if g.Visibility == providers.VisibilityUnknown {
			return nil
		}
		v := g.Visibility
		return &v
	}}
	pickJoinPolicy = pick[providers.JoinPolicy]{providers.FieldJoinPolicy, func(g *providers.Group) *providers.JoinPolicy {
		if g.JoinPolicy == providers.JoinUnknown {
			return nil
		}
		p := g.JoinPolicy
		return &p
	}}
)

// value returns pick's field of the group's one truth, or why it has none.
func value[T any](g *Group, p pick[T]) (*T, error) {
	if v := p.get(g.truth); v != nil {
		return v, nil
	}
	return nil, g.whyMissing(p.field)
}

// whyMissing says why the group has no value for f: nil when the platform
// gave none, the detail call's failure when f was to come from it, or
// errNotPrepared when it was to and was not asked.
func (g *Group) whyMissing(f providers.Field) error {
	if g.list == nil || !capabilitiesOf(g.req, g.rep.Provider).DetailOnly().Has(f) {
		return nil
	}
	if !g.loaded {
		return errNotPrepared
	}
	return g.err
}

// Description is the group's description.
func (g *Group) Description() (*string, error) { return value(g, pickDescription) }

// URL is the group's page on the platform.
func (g *Group) URL() (*string, error) { return value(g, pickURL) }

// IconURL is the group's icon.
func (g *Group) IconURL() (*string, error) { return value(g, pickIconURL) }

// MemberCount is how many members the group has.
func (g *Group) MemberCount() (*int, error) { return value(g, pickMemberCount) }

// TopicCount is how many discussion topics the group has.
func (g *Group) TopicCount() (*int, error) { return value(g, pickTopicCount) }

// PoolCount is how many photos the group's pool holds.
func (g *Group) PoolCount() (*int, error) { return value(g, pickPoolCount) }

// Visibility is who can see the group.
func (g *Group) Visibility() (*providers.Visibility, error) { return value(g, pickVisibility) }

// JoinPolicy is how people join the group.
func (g *Group) JoinPolicy() (*providers.JoinPolicy, error) { return value(g, pickJoinPolicy) }

// AgeRestricted is whether the group is for adults only.
func (g *Group) AgeRestricted() (*bool, error) { return value(g, pickAgeRestricted) }

// CreatedAt is when the group was created.
func (g *Group) CreatedAt() (*time.Time, error) { return value(g, pickCreatedAt) }

// Owner is the group's owner as a user of its platform.
func (g *Group) Owner() (*model.User, error) {
	id, err := value(g, pickOwnerID)
	if err != nil || id == nil {
		return nil, err
	}
	v := g.req.Viewer()
	if v == nil {
		return nil, errUnauthenticated
	}
	return viewerUser(v, g.rep.Provider, *id), nil
}

// Details are the platform's own fields.
func (g *Group) Details() (model.GroupDetails, error) {
	switch d := g.truth.Details.(type) {
	case *providers.FlickrDetails:
		return &FlickrGroupDetails{FlickrDetails: d, group: g}, nil
	case *providers.UpcomingDetails:
		return &UpcomingGroupDetails{UpcomingDetails: d}, nil
	case *providers.PageSeederDetails:
		return &PageSeederGroupDetails{PageSeederDetails: d, group: g}, nil
	case *providers.AkanaDetails:
		return &AkanaGroupDetails{AkanaDetails: d}, nil
	}
	if g.list != nil && !g.loaded && capabilitiesOf(g.req, g.rep.Provider).DetailFields != 0 {
		return nil, errNotPrepared
	}
	return nil, g.err
}

// ViewerMembership is the viewer's membership of the group, nil when they
// are not a member.
func (g *Group) ViewerMembership() (*Membership, error) {
	if !g.membershipLoaded {
		return nil, errNotPrepared
	}
	return g.membership, g.membershipErr
}

// ViewerCanLeave is whether the viewer may leave the group with leaveGroup.
func (g *Group) ViewerCanLeave() (*bool, error) {
	m, err := g.ViewerMembership()
	if err != nil {
		return nil, err
	}
	ok := m != nil && m.ViewerCanLeave()
	return &ok, nil
}

// Membership is a membership as the API serves it.
type Membership struct {
	m     *providers.Membership
	group *Group
	req   *loaders.Loaders
}

func newMembership(req *loaders.Loaders, m *providers.Membership, g *Group) *Membership {
	if g == nil {
		g = newGroup(req, &m.Group)
	}
	return &Membership{m: m, group: g, req: req}
}

// IsNode marks the type as a Node.
func (*Membership) IsNode() {}

// GlobalID is the opaque global ID.
func (m *Membership) GlobalID() string { return membershipID(m.m) }

// Provider is the platform hosting the group.
func (m *Membership) Provider() providers.Kind { return m.m.Provider }

// ProviderMembershipID is the platform's own ID of the membership.
func (m *Membership) ProviderMembershipID() *string { return nonEmpty(m.m.ID) }

// User is the member.
func (m *Membership) User() (*model.User, error) {
	v := m.req.Viewer()
	if v == nil {
		return nil, errUnauthenticated
	}
	return viewerUser(v, m.m.Provider, m.m.UserID), nil
}

// Group is the group.
func (m *Membership) Group() *Group { return m.group }

// Role is the member's normalized role.
func (m *Membership) Role() providers.Role { return m.m.Role }

// ProviderRole is the platform's own role name.
func (m *Membership) ProviderRole() *string { return nonEmpty(m.m.ProviderRole) }

// Status is where the membership stands.
func (m *Membership) Status() providers.Status { return m.m.Status }

// ProviderStatus is the platform's own status.
func (m *Membership) ProviderStatus() *string { return nonEmpty(m.m.ProviderStatus) }

// JoinedAt is when the member joined.
func (m *Membership) JoinedAt() *time.Time { return m.m.JoinedAt }

// Inherited is whether the membership comes through another group.
func (m *Membership) Inherited() bool { return m.m.Inherited }

// InheritedFrom names the group(s) an inherited membership comes through.
func (m *Membership) InheritedFrom() *string { return nonEmpty(m.m.InheritedFrom) }

// ViewerCanLeave is whether the viewer may end the membership through
// leaveGroup.
func (m *Membership) ViewerCanLeave() bool {
	d := m.m
	if !d.Leavable || d.Inherited || d.Status == providers.StatusRemoved {
		return false
	}
	p, ok := m.req.Registry().Provider(d.Provider)
	return ok && p.Capabilities().Leave
}

// FlickrGroupDetails are a Flickr group's details, read from the
// representation the group came with and, for what that lacks, from the
// loaded group.
type FlickrGroupDetails struct {
	*providers.FlickrDetails
	group *Group
}

// UpcomingGroupDetails are an Upcoming group's details; Upcoming's list
// call returns all of them.
type UpcomingGroupDetails struct {
	*providers.UpcomingDetails
}

// PageSeederGroupDetails are a PageSeeder group's details.
type PageSeederGroupDetails struct {
	*providers.PageSeederDetails
	group *Group
}

// AkanaGroupDetails are an Akana group's details; Akana's list call
// returns all of them.
type AkanaGroupDetails struct {
	*providers.AkanaDetails
}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (*FlickrGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (*UpcomingGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (*PageSeederGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (*AkanaGroupDetails) IsGroupDetails() {}
