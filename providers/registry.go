package providers

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Registry holds the configured providers, one per platform, and fans calls
// out to all of a viewer's linked accounts at once.
type Registry struct {
	byKind map[Kind]Provider
}

// NewRegistry returns a registry of ps. It panics on two providers of the same
// kind, which is a wiring mistake.
func NewRegistry(ps ...Provider) *Registry {
	r := &Registry{byKind: make(map[Kind]Provider, len(ps))}
	for _, p := range ps {
		if _, dup := r.byKind[p.Kind()]; dup {
			panic(fmt.Sprintf("providers: two providers of kind %s", p.Kind()))
		}
		r.byKind[p.Kind()] = p
	}
	return r
}

// Provider returns the provider of kind k.
func (r *Registry) Provider(k Kind) (Provider, bool) {
	p, ok := r.byKind[k]
	return p, ok
}

// Kinds returns the configured platforms in the order of the package's Kinds.
func (r *Registry) Kinds() []Kind {
	var ks []Kind
	for _, k := range Kinds {
		if _, ok := r.byKind[k]; ok {
			ks = append(ks, k)
		}
	}
	return ks
}

// Len returns the number of configured providers.
func (r *Registry) Len() int { return len(r.byKind) }

// Result is one account's share of a fan-out: its value, or the error that
// platform returned, wrapped in a *ProviderError.
type Result[T any] struct {
	Account Account
	Value   T
	Err     error
}

// FanOut calls fn for each account whose platform is configured, all at once,
// and returns one Result per such account in the order of accounts. The
// latency is that of the slowest platform, and one platform's failure or panic
// never takes the others' results with it. Accounts of unconfigured platforms
// are skipped.
func FanOut[T any](ctx context.Context, r *Registry, accounts []Account, fn func(context.Context, Provider, Account) (T, error)) []Result[T] {
	results := make([]Result[T], 0, len(accounts))
	var targets []Provider
	for _, a := range accounts {
		if p, ok := r.byKind[a.Provider]; ok {
			results = append(results, Result[T]{Account: a})
			targets = append(targets, p)
		}
	}
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(res *Result[T], p Provider) {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					res.Err = &ProviderError{Provider: p.Kind(), Err: fmt.Errorf("%w: provider panicked: %v", ErrInternal, v)}
				}
			}()
			v, err := fn(ctx, p, res.Account)
			res.Value = v
			if err != nil {
				res.Err = &ProviderError{Provider: p.Kind(), Err: err}
			}
		}(&results[i], targets[i])
	}
	wg.Wait()
	return results
}

// Memberships lists the memberships of every account, concurrently.
func (r *Registry) Memberships(ctx context.Context, accounts []Account) []Result[[]Membership] {
	return FanOut(ctx, r, accounts, func(ctx context.Context, p Provider, a Account) ([]Membership, error) {
		return p.Memberships(ctx, a)
	})
}

// VisibleGroups lists the joinable groups of every account whose platform
// supports it, concurrently.
func (r *Registry) VisibleGroups(ctx context.Context, accounts []Account) []Result[[]Group] {
	var capable []Account
	for _, a := range accounts {
		if p, ok := r.byKind[a.Provider]; ok && p.Capabilities().VisibleGroups {
			capable = append(capable, a)
		}
	}
	return FanOut(ctx, r, capable, func(ctx context.Context, p Provider, a Account) ([]Group, error) {
		return p.VisibleGroups(ctx, a)
	})
}

// StatusReporter is implemented by providers that know their own health and
// call budget (the resilience layer's decorator does); Query.providers shows
// what they report.
type StatusReporter interface {
	Status() ProviderStatus
}

// GroupCache is implemented by providers that keep the details of public
// groups in a cache shared between requests (the resilience layer's
// decorator does). CachedGroups returns the cached groups among ids, without
// calling the platform: a caller that finds a group there need not wait to
// batch its lookup with others.
type GroupCache interface {
	CachedGroups(ctx context.Context, ids []string) map[string]*Group
}

// OwnGroups is implemented by providers that share group details between
// callers (the resilience layer's decorator does). OwnGroupsByID is
// GroupsByID answered for acct alone, neither from the shared cache nor
// from another caller's load, so that the fields that depend on who asked
// (Capabilities.ViewerFields) are in it.
type OwnGroups interface {
	OwnGroupsByID(ctx context.Context, acct Account, ids []string) (map[string]*Group, error)
}

// ProviderStatus is a platform's health as groupgraph sees it.
type ProviderStatus struct {
	// Circuit is the circuit breaker's state: "closed", "half-open" or
	// "open"; empty without a breaker.
	Circuit string
	// Budget is the upstream call budget; nil when the platform has none.
	Budget *BudgetStatus
}

// BudgetStatus is what is left of an upstream call budget.
type BudgetStatus struct {
	Limit     int
	Remaining int
	// ResetAt is when the budget is full again if nothing spends it.
	ResetAt time.Time
}
