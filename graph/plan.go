package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/providers"
)

// groupSelection is what a query asks of the groups one resolver returns,
// wherever they appear below it: the group itself, a membership's group,
// the group of a group's viewerMembership, and so on.
type groupSelection struct {
	fields     map[string]bool            // Group fields
	details    map[string]map[string]bool // details type → its fields
	remaining  bool                       // FlickrThrottle.remaining
	membership bool                       // viewerMembership, viewerCanLeave or a Flickr viewerIs* flag
}

func newGroupSelection() *groupSelection {
	return &groupSelection{fields: map[string]bool{}, details: map[string]map[string]bool{}}
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
		s.fields[f.Name] = true
		switch f.Name {
		case "details":
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
			if s.details[typ] == nil {
				s.details[typ] = map[string]bool{}
			}
			s.details[typ][f.Name] = true
			if typ != "FlickrGroupDetails" {
				continue
			}
			switch f.Name {
			case "admin", "viewerIsMember", "viewerIsModerator", "viewerIsAdmin":
				// Shared details lack the caller's flags; the view derives
				// them from the viewer's membership.
				s.membership = true
			case "throttle":
				for _, t := range graphql.CollectFields(oc, f.Selections, flickrThrottleImplementors) {
					if t.Name == "remaining" {
						s.remaining = true
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

// needsDetails reports whether the selection asks g for a field its
// representation lacks.
func (s *groupSelection) needsDetails(g *providers.Group) bool {
	if g.Complete {
		return false
	}
	for f := range s.fields {
		if missing := groupNeeds[f]; missing != nil && missing(g) {
			return true
		}
	}
	if !s.fields["details"] {
		return false
	}
	typ := detailsTypeName(g.Provider)
	for f := range s.details[typ] {
		if missing := detailsNeeds[typ][f]; missing != nil && missing(g) {
			return true
		}
	}
	return typ == "FlickrGroupDetails" && s.remaining && remainingMissing(g)
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

// prepareGroups loads what the selection needs of gs that their
// representations lack: one detail batch per platform for the groups
// missing a selected field, and the viewer's memberships on each platform
// when the selection asks about them. Failures are kept on each group and
// reported by the fields that needed the data, so the rest of the answer
// stands.
func prepareGroups(ctx context.Context, s *groupSelection, gs []*Group) {
	if len(gs) == 0 {
		return
	}
	l := loaders.FromContext(ctx)
	var wg sync.WaitGroup
	if s.membership {
		prepareMemberships(ctx, l, gs, &wg)
	}
	need := map[providers.Kind][]*Group{}
	for _, g := range gs {
		if !g.loaded && s.needsDetails(g.rep) {
			need[g.rep.Provider] = append(need[g.rep.Provider], g)
		}
	}
	type pending struct {
		g    *Group
		wait func() (*providers.Group, error)
	}
	var loads []pending
	for k, groups := range need {
		// The shared cache first: a group found there needs no batch, so a
		// warm query does not wait out the loader's batching window.
		ids := make([]string, len(groups))
		for i, g := range groups {
			ids[i] = g.rep.ID
		}
		cached := l.CachedGroups(ctx, k, ids)
		for _, g := range groups {
			if full := cached[g.rep.ID]; full != nil {
				g.full, g.loaded = full, true
				continue
			}
			loads = append(loads, pending{g, l.LoadGroup(ctx, k, g.rep.ID)})
		}
	}
	for _, p := range loads {
		p.g.full, p.g.err = p.wait()
		p.g.loaded = true
	}
	wg.Wait()
}

// prepareMemberships attaches the viewer's membership to each group,
// fetching the viewer's memberships of each platform not yet known in
// parallel (wg waits for them).
func prepareMemberships(ctx context.Context, l *loaders.Loaders, gs []*Group, wg *sync.WaitGroup) {
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
				g.membershipLoaded, g.membershipErr = true, err
				if m := index[g.rep.ID]; m != nil {
					g.membership = newMembership(l, m, g)
				}
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
