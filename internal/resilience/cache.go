package resilience

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/groupgraph/groupgraph/providers"
)

// Cache holds group details that do not depend on who asked: public groups,
// stripped of their per-caller fields. One Cache may be shared by every
// wrapped provider (entries are keyed by platform and group ID) and, when it
// is Redis-backed, by every instance.
//
// Implementations must be safe for concurrent use. A Cache only ever stores
// what the Provider decided is shareable; it does not judge it again.
type Cache interface {
	// Get returns the cached groups among ids, keyed by ID. The groups are
	// the caller's own copies: changing one changes no other caller's.
	Get(ctx context.Context, kind providers.Kind, ids []string) (map[string]*providers.Group, error)
	// Set stores groups (keyed by their ID) for the cache's TTL.
	Set(ctx context.Context, kind providers.Kind, groups []*providers.Group) error
	// Delete drops the entries of ids.
	Delete(ctx context.Context, kind providers.Kind, ids ...string) error
}

// MemoryCache is a Cache in the process's memory: a bounded LRU whose entries
// expire after a TTL. Expired entries are dropped when they are next read or
// when the LRU evicts them; no goroutine sweeps them.
type MemoryCache struct {
	ttl time.Duration
	lru *lru.Cache[cacheKey, memoryEntry]
	now func() time.Time
}

type cacheKey struct {
	kind providers.Kind
	id   string
}

type memoryEntry struct {
	group   *providers.Group
	expires time.Time
}

// Memory cache defaults.
const (
	DefaultCacheTTL  = 60 * time.Second
	DefaultCacheSize = 10_000
)

// NewMemoryCache returns a MemoryCache of at most size groups (≤0:
// DefaultCacheSize) kept for ttl (≤0: DefaultCacheTTL).
func NewMemoryCache(size int, ttl time.Duration) *MemoryCache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	l, err := lru.New[cacheKey, memoryEntry](size)
	if err != nil { // only for size ≤ 0, excluded above
		panic(err)
	}
	return &MemoryCache{ttl: ttl, lru: l, now: time.Now}
}

var _ Cache = (*MemoryCache)(nil)

// Get implements Cache.
func (c *MemoryCache) Get(_ context.Context, kind providers.Kind, ids []string) (map[string]*providers.Group, error) {
	now := c.now()
	var out map[string]*providers.Group
	for _, id := range ids {
		k := cacheKey{kind, id}
		e, ok := c.lru.Get(k)
		if !ok {
			continue
		}
		if !now.Before(e.expires) {
			c.lru.Remove(k)
			continue
		}
		if out == nil {
			out = make(map[string]*providers.Group, len(ids))
		}
		// A copy per hit: no caller can change what another one sees.
		out[id] = e.group.WithoutViewerFields()
	}
	return out, nil
}

// Set implements Cache.
func (c *MemoryCache) Set(_ context.Context, kind providers.Kind, groups []*providers.Group) error {
	expires := c.now().Add(c.ttl)
	for _, g := range groups {
		c.lru.Add(cacheKey{kind, g.ID}, memoryEntry{group: g.WithoutViewerFields(), expires: expires})
	}
	return nil
}

// Delete implements Cache.
func (c *MemoryCache) Delete(_ context.Context, kind providers.Kind, ids ...string) error {
	for _, id := range ids {
		c.lru.Remove(cacheKey{kind, id})
	}
	return nil
}

// Len returns the number of entries, expired ones included.
func (c *MemoryCache) Len() int { return c.lru.Len() }
