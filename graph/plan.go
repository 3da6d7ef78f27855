package graph

// This file plans every upstream read a query makes for its groups, from
// the resolver to the loader. A resolver that returns groups (memberships,
// visibleGroups, node, nodes, group, leaveGroup) hands them here with the
// selection below it, and before it returns:
//
//  1. groupSelection collects what the selection asks of those groups,
//     wherever it appears below the field, as domain Fields;
//  2. needsDetails decides, for each group, from the platform's own table
//     of which call supplies which field (Capabilities.ListFields,
//     DetailFields, ViewerFields), whether its detail call can add
//     anything the group's list entry lacks, and whether the caller's own
//     copy is needed (fields that depend on who asked are not in shared
//     details);
//  3. planGroups asks the loaders (graph/loaders: one batch per platform
//     per request, the shared cache first) for those groups only, and the
//     viewer's memberships when the selection asks about them, then merges
//     each group's list entry and detail answer into one truth (merge.go).
//
// The views (views.go) then only read what was planned.

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/providers"
)

// groupFieldOf maps the Group fields a list call may leave out to the
// domain field they read.
var groupFieldOf = map[string]providers.Field{
	"description":   providers.FieldDescription,
	"url":           providers.FieldURL,
	"iconUrl":       providers.FieldIconURL,
	"memberCount":   providers.FieldMemberCount,
	"topicCount":    providers.FieldTopicCount,
	"poolCount":     providers.FieldPoolCount,
	"visibility":    providers.FieldVisibility,
	"joinPolicy":    providers.FieldJoinPolicy,
	"ageRestricted": providers.FieldAgeRestricted,
	"createdAt":     providers.FieldCreatedAt,
	"owner":         providers.FieldOwner,
}

// detailsFieldOf maps, per details type, the fields a list call may leave
// out to the domain field they read. Upcoming's and Akana's details come
// whole with their list calls. FlickrThrottle.remaining is collected from
// the throttle's own selection.
var detailsFieldOf = map[string]map[string]providers.Field{
	"FlickrGroupDetails": {
		"privacy":           providers.FieldFlickrPrivacy,
		"pathAlias":         providers.FieldFlickrPathAlias,
		"lang":              providers.FieldFlickrLang,
		"poolModerated":     providers.FieldFlickrPoolModerated,
		"rules":             providers.FieldFlickrRules,
		"throttle":          providers.FieldFlickrThrottle,
		"restrictions":      providers.FieldFlickrRestrictions,
		"roles":             providers.FieldFlickrRoles,
		"viewerIsMember":    providers.FieldFlickrViewerFlags,
		"viewerIsModerator": providers.FieldFlickrViewerFlags,
		"viewerIsAdmin":     providers.FieldFlickrViewerFlags,
	},
	"PageSeederGroupDetails": {
		"owner":         providers.FieldPageSeederOwner,
		"title":         providers.FieldPageSeederTitle,
		"access":        providers.FieldPageSeederAccess,
		"visibleTo":     providers.FieldPageSeederVisibleTo,
		"template":      providers.FieldPageSeederTemplate,
		"editUrls":      providers.FieldPageSeederEditURLs,
		"commenting":    providers.FieldPageSeederCommenting,
		"moderation":    providers.FieldPageSeederModeration,
		"registration":  providers.FieldPageSeederRegistration,
		"defaultRole":   providers.FieldPageSeederDefaultRole,
		"defaultNotify": providers.FieldPageSeederDefaultNotify,
		"indexVersion":  providers.FieldPageSeederIndexVersion,
		"detailsType":   providers.FieldPageSeederDetailsType,
		"relatedUrl":    providers.FieldPageSeederRelatedURL,
		"message":       providers.FieldPageSeederMessage,
	},
}

// groupSelection is what a query asks of the groups one resolver returns,
// wherever they appear below it: the group itself, a membership's group,
// the group of a group's viewerMembership, and so on.
type groupSelection struct {
	fields  providers.Fields            // of Group
	details map[string]providers.Fields // details type → its fields
	// detailsObject: the details union itself is selected.
	detailsObject bool
	// membership: viewerMembership, viewerCanLeave or a Flickr flag that
	// shared details answer from the viewer's membership.
	membership bool
}

func newGroupSelection() *groupSelection {
	return &groupSelection{details: map[string]providers.Fields{}}
}

// detailsTypes are the GroupDetails union's members with their
// implementors, for collecting a union selection's fields per member.
var detailsTypes = map[string][]string{
	"FlickrGroupDetails":     flickrGroupDetailsImplementors,
	"UpcomingGroupDetails":   upcomingGroupDetailsImplementors,
	"PageSeederGroupDetails": pageSeederGroupDetailsImplementors,
	"AkanaGroupDetails":      akanaGroupDetailsImplementors,
}

// addGroup adds a selection set on Group (or on Node, which Group
// implements).
func (s *groupSelection) addGroup(oc *graphql.OperationContext, sel ast.SelectionSet) {
	for _, f := range graphql.CollectFields(oc, sel, groupImplementors) {
		if field, ok := groupFieldOf[f.Name]; ok {
			s.fields |= providers.FieldsOf(field)
		}
		switch f.Name {
		case "details":
			s.detailsObject = true
			s.addDetails(oc, f.Selections)
		case "viewerMembership":
			s.membership = true
			s.addMembership(oc, f.Selections)
		case "viewerCanLeave":
			s.membership = true
		}
	}
}

func (s *groupSelection) addDetails(oc *graphql.OperationContext, sel ast.SelectionSet) {
	for typ, impl := range detailsTypes {
		for _, f := range graphql.CollectFields(oc, sel, impl) {
			if field, ok := detailsFieldOf[typ][f.Name]; ok {
				s.details[typ] |= providers.FieldsOf(field)
			}
			if typ != "FlickrGroupDetails" {
				continue
			}
			switch f.Name {
			case "admin", "viewerIsMember", "viewerIsModerator", "viewerIsAdmin":
				// Shared details lack the caller's flags; the view derives
				// them from the viewer's membership when the caller's own
				// copy is not at hand.
				s.membership = true
			case "throttle":
				for _, t := range graphql.CollectFields(oc, f.Selections, flickrThrottleImplementors) {
					if t.Name == "remaining" {
						s.details[typ] |= providers.FieldsOf(providers.FieldFlickrThrottleRemaining)
					}
				}
			}
		}
	}
}

// addMembership adds a selection set on Membership: its group's fields.
func (s *groupSelection) addMembership(oc *graphql.OperationContext, sel ast.SelectionSet) {
	for _, f := range graphql.CollectFields(oc, sel, membershipImplementors) {
		if f.Name == "group" {
			s.addGroup(oc, f.Selections)
		}
	}
}

// addConnection adds a connection's selection set: the items of its nodes
// and of its edges' node, each added by item.
func (s *groupSelection) addConnection(oc *graphql.OperationContext, sel ast.SelectionSet, item func(*groupSelection, *graphql.OperationContext, ast.SelectionSet)) {
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		switch f.Name {
		case "nodes":
			item(s, oc, f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
				if e.Name == "node" {
					item(s, oc, e.Selections)
				}
			}
		}
	}
}

// wants returns the fields the selection asks of a group on platform k.
func (s *groupSelection) wants(k providers.Kind) providers.Fields {
	return s.fields | s.details[detailsTypeName(k)]
}

// ownNeeded reports whether the selection asks a group on the platform
// with caps for a field only the caller's own detail answer has.
func (s *groupSelection) ownNeeded(k providers.Kind, caps providers.Capabilities) bool {
	return s.wants(k)&caps.ViewerFields&caps.DetailFields != 0
}

// needsDetails reports whether the platform's detail call (per caps, the
// platform's table of which call supplies which field) can give g a field
// the selection asks for and g's list entry lacks, and whether it must be
// the caller's own answer.
func (s *groupSelection) needsDetails(g *Group, caps providers.Capabilities) (need, own bool) {
	if g.loaded {
		return false, false
	}
	k := g.rep.Provider
	worth := caps.DetailOnly()
	for f := range fieldsIn(s.wants(k) & worth) {
		if !present(g.rep, f) {
			need = true
			own = own || caps.ViewerFields.Has(f)
		}
	}
	if s.detailsObject && g.rep.Details == nil && caps.DetailFields != 0 {
		need = true
	}
	return need, own
}

// fieldsIn yields the fields of s.
func fieldsIn(s providers.Fields) func(func(providers.Field) bool) {
	return func(yield func(providers.Field) bool) {
		for f := providers.Field(0); s != 0; f++ {
			if s.Has(f) {
				s = s.Without(providers.FieldsOf(f))
				if !yield(f) {
					return
				}
			}
		}
	}
}

func detailsTypeName(k providers.Kind) string {
	switch k {
	case providers.Flickr:
		return "FlickrGroupDetails"
	case providers.Upcoming:
		return "UpcomingGroupDetails"
	case providers.PageSeeder:
		return "PageSeederGroupDetails"
	case providers.Akana:
		return "AkanaGroupDetails"
	}
	return ""
}

// capabilitiesOf returns platform k's table, the zero value when it is not
// configured (no call can be made there).
func capabilitiesOf(l *loaders.Loaders, k providers.Kind) providers.Capabilities {
	p, ok := l.Registry().Provider(k)
	if !ok {
		return providers.Capabilities{}
	}
	return p.Capabilities()
}

// planGroups loads what the selection needs of gs that their list entries
// lack and a detail call can give: one detail batch per platform, and the
// viewer's memberships on each platform when the selection asks about
// them. Failures are kept on each group and reported by the fields that
// needed the data, so the rest of the answer stands.
func planGroups(ctx context.Context, s *groupSelection, gs []*Group) {
	if len(gs) == 0 {
		return
	}
	l := loaders.FromContext(ctx)
	var wg sync.WaitGroup
	if s.membership {
		planMemberships(ctx, l, gs, &wg)
	}
	type need struct {
		shared []*Group
		own    []*Group
	}
	needs := map[providers.Kind]*need{}
	caps := map[providers.Kind]providers.Capabilities{}
	for _, g := range gs {
		k := g.rep.Provider
		c, ok := caps[k]
		if !ok {
			c = capabilitiesOf(l, k)
			caps[k] = c
		}
		want, own := s.needsDetails(g, c)
		if !want {
			continue
		}
		if needs[k] == nil {
			needs[k] = &need{}
		}
		if own {
			needs[k].own = append(needs[k].own, g)
		} else {
			needs[k].shared = append(needs[k].shared, g)
		}
	}
	type pending struct {
		g    *Group
		wait func() (*providers.Group, error)
	}
	var loads []pending
	for k, n := range needs {
		// The shared cache first: a group found there needs no batch, so a
		// warm query does not wait out the loader's batching window.
		ids := make([]string, len(n.shared))
		for i, g := range n.shared {
			ids[i] = g.rep.ID
		}
		cached := l.CachedGroups(ctx, k, ids)
		for _, g := range n.shared {
			if full := cached[g.rep.ID]; full != nil {
				g.setDetail(full, nil)
				continue
			}
			loads = append(loads, pending{g, l.LoadGroup(ctx, k, g.rep.ID)})
		}
		for _, g := range n.own {
			loads = append(loads, pending{g, l.LoadOwnGroup(ctx, k, g.rep.ID)})
		}
	}
	for _, p := range loads {
		p.g.setDetail(p.wait())
	}
	wg.Wait()
	// A group fetched by id takes what the list call said of it too.
	for _, g := range gs {
		if g.membership != nil {
			g.setList(&g.membership.m.Group)
		}
	}
}

// planMemberships attaches the viewer's membership to each group,
// fetching the viewer's memberships of each platform not yet known in
// parallel (wg waits for them).
func planMemberships(ctx context.Context, l *loaders.Loaders, gs []*Group, wg *sync.WaitGroup) {
	byKind := map[providers.Kind][]*Group{}
	for _, g := range gs {
		if !g.membershipLoaded {
			byKind[g.rep.Provider] = append(byKind[g.rep.Provider], g)
		}
	}
	v := l.Viewer()
	for k, groups := range byKind {
		attach := func(ms []providers.Membership, err error) {
			index := make(map[string]*providers.Membership, len(ms))
			for i := range ms {
				if ms[i].Status != providers.StatusRemoved {
					if _, dup := index[ms[i].Group.ID]; !dup {
						index[ms[i].Group.ID] = &ms[i]
					}
				}
			}
			for _, g := range groups {
				g.setMembership(index[g.rep.ID], err)
			}
		}
		switch {
		case v == nil:
			attach(nil, errUnauthenticated)
		case !hasAccount(v, k):
			attach(nil, nil)
		default:
			if ms, known := l.KnownMemberships(k); known {
				attach(ms, nil)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				attach(l.Memberships(ctx, k))
			}()
		}
	}
}

func hasAccount(v *providers.Viewer, k providers.Kind) bool {
	_, ok := v.Account(k)
	return ok
}

// groupSelectionOf returns the selection below the current field, whose
// type is given by add: addGroup for a Group, addMembership for a
// Membership, and so on.
func groupSelectionOf(ctx context.Context, add func(*groupSelection, *graphql.OperationContext, ast.SelectionSet)) *groupSelection {
	s := newGroupSelection()
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		add(s, graphql.GetOperationContext(ctx), fc.Field.Selections)
	}
	return s
}

// connectionOf adapts an item's add method to a connection of such items.
func connectionOf(item func(*groupSelection, *graphql.OperationContext, ast.SelectionSet)) func(*groupSelection, *graphql.OperationContext, ast.SelectionSet) {
	return func(s *groupSelection, oc *graphql.OperationContext, sel ast.SelectionSet) {
		s.addConnection(oc, sel, item)
	}
}

// startGroupByID starts loading group id on platform k for a field whose
// selection is s, and returns at once with a function that waits for it:
// the caller's own copy when s asks for a field only that has, otherwise
// the shared one (from the cache or batched with the request's other
// lookups). A caller that starts every lookup before it waits for any gets
// one batch per platform.
func startGroupByID(ctx context.Context, s *groupSelection, k providers.Kind, id string) func() (*providers.Group, error) {
	l := loaders.FromContext(ctx)
	if s.ownNeeded(k, capabilitiesOf(l, k)) {
		return l.LoadOwnGroup(ctx, k, id)
	}
	return l.LoadGroup(ctx, k, id)
}

// groupByID returns the view of group id on platform k for the current
// field (a Group, or a Node that is one), planned for its selection; a
// group the platform says does not exist is a NOT_FOUND error.
func groupByID(ctx context.Context, k providers.Kind, id string) (*Group, error) {
	s := groupSelectionOf(ctx, (*groupSelection).addGroup)
	g, err := startGroupByID(ctx, s, k, id)()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, userError(codeNotFound, fmt.Sprintf("no %s group %q visible to you", k, truncate(id, 60)))
	}
	v := newGroup(loaders.FromContext(ctx), g)
	planGroups(ctx, s, []*Group{v})
	return v, nil
}

// membershipView is the view of m for the current field (a Membership, or
// a Node that is one), planned for its selection.
func membershipView(ctx context.Context, m *providers.Membership) *Membership {
	v := newMembership(loaders.FromContext(ctx), m, nil)
	planGroups(ctx, groupSelectionOf(ctx, (*groupSelection).addMembership), []*Group{v.group})
	return v
}
