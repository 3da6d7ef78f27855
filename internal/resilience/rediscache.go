package resilience

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/providers"
)

// RedisCache is a Cache in Redis, so that every instance of groupgraph shares
// the public group details one of them fetched. Groups are stored as JSON
// with a tag naming the type of their platform Details.
//
// While Redis fails, every lookup is a miss: the client's guard
// (internal/dependency) bounds each command and, after a failure, fails the
// next ones at once for a while, so no request waits for Redis twice.
//
// Redis is the only source of what the cache holds: every Get reads every
// value there, so an entry another instance changed or deleted is seen at
// once. What the cache keeps in memory is the decoding: the last value read
// under each key and the group it decoded to, so that a value read again
// unchanged (every hit of a warm cache) is copied rather than decoded.
type RedisCache struct {
	rdb     redis.UniversalClient
	prefix  string
	ttl     time.Duration
	decoded *lru.Cache[string, decodedGroup]
}

// DefaultRedisCachePrefix starts every RedisCache key unless told otherwise.
const DefaultRedisCachePrefix = "groupgraph:group:"

// NewRedisCache returns a RedisCache over rdb whose keys are prefix (empty:
// DefaultRedisCachePrefix) + platform + ":" + group ID, each kept for ttl
// (≤0: DefaultCacheTTL).
func NewRedisCache(rdb redis.UniversalClient, prefix string, ttl time.Duration) *RedisCache {
	if prefix == "" {
		prefix = DefaultRedisCachePrefix
	}
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	decoded, err := lru.New[string, decodedGroup](DefaultCacheSize)
	if err != nil { // only for a size ≤ 0
		panic(err)
	}
	return &RedisCache{rdb: rdb, prefix: prefix, ttl: ttl, decoded: decoded}
}

// decodedGroup is a value read from Redis and the group it decodes to,
// which no caller is handed (each gets a copy).
type decodedGroup struct {
	raw   string
	group *providers.Group
}

var _ Cache = (*RedisCache)(nil)

func (c *RedisCache) key(kind providers.Kind, id string) string {
	return c.prefix + string(kind) + ":" + id
}

// Get implements Cache. An entry that cannot be decoded (written by a newer
// version, say) is a miss.
func (c *RedisCache) Get(ctx context.Context, kind providers.Kind, ids []string) (map[string]*providers.Group, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.key(kind, id)
	}
	vals, err := c.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, c.failed(ctx, err)
	}
	out := make(map[string]*providers.Group, len(ids))
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if g := c.decode(keys[i], s); g != nil && g.ID == ids[i] {
			// A copy per hit, as MemoryCache gives: no caller can change
			// what another one sees.
			out[ids[i]] = g.WithoutViewerFields()
		}
	}
	return out, nil
}

// decode returns the group value decodes to (nil when it does not), from
// memory when key last held the same value.
func (c *RedisCache) decode(key, value string) *providers.Group {
	if d, ok := c.decoded.Get(key); ok && d.raw == value {
		return d.group
	}
	g, err := decodeGroup([]byte(value))
	if err != nil {
		c.decoded.Remove(key)
		return nil
	}
	c.decoded.Add(key, decodedGroup{raw: value, group: g})
	return g
}

// Set implements Cache.
func (c *RedisCache) Set(ctx context.Context, kind providers.Kind, groups []*providers.Group) error {
	if len(groups) == 0 {
		return nil
	}
	pipe := c.rdb.Pipeline()
	for _, g := range groups {
		b, err := encodeGroup(g.WithoutViewerFields())
		if err != nil {
			continue // a Details type this version cannot tag: not cached
		}
		pipe.Set(ctx, c.key(kind, g.ID), b, c.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return c.failed(ctx, err)
	}
	return nil
}

// Delete implements Cache.
func (c *RedisCache) Delete(ctx context.Context, kind providers.Kind, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.key(kind, id)
	}
	for _, k := range keys {
		c.decoded.Remove(k)
	}
	// Deletes are tried even while Redis recovers from a failure: an
	// invalidation that gets through is worth the wait.
	if err := c.rdb.Del(dependency.Urgent(ctx), keys...).Err(); err != nil {
		return c.failed(ctx, err)
	}
	return nil
}

// failed names the cache in a Redis failure.
func (c *RedisCache) failed(_ context.Context, err error) error {
	return fmt.Errorf("group cache: %w", err)
}

// groupRecord is a Group as the Redis cache stores it. Group.Details is an
// interface, which encoding/json can write but not read back, so the record
// carries it separately with a tag naming its type.
type groupRecord struct {
	Group       *providers.Group `json:"group"`
	DetailsType string           `json:"detailsType,omitempty"`
	Details     json.RawMessage  `json:"details,omitempty"`
}

// Details type tags. They are part of the stored format: do not rename.
const (
	tagFlickr     = "flickr"
	tagUpcoming   = "upcoming"
	tagPageSeeder = "pageseeder"
	tagAkana      = "akana"
)

func encodeGroup(g *providers.Group) ([]byte, error) {
	rec := groupRecord{}
	switch g.Details.(type) {
	case nil:
	case *providers.FlickrDetails:
		rec.DetailsType = tagFlickr
	case *providers.UpcomingDetails:
		rec.DetailsType = tagUpcoming
	case *providers.PageSeederDetails:
		rec.DetailsType = tagPageSeeder
	case *providers.AkanaDetails:
		rec.DetailsType = tagAkana
	default:
		return nil, fmt.Errorf("group cache: unknown details type %T", g.Details)
	}
	if g.Details != nil {
		d, err := json.Marshal(g.Details)
		if err != nil {
			return nil, err
		}
		rec.Details = d
	}
	c := *g
	c.Details = nil
	rec.Group = &c
	return json.Marshal(rec)
}

func decodeGroup(b []byte) (*providers.Group, error) {
	var rec groupRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	if rec.Group == nil {
		return nil, errors.New("group cache: record without group")
	}
	var d providers.Details
	switch rec.DetailsType {
	case "":
	case tagFlickr:
		d = new(providers.FlickrDetails)
	case tagUpcoming:
		d = new(providers.UpcomingDetails)
	case tagPageSeeder:
		d = new(providers.PageSeederDetails)
	case tagAkana:
		d = new(providers.AkanaDetails)
	default:
		return nil, fmt.Errorf("group cache: unknown details type %q", rec.DetailsType)
	}
	if d != nil {
		if err := json.Unmarshal(rec.Details, d); err != nil {
			return nil, err
		}
	}
	g := rec.Group
	g.Details = d
	return g, nil
}
