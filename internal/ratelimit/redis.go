package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store in Redis, so that every instance charges one shared
// budget per caller. A window is one key with an expiry; a Lua script
// checks and charges atomically.
//
// A failing Redis is the client's guard's business (internal/dependency):
// it bounds each command and, after a failure, fails the next ones at once
// for a while; the limiter then lets requests through.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

// NewRedis returns a Store keeping its counters under prefix (e.g.
// "groupgraph:ratelimit:").
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// takeScript returns {allowed, used, ttl in ms}. A key without expiry is
// treated as a fresh window so that a lost PEXPIRE cannot pin a budget.
var takeScript = redis.NewScript(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if ttl < 0 then
  used = 0
  ttl = tonumber(ARGV[3])
end
if used + cost > limit then
  return {0, used, ttl}
end
redis.call('SET', KEYS[1], used + cost, 'PX', ttl)
return {1, used + cost, ttl}
`)

// Take implements Store.
func (r *Redis) Take(ctx context.Context, key string, cost, limit int, d time.Duration) (Result, error) {
	v, err := takeScript.Run(ctx, r.client, []string{r.prefix + key}, cost, limit, d.Milliseconds()).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit store: %w", err)
	}
	if len(v) != 3 {
		return Result{}, fmt.Errorf("redis: unexpected script result %v", v)
	}
	return Result{
		Allowed: v[0] == 1,
		Limit:   limit,
		Cost:    cost,
		Used:    int(v[1]),
		ResetAt: time.Now().Add(time.Duration(v[2]) * time.Millisecond),
	}, nil
}
