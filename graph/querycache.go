package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/groupgraph/groupgraph/internal/telemetry"
)

// countingCache counts the hits and misses of gqlgen's parsed-document
// cache in groupgraph_cache_lookups_total{cache="query"}.
type countingCache[T any] struct {
	graphql.Cache[T]
	name    string
	metrics *telemetry.Metrics
}

// Get implements graphql.Cache.
func (c countingCache[T]) Get(ctx context.Context, key string) (T, bool) {
	v, ok := c.Cache.Get(ctx, key)
	c.metrics.CacheLookup(c.name, ok)
	return v, ok
}
