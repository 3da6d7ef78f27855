package resilience

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/groupgraph/groupgraph/providers"
)

// Budget is an upstream call budget for one API key: a token bucket of Limit
// calls refilled evenly over Per (Flickr allows 3,600 calls per hour per
// key, shared by every user of a deployment). Its Transport refuses a
// request the budget cannot pay for without sending it, so a deployment
// never exceeds the platform's limit and never gets its key throttled.
//
// In memory by default; with BudgetOptions.Redis, every instance draws from
// one bucket in Redis. A Budget is safe for concurrent use.
type Budget struct {
	name    string
	limit   int
	per     time.Duration
	reserve int
	obs     Observer

	local *localBucket // the bucket, or the fallback while Redis fails

	// rdb holds the shared bucket (nil: local only). While it fails, the
	// local bucket is used; the client's guard (internal/dependency) fails
	// its commands at once for a while after a failure, so that an outage
	// costs an upstream call at most one Redis timeout, once.
	rdb redis.UniversalClient
	key string

	mu   sync.Mutex
	last BudgetStatus // Redis: as of the last call
	// shared says the last Redis call succeeded: the next failure starts
	// the local bucket from last.Remaining.
	shared bool
}

// BudgetOptions configure NewBudget.
type BudgetOptions struct {
	// Name labels the budget in errors, metrics and its Redis key, e.g.
	// "flickr". Never the API key itself: names are not secret.
	Name string
	// Limit calls per Per (defaults DefaultBudgetLimit per
	// DefaultBudgetPer, Flickr's published limit).
	Limit int
	Per   time.Duration
	// Reserve is how many calls are kept back for requests marked with
	// WithReserve (leaves): once only Reserve calls remain, other requests
	// are refused, so reads run out before writes do.
	Reserve int
	// Redis, when set, holds the bucket so that every instance shares it.
	// If Redis cannot be reached, each instance falls back to a bucket of
	// its own until it can: availability over exactness. That bucket starts
	// from what Redis last said was left, not from a full one, so that an
	// outage in a busy hour does not hand every instance a fresh limit.
	Redis redis.UniversalClient
	// KeyPrefix starts the Redis key (default DefaultBudgetKeyPrefix); the
	// key is KeyPrefix + Name.
	KeyPrefix string
	// Observer is told about refusals (default NopObserver).
	Observer Observer
}

// Budget defaults.
const (
	DefaultBudgetLimit     = 3600
	DefaultBudgetPer       = time.Hour
	DefaultBudgetKeyPrefix = "groupgraph:budget:"
)

// BudgetStatus is a budget's state at one moment, for Query.providers.
type BudgetStatus struct {
	Limit     int
	Remaining int
	// ResetAt is when the bucket will be full again if nothing spends it.
	ResetAt time.Time
}

// NewBudget returns a Budget configured by opts.
func NewBudget(opts BudgetOptions) *Budget {
	if opts.Limit <= 0 {
		opts.Limit = DefaultBudgetLimit
	}
	if opts.Per <= 0 {
		opts.Per = DefaultBudgetPer
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = DefaultBudgetKeyPrefix
	}
	if opts.Observer == nil {
		opts.Observer = NopObserver{}
	}
	opts.Reserve = min(max(opts.Reserve, 0), opts.Limit-1)
	b := &Budget{
		name:    opts.Name,
		limit:   opts.Limit,
		per:     opts.Per,
		reserve: opts.Reserve,
		obs:     opts.Observer,
		local:   newLocalBucket(opts.Limit, opts.Per),
		rdb:     opts.Redis,
		key:     opts.KeyPrefix + opts.Name,
	}
	b.last = BudgetStatus{Limit: b.limit, Remaining: b.limit, ResetAt: time.Now()}
	return b
}

// BudgetError is the refusal of a request the budget cannot pay for. It
// wraps providers.ErrRateLimited and says when to try again.
type BudgetError struct {
	// Budget is the budget's name.
	Budget string
	// Wait is how long until the budget can pay for the request.
	Wait time.Duration
}

// Error says which budget refused and when it can pay again; the name is
// not secret, so nothing secret is said.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("upstream budget %q: %v: next call in %s", e.Budget, providers.ErrRateLimited, e.Wait.Round(time.Millisecond))
}

// Unwrap makes the refusal a providers.ErrRateLimited.
func (e *BudgetError) Unwrap() error { return providers.ErrRateLimited }

// RetryAfter implements providers.RetryAfterError.
func (e *BudgetError) RetryAfter() time.Duration { return e.Wait }

type reserveKey struct{}

// WithReserve marks ctx's requests as allowed to spend a Budget's reserve.
// Provider.LeaveGroup does it, so that a user can still leave a group when
// reads have used the budget up.
func WithReserve(ctx context.Context) context.Context {
	return context.WithValue(ctx, reserveKey{}, true)
}

func mayUseReserve(ctx context.Context) bool {
	ok, _ := ctx.Value(reserveKey{}).(bool)
	return ok
}

// Name returns the budget's name.
func (b *Budget) Name() string { return b.name }

// Limit returns how many calls the budget allows per period.
func (b *Budget) Limit() int { return b.limit }

// Remaining returns how many calls the budget can pay for now. With Redis it
// is as of this instance's last call or Refresh.
func (b *Budget) Remaining() int { return b.Status().Remaining }

// ResetAt returns when the budget will be full again if nothing spends it.
// With Redis it is as of this instance's last call or Refresh.
func (b *Budget) ResetAt() time.Time { return b.Status().ResetAt }

// Status returns the budget's state without a network call.
func (b *Budget) Status() BudgetStatus {
	if b.rdb == nil {
		return b.local.status(time.Now())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// Refresh reads the shared budget's state from Redis (the local state when
// there is no Redis).
func (b *Budget) Refresh(ctx context.Context) (BudgetStatus, error) {
	if b.rdb == nil {
		return b.Status(), nil
	}
	_, st, err := b.takeRedis(ctx, 0, 0)
	if err != nil {
		return b.Status(), fmt.Errorf("upstream budget %q: %w", b.name, err)
	}
	return st, nil
}

// Take spends one call of the budget, or refuses with a *BudgetError when
// that would leave less than the reserve (nothing, for a ctx marked with
// WithReserve).
func (b *Budget) Take(ctx context.Context) error {
	reserve := b.reserve
	if mayUseReserve(ctx) {
		reserve = 0
	}
	var wait time.Duration
	var ok bool
	if b.rdb != nil {
		var err error
		wait, _, err = b.takeRedis(ctx, 1, reserve)
		ok = err == nil && wait == 0
		if err != nil {
			b.fallBack(time.Now())
			wait, ok = b.local.take(time.Now(), reserve)
		}
	} else {
		wait, ok = b.local.take(time.Now(), reserve)
	}
	if !ok {
		b.obs.BudgetRefused(b.name)
		return &BudgetError{Budget: b.name, Wait: wait}
	}
	return nil
}

// Transport returns a RoundTripper that spends one call of the budget per
// request before handing it to next, and refuses it unsent when the budget
// cannot pay. A nil next is a transport tuned with default HTTPOptions.
func (b *Budget) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = NewTransport(HTTPOptions{})
	}
	return &budgetTransport{budget: b, next: next}
}

type budgetTransport struct {
	budget *Budget
	next   http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.budget.Take(req.Context()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // RoundTrip must close the body, even unsent
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// fallBack starts the local bucket, at the first Redis failure after a
// success, from the calls Redis last said were left: the instance then
// spends at most that, plus the refill, while Redis is away.
func (b *Budget) fallBack(now time.Time) {
	b.mu.Lock()
	shared, left := b.shared, b.last.Remaining
	b.shared = false
	b.mu.Unlock()
	if shared {
		b.local.drainTo(now, left)
	}
}

// localBucket is the in-memory token bucket.
type localBucket struct {
	mu    sync.Mutex
	lim   *rate.Limiter
	limit int
}

func newLocalBucket(limit int, per time.Duration) *localBucket {
	r := rate.Limit(float64(limit) / per.Seconds())
	return &localBucket{lim: rate.NewLimiter(r, limit), limit: limit}
}

// take spends one token unless fewer than reserve+1 are left, in which case
// it returns how long until there will be enough.
func (l *localBucket) take(now time.Time, reserve int) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	need := float64(reserve + 1)
	if have := l.lim.TokensAt(now); have < need {
		return seconds((need - have) / float64(l.lim.Limit())), false
	}
	return 0, l.lim.AllowN(now, 1)
}

// drainTo spends tokens until at most left remain.
func (l *localBucket) drainTo(now time.Time, left int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if extra := int(math.Floor(l.lim.TokensAt(now))) - max(left, 0); extra > 0 {
		l.lim.AllowN(now, extra)
	}
}

func (l *localBucket) status(now time.Time) BudgetStatus {
	l.mu.Lock()
	have := l.lim.TokensAt(now)
	l.mu.Unlock()
	have = max(have, 0)
	return BudgetStatus{
		Limit:     l.limit,
		Remaining: int(math.Floor(have)),
		ResetAt:   now.Add(seconds((float64(l.limit) - have) / float64(l.lim.Limit()))),
	}
}

func seconds(s float64) time.Duration { return time.Duration(math.Ceil(s * float64(time.Second))) }

// gcra is the shared bucket as a generic cell rate algorithm: the key holds
// the theoretical arrival time (TAT, in ms of Redis's clock) of the next
// call; the bucket is full when TAT ≤ now and empty when TAT = now + per.
// One script call checks and spends atomically, on Redis's clock, so
// instances with skewed clocks agree.
//
// KEYS[1] the bucket; ARGV limit, per (ms), reserve, cost (0: only read).
// Returns {allowed, remaining, reset (ms since epoch), wait (ms)}.
var gcra = redis.NewScript(`
local limit = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = per / limit
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local avail = (per - (tat - now)) / interval
if cost == 0 then
  return {1, math.floor(avail), math.ceil(tat), 0}
end
if avail - cost < reserve then
  local wait = math.ceil((reserve + cost - avail) * interval)
  return {0, math.floor(avail), math.ceil(tat), wait}
end
tat = tat + cost * interval
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
return {1, math.floor(avail - cost), math.ceil(tat), 0}
`)

// takeRedis runs gcra, returning the wait before the call could be paid for
// (0: it was).
func (b *Budget) takeRedis(ctx context.Context, cost, reserve int) (time.Duration, BudgetStatus, error) {
	res, err := gcra.Run(ctx, b.rdb, []string{b.key}, b.limit, b.per.Milliseconds(), reserve, cost).Int64Slice()
	if err != nil {
		return 0, BudgetStatus{}, err
	}
	if len(res) != 4 {
		return 0, BudgetStatus{}, fmt.Errorf("budget script returned %d values", len(res))
	}
	st := BudgetStatus{Limit: b.limit, Remaining: int(max(res[1], 0)), ResetAt: time.UnixMilli(res[2])}
	b.mu.Lock()
	b.last, b.shared = st, true
	b.mu.Unlock()
	if res[0] == 0 {
		return max(time.Duration(res[3])*time.Millisecond, time.Millisecond), st, nil
	}
	return 0, st, nil
}
