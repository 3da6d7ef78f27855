package resilience

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/groupgraph/groupgraph/providers"
)

// flights tracks the group IDs being fetched from the platform right now, so
// that a request missing the cache for an ID another request is already
// loading waits for that load instead of starting its own.
type flights struct {
	mu    sync.Mutex
	byID  map[string]*flight
	epoch uint64 // bumped by every invalidation
	// claimed, when set before use (by tests), is told after every claim
	// which IDs the caller is to load and how many it is to wait for.
	claimed func(mine []string, waits int)
}

// flight is one in-flight load of one group ID. Once done is closed, group
// and err are set and never change.
type flight struct {
	done chan struct{}
	// group is the shareable copy (public, without per-caller fields), or
	// nil when the result was not shareable.
	group *providers.Group
	// err is a failure every waiter may take as its own (the platform is
	// down or rate limited), or nil.
	err error
}

func newFlights() *flights { return &flights{byID: map[string]*flight{}} }

// CachedGroups implements providers.GroupCache: the groups among ids in the
// shared cache. A failing cache is a miss; GroupsByID reports it.
func (p *Provider) CachedGroups(ctx context.Context, ids []string) map[string]*providers.Group {
	if p.opts.Cache == nil || len(ids) == 0 {
		return nil
	}
	hits, err := p.opts.Cache.Get(ctx, p.kind, dedupe(ids))
	if err != nil || len(hits) == 0 {
		return nil
	}
	// Misses are counted by the GroupsByID call that follows them.
	p.opts.Observer.CacheHits(p.kind, len(hits))
	return hits
}

// GroupsByID implements providers.Provider. Public groups are served from
// the cache when they are there. The rest are loaded with one upstream call
// for the IDs no other request is loading, while the IDs another request is
// already loading are awaited. The caller whose call loaded a group gets it
// as the platform returned it, per-caller fields included; callers served
// from the cache or from another's load get the shared copy without them.
//
// Another request's load is only taken when its result may be shared: a
// public group, or the platform being down. A private group, an absent ID
// (absent may mean "not visible to that account") or an error about that
// account's credentials is fetched again with the caller's own account.
func (p *Provider) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	ids = dedupe(ids)
	out := make(map[string]*providers.Group, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	missing := ids
	if p.opts.Cache != nil {
		hits, err := p.opts.Cache.Get(ctx, p.kind, ids)
		if err != nil {
			p.opts.Observer.CacheFailed(p.kind, err)
		}
		if len(hits) > 0 {
			missing = make([]string, 0, len(ids)-len(hits))
			for _, id := range ids {
				if g, ok := hits[id]; ok {
					out[id] = g
				} else {
					missing = append(missing, id)
				}
			}
			p.opts.Observer.CacheHits(p.kind, len(hits))
		}
		if len(missing) > 0 {
			p.opts.Observer.CacheMisses(p.kind, len(missing))
		}
	}
	if len(missing) == 0 {
		return out, nil
	}

	failed := map[string]error{}
	var waits map[string]*flight
	if caps := p.inner.Capabilities(); !caps.BatchGroupDetails && caps.DetailConcurrency > 0 && len(missing) > 1 {
		waits = p.loadOneByOne(ctx, acct, missing, caps.DetailConcurrency, out, failed)
	} else {
		var mine []string
		var epoch uint64
		mine, waits, epoch = p.flights.claim(missing)
		mine = p.landLate(ctx, mine, out)
		if len(mine) > 0 {
			p.load(ctx, acct, mine, epoch, out, failed)
		}
	}
	var again []string
	coalesced := 0
	for id, f := range waits {
		select {
		case <-f.done:
		case <-ctx.Done():
			failed[id] = providers.TransportError(string(p.kind)+" GroupsByID", ctx.Err())
			continue
		}
		switch {
		case f.group != nil:
			out[id] = f.group.WithoutViewerFields()
			coalesced++
		case f.err != nil:
			failed[id] = f.err
			coalesced++
		default:
			again = append(again, id)
		}
	}
	if coalesced > 0 {
		p.opts.Observer.Coalesced(p.kind, coalesced)
	}
	if len(again) > 0 {
		res, err := p.fetch(ctx, acct, again)
		p.store(ctx, res, p.flights.current())
		merge(again, res, err, out, failed)
	}
	return result(out, failed)
}

// OwnGroupsByID implements providers.OwnGroups: one retried,
// breaker-guarded upstream call for acct alone, its public groups then
// shared through the cache like any other load's.
func (p *Provider) OwnGroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return map[string]*providers.Group{}, nil
	}
	epoch := p.flights.current()
	res, err := p.fetch(ctx, acct, ids)
	p.store(ctx, res, epoch)
	return res, err
}

// landLate looks in the cache once more for the IDs the caller claimed: a
// load by another request that landed between the caller's cache lookup and
// its claim has stored its groups by then (a load stores before it lands),
// and the platform need not be asked again. It lands the flights of the IDs
// found, putting them in out, and returns the IDs still to load.
func (p *Provider) landLate(ctx context.Context, mine []string, out map[string]*providers.Group) []string {
	if p.opts.Cache == nil || len(mine) == 0 {
		return mine
	}
	late, err := p.opts.Cache.Get(ctx, p.kind, mine)
	if err != nil || len(late) == 0 {
		return mine
	}
	found := make([]string, 0, len(late))
	still := make([]string, 0, len(mine)-len(late))
	for _, id := range mine {
		if g, ok := late[id]; ok {
			out[id] = g
			found = append(found, id)
		} else {
			still = append(still, id)
		}
	}
	shared := make(map[string]*providers.Group, len(found))
	for _, id := range found {
		shared[id] = late[id].WithoutViewerFields()
	}
	p.flights.land(found, shared, nil)
	// Counted as misses already; served by another request's load.
	p.opts.Observer.Coalesced(p.kind, len(found))
	return still
}

// loadOneByOne loads ids on a platform without a batch call, which answers
// one ID per upstream call anyway: each ID on its own, concurrency at a
// time, its flight claimed only once a slot is free to load it and landed
// as soon as it arrives. A request waiting for one of the groups then gets
// it when it arrives rather than when the slowest of the loader's groups
// does, and no request waits for a load that has not started while it
// could have run it itself. It returns the flights of the IDs other
// requests were already loading, for the caller to wait for.
func (p *Provider) loadOneByOne(ctx context.Context, acct providers.Account, ids []string, concurrency int, out map[string]*providers.Group, failed map[string]error) map[string]*flight {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		sem   = make(chan struct{}, concurrency)
		waits = map[string]*flight{}
	)
	for _, id := range ids {
		sem <- struct{}{}
		mine, w, epoch := p.flights.claim([]string{id})
		if len(mine) == 0 {
			<-sem
			waits[id] = w[id]
			continue
		}
		mu.Lock()
		mine = p.landLate(ctx, mine, out)
		mu.Unlock()
		if len(mine) == 0 {
			<-sem
			continue
		}
		// Every claimed flight must land, so every claimed ID is loaded;
		// a cancelled ctx makes the load fail fast.
		wg.Go(func() {
			defer func() { <-sem }()
			defer func() {
				// load has landed the flight; what is left is the answer.
				if r := recover(); r != nil {
					mu.Lock()
					failed[id] = fmt.Errorf("%w: %s GroupsByID panicked: %v", providers.ErrInternal, p.kind, r)
					mu.Unlock()
				}
			}()
			got, why := map[string]*providers.Group{}, map[string]error{}
			p.load(ctx, acct, mine, epoch, got, why)
			mu.Lock()
			defer mu.Unlock()
			maps.Copy(out, got)
			maps.Copy(failed, why)
		})
	}
	wg.Wait()
	return waits
}

// load fetches ids, whose flights the caller claimed, and lands the flights
// whatever happens, a panic included, so that no waiter waits forever.
func (p *Provider) load(ctx context.Context, acct providers.Account, ids []string, epoch uint64, out map[string]*providers.Group, failed map[string]error) {
	var (
		res    map[string]*providers.Group
		err    error
		landed bool
	)
	defer func() {
		if !landed {
			p.flights.land(ids, nil, nil)
		}
	}()
	res, err = p.fetch(ctx, acct, ids)

	shared := make(map[string]*providers.Group, len(res))
	var cacheable []*providers.Group
	for id, g := range res {
		if g == nil || g.Visibility != providers.VisibilityPublic {
			continue
		}
		c := g.WithoutViewerFields()
		shared[id] = c
		cacheable = append(cacheable, c)
	}
	p.storeShared(ctx, cacheable, epoch)
	// A failure waiters may share: the platform's state, not this caller's
	// (its credentials, its cancelled request).
	shareErr := func(id string) error {
		e := errorFor(id, err)
		if e == nil || ctx.Err() != nil {
			return nil
		}
		switch providers.KindOf(e) {
		case providers.ErrUnavailable, providers.ErrRateLimited:
			return e
		}
		return nil
	}
	p.flights.land(ids, shared, shareErr)
	landed = true
	merge(ids, res, err, out, failed)
}

// fetch is one retried, breaker-guarded GroupsByID upstream call for ids.
// When a batch partly fails, only the IDs whose failure is retryable are
// asked again; what earlier attempts returned is kept.
func (p *Provider) fetch(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	got := make(map[string]*providers.Group, len(ids))
	final := map[string]error{} // failures not worth retrying
	pending := ids
	_, err := call(ctx, p, "GroupsByID", true, func(ctx context.Context) (struct{}, error) {
		res, err := p.inner.GroupsByID(ctx, acct, pending)
		for id, g := range res {
			got[id] = g
		}
		var be *providers.BatchError
		if !errors.As(err, &be) {
			if err == nil {
				pending = nil
			}
			return struct{}{}, err
		}
		retry := map[string]error{}
		var next []string
		for id, e := range be.Failed {
			if providers.Retryable(e) {
				retry[id] = e
				next = append(next, id)
			} else {
				final[id] = e
			}
		}
		pending = next
		if len(retry) == 0 {
			return struct{}{}, nil
		}
		return struct{}{}, &providers.BatchError{Failed: retry}
	})
	if err != nil {
		var be *providers.BatchError
		if errors.As(err, &be) {
			for id, e := range be.Failed {
				final[id] = e
			}
		} else {
			for _, id := range pending {
				final[id] = err
			}
		}
	}
	switch {
	case len(final) == 0:
		return got, nil
	case len(got) == 0 && err != nil && len(final) == len(pending) && !isBatch(err):
		return nil, err // the whole call failed: say so plainly
	default:
		return got, &providers.BatchError{Failed: final}
	}
}

// store caches the public groups of res.
func (p *Provider) store(ctx context.Context, res map[string]*providers.Group, epoch uint64) {
	var cacheable []*providers.Group
	for _, g := range res {
		if g != nil && g.Visibility == providers.VisibilityPublic {
			cacheable = append(cacheable, g.WithoutViewerFields())
		}
	}
	p.storeShared(ctx, cacheable, epoch)
}

// storeShared caches groups loaded since epoch, unless a leave invalidated
// entries in the meantime: the load may have raced the leave and carry the
// old member count.
func (p *Provider) storeShared(ctx context.Context, groups []*providers.Group, epoch uint64) {
	if p.opts.Cache == nil || len(groups) == 0 || p.flights.current() != epoch {
		return
	}
	if err := p.opts.Cache.Set(ctx, p.kind, groups); err != nil {
		p.opts.Observer.CacheFailed(p.kind, err)
		return
	}
	if p.flights.current() != epoch {
		ids := make([]string, len(groups))
		for i, g := range groups {
			ids[i] = g.ID
		}
		p.dropCached(ctx, ids...)
	}
}

// invalidate forgets what is cached about groupID after a leave.
func (p *Provider) invalidate(ctx context.Context, groupID string) {
	p.flights.bump()
	p.dropCached(context.WithoutCancel(ctx), groupID)
}

func (p *Provider) dropCached(ctx context.Context, ids ...string) {
	if p.opts.Cache == nil {
		return
	}
	if err := p.opts.Cache.Delete(ctx, p.kind, ids...); err != nil {
		p.opts.Observer.CacheFailed(p.kind, err)
	}
}

// claim registers a flight for every ID of ids nobody is loading, returning
// those (the caller must load them and land their flights), the flights of
// the others, and the invalidation epoch the load starts in.
func (fs *flights) claim(ids []string) (mine []string, waits map[string]*flight, epoch uint64) {
	if fs.claimed != nil {
		defer func() { fs.claimed(mine, len(waits)) }()
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, id := range ids {
		if f, ok := fs.byID[id]; ok {
			if waits == nil {
				waits = map[string]*flight{}
			}
			waits[id] = f
			continue
		}
		fs.byID[id] = &flight{done: make(chan struct{})}
		mine = append(mine, id)
	}
	return mine, waits, fs.epoch
}

// land completes the flights of ids with the shareable results and releases
// their waiters.
func (fs *flights) land(ids []string, shared map[string]*providers.Group, shareErr func(string) error) {
	fs.mu.Lock()
	done := make([]*flight, 0, len(ids))
	for _, id := range ids {
		f := fs.byID[id]
		delete(fs.byID, id)
		f.group = shared[id]
		if f.group == nil && shareErr != nil {
			f.err = shareErr(id)
		}
		done = append(done, f)
	}
	fs.mu.Unlock()
	for _, f := range done {
		close(f.done)
	}
}

func (fs *flights) bump() {
	fs.mu.Lock()
	fs.epoch++
	fs.mu.Unlock()
}

func (fs *flights) current() uint64 {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.epoch
}

// errorFor returns the error a GroupsByID call's err says about id, or nil.
func errorFor(id string, err error) error {
	if err == nil {
		return nil
	}
	var be *providers.BatchError
	if errors.As(err, &be) {
		return be.Failed[id]
	}
	return err
}

// merge adds a GroupsByID result for ids to out and its failures to failed.
func merge(ids []string, res map[string]*providers.Group, err error, out map[string]*providers.Group, failed map[string]error) {
	for id, g := range res {
		out[id] = g
	}
	if err == nil {
		return
	}
	for _, id := range ids {
		if _, ok := res[id]; ok {
			continue
		}
		if e := errorFor(id, err); e != nil {
			failed[id] = e
		}
	}
}

// result is GroupsByID's answer: the groups, and a *providers.BatchError
// for the failures, or the failure itself when every ID failed the same way.
func result(out map[string]*providers.Group, failed map[string]error) (map[string]*providers.Group, error) {
	if len(failed) == 0 {
		return out, nil
	}
	if len(out) == 0 {
		var first error
		same := true
		for _, e := range failed {
			if first == nil {
				first = e
			} else if e != first {
				same = false
				break
			}
		}
		if same {
			return nil, first
		}
	}
	return out, &providers.BatchError{Failed: failed}
}

func isBatch(err error) bool {
	var be *providers.BatchError
	return errors.As(err, &be)
}

// dedupe returns ids without repeats, in first-seen order. Short lists
// without repeats, the common case, come back as they are, unallocated.
func dedupe(ids []string) []string {
	if len(ids) > 16 {
		return dedupeSlow(ids)
	}
	for i := 1; i < len(ids); i++ {
		if slices.Contains(ids[:i], ids[i]) {
			return dedupeSlow(ids)
		}
	}
	return ids
}

func dedupeSlow(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
