package graph

import (
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// The types that hold views (see views.go) live here, beside the views:
// gqlgen's generated models cannot refer to this package.

// MembershipConnection is a page of memberships.
type MembershipConnection struct {
	Edges               []*MembershipEdge
	Nodes               []*Membership
	PageInfo            *model.PageInfo
	TotalCount          int
	IncompleteProviders []providers.Kind
}

// MembershipEdge is a membership and its cursor, encoded when asked for.
type MembershipEdge struct {
	key  sortKey
	Node *Membership
}

// Cursor is the opaque cursor of the edge.
func (e *MembershipEdge) Cursor() string { return encodeCursor(e.key) }

// GroupConnection is a page of groups.
type GroupConnection struct {
	Edges               []*GroupEdge
	Nodes               []*Group
	PageInfo            *model.PageInfo
	TotalCount          int
	IncompleteProviders []providers.Kind
}

// GroupEdge is a group and its cursor, encoded when asked for.
type GroupEdge struct {
	key  sortKey
	Node *Group
}

// Cursor is the opaque cursor of the edge.
func (e *GroupEdge) Cursor() string { return encodeCursor(e.key) }

// LeaveGroupPayload is the result of leaveGroup.
type LeaveGroupPayload struct {
	ClientMutationID *string
	Group            *Group
	GroupDeleted     bool
	Membership       *Membership
	Errors           []*model.LeaveGroupError
}
