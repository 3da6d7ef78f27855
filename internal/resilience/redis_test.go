package resilience

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/redistest"
	"github.com/groupgraph/groupgraph/providers"
)

// newRedis connects to REDIS_URL (or skips) and returns a client and a key
// prefix of the test's own; the test's keys are deleted when it ends.
func newRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		t.Skipf("Redis at REDIS_URL is unreachable: %v", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "groupgraph-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return rdb, prefix
}

func ptr[T any](v T) *T { return &v }

// everyDetails are groups with each platform's Details, fully filled, for
// the cache's encoding.
func everyDetails() []*providers.Group {
	created := time.Date(2008, 3, 4, 5, 6, 7, 0, time.UTC)
	return []*providers.Group{
		{Provider: providers.Flickr, ID: "f1", Name: "F", Complete: true, Visibility: providers.VisibilityPublic,
			Description: ptr("d"), MemberCount: ptr(3), AgeRestricted: ptr(false), CreatedAt: &created,
			Details: &providers.FlickrDetails{Privacy: ptr(3), IconFarm: ptr(1), PoolModerated: ptr(false), IconServer: "2", PathAlias: "alias", Rules: ptr("be nice"),
				Throttle:     &providers.FlickrThrottle{Count: ptr(2), Mode: "day"},
				Restrictions: &providers.FlickrRestrictions{PhotosOK: ptr(true), HasGeo: ptr(true)},
				Roles:        &providers.FlickrRoles{Member: "m", Moderator: "mod", Admin: "a"}}},
		{Provider: providers.Upcoming, ID: "u1", Name: "U", Details: &providers.UpcomingDetails{ModerationLevel: "moderated", CommercialAccountID: ptr(int64(7)), IsPrivate: ptr(true), NumMembers: ptr(4)}},
		{Provider: providers.PageSeeder, ID: "p1", Name: "P", Details: &providers.PageSeederDetails{Type: "project", Access: "public", EditURLs: ptr(false), Message: "hi"}},
		{Provider: providers.Akana, ID: "a1", Name: "A", Details: &providers.AkanaDetails{ResourceType: "group", Categories: []providers.AkanaCategory{{Value: "v", Domain: "d"}}}},
		{Provider: providers.Akana, ID: "n1", Name: "No details"},
	}
}

func TestGroupEncoding(t *testing.T) {
	for _, g := range everyDetails() {
		t.Run("a group with "+g.ID+"'s details survives the round trip", func(t *testing.T) {
			b, err := encodeGroup(g)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeGroup(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(g, got); diff != "" {
				t.Fatalf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("an unknown details tag is an error, not a panic", func(t *testing.T) {
		if _, err := decodeGroup([]byte(`{"group":{"ID":"x"},"detailsType":"myspace","details":{}}`)); err == nil {
			t.Fatal("want an error")
		}
		for _, bad := range []string{``, `null`, `[]`, `{"group":null}`, `{"group":{"ID":1}}`, `{"group":{},"detailsType":"flickr","details":"x"}`} {
			if _, err := decodeGroup([]byte(bad)); err == nil {
				t.Fatalf("decodeGroup(%q) succeeded", bad)
			}
		}
	})
}

func TestRedisCache(t *testing.T) {
	rdb, prefix := newRedis(t)
	ctx := context.Background()

	t.Run("stores, returns and deletes groups of every platform", func(t *testing.T) {
		c := NewRedisCache(rdb, prefix, time.Minute)
		groups := everyDetails()
		if err := c.Set(ctx, providers.Akana, groups); err != nil {
			t.Fatal(err)
		}
		ids := []string{"f1", "u1", "p1", "a1", "n1", "absent"}
		got, err := c.Get(ctx, providers.Akana, ids)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]*providers.Group{}
		for _, g := range groups {
			want[g.ID] = g
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("cached (-want +got):\n%s", diff)
		}
		if err := c.Delete(ctx, providers.Akana, "f1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Get(ctx, providers.Akana, ids); got["f1"] != nil || len(got) != 4 {
			t.Fatalf("after delete: %v", got)
		}
	})

	t.Run("a value another instance changed is decoded afresh; every hit is a copy", func(t *testing.T) {
		one, two := NewRedisCache(rdb, prefix+"memo:", time.Minute), NewRedisCache(rdb, prefix+"memo:", time.Minute)
		g := &providers.Group{Provider: providers.Flickr, ID: "m1", Name: "Before", Visibility: providers.VisibilityPublic}
		if err := one.Set(ctx, providers.Flickr, []*providers.Group{g}); err != nil {
			t.Fatal(err)
		}
		first, _ := one.Get(ctx, providers.Flickr, []string{"m1"})
		second, _ := one.Get(ctx, providers.Flickr, []string{"m1"})
		if first["m1"] == nil || second["m1"] == nil || first["m1"].Name != "Before" {
			t.Fatalf("got %v then %v, want the group twice", first, second)
		}
		if first["m1"] == second["m1"] {
			t.Fatal("two hits share one group: a caller changing it would change the other's")
		}
		first["m1"].Name = "changed by a caller"
		if again, _ := one.Get(ctx, providers.Flickr, []string{"m1"}); again["m1"].Name != "Before" {
			t.Fatalf("a caller's change reached the cache: %q", again["m1"].Name)
		}
		// Another instance rewrites the entry; the first must not answer
		// with what it decoded before.
		after := *g
		after.Name = "After"
		if err := two.Set(ctx, providers.Flickr, []*providers.Group{&after}); err != nil {
			t.Fatal(err)
		}
		if got, _ := one.Get(ctx, providers.Flickr, []string{"m1"}); got["m1"] == nil || got["m1"].Name != "After" {
			t.Fatalf("after another instance's write got %v, want After", got["m1"])
		}
		// And deletes it: a miss, not the remembered group.
		if err := two.Delete(ctx, providers.Flickr, "m1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := one.Get(ctx, providers.Flickr, []string{"m1"}); got["m1"] != nil {
			t.Fatalf("after another instance's delete got %v, want a miss", got["m1"])
		}
	})

	t.Run("entries expire after the TTL", func(t *testing.T) {
		c := NewRedisCache(rdb, prefix, time.Minute)
		_ = c.Set(ctx, providers.Flickr, []*providers.Group{{ID: "ttl"}})
		if ttl := rdb.TTL(ctx, prefix+"flickr:ttl").Val(); ttl <= 0 || ttl > time.Minute {
			t.Fatalf("TTL = %v, want at most a minute", ttl)
		}
	})

	t.Run("two instances share what one fetched, without its viewer's flags", func(t *testing.T) {
		m := newFixture()
		opts := fastOptions()
		opts.Cache = NewRedisCache(rdb, prefix+"shared:", time.Minute)
		one, two := Wrap(perViewer{m}, opts), Wrap(perViewer{m}, opts)
		groupsByID(t, one, alice, "pub", "priv")
		got := groupsByID(t, two, bob, "pub", "priv")
		if calls := m.CallsOf("GroupsByID"); len(calls) != 2 || len(calls[1].IDs) != 1 || calls[1].IDs[0] != "priv" {
			t.Fatalf("calls = %+v, want the second instance to ask only for priv", calls)
		}
		if got["priv"] != nil {
			t.Fatal("bob got alice's private group")
		}
		if d := got["pub"].Details.(*providers.FlickrDetails); d.ViewerIsAdmin != nil || d.Admin != nil {
			t.Fatalf("bob got alice's flags through Redis: %+v", d)
		}
		if _, err := two.LeaveGroup(ctx, bob, "pub", providers.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		groupsByID(t, one, alice, "pub")
		if n := len(m.CallsOf("GroupsByID")); n != 3 {
			t.Fatalf("detail calls = %d, want a reload after the leave on the other instance", n)
		}
	})
}

func TestRedisBudget(t *testing.T) {
	rdb, prefix := newRedis(t)
	ctx := context.Background()

	t.Run("instances sharing a budget never exceed it together", func(t *testing.T) {
		rec := newRecorder()
		opts := BudgetOptions{Name: "flickr", Limit: 20, Per: time.Hour, Redis: rdb, KeyPrefix: prefix, Observer: rec}
		one, two := NewBudget(opts), NewBudget(opts)
		var wg sync.WaitGroup
		var sent atomic.Int64
		for i := range 100 {
			b := one
			if i%2 == 1 {
				b = two
			}
			wg.Go(func() {
				err := b.Take(ctx)
				switch {
				case err == nil:
					sent.Add(1)
				case !errors.Is(err, providers.ErrRateLimited):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if sent.Load() != 20 || rec.budget != 80 {
			t.Fatalf("sent %d, refused %d; want 20 and 80", sent.Load(), rec.budget)
		}
		st, err := one.Refresh(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Remaining != 0 || st.Limit != 20 || time.Until(st.ResetAt) < 59*time.Minute {
			t.Fatalf("status = %+v, want 0 of 20 left, full again in about an hour", st)
		}
	})

	t.Run("the shared budget refills and keeps its reserve", func(t *testing.T) {
		// One call refills every 400 ms: the refusal below needs the three
		// takes and the fourth to fall within one interval, which a
		// machine slow enough to take 400 ms over four Redis round trips
		// is not.
		b := NewBudget(BudgetOptions{Name: "refill", Limit: 5, Per: 2 * time.Second, Reserve: 2, Redis: rdb, KeyPrefix: prefix})
		for i := range 3 {
			if err := b.Take(ctx); err != nil {
				t.Fatalf("take %d: %v", i+1, err)
			}
		}
		err := b.Take(ctx)
		var be *BudgetError
		if !errors.As(err, &be) || be.Wait <= 0 || be.Wait > 400*time.Millisecond {
			t.Fatalf("err = %v, want a refusal with a wait of about one interval", err)
		}
		if err := b.Take(WithReserve(ctx)); err != nil {
			t.Fatalf("a leave was refused its reserve: %v", err)
		}
		time.Sleep(time.Second) // two and a half intervals: room for a read above the reserve
		if err := b.Take(ctx); err != nil {
			t.Fatalf("after refilling: %v", err)
		}
		if b.Remaining() < 2 {
			t.Fatalf("remaining = %d", b.Remaining())
		}
	})

	t.Run("an unreachable Redis falls back to a local bucket", func(t *testing.T) {
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
		defer dead.Close()
		b := NewBudget(BudgetOptions{Name: "fallback", Limit: 2, Redis: dead, KeyPrefix: prefix})
		if b.Take(ctx) != nil || b.Take(ctx) != nil || b.Take(ctx) == nil {
			t.Fatal("want the local bucket's 2 calls, then a refusal")
		}
	})
}

// When Redis goes away in the middle of an hour, an instance goes on with
// what the shared budget had left, not with a full bucket of its own: ten
// instances would otherwise spend ten limits on top of what was spent.
func TestRedisOutageFallsBackToWhatWasLeft(t *testing.T) {
	rdb, prefix := newRedis(t)
	ctx := context.Background()
	o := &redistest.Outage{}
	rdb.AddHook(o)
	opts := BudgetOptions{Name: "outage", Limit: 10, Per: time.Hour, Redis: rdb, KeyPrefix: prefix}
	one, two := NewBudget(opts), NewBudget(opts)
	for range 4 {
		if err := one.Take(ctx); err != nil {
			t.Fatal(err)
		}
		if err := two.Take(ctx); err != nil {
			t.Fatal(err)
		}
	}
	o.Down.Store(true)
	sent := 0
	for range 10 {
		if one.Take(ctx) == nil {
			sent++
		}
	}
	// one's fourth call was the seventh of the shared ten, so Redis last
	// told it 3 were left; an hour's refill adds no call in a few
	// milliseconds.
	if sent > 3 {
		t.Fatalf("during the outage one instance sent %d calls; the shared budget had at most 3 left", sent)
	}
	if sent == 0 {
		t.Fatal("during the outage the instance sent nothing: the fallback should spend what was left")
	}
}

func TestRedisCacheOutage(t *testing.T) {
	t.Run("an unreachable Redis is a miss, and is not asked again at once", func(t *testing.T) {
		ctx := context.Background()
		dead, o := redistest.Failing(t)
		c := NewRedisCache(dead, "", time.Minute)
		if _, err := c.Get(ctx, providers.Flickr, []string{"x"}); err == nil {
			t.Fatal("want the first failure reported")
		}
		got, _ := c.Get(ctx, providers.Flickr, []string{"x"})
		if len(got) != 0 {
			t.Fatalf("got %v; want a miss while Redis is down", got)
		}
		if n := o.Refused.Load(); n != 1 {
			t.Fatalf("Redis was asked %d times, want once before the pause", n)
		}
	})
}
