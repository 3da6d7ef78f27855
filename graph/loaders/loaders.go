// Package loaders holds the request-scoped batching and memoization of
// upstream reads. Every group-detail lookup made anywhere in one GraphQL
// request (memberships, node, group, leaveGroup payloads) goes through one
// dataloader per platform, which waits about a millisecond, deduplicates the
// IDs and sends them as one GroupsByID call; each platform's membership list
// is fetched at most once per request however many fields need it.
//
// Loaders live and die with a request: nothing here is shared between
// viewers.
package loaders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/groupgraph/groupgraph/providers"
)

// DefaultWait is how long a loader collects keys before it sends a batch.
// The library's default of 16 ms is added to every query that loads details,
// so it is kept short: the resolvers of one query level run concurrently and
// all of them register their keys well within a millisecond.
const DefaultWait = time.Millisecond

// Loaders are one request's loaders. The zero value is not usable; use New.
type Loaders struct {
	registry *providers.Registry
	viewer   *providers.Viewer
	wait     time.Duration
	observe  BatchObserver

	mu          sync.Mutex
	groups      map[providers.Kind]*dataloader.Loader[string, *providers.Group]
	own         map[providers.Kind]*dataloader.Loader[string, *providers.Group]
	memberships map[providers.Kind]*memo[[]providers.Membership]
}

// Option configures Loaders.
type Option func(*Loaders)

// WithWait sets the batching window.
func WithWait(d time.Duration) Option { return func(l *Loaders) { l.wait = d } }

// New returns loaders acting as viewer (nil for an anonymous request) over
// the registry's providers.
func New(registry *providers.Registry, viewer *providers.Viewer, opts ...Option) *Loaders {
	l := &Loaders{
		registry:    registry,
		viewer:      viewer,
		wait:        DefaultWait,
		groups:      map[providers.Kind]*dataloader.Loader[string, *providers.Group]{},
		own:         map[providers.Kind]*dataloader.Loader[string, *providers.Group]{},
		memberships: map[providers.Kind]*memo[[]providers.Membership]{},
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

type ctxKey struct{}

// NewContext returns ctx carrying l.
func NewContext(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the request's loaders. It panics when the middleware
// did not install them, which is a wiring mistake, not a runtime condition.
func FromContext(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; is loaders.Middleware installed?")
	}
	return l
}

// Middleware gives every request fresh loaders acting as the viewer that the
// authentication middleware put in its context.
func Middleware(registry *providers.Registry, next http.Handler, opts ...Option) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := New(registry, providers.ViewerFromContext(r.Context()), opts...)
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), l)))
	})
}

// Viewer returns the viewer the loaders act as; nil when anonymous.
func (l *Loaders) Viewer() *providers.Viewer { return l.viewer }

// Registry returns the providers.
func (l *Loaders) Registry() *providers.Registry { return l.registry }

// account returns the viewer's account and provider on platform k.
func (l *Loaders) account(k providers.Kind) (providers.Provider, providers.Account, error) {
	p, ok := l.registry.Provider(k)
	if !ok {
		return nil, providers.Account{}, &providers.ProviderError{Provider: k, Err: fmt.Errorf("%w: %s is not configured on this server", providers.ErrUnsupported, k)}
	}
	a, ok := l.viewer.Account(k)
	if !ok {
		return nil, providers.Account{}, &providers.ProviderError{Provider: k, Err: fmt.Errorf("%w: link a %s account first", providers.ErrNotLinked, k)}
	}
	return p, a, nil
}

// Group returns the complete group id on platform k, or nil when the platform
// says it does not exist. Concurrent calls are batched into one GroupsByID
// call per platform.
func (l *Loaders) Group(ctx context.Context, k providers.Kind, id string) (*providers.Group, error) {
	return l.LoadGroup(ctx, k, id)()
}

// LoadGroup starts loading a group like Group and returns at once with a
// function that waits for the result: a caller that starts every lookup
// before it waits for any gets one batch per platform from one goroutine.
func (l *Loaders) LoadGroup(ctx context.Context, k providers.Kind, id string) func() (*providers.Group, error) {
	return l.load(ctx, k, id, false)
}

// LoadOwnGroup is LoadGroup for the caller's own copy of the group: where
// the platform's details are shared between callers (providers.OwnGroups),
// it is loaded for this viewer alone, so that the fields that depend on who
// asked are in it. Such lookups are batched among themselves.
func (l *Loaders) LoadOwnGroup(ctx context.Context, k providers.Kind, id string) func() (*providers.Group, error) {
	return l.load(ctx, k, id, true)
}

func (l *Loaders) load(ctx context.Context, k providers.Kind, id string, own bool) func() (*providers.Group, error) {
	loader, err := l.groupLoader(k, own)
	if err != nil {
		return func() (*providers.Group, error) { return nil, err }
	}
	return loader.Load(ctx, id)
}

// CachedGroups returns the groups among ids on platform k that the
// platform's shared cache holds, found without waiting for a batch. It
// returns nothing when the viewer has no account there, as Group would
// fail.
func (l *Loaders) CachedGroups(ctx context.Context, k providers.Kind, ids []string) map[string]*providers.Group {
	p, _, err := l.account(k)
	if err != nil {
		return nil
	}
	c, ok := p.(providers.GroupCache)
	if !ok {
		return nil
	}
	return c.CachedGroups(ctx, ids)
}

// ForgetGroup drops a group from the request's cache, so that the next
// lookup asks the platform again (after a leave, say).
func (l *Loaders) ForgetGroup(k providers.Kind, id string) {
	l.mu.Lock()
	loaders := []*dataloader.Loader[string, *providers.Group]{l.groups[k], l.own[k]}
	l.mu.Unlock()
	for _, loader := range loaders {
		if loader != nil {
			loader.Clear(context.Background(), id)
		}
	}
}

func (l *Loaders) groupLoader(k providers.Kind, own bool) (*dataloader.Loader[string, *providers.Group], error) {
	p, acct, err := l.account(k)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	byKind := l.groups
	batch := groupBatch(p, acct, p.GroupsByID)
	if own {
		byKind = l.own
		if o, ok := p.(providers.OwnGroups); ok {
			batch = groupBatch(p, acct, o.OwnGroupsByID)
		}
	}
	if loader, ok := byKind[k]; ok {
		return loader, nil
	}
	opts := []dataloader.Option[string, *providers.Group]{dataloader.WithWait[string, *providers.Group](l.wait)}
	if max := p.Capabilities().MaxBatch; max > 0 {
		opts = append(opts, dataloader.WithBatchCapacity[string, *providers.Group](max))
	}
	opts = append(opts, l.batchOptions(k)...)
	loader := dataloader.NewBatchedLoader(batch, opts...)
	byKind[k] = loader
	return loader, nil
}

// groupBatch returns the batch function of one platform: one call of byID
// (GroupsByID or OwnGroupsByID) with the distinct keys, and results aligned
// with the keys.
func groupBatch(p providers.Provider, acct providers.Account, byID func(context.Context, providers.Account, []string) (map[string]*providers.Group, error)) dataloader.BatchFunc[string, *providers.Group] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[*providers.Group] {
		results := make([]*dataloader.Result[*providers.Group], len(keys))
		groups, err := byID(ctx, acct, keys)
		var batchErr *providers.BatchError
		if err != nil && !errors.As(err, &batchErr) {
			wrapped := &providers.ProviderError{Provider: p.Kind(), Err: err}
			for i := range results {
				results[i] = &dataloader.Result[*providers.Group]{Error: wrapped}
			}
			return results
		}
		for i, k := range keys {
			if batchErr != nil {
				if e, failed := batchErr.Failed[k]; failed {
					results[i] = &dataloader.Result[*providers.Group]{Error: &providers.ProviderError{Provider: p.Kind(), Err: e}}
					continue
				}
			}
			results[i] = &dataloader.Result[*providers.Group]{Data: groups[k]}
		}
		return results
	}
}

// Memberships returns the viewer's memberships on platform k, fetched at most
// once per request.
func (l *Loaders) Memberships(ctx context.Context, k providers.Kind) ([]providers.Membership, error) {
	p, acct, err := l.account(k)
	if err != nil {
		return nil, err
	}
	ms, err := l.membershipsOf(ctx, p, acct)
	if err != nil {
		return nil, &providers.ProviderError{Provider: k, Err: err}
	}
	return ms, nil
}

// KnownMemberships returns the memberships on k if this request already
// fetched them successfully, without asking the platform.
func (l *Loaders) KnownMemberships(k providers.Kind) ([]providers.Membership, bool) {
	l.mu.Lock()
	m := l.memberships[k]
	l.mu.Unlock()
	if m == nil {
		return nil, false
	}
	return m.peek()
}

// AllMemberships fans out to every linked platform at once (or only to the
// platforms named in only) and returns each platform's memberships or error.
func (l *Loaders) AllMemberships(ctx context.Context, only ...providers.Kind) []providers.Result[[]providers.Membership] {
	return providers.FanOut(ctx, l.registry, l.accounts(only), l.membershipsOf)
}

// accounts returns the viewer's accounts, or those on the platforms in only.
func (l *Loaders) accounts(only []providers.Kind) []providers.Account {
	if l.viewer == nil {
		return nil
	}
	if len(only) == 0 {
		return l.viewer.Accounts
	}
	var out []providers.Account
	for _, a := range l.viewer.Accounts {
		if slices.Contains(only, a.Provider) {
			out = append(out, a)
		}
	}
	return out
}

// ForgetMemberships drops platform k's memberships from the request's cache.
func (l *Loaders) ForgetMemberships(k providers.Kind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.memberships, k)
}

func (l *Loaders) membershipsOf(ctx context.Context, p providers.Provider, acct providers.Account) ([]providers.Membership, error) {
	l.mu.Lock()
	m, ok := l.memberships[p.Kind()]
	if !ok {
		m = &memo[[]providers.Membership]{}
		l.memberships[p.Kind()] = m
	}
	l.mu.Unlock()
	return m.get(ctx, func(ctx context.Context) ([]providers.Membership, error) {
		return p.Memberships(ctx, acct)
	})
}

// VisibleGroups fans out to every linked platform that lists joinable groups.
// Only the platforms named in only are asked, when any are named.
func (l *Loaders) VisibleGroups(ctx context.Context, only ...providers.Kind) []providers.Result[[]providers.Group] {
	return l.registry.VisibleGroups(ctx, l.accounts(only))
}

// memo runs a function once and hands its result to every caller; callers
// that arrive while it runs wait for it (or for their own context).
type memo[T any] struct {
	mu   sync.Mutex
	done chan struct{}
	val  T
	err  error
}

func (m *memo[T]) get(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	m.mu.Lock()
	if m.done == nil {
		m.done = make(chan struct{})
		m.mu.Unlock()
		m.val, m.err = run(ctx, fn)
		close(m.done)
		return m.val, m.err
	}
	done := m.done
	m.mu.Unlock()
	select {
	case <-done:
		return m.val, m.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// run calls fn, turning a panic into an ErrInternal error: the callers
// waiting for the result must get one, and the panic must not end the
// process from whichever goroutine happened to call first.
func run[T any](ctx context.Context, fn func(context.Context) (T, error)) (val T, err error) {
	defer func() {
		if v := recover(); v != nil {
			var zero T
			val, err = zero, fmt.Errorf("%w: provider panicked: %v", providers.ErrInternal, v)
		}
	}()
	return fn(ctx)
}

// peek returns the value if the function has completed without error.
func (m *memo[T]) peek() (T, bool) {
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	var zero T
	if done == nil {
		return zero, false
	}
	select {
	case <-done:
		if m.err != nil {
			return zero, false
		}
		return m.val, true
	default:
		return zero, false
	}
}
