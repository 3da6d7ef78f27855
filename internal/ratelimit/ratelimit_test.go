package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/redistest"
)

// testStore runs the budget rules against a store. advance moves the
// store's clock (or waits, for Redis).
func testStore(t *testing.T, store ratelimit.Store, key string, window time.Duration, advance func(time.Duration)) {
	l := ratelimit.New(store, 10, window)
	ctx := context.Background()
	steps := []struct {
		name          string
		cost          int
		allowed       bool
		used, remains int
	}{
		{"a first charge opens a window", 4, true, 4, 6},
		{"a cost below one is charged as one", 0, true, 5, 5},
		{"a charge that fits is taken", 5, true, 10, 0},
		{"a charge over the budget is refused and takes nothing", 1, false, 10, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res, err := l.Take(ctx, key, s.cost)
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed != s.allowed || res.Used != s.used || res.Remaining() != s.remains || res.Limit != 10 {
				t.Fatalf("Take(%d) = %+v, want allowed %v used %d remaining %d", s.cost, res, s.allowed, s.used, s.remains)
			}
			if d := time.Until(res.ResetAt); d > window+time.Second {
				t.Errorf("resetAt is %v away, beyond the window", d)
			}
		})
	}
	t.Run("another key has its own budget", func(t *testing.T) {
		if res, _ := l.Take(ctx, key+"-other", 10); !res.Allowed {
			t.Fatalf("refused: %+v", res)
		}
	})
	t.Run("a new window restores the budget", func(t *testing.T) {
		advance(window + 10*time.Millisecond)
		res, err := l.Take(ctx, key, 3)
		if err != nil || !res.Allowed || res.Used != 3 {
			t.Fatalf("Take = %+v, %v", res, err)
		}
	})
}

func TestMemory(t *testing.T) {
	now := time.Now()
	store := ratelimit.NewMemory(func() time.Time { return now })
	testStore(t, store, "viewer:1", time.Hour, func(d time.Duration) { now = now.Add(d) })
}

func TestRedis(t *testing.T) {
	u := os.Getenv("REDIS_URL")
	if u == "" {
		t.Skip("REDIS_URL is not set; skipping the Redis test")
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "groupgraph-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
		rdb.Close()
	})
	// Redis keeps the window on its own clock, so the test waits it out.
	// The four charges that must land in one window get 2 s, which no
	// stall of a loaded machine's Redis round trips reaches.
	testStore(t, ratelimit.NewRedis(rdb, prefix), "viewer:1", 2*time.Second, time.Sleep)
}

func TestCostOf(t *testing.T) {
	for complexity, want := range map[int]int{0: 1, 1: 1, 100: 1, 101: 2, 5000: 50} {
		if got := ratelimit.CostOf(complexity); got != want {
			t.Errorf("CostOf(%d) = %d, want %d", complexity, got, want)
		}
	}
}

// After a failure the store does not ask Redis again at once: a Redis that
// accepts connections and never answers would otherwise add its timeouts
// to every request.
func TestRedisPausesAfterAFailure(t *testing.T) {
	rdb, o := redistest.Failing(t)
	s := ratelimit.NewRedis(rdb, "p:")
	for range 3 {
		if _, err := s.Take(context.Background(), "viewer:1", 1, 10, time.Hour); err == nil {
			t.Fatal("a failing Redis charged the request")
		}
	}
	if n := o.Refused.Load(); n != 1 {
		t.Fatalf("Redis was asked %d times, want once before the pause", n)
	}
}
