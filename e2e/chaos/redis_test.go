package chaos_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/chaostest"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/loadtest"
)

// results is a go-redis hook, inside the guard, that records what the
// commands reaching Redis got, from the moment it is armed.
type results struct {
	mu    sync.Mutex
	armed bool
	errs  []error
}

func (r *results) arm() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed, r.errs = true, nil
}

func (r *results) seen() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// record keeps err unless it is one of Redis's answers (a missing key, an
// error reply such as an older Redis refusing CLIENT SETINFO while a
// connection starts), which say Redis is there.
func (r *results) record(err error) {
	var reply redis.Error
	if errors.Is(err, redis.Nil) || errors.As(err, &reply) {
		err = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.armed {
		r.errs = append(r.errs, err)
	}
}

func (r *results) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *results) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		r.record(err)
		return err
	}
}

func (r *results) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		r.record(err)
		return err
	}
}

// proxiedRedis is a guarded client of REDIS_URL's Redis through a proxy,
// with a key prefix of its own, and what the client's commands got.
func proxiedRedis(t *testing.T, logs *syncBuffer) (*redis.Client, *dependency.Guard, *chaostest.Proxy, *results, string) {
	t.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		t.Skip("REDIS_URL is unset: skipping the Redis chaos tests (set it, e.g. redis://127.0.0.1:6379/0, to run them)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := chaostest.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	u.Host = p.Addr()
	// A second, not the default 250 ms: under -race on a busy machine a
	// healthy command can take longer than that, and the test is about
	// outages, not about how fast a healthy Redis is.
	rdb, g, err := dependency.NewRedis(u.String(), dependency.RedisOptions{Timeout: time.Second, Logger: jsonLogger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	res := &results{}
	rdb.AddHook(res)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "chaostest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			_ = rdb.Del(context.Background(), keys...).Err()
		}
	})
	return rdb, g, p, res, prefix
}

// TestRedisFailures runs steady concurrent load through the whole stack
// while the proxy in front of Redis freezes (a Redis that accepts
// connections and never answers), then refuses (a Redis gone), then heals.
func TestRedisFailures(t *testing.T) {
	logs := &syncBuffer{}
	rdb, g, proxy, res, prefix := proxiedRedis(t, logs)
	// go-redis's own messages (the pool's, per command) go to the log at
	// debug level only, which the test's info-level handler drops.
	redis.SetLogger(dependency.RedisLogger{L: jsonLogger(logs)})
	s := newStack(t, stackOptions{redis: rdb, prefix: prefix})
	token := loadtest.Token(0)
	const workers, requests = 8, 64

	healthy := s.load(token, query, workers, requests)
	s.wantComplete(t, "healthy", healthy)
	if !g.Up() {
		t.Fatal("Redis is down before any failure")
	}

	t.Run("a frozen Redis costs each request at most one timeout, and every answer is complete", func(t *testing.T) {
		proxy.Freeze()
		s.wantComplete(t, "frozen", s.load(token, query, workers, requests))
		if g.Up() {
			t.Error("the guard did not notice the frozen Redis")
		}
	})
	t.Run("a Redis gone costs nothing, and every answer is complete", func(t *testing.T) {
		proxy.Heal()
		proxy.Refuse()
		s.wantComplete(t, "gone", s.load(token, query, workers, requests))
	})
	t.Run("the first command after Redis returns succeeds, and Redis is used again", func(t *testing.T) {
		proxy.Heal()
		res.arm()
		// One request per pause tries Redis: go on until one has.
		deadline := time.Now().Add(5 * time.Second)
		for !g.Up() && time.Now().Before(deadline) {
			s.wantComplete(t, "returning", s.load(token, query, 1, 1))
		}
		if !g.Up() {
			t.Fatalf("Redis is still skipped 30 s after it returned; commands got %v", res.seen())
		}
		seen := res.seen()
		if len(seen) == 0 || seen[0] != nil {
			t.Fatalf("the commands that reached Redis after its return got %v; want the first to succeed", seen)
		}
		res.arm()
		s.wantComplete(t, "recovered", s.load(token, query, workers, requests))
		var failed []error
		seen = res.seen()
		for _, err := range seen {
			if err != nil {
				failed = append(failed, err)
			}
		}
		if len(seen) == 0 || len(failed) > 0 {
			t.Errorf("after recovery %d of %d Redis commands failed (%v); want some commands, none failing", len(failed), len(seen), failed)
		}
	})
	t.Run("the log says failed once and recovered once, with counts", func(t *testing.T) {
		lines := logLines(t, logs)
		if len(lines) != 2 {
			t.Fatalf("%d log lines, want 2: %v", len(lines), lines)
		}
		if lines[0]["level"] != "WARN" || lines[0]["dependency"] != "redis" {
			t.Errorf("first line %v, want redis failing", lines[0])
		}
		if lines[1]["level"] != "INFO" || lines[1]["dependency"] != "redis" || lines[1]["failed_calls"].(float64) < 1 || lines[1]["skipped_calls"].(float64) < 1 {
			t.Errorf("second line %v, want redis recovered with failed and skipped calls counted", lines[1])
		}
	})
}
