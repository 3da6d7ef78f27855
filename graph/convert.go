package graph

import (
	"context"
	"strconv"

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

// nonEmpty returns a pointer to s, or nil for "" (unknown).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// viewerUser is the user id on platform k, named as the viewer's linked
// account there names it when it is the viewer's own.
func viewerUser(v *providers.Viewer, k providers.Kind, id string) *model.User {
	u := &providers.User{Provider: k, ID: id}
	if a, ok := v.Account(k); ok && a.UserID == id {
		u.Name = a.DisplayName
	}
	return userView(u)
}

// userView is u as the API serves it.
func userView(u *providers.User) *model.User { return model.NewUser(u, userID(u)) }

// capabilities converts the domain's capabilities.
func capabilities(c providers.Capabilities) *model.ProviderCapabilities {
	return &model.ProviderCapabilities{
		VisibleGroups:       c.VisibleGroups,
		LeaveGroup:          c.Leave,
		DeletePhotosOnLeave: c.DeletePhotosOnLeave,
		BatchGroupDetails:   c.BatchGroupDetails,
	}
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
