package apq_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/redistest"
)

func TestHashIsTheSHA256APQClientsSend(t *testing.T) {
	// Apollo Client's hash of this document.
	const want = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
	if got := apq.Hash("{__typename}"); got != want {
		t.Errorf("Hash = %s, want %s", got, want)
	}
}

func TestMemoryForgetsTheLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	m := apq.NewMemory(2)
	m.Add(ctx, "a", "A")
	m.Add(ctx, "b", "B")
	m.Get(ctx, "a")
	m.Add(ctx, "c", "C")
	if _, ok := m.Get(ctx, "b"); ok {
		t.Error("b should have been evicted")
	}
	if q, ok := m.Get(ctx, "a"); !ok || q != "A" {
		t.Errorf("a = %q, %v", q, ok)
	}
}

// A document from a manifest (safelist_manifests without a safelist) must
// stay: a Relay client sends only its ID, and cannot register the document
// again under it.
func TestMemoryKeepsManifestEntriesPastItsSize(t *testing.T) {
	ctx := context.Background()
	m := apq.NewMemory(2)
	q := "query FromManifest { __typename }"
	if _, err := apq.ImportManifest(ctx, m, strings.NewReader(fmt.Sprintf(`{"relay-id-1": %q}`, q))); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		m.Add(ctx, fmt.Sprint("client-", i), "{ __typename }")
	}
	for _, key := range []string{"relay-id-1", apq.Hash(q)} {
		if got, ok := m.Get(ctx, key); !ok || got != q {
			t.Errorf("%s = %q, %v after the cache filled up", key, got, ok)
		}
	}
	if _, ok := m.Get(ctx, "client-0"); ok {
		t.Error("client registrations are no longer bounded")
	}
}

func TestImportManifest(t *testing.T) {
	q1, q2 := "query A { __typename }", "query B { providers { provider } }"
	md := md5.Sum([]byte(q2))
	relayID := hex.EncodeToString(md[:])
	cases := []struct {
		name     string
		manifest string
		n        int
		keys     map[string]string
		err      string
	}{
		{
			name: "an Apollo manifest registers each body under its SHA-256",
			manifest: fmt.Sprintf(`{"format":"apollo-persisted-query-manifest","version":1,"operations":[
			  {"id":%q,"name":"A","type":"query","body":%q},{"id":%q,"name":"B","type":"query","body":%q}]}`,
				apq.Hash(q1), q1, apq.Hash(q2), q2),
			n: 2, keys: map[string]string{apq.Hash(q1): q1, apq.Hash(q2): q2},
		},
		{
			name:     "a Relay file registers under the SHA-256 and the Relay ID",
			manifest: fmt.Sprintf(`{%q: %q}`, relayID, q2),
			n:        1, keys: map[string]string{apq.Hash(q2): q2, relayID: q2},
		},
		{name: "an ID that is a SHA-256 of another document is refused",
			manifest: fmt.Sprintf(`{%q: %q}`, apq.Hash(q1), q2), err: "does not match"},
		{name: "an empty manifest is refused", manifest: `{}`, err: "no operations"},
		{name: "an Apollo operation without a body is refused",
			manifest: `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"x","body":""}]}`, err: "no body"},
		{name: "an unknown format is refused", manifest: `{"format":"other","operations":[]}`, err: "unknown format"},
		{name: "a Relay entry that is not a string is refused", manifest: `{"x": 1}`, err: "not a string"},
		{name: "something that is not JSON is refused", manifest: `<html>`, err: "not a JSON object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := apq.NewList()
			n, err := apq.ImportManifest(context.Background(), l, strings.NewReader(tc.manifest))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				if l.Len() != 0 {
					t.Errorf("a refused manifest registered %d documents", l.Len())
				}
				return
			}
			if err != nil || n != tc.n {
				t.Fatalf("ImportManifest = %d, %v; want %d", n, err, tc.n)
			}
			for k, want := range tc.keys {
				if got, ok := l.Get(context.Background(), k); !ok || got != want {
					t.Errorf("Get(%s) = %q, %v; want %q", k, got, ok, want)
				}
			}
		})
	}
}

func TestRedisStore(t *testing.T) {
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
	ctx := context.Background()
	t.Cleanup(func() {
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	t.Run("a document is shared through Redis and expires", func(t *testing.T) {
		s := apq.NewRedis(rdb, prefix, time.Minute, nil)
		s.Add(ctx, "h1", "{ __typename }")
		other := apq.NewRedis(rdb, prefix, time.Minute, nil)
		if q, ok := other.Get(ctx, "h1"); !ok || q != "{ __typename }" {
			t.Fatalf("Get = %q, %v", q, ok)
		}
		if ttl := rdb.TTL(ctx, prefix+"h1").Val(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("ttl = %v, want about a minute", ttl)
		}
	})
	t.Run("safelist entries never expire", func(t *testing.T) {
		s := apq.NewRedis(rdb, prefix, 0, nil)
		n, err := apq.ImportManifest(ctx, s, strings.NewReader(`{"id1": "{ __typename }"}`))
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		if ttl := rdb.TTL(ctx, prefix+apq.Hash("{ __typename }")).Val(); ttl != -1 {
			t.Errorf("ttl = %v, want none", ttl)
		}
	})
	t.Run("manifest entries never expire in a store whose registrations do", func(t *testing.T) {
		s := apq.NewRedis(rdb, prefix, time.Minute, nil)
		q := "query FromManifest { __typename }"
		if _, err := apq.ImportManifest(ctx, s, strings.NewReader(fmt.Sprintf(`{"relay-id-1": %q}`, q))); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{apq.Hash(q), "relay-id-1"} {
			if ttl := rdb.TTL(ctx, prefix+key).Val(); ttl != -1 {
				t.Errorf("%s: ttl = %v, want none", key, ttl)
			}
		}
	})
	t.Run("a client's registration does not make a manifest entry expire", func(t *testing.T) {
		q := "query Imported { __typename }"
		if _, err := apq.ImportManifest(ctx, apq.NewRedis(rdb, prefix, 0, nil), strings.NewReader(fmt.Sprintf(`{"x": %q}`, q))); err != nil {
			t.Fatal(err)
		}
		apq.NewRedis(rdb, prefix, time.Minute, nil).Add(ctx, apq.Hash(q), q)
		if ttl := rdb.TTL(ctx, prefix+apq.Hash(q)).Val(); ttl != -1 {
			t.Errorf("ttl = %v, want none", ttl)
		}
	})
	t.Run("a missing document is a miss", func(t *testing.T) {
		if _, ok := apq.NewRedis(rdb, prefix, 0, nil).Get(ctx, "absent"); ok {
			t.Error("found")
		}
	})
}

// After a failure the store does not ask Redis again at once: a Redis that
// accepts connections and never answers would otherwise add its timeouts
// to every request.
func TestRedisStorePausesAfterAFailure(t *testing.T) {
	c, o := redistest.Failing(t)
	s := apq.NewRedis(c, "p:", time.Hour, nil)
	ctx := context.Background()
	if _, ok := s.Get(ctx, "h1"); ok {
		t.Fatal("a failed lookup found a document")
	}
	s.Add(ctx, "h2", "{ a }")
	if _, ok := s.Get(ctx, "h3"); ok {
		t.Fatal("a paused lookup found a document")
	}
	if n := o.Refused.Load(); n != 1 {
		t.Fatalf("Redis was asked %d times, want once before the pause", n)
	}
}
