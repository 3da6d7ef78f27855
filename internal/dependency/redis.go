package dependency

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout bounds one Redis command (a round trip on a LAN is
// well under a millisecond; a busy Redis a few). A request's deadline is
// 15 s by default: a Redis that stops answering costs a request this, once.
const DefaultRedisTimeout = 250 * time.Millisecond

// RedisOptions configure NewRedis; the zero value is fine.
type RedisOptions struct {
	// Timeout bounds each command (default DefaultRedisTimeout).
	Timeout time.Duration
	// Pause is how long commands are skipped after a failure (default
	// DefaultPause).
	Pause time.Duration
	// Logger receives the guard's changes of state.
	Logger *slog.Logger
	// Observer is the guard's Observer.
	Observer func(name string, up bool)
}

// NewRedis returns a client of the Redis the URL names, with every
// command bounded by the timeout and guarded (see GuardRedis), and the
// guard. The URL's own timeouts, if any, are replaced: a command waits no
// longer than the guard allows, whether it is dialling, waiting for a
// pooled connection, writing or reading.
func NewRedis(url string, opts RedisOptions) (*redis.Client, *Guard, error) {
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, nil, errors.New("redis URL: cannot be parsed") // the URL may hold a password
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.PoolTimeout = opts.Timeout, opts.Timeout, opts.Timeout, opts.Timeout
	ro.ContextTimeoutEnabled = true
	// One dial per command: the guard, not the pool, decides when to try
	// again, and a retry loop inside one command only burns its timeout.
	ro.DialerRetries = 1
	ro.MaxRetryBackoff = opts.Timeout / 4
	c := redis.NewClient(ro)
	g := GuardRedis(c, opts)
	return c, g, nil
}

// GuardRedis adds a guard to a Redis client: every command and pipeline
// gets the guard's timeout, is skipped while Redis recovers from a failure
// (except in a context marked with Urgent), and a network failure or
// timeout pauses the guard. Redis's own answers, a missing key (redis.Nil)
// or an error reply, are not failures.
func GuardRedis(c redis.UniversalClient, opts RedisOptions) *Guard {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	g := New(Options{
		Name: "redis", Timeout: opts.Timeout, Pause: opts.Pause, Logger: opts.Logger, Observer: opts.Observer,
		IsFailure: isRedisFailure,
	})
	c.AddHook(redisHook{g})
	return g
}

// isRedisFailure tells a failure of Redis from one of its answers.
func isRedisFailure(err error) bool {
	if errors.Is(err, redis.Nil) {
		return false
	}
	var reply redis.Error
	return !errors.As(err, &reply) || errors.Is(err, redis.ErrPoolTimeout)
}

// redisHook runs every command of a client through a Guard.
type redisHook struct{ g *Guard }

// DialHook implements redis.Hook.
func (h redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		return h.g.Do(ctx, func(ctx context.Context) error { return next(ctx, cmd) })
	}
}

// ProcessPipelineHook implements redis.Hook.
func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := h.g.Do(ctx, func(ctx context.Context) error { return next(ctx, cmds) })
		var de *Error
		if errors.As(err, &de) && de.Skipped {
			for _, c := range cmds {
				c.SetErr(err) // unsent: no command of it has an answer
			}
		}
		return err
	}
}

// RedisLogger is go-redis's logger that writes to l at debug level: the
// client's own messages (a pool that cannot dial, a connection dropped)
// repeat what the guard says once per change of state, once per command.
type RedisLogger struct{ L *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (r RedisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.L.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
