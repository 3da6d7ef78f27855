package graph

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// providerRank orders platforms as providers.Kinds lists them.
func providerRank(k providers.Kind) int { return slices.Index(providers.Kinds, k) }

// membershipsConnection merges the viewer's memberships from every linked
// platform, filters, orders and paginates them. A platform that fails adds
// its error to the response and is listed as incomplete; the others' data
// stays.
func membershipsConnection(ctx context.Context, a pageArgs, filter *model.MembershipFilter, orderBy *model.MembershipOrder) (*MembershipConnection, error) {
	order, desc := model.MembershipOrderFieldName, false
	if orderBy != nil {
		order = orderBy.Field
		desc = orderBy.Direction != nil && *orderBy.Direction == model.OrderDirectionDesc
	}
	orderName := string(order)
	if desc {
		orderName += "_DESC"
	}
	if err := a.validate(orderName); err != nil {
		return nil, err
	}
	conn := &MembershipConnection{IncompleteProviders: []providers.Kind{}}
	l := loaders.FromContext(ctx)
	var all []providers.Membership
	var only []providers.Kind
	if filter != nil {
		only = filter.Providers
	}
	for _, res := range l.AllMemberships(ctx, only...) {
		if res.Err != nil {
			graphql.AddError(ctx, res.Err)
			conn.IncompleteProviders = append(conn.IncompleteProviders, res.Account.Provider)
			continue
		}
		for _, m := range res.Value {
			if keepMembership(m, filter) {
				all = append(all, m)
			}
		}
	}
	keys := make([]sortKey, len(all))
	for i, m := range all {
		keys[i] = membershipKey(m, order, orderName, desc)
	}
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		c := keys[i].compare(keys[j])
		if desc {
			return -c
		}
		return c
	})
	sorted := make([]sortKey, len(idx))
	for i, j := range idx {
		sorted[i] = keys[j]
	}
	w := paginateOrdered(sorted, a, orderName, desc)
	conn.TotalCount = len(all)
	page := idx[w.start:w.end]
	conn.Edges = make([]*MembershipEdge, 0, len(page))
	conn.Nodes = make([]*Membership, 0, len(page))
	groups := make([]*Group, 0, len(page))
	for _, j := range page {
		m := newMembership(l, &all[j], nil)
		conn.Edges = append(conn.Edges, &MembershipEdge{key: keys[j], Node: m})
		conn.Nodes = append(conn.Nodes, m)
		groups = append(groups, m.group)
	}
	conn.PageInfo = pageInfo(w, conn.Edges, (*MembershipEdge).Cursor)
	planGroups(ctx, groupSelectionOf(ctx, connectionOf((*groupSelection).addMembership)), groups)
	return conn, nil
}

// paginateOrdered paginates keys sorted ascending or, when desc, descending.
func paginateOrdered(keys []sortKey, a pageArgs, order string, desc bool) window {
	if !desc {
		return paginate(keys, a, order)
	}
	// Compare in the list's own direction by negating the keys' order:
	// paginate expects ascending keys, so walk a reversed view.
	rev := slices.Clone(keys)
	slices.Reverse(rev)
	ra := pageArgs{first: a.last, last: a.first, after: a.before, before: a.after}
	if a.first == nil && a.last == nil {
		n := defaultPageSize
		ra.last = &n
	}
	w := paginate(rev, ra, order)
	n := len(keys)
	return window{start: n - w.end, end: n - w.start, hasPrevious: w.hasNext, hasNext: w.hasPrevious}
}

func pageInfo[E any](w window, edges []E, cursor func(E) string) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: w.hasNext, HasPreviousPage: w.hasPrevious}
	if len(edges) > 0 {
		s, e := cursor(edges[0]), cursor(edges[len(edges)-1])
		pi.StartCursor, pi.EndCursor = &s, &e
	}
	return pi
}

func keepMembership(m providers.Membership, f *model.MembershipFilter) bool {
	if f == nil {
		return true
	}
	if len(f.Roles) > 0 && !slices.Contains(f.Roles, m.Role) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, m.Status) {
		return false
	}
	if f.NameContains != nil && !strings.Contains(strings.ToLower(m.Group.Name), strings.ToLower(*f.NameContains)) {
		return false
	}
	if f.IncludeInherited != nil && !*f.IncludeInherited && m.Inherited {
		return false
	}
	return true
}

// noDate sorts after every formatted time, and noDateDesc before every
// one, so that memberships without a date come last in either direction
// (a descending list is the ascending one reversed).
const (
	noDate     = "\uffff"
	noDateDesc = ""
)

func membershipKey(m providers.Membership, order model.MembershipOrderField, orderName string, desc bool) sortKey {
	k := sortKey{Order: orderName, Provider: providerRank(m.Provider), ID: m.Group.ID + "/" + m.UserID}
	switch order {
	case model.MembershipOrderFieldJoinedAt:
		k.Value = noDate
		if desc {
			k.Value = noDateDesc
		}
		if m.JoinedAt != nil {
			k.Value = m.JoinedAt.UTC().Format("2006-01-02T15:04:05.000000000Z")
		}
	case model.MembershipOrderFieldProvider:
		k.Value = ""
	default:
		k.Value = strings.ToLower(m.Group.Name)
	}
	return k
}

// visibleGroupsConnection lists the groups the viewer may join, by name.
func visibleGroupsConnection(ctx context.Context, a pageArgs, only []providers.Kind) (*GroupConnection, error) {
	// Not memberships' "NAME": a cursor names a place in one list only.
	const order = "VISIBLE_GROUPS_NAME"
	if err := a.validate(order); err != nil {
		return nil, err
	}
	conn := &GroupConnection{IncompleteProviders: []providers.Kind{}}
	l := loaders.FromContext(ctx)
	var all []*providers.Group
	for _, res := range l.VisibleGroups(ctx, only...) {
		if res.Err != nil {
			graphql.AddError(ctx, res.Err)
			conn.IncompleteProviders = append(conn.IncompleteProviders, res.Account.Provider)
			continue
		}
		for i := range res.Value {
			all = append(all, &res.Value[i])
		}
	}
	key := func(g *providers.Group) sortKey {
		return sortKey{Order: order, Value: strings.ToLower(g.Name), Provider: providerRank(g.Provider), ID: g.ID}
	}
	slices.SortFunc(all, func(x, y *providers.Group) int { return key(x).compare(key(y)) })
	keys := make([]sortKey, len(all))
	for i, g := range all {
		keys[i] = key(g)
	}
	w := paginate(keys, a, order)
	conn.TotalCount = len(all)
	conn.Edges = make([]*GroupEdge, 0, w.end-w.start)
	conn.Nodes = make([]*Group, 0, w.end-w.start)
	for i := w.start; i < w.end; i++ {
		g := newGroup(l, all[i])
		conn.Edges = append(conn.Edges, &GroupEdge{key: keys[i], Node: g})
		conn.Nodes = append(conn.Nodes, g)
	}
	conn.PageInfo = pageInfo(w, conn.Edges, (*GroupEdge).Cursor)
	planGroups(ctx, groupSelectionOf(ctx, connectionOf((*groupSelection).addGroup)), conn.Nodes)
	return conn, nil
}

// linkedAccounts lists the viewer's linked accounts.
func linkedAccounts(v *providers.Viewer) []*model.LinkedAccount {
	out := make([]*model.LinkedAccount, 0, len(v.Accounts))
	for _, a := range v.Accounts {
		id := a.ID
		if id == "" {
			id = string(a.Provider) + ":" + a.UserID
		}
		out = append(out, &model.LinkedAccount{
			ID:       encodeID(a.Provider, "LinkedAccount", id),
			Provider: a.Provider,
			User:     userView(&providers.User{Provider: a.Provider, ID: a.UserID, Name: a.DisplayName}),
			Status:   model.AccountStatusActive,
		})
	}
	slices.SortFunc(out, func(x, y *model.LinkedAccount) int {
		return cmp.Compare(providerRank(x.Provider), providerRank(y.Provider))
	})
	return out
}
