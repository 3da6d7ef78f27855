package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// viewerFrom returns the authenticated viewer or the UNAUTHENTICATED error.
func viewerFrom(ctx context.Context) (*providers.Viewer, error) {
	v := loaders.FromContext(ctx).Viewer()
	if v == nil {
		return nil, errUnauthenticated
	}
	return v, nil
}

// completeGroup returns the complete version of g: g itself when it already
// is, otherwise the platform's details through the request's group loader
// (nil when the platform no longer has the group).
func completeGroup(ctx context.Context, g *providers.Group) (*providers.Group, error) {
	if g.Complete {
		return g, nil
	}
	return loaders.FromContext(ctx).Group(ctx, g.Provider, g.ID)
}

// groupField returns pick(g) when g's representation has it, and otherwise
// loads the group's details for it. Fields that the platform's list call
// returned therefore never cause an upstream call.
func groupField[T any](ctx context.Context, g *providers.Group, pick func(*providers.Group) *T) (*T, error) {
	if v := pick(g); v != nil || g.Complete {
		return v, nil
	}
	full, err := completeGroup(ctx, g)
	if err != nil || full == nil {
		return nil, err
	}
	return pick(full), nil
}

// detailsField is groupField for a platform's details: pick reads the field
// from details of type D, returning nil when the representation lacks it.
func detailsField[D providers.Details, T any](ctx context.Context, g *providers.Group, d D, pick func(D) *T) (*T, error) {
	if v := pick(d); v != nil || g.Complete {
		return v, nil
	}
	full, err := completeGroup(ctx, g)
	if err != nil || full == nil {
		return nil, err
	}
	fd, ok := full.Details.(D)
	if !ok {
		return nil, nil
	}
	return pick(fd), nil
}

// completeOnly is detailsField for fields whose zero value is meaningful
// (booleans that only the detail call returns): it always loads the
// details of an incomplete group.
func completeOnly[D providers.Details, T any](ctx context.Context, g *providers.Group, d D, pick func(D) T) (*T, error) {
	return detailsField(ctx, g, d, func(d D) *T {
		if !g.Complete {
			return nil
		}
		v := pick(d)
		return &v
	})
}

// wrapDetails pairs a group's platform details with the group.
func wrapDetails(g *providers.Group) model.GroupDetails {
	switch d := g.Details.(type) {
	case *providers.FlickrDetails:
		return &model.FlickrGroupDetails{FlickrDetails: d, Group: g}
	case *providers.UpcomingDetails:
		return &model.UpcomingGroupDetails{UpcomingDetails: d, Group: g}
	case *providers.PageSeederDetails:
		return &model.PageSeederGroupDetails{PageSeederDetails: d, Group: g}
	case *providers.AkanaDetails:
		return &model.AkanaGroupDetails{AkanaDetails: d, Group: g}
	}
	return nil
}

// nonEmpty returns a pointer to s, or nil for "" (unknown).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// viewerUser is the viewer's own user on platform k, as far as the linked
// account knows it.
func viewerUser(v *providers.Viewer, k providers.Kind, id string) *providers.User {
	u := &providers.User{Provider: k, ID: id}
	if a, ok := v.Account(k); ok && a.UserID == id {
		u.Name = a.DisplayName
	}
	return u
}

// capabilities converts the domain's capabilities.
func capabilities(c providers.Capabilities) *model.ProviderCapabilities {
	return &model.ProviderCapabilities{
		VisibleGroups:       c.VisibleGroups,
		LeaveGroup:          c.Leave,
		DeletePhotosOnLeave: c.DeletePhotosOnLeave,
		BatchGroupDetails:   c.BatchGroupDetails,
	}
}

// viewerMembership returns the viewer's membership of g, fetching the
// viewer's memberships on g's platform (once per request) if needed.
func viewerMembership(ctx context.Context, g *providers.Group) (*providers.Membership, error) {
	l := loaders.FromContext(ctx)
	if l.Viewer() == nil {
		return nil, errUnauthenticated
	}
	if _, ok := l.Viewer().Account(g.Provider); !ok {
		return nil, nil
	}
	ms, err := l.Memberships(ctx, g.Provider)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].Group.ID == g.ID && ms[i].Status != providers.StatusRemoved {
			return &ms[i], nil
		}
	}
	return nil, nil
}

// canLeave reports whether the viewer may end m through leaveGroup.
func canLeave(ctx context.Context, m *providers.Membership) bool {
	if m == nil || !m.Leavable || m.Inherited || m.Status == providers.StatusRemoved {
		return false
	}
	p, ok := loaders.FromContext(ctx).Registry().Provider(m.Provider)
	return ok && p.Capabilities().Leave
}

// groupOwner returns the owner as a user of the group's platform.
func groupOwner(ctx context.Context, g *providers.Group) (*providers.User, error) {
	id, err := groupField(ctx, g, func(g *providers.Group) *string { return g.OwnerID })
	if err != nil || id == nil {
		return nil, err
	}
	v, err := viewerFrom(ctx)
	if err != nil {
		return nil, err
	}
	return viewerUser(v, g.Provider, *id), nil
}

// groupDetails returns the platform details, loading them when the list
// call returned none. Fields inside the details load on their own when the
// list call left them out.
func groupDetails(ctx context.Context, g *providers.Group) (model.GroupDetails, error) {
	if g.Details == nil && !g.Complete {
		full, err := completeGroup(ctx, g)
		if err != nil || full == nil {
			return nil, err
		}
		g = full
	}
	return wrapDetails(g), nil
}

// flickrThrottle returns the pool throttle; the list call gives its count
// and mode, only the detail call the caller's remaining allowance, so the
// details are loaded when remaining is asked of a listed group.
func flickrThrottle(ctx context.Context, obj *model.FlickrGroupDetails) (*providers.FlickrThrottle, error) {
	needRemaining := false
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "remaining" {
			needRemaining = true
		}
	}
	return detailsField(ctx, obj.Group, obj.FlickrDetails, func(d *providers.FlickrDetails) *providers.FlickrThrottle {
		if d.Throttle != nil && needRemaining && d.Throttle.Remaining == nil && !obj.Group.Complete {
			return nil
		}
		return d.Throttle
	})
}

// providerInfos describes the configured platforms.
func providerInfos(reg *providers.Registry) []*model.ProviderInfo {
	var out []*model.ProviderInfo
	for _, k := range reg.Kinds() {
		p, _ := reg.Provider(k)
		info := &model.ProviderInfo{Provider: k, Capabilities: capabilities(p.Capabilities()), Health: &model.ProviderHealth{Circuit: model.CircuitStateClosed}}
		if sr, ok := p.(providers.StatusReporter); ok {
			st := sr.Status()
			switch st.Circuit {
			case "open":
				info.Health.Circuit = model.CircuitStateOpen
			case "half-open":
				info.Health.Circuit = model.CircuitStateHalfOpen
			}
			if b := st.Budget; b != nil {
				info.Budget = &model.UpstreamBudget{Limit: b.Limit, Remaining: b.Remaining, ResetAt: b.ResetAt}
			}
		}
		out = append(out, info)
	}
	return out
}

// flickrViewerFlag returns one of getInfo's per-caller flags. Details shared
// between viewers (from the group cache) carry none, so the flag is then
// derived from the viewer's own membership, which says the same thing.
func flickrViewerFlag(ctx context.Context, obj *model.FlickrGroupDetails, pick func(*providers.FlickrDetails) *bool, derive func(*providers.Membership) bool) (*bool, error) {
	v, err := detailsField(ctx, obj.Group, obj.FlickrDetails, pick)
	if err != nil || v != nil {
		return v, err
	}
	m, err := viewerMembership(ctx, obj.Group)
	if err != nil {
		return nil, err
	}
	b := derive(m)
	return &b, nil
}
