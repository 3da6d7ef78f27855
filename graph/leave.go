package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// leaveErrorCodes maps the domain kinds that are expected refusals of a
// leave to the payload's error codes. Other failures are GraphQL errors.
var leaveErrorCodes = map[error]model.LeaveGroupErrorCode{
	providers.ErrNotMember:   model.LeaveGroupErrorCodeNotAMember,
	providers.ErrNotFound:    model.LeaveGroupErrorCodeGroupNotFound,
	providers.ErrForbidden:   model.LeaveGroupErrorCodeNotPermitted,
	providers.ErrNotLinked:   model.LeaveGroupErrorCodeNotPermitted,
	providers.ErrUnsupported: model.LeaveGroupErrorCodeNotSupported,
	providers.ErrInherited:   model.LeaveGroupErrorCodeInheritedMembership,
}

// leaveGroup leaves a group. It is never retried: a leave that failed in
// transit may have happened, and the next query shows the truth.
func leaveGroup(ctx context.Context, in model.LeaveGroupInput) (*LeaveGroupPayload, error) {
	out := &LeaveGroupPayload{ClientMutationID: in.ClientMutationID, Errors: []*model.LeaveGroupError{}}
	v, err := viewerFrom(ctx)
	if err != nil {
		return nil, err
	}
	gid, err := decodeID(in.GroupID)
	if err != nil {
		return nil, err
	}
	if gid.Type != typeGroup {
		return nil, userError(codeBadUserInput, "groupId names a "+gid.Type+", not a Group")
	}
	refuse := func(code model.LeaveGroupErrorCode, msg string) (*LeaveGroupPayload, error) {
		out.Errors = append(out.Errors, &model.LeaveGroupError{Code: code, Message: msg})
		return out, nil
	}
	l := loaders.FromContext(ctx)
	p, ok := l.Registry().Provider(gid.Provider)
	if !ok {
		return refuse(model.LeaveGroupErrorCodeNotSupported, fmt.Sprintf("%s is not configured on this server", gid.Provider))
	}
	acct, ok := v.Account(gid.Provider)
	if !ok {
		return refuse(model.LeaveGroupErrorCodeNotPermitted, fmt.Sprintf("you have no linked %s account", gid.Provider))
	}
	if !p.Capabilities().Leave {
		return refuse(model.LeaveGroupErrorCodeNotSupported, fmt.Sprintf("%s does not let members leave groups through its API", gid.Provider))
	}
	// If this request already knows the membership is inherited, say so
	// without asking the platform; otherwise the provider checks.
	if ms, known := l.KnownMemberships(gid.Provider); known {
		for _, m := range ms {
			if m.Group.ID == gid.Native && m.Inherited {
				return refuse(model.LeaveGroupErrorCodeInheritedMembership, inheritedMessage(m))
			}
		}
	}
	opts := providers.LeaveOptions{DeletePhotos: in.DeletePhotos != nil && *in.DeletePhotos}
	res, err := p.LeaveGroup(ctx, acct, gid.Native, opts)
	if err != nil {
		if code, expected := leaveErrorCodes[providers.KindOf(err)]; expected {
			return refuse(code, err.Error())
		}
		return nil, &providers.ProviderError{Provider: gid.Provider, Err: err}
	}
	l.ForgetGroup(gid.Provider, gid.Native)
	l.ForgetMemberships(gid.Provider)
	out.GroupDeleted = res.GroupDeleted
	ended := res.Membership
	if ended == nil {
		ended = &providers.Membership{
			Provider: gid.Provider, UserID: acct.UserID, Status: providers.StatusRemoved,
			Role: providers.RoleMember, Group: providers.Group{Provider: gid.Provider, ID: gid.Native},
		}
	}
	s := newGroupSelection()
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, leaveGroupPayloadImplementors) {
		switch f.Name {
		case "group":
			s.addGroup(oc, f.Selections)
		case "membership":
			s.addMembership(oc, f.Selections)
		}
	}
	// The group as it is after the leave: the provider's own read when it
	// made one, otherwise one more, planned like any other.
	after := res.Group
	if after == nil && !res.GroupDeleted {
		g, err := startGroupByID(ctx, s, gid.Provider, gid.Native)()
		if err == nil || errors.Is(err, providers.ErrNotFound) {
			// A failing re-read must not hide that the leave happened.
			after = g
		}
	}
	// The ended membership's group is the group as read after the leave
	// when there is one, so that its fields need no further call.
	if after != nil && !ended.Group.Complete {
		ended.Group = *after
	}
	out.Membership = newMembership(l, ended, nil)
	groups := []*Group{out.Membership.group}
	if after != nil {
		out.Group = newGroup(l, after)
		groups = append(groups, out.Group)
	}
	// The viewer just left: whatever a list call, which may lag the leave,
	// would say, the payload's groups have no membership of theirs.
	for _, g := range groups {
		g.setMembership(nil, nil)
	}
	planGroups(ctx, s, groups)
	return out, nil
}

func inheritedMessage(m providers.Membership) string {
	if m.InheritedFrom != "" {
		return "the membership comes through " + m.InheritedFrom + " and cannot be left on its own"
	}
	return "the membership is inherited through another group and cannot be left on its own"
}
