package apq

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/dependency"
)

// DefaultTTL is how long Redis keeps a document registered by a client.
const DefaultTTL = 24 * time.Hour

// Redis is a Store in Redis shared by every instance. A TTL of zero keeps
// documents forever, which is what a safelist wants.
//
// A failing Redis is the client's guard's business (internal/dependency):
// it bounds each command and, after a failure, fails the next ones at once
// for a while (lookups miss, registrations are dropped), and says so in the
// log once per change of state.
type Redis struct {
	client redis.UniversalClient
	prefix string
	ttl    time.Duration
	logger *slog.Logger
}

// failed notes a Redis failure at debug level: the guard logs the outage.
func (r *Redis) failed(ctx context.Context, what string, err error) {
	r.logger.DebugContext(ctx, what, "err", err)
}

// NewRedis returns a store keeping documents under prefix (e.g.
// "groupgraph:apq:") for ttl. Redis failures are logged to logger (nil
// discards them) and behave as a miss: a client then sends the document
// again, which costs a round trip but never a failed request.
func NewRedis(client redis.UniversalClient, prefix string, ttl time.Duration, logger *slog.Logger) *Redis {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Redis{client: client, prefix: prefix, ttl: ttl, logger: logger}
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, hash string) (string, bool) {
	q, err := r.client.Get(ctx, r.prefix+hash).Result()
	if err != nil {
		if err != redis.Nil {
			r.failed(ctx, "persisted query lookup failed", err)
		}
		return "", false
	}
	return q, true
}

// addScript sets a document with an expiry unless the key holds one
// without: a client's registration must not make a manifest entry expire.
var addScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) == -1 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// Add implements Store. With a TTL the document expires after it, and an
// entry that never expires stays as it is.
func (r *Redis) Add(ctx context.Context, hash, query string) {
	if r.ttl <= 0 {
		r.AddPermanent(ctx, hash, query)
		return
	}
	if err := addScript.Run(ctx, r.client, []string{r.prefix + hash}, query, max(1, r.ttl.Milliseconds())).Err(); err != nil {
		r.failed(ctx, "persisted query store failed", err)
	}
}

// AddPermanent implements Permanent: the document never expires.
func (r *Redis) AddPermanent(ctx context.Context, hash, query string) {
	// Manifest imports are tried even while Redis recovers: they run once,
	// and an entry that gets through is worth the wait.
	if err := r.client.Set(dependency.Urgent(ctx), r.prefix+hash, query, 0).Err(); err != nil {
		r.failed(ctx, "persisted query store failed", err)
	}
}
