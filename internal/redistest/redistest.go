// Package redistest helps tests make a Redis client fail on demand.
package redistest

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/dependency"
)

// ErrDown is what every command returns while an Outage is down.
var ErrDown = errors.New("redis does not answer")

// Outage is a go-redis hook (add it with AddHook) that fails every command,
// before it is sent, while Down is set, and counts the commands it failed.
type Outage struct {
	Down    atomic.Bool
	Refused atomic.Int64
}

// Failing returns a client whose every command fails before it is sent,
// and the Outage that fails them. The client is guarded as groupgraph
// guards its own (dependency.GuardRedis, outside the Outage), so that after
// a failure the next commands are skipped without reaching the Outage. The
// client is closed when t ends.
func Failing(t interface{ Cleanup(func()) }) (*redis.Client, *Outage) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = c.Close() })
	dependency.GuardRedis(c, dependency.RedisOptions{Pause: time.Hour})
	o := &Outage{}
	o.Down.Store(true)
	c.AddHook(o)
	return c, o
}

// DialHook implements redis.Hook.
func (o *Outage) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (o *Outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.Down.Load() {
			o.Refused.Add(1)
			return ErrDown
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (o *Outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.Down.Load() {
			o.Refused.Add(1)
			return ErrDown
		}
		return next(ctx, cmds)
	}
}
