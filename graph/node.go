package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// maxNodes bounds nodes(ids:), like a connection's page.
const maxNodes = maxPageSize

// resolveNode fetches the object a global ID names. It returns nil and an
// error for a malformed ID (BAD_USER_INPUT) or a missing object (NOT_FOUND).
func (r *Resolver) resolveNode(ctx context.Context, id string) (model.Node, error) {
	gid, err := decodeID(id)
	if err != nil {
		return nil, err
	}
	v, err := viewerFrom(ctx)
	if err != nil {
		return nil, err
	}
	switch gid.Type {
	case typeGroup:
		g, err := groupByID(ctx, gid.Provider, gid.Native)
		if err != nil {
			return nil, err
		}
		return g, nil
	case typeUser:
		return viewerUser(v, gid.Provider, gid.Native), nil
	case typeMembership:
		m, err := lookupMembership(ctx, gid)
		if err != nil {
			return nil, err
		}
		return membershipView(ctx, m), nil
	case typeViewer:
		// Only the caller's own: another viewer's ID is as unknown as a
		// made-up one.
		if gid.Native != viewerNative(v) {
			return nil, userError(codeNotFound, "no such viewer")
		}
		return v, nil
	case typeLinkedAccount:
		accounts, err := r.viewerAccounts(ctx, v)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			if a.ID == id {
				return a, nil
			}
		}
		return nil, userError(codeNotFound, "no such linked account of yours")
	}
	return nil, userError(codeBadUserInput, "unknown object type")
}

func lookupMembership(ctx context.Context, gid globalID) (*providers.Membership, error) {
	user, group, ok := splitMembershipNative(gid.Native)
	if !ok {
		return nil, userError(codeBadUserInput, "malformed membership ID")
	}
	ms, err := loaders.FromContext(ctx).Memberships(ctx, gid.Provider)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].UserID == user && ms[i].Group.ID == group {
			return &ms[i], nil
		}
	}
	return nil, userError(codeNotFound, "no such membership of yours")
}

// resolveNodes fetches every ID at once, so that group lookups share one
// batch per platform, and keeps the input's order and length: an ID that
// cannot be fetched is null with its own error at its index.
func (r *Resolver) resolveNodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, userError(codeBadUserInput, fmt.Sprintf("at most %d ids, got %d", maxNodes, len(ids)))
	}
	if _, err := viewerFrom(ctx); err != nil {
		return nil, err
	}
	// Every group's load starts here, in this goroutine, before any waits:
	// they join one batch per platform however late the goroutines below
	// get to run (the loader keeps one load per ID, so they find these).
	s := groupSelectionOf(ctx, (*groupSelection).addGroup)
	for _, id := range ids {
		if gid, err := decodeID(id); err == nil && gid.Type == typeGroup {
			startGroupByID(ctx, s, gid.Provider, gid.Native)
		}
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Outside the resolver's goroutine gqlgen's recovery does not
			// reach: a panic here would end the process.
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("%w: resolving a node panicked: %v", providers.ErrInternal, v)
				}
			}()
			out[i], errs[i] = r.resolveNode(ctx, id)
		}()
	}
	wg.Wait()
	path := graphql.GetPath(ctx)
	for i, err := range errs {
		if err == nil {
			continue
		}
		out[i] = nil
		// The presenter classifies, masks and logs the error itself.
		graphql.AddError(ctx, &gqlerror.Error{
			Err: err, Message: err.Error(), Path: append(append(ast.Path{}, path...), ast.PathIndex(i)),
		})
	}
	return out, nil
}
