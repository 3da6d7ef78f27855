package resilience

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

func groupsByID(t *testing.T, p *Provider, acct providers.Account, ids ...string) map[string]*providers.Group {
	t.Helper()
	got, err := p.GroupsByID(context.Background(), acct, ids)
	if err != nil {
		t.Fatalf("GroupsByID(%v) as %s: %v", ids, acct.UserID, err)
	}
	return got
}

func detailCalls(m *providertest.Memory) int { return len(m.CallsOf(providertest.MethodGroupsByID)) }

func TestCache(t *testing.T) {
	t.Run("a public group is served from the cache the second time", func(t *testing.T) {
		rec := newRecorder()
		m := newFixture()
		opts := fastOptions()
		opts.Observer = rec
		p := Wrap(m, opts)
		groupsByID(t, p, alice, "pub")
		got := groupsByID(t, p, alice, "pub")
		if got["pub"] == nil || got["pub"].Name != "Public" || !got["pub"].Complete {
			t.Fatalf("cached group = %+v", got["pub"])
		}
		if n := detailCalls(m); n != 1 {
			t.Fatalf("upstream detail calls = %d, want 1", n)
		}
		if rec.hits != 1 || rec.misses != 1 {
			t.Fatalf("hits %d misses %d, want 1 and 1", rec.hits, rec.misses)
		}
	})

	t.Run("entries expire after the TTL", func(t *testing.T) {
		m := newFixture()
		c := NewMemoryCache(10, time.Minute)
		now := time.Now()
		c.now = func() time.Time { return now }
		opts := fastOptions()
		opts.Cache = c
		p := Wrap(m, opts)
		groupsByID(t, p, alice, "pub")
		now = now.Add(59 * time.Second)
		groupsByID(t, p, alice, "pub")
		if n := detailCalls(m); n != 1 {
			t.Fatalf("detail calls within the TTL = %d, want 1", n)
		}
		now = now.Add(2 * time.Second)
		groupsByID(t, p, alice, "pub")
		if n := detailCalls(m); n != 2 {
			t.Fatalf("detail calls after the TTL = %d, want 2", n)
		}
	})

	t.Run("the cache holds at most its size", func(t *testing.T) {
		c := NewMemoryCache(2, time.Minute)
		ctx := context.Background()
		for _, id := range []string{"a", "b", "c"} {
			_ = c.Set(ctx, providers.Flickr, []*providers.Group{{ID: id, Visibility: providers.VisibilityPublic}})
		}
		got, _ := c.Get(ctx, providers.Flickr, []string{"a", "b", "c"})
		if c.Len() != 2 || got["a"] != nil || got["c"] == nil {
			t.Fatalf("len %d, got %v; want the least recently used entry evicted", c.Len(), got)
		}
	})

	for _, id := range []string{"priv", "club", "unsaid"} {
		t.Run("a group that is not public ("+id+") is never cached", func(t *testing.T) {
			m := newFixture()
			c := NewMemoryCache(10, time.Minute)
			opts := fastOptions()
			opts.Cache = c
			p := Wrap(perViewer{m}, opts)
			groupsByID(t, p, alice, id)
			groupsByID(t, p, alice, id)
			if n := detailCalls(m); n != 2 {
				t.Fatalf("detail calls = %d, want 2", n)
			}
			if c.Len() != 0 {
				t.Fatalf("cache holds %d entries, want none", c.Len())
			}
			if got := groupsByID(t, p, bob, id); got[id] != nil {
				t.Fatalf("bob, not a member, got %s", id)
			}
		})
	}

	t.Run("one viewer's per-caller flags are never served to another", func(t *testing.T) {
		m := newFixture()
		p := Wrap(perViewer{m}, fastOptions())
		a := groupsByID(t, p, alice, "pub")["pub"].Details.(*providers.FlickrDetails)
		if a.ViewerIsAdmin == nil || !*a.ViewerIsAdmin || a.Admin == nil || !*a.Admin || a.Throttle.Remaining == nil {
			t.Fatalf("alice, who fetched, should get her own flags: %+v", a)
		}
		b := groupsByID(t, p, bob, "pub")["pub"].Details.(*providers.FlickrDetails)
		if detailCalls(m) != 1 {
			t.Fatalf("bob's lookup should be a cache hit")
		}
		if b.ViewerIsAdmin != nil || b.ViewerIsMember != nil || b.Admin != nil || b.Throttle.Remaining != nil {
			t.Fatalf("bob got per-caller fields from alice's fetch: %+v", b)
		}
		// And changing what one caller got changes nothing for the next.
		b.Privacy = ptr(99)
		c := groupsByID(t, p, bob, "pub")["pub"].Details.(*providers.FlickrDetails)
		if *c.Privacy != 3 {
			t.Fatalf("a caller's change leaked into the cache: privacy %d", *c.Privacy)
		}
	})

	t.Run("leaving a group drops its cached details", func(t *testing.T) {
		m := newFixture()
		p := Wrap(m, fastOptions())
		before := *groupsByID(t, p, alice, "pub")["pub"].MemberCount
		if _, err := p.LeaveGroup(context.Background(), bob, "pub", providers.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		after := *groupsByID(t, p, alice, "pub")["pub"].MemberCount
		if detailCalls(m) != 2 || after != before-1 {
			t.Fatalf("calls %d, member count %d → %d; want a fresh load showing one fewer", detailCalls(m), before, after)
		}
	})

	t.Run("memberships are never cached", func(t *testing.T) {
		m := newFixture()
		p := Wrap(m, fastOptions())
		for range 3 {
			if _, err := p.Memberships(context.Background(), alice); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(m.CallsOf(providertest.MethodMemberships)); n != 3 {
			t.Fatalf("membership calls = %d, want 3", n)
		}
	})

	t.Run("no ids asks nothing and duplicates are asked once", func(t *testing.T) {
		m := newFixture()
		p := Wrap(m, fastOptions())
		if got := groupsByID(t, p, alice); got == nil || len(got) != 0 || len(m.Calls()) != 0 {
			t.Fatalf("got %v with %d calls, want an empty map and no call", got, len(m.Calls()))
		}
		groupsByID(t, p, alice, "pub", "pub", "missing", "pub")
		if calls := m.Calls(); len(calls) != 1 || len(calls[0].IDs) != 2 {
			t.Fatalf("calls = %+v, want one call for pub and missing", calls)
		}
	})

	t.Run("CachedGroups answers from the cache alone, without per-caller fields", func(t *testing.T) {
		m := newFixture()
		p := Wrap(perViewer{m}, fastOptions())
		if got := p.CachedGroups(context.Background(), []string{"pub"}); len(got) != 0 {
			t.Fatalf("cold cache gave %v", got)
		}
		groupsByID(t, p, alice, "pub", "priv")
		calls := len(m.Calls())
		got := p.CachedGroups(context.Background(), []string{"pub", "priv", "missing"})
		if len(m.Calls()) != calls {
			t.Fatalf("CachedGroups called the platform")
		}
		if len(got) != 1 || got["pub"] == nil {
			t.Fatalf("got %v, want only the public group", got)
		}
		if d := got["pub"].Details.(*providers.FlickrDetails); d.ViewerIsAdmin != nil || d.Throttle.Remaining != nil {
			t.Fatalf("the cached copy carries alice's flags: %+v", d)
		}
		opts := fastOptions()
		opts.Cache = brokenCache{}
		if got := Wrap(m, opts).CachedGroups(context.Background(), []string{"pub"}); len(got) != 0 {
			t.Fatalf("a failing cache gave %v", got)
		}
	})

	t.Run("a failing cache is a miss, not a failure", func(t *testing.T) {
		m := newFixture()
		opts := fastOptions()
		opts.Cache = brokenCache{}
		p := Wrap(m, opts)
		groupsByID(t, p, alice, "pub")
		groupsByID(t, p, alice, "pub")
		if detailCalls(m) != 2 {
			t.Fatalf("detail calls = %d, want 2", detailCalls(m))
		}
	})
}

// missOnce is a cache whose first Get misses whatever it holds: the state
// of a request that looked before another request's load stored the group.
type missOnce struct {
	Cache
	missed atomic.Bool
}

func (c *missOnce) Get(ctx context.Context, k providers.Kind, ids []string) (map[string]*providers.Group, error) {
	if c.missed.CompareAndSwap(false, true) {
		return nil, nil
	}
	return c.Cache.Get(ctx, k, ids)
}

func TestALoadThatLandedBeforeTheClaimIsNotRepeated(t *testing.T) {
	m := newFixture()
	c := NewMemoryCache(10, time.Minute)
	opts := fastOptions()
	opts.Cache = c
	groupsByID(t, Wrap(m, opts), alice, "pub")
	opts.Cache = &missOnce{Cache: c}
	got := groupsByID(t, Wrap(m, opts), alice, "pub")
	if got["pub"] == nil || got["pub"].Name == "" {
		t.Fatalf("got %v, want the cached group", got)
	}
	if n := detailCalls(m); n != 1 {
		t.Fatalf("detail calls = %d, want the first load's only", n)
	}
}

// oneByOne is a platform without a batch call, two detail calls at a time,
// whose call for "pub2" waits for release.
type oneByOne struct {
	*providertest.Memory
	release chan struct{}
	asked   chan string
}

func (o oneByOne) Capabilities() providers.Capabilities {
	return providers.Capabilities{DetailConcurrency: 2}
}

func (o oneByOne) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	for _, id := range ids {
		o.asked <- id
		if id == "pub2" {
			<-o.release
		}
	}
	return o.Memory.GroupsByID(ctx, acct, ids)
}

func TestAWaiterGetsItsGroupWhenItArrives(t *testing.T) {
	m := newFixture()
	o := oneByOne{Memory: m, release: make(chan struct{}), asked: make(chan string, 10)}
	p := Wrap(o, fastOptions())
	first := make(chan map[string]*providers.Group, 1)
	go func() {
		got, _ := p.GroupsByID(context.Background(), alice, []string{"pub", "pub2"})
		first <- got
	}()
	// Both IDs are being loaded, one call each; pub2's does not return.
	seen := map[string]bool{<-o.asked: true, <-o.asked: true}
	if !seen["pub"] || !seen["pub2"] {
		t.Fatalf("asked %v, want pub and pub2 asked on their own", seen)
	}
	// A second request for pub waits for the first request's load of pub
	// alone, not for pub2's.
	second := make(chan map[string]*providers.Group, 1)
	go func() {
		got, _ := p.GroupsByID(context.Background(), bob, []string{"pub"})
		second <- got
	}()
	select {
	case got := <-second:
		if got["pub"] == nil {
			t.Fatalf("second request got %v, want pub", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second request waited for a group it did not ask for")
	}
	close(o.release)
	if got := <-first; got["pub"] == nil || got["pub2"] == nil {
		t.Fatalf("first request got %v, want both", got)
	}
	if n := detailCalls(m); n != 2 {
		t.Fatalf("detail calls = %d, want 2", n)
	}
}

// panicky is a platform without a batch call whose detail call panics.
type panicky struct{ *providertest.Memory }

func (panicky) Capabilities() providers.Capabilities {
	return providers.Capabilities{DetailConcurrency: 2}
}

func (panicky) GroupsByID(context.Context, providers.Account, []string) (map[string]*providers.Group, error) {
	panic("decoder bug")
}

func TestAPanickingDetailCallFailsItsGroupsAndReleasesTheirWaiters(t *testing.T) {
	p := Wrap(panicky{newFixture()}, fastOptions())
	for range 2 { // the second time finds no flight left behind
		done := make(chan struct{})
		var err error
		go func() {
			defer close(done)
			_, err = p.GroupsByID(context.Background(), alice, []string{"pub", "pub2", "priv"})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("GroupsByID hung")
		}
		if !errors.Is(err, providers.ErrInternal) {
			t.Fatalf("err = %v, want ErrInternal", err)
		}
	}
}

type brokenCache struct{}

func (brokenCache) Get(context.Context, providers.Kind, []string) (map[string]*providers.Group, error) {
	return nil, errors.New("cache down")
}
func (brokenCache) Set(context.Context, providers.Kind, []*providers.Group) error {
	return errors.New("cache down")
}
func (brokenCache) Delete(context.Context, providers.Kind, ...string) error {
	return errors.New("cache down")
}

// waitForCall waits until m has started a call of method.
func waitForCall(t *testing.T, m *providertest.Memory, method providertest.Method, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(m.CallsOf(method)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %s call started", method)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCoalescing(t *testing.T) {
	t.Run("100 concurrent callers asking the same public group cause one upstream call", func(t *testing.T) {
		rec := newRecorder()
		m := newFixture()
		m.Latency = 30 * time.Millisecond
		opts := fastOptions()
		opts.Observer = rec
		p := Wrap(perViewer{m}, opts)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 100)
		for i := range 100 {
			acct := alice
			if i%2 == 1 {
				acct = bob
			}
			wg.Go(func() {
				<-start
				got, err := p.GroupsByID(context.Background(), acct, []string{"pub"})
				if err == nil && got["pub"] == nil {
					err = errors.New("pub missing")
				}
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := detailCalls(m); n != 1 {
			t.Fatalf("upstream detail calls = %d, want exactly 1", n)
		}
	})

	t.Run("a caller whose ids are partly in flight fetches only the rest", func(t *testing.T) {
		m := newFixture()
		h := newHoldFirst(perViewer{m})
		p := Wrap(h, fastOptions())
		waiting := waitingFor(p)
		var wg sync.WaitGroup
		wg.Go(func() { groupsByID(t, p, alice, "pub") })
		<-h.started
		var got map[string]*providers.Group
		wg.Go(func() { got = groupsByID(t, p, bob, "pub", "pub2") })
		awaitWaiter(t, waiting, h, &wg) // bob waits for alice's load of pub
		wg.Wait()
		if got["pub"] == nil || got["pub2"] == nil {
			t.Fatalf("got %v, want both groups", got)
		}
		// Alice's held call reaches the platform after bob's, so the calls
		// are told apart by what they asked, not by their order.
		var asked []string
		for _, c := range m.CallsOf(providertest.MethodGroupsByID) {
			asked = append(asked, strings.Join(c.IDs, ","))
		}
		slices.Sort(asked)
		if strings.Join(asked, " ") != "pub pub2" {
			t.Fatalf("calls asked %q, want alice's for pub and bob's for pub2 only", asked)
		}
		if d := got["pub"].Details.(*providers.FlickrDetails); d.ViewerIsAdmin != nil {
			t.Fatalf("bob got alice's flags through the in-flight load: %+v", d)
		}
		if d := got["pub2"].Details.(*providers.FlickrDetails); d.ViewerIsMember == nil || !*d.ViewerIsMember {
			t.Fatalf("bob's own fetch should carry his flags: %+v", d)
		}
	})

	t.Run("another viewer's load of a private group is not shared", func(t *testing.T) {
		m := newFixture()
		m.Latency = 50 * time.Millisecond
		p := Wrap(perViewer{m}, fastOptions())
		var wg sync.WaitGroup
		wg.Go(func() {
			if groupsByID(t, p, alice, "priv")["priv"] == nil {
				t.Error("alice, a member, should see priv")
			}
		})
		waitForCall(t, m, providertest.MethodGroupsByID, 1)
		got := groupsByID(t, p, bob, "priv")
		wg.Wait()
		if got["priv"] != nil {
			t.Fatalf("bob, not a member, got the private group from alice's load")
		}
		if n := detailCalls(m); n != 2 {
			t.Fatalf("detail calls = %d, want 2: bob asks with his own account", n)
		}
	})

	t.Run("waiters share the platform being down", func(t *testing.T) {
		m := newFixture()
		m.FailWith(providertest.MethodGroupsByID, errUnavailable("503"))
		h := newHoldFirst(m)
		opts := fastOptions()
		opts.MaxAttempts = 1
		p := Wrap(h, opts)
		waiting := waitingFor(p)
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = p.GroupsByID(context.Background(), alice, []string{"pub"}) })
		<-h.started
		var err error
		wg.Go(func() { _, err = p.GroupsByID(context.Background(), bob, []string{"pub"}) })
		awaitWaiter(t, waiting, h, &wg) // bob waits for alice's load, which then fails
		wg.Wait()
		if !errors.Is(err, providers.ErrUnavailable) || detailCalls(m) != 1 {
			t.Fatalf("err %v after %d calls; want the shared outage after 1", err, detailCalls(m))
		}
	})

	t.Run("a waiter whose loader was cancelled loads for itself", func(t *testing.T) {
		m := newFixture()
		m.Latency = 50 * time.Millisecond
		p := Wrap(m, fastOptions())
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = p.GroupsByID(ctx, alice, []string{"pub"}) })
		waitForCall(t, m, providertest.MethodGroupsByID, 1)
		wg.Go(func() {
			time.Sleep(10 * time.Millisecond)
			cancel()
		})
		got := groupsByID(t, p, bob, "pub")
		wg.Wait()
		if got["pub"] == nil {
			t.Fatal("bob should get pub with his own call")
		}
	})

	t.Run("a waiter gives up with its own deadline", func(t *testing.T) {
		m := newFixture()
		h := newHoldFirst(m)
		p := Wrap(h, fastOptions())
		var wg sync.WaitGroup
		wg.Go(func() { groupsByID(t, p, alice, "pub") })
		<-h.started // alice's load is held until bob has given up
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := p.GroupsByID(ctx, bob, []string{"pub"})
		close(h.release)
		wg.Wait()
		if !errors.Is(err, providers.ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
	})

	t.Run("a load racing a leave is not cached", func(t *testing.T) {
		m := newFixture()
		c := NewMemoryCache(10, time.Minute)
		opts := fastOptions()
		opts.Cache = c
		p := Wrap(slowAnswers{m, 80 * time.Millisecond}, opts)
		var wg sync.WaitGroup
		wg.Go(func() { groupsByID(t, p, alice, "pub") })
		waitForCall(t, m, providertest.MethodGroupsByID, 1)
		if _, err := p.LeaveGroup(context.Background(), bob, "pub", providers.LeaveOptions{}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if c.Len() != 0 {
			t.Fatal("the load read before the leave was cached after it")
		}
	})
}

// holdFirst holds its first GroupsByID call, before it reaches the
// platform, until release is closed (or the call's context ends), closing
// started when that call begins; later calls go straight through. A test
// can then make other requests while the first load is certainly in
// flight, however slowly the machine runs.
type holdFirst struct {
	providers.Provider
	started, release chan struct{}
	once             sync.Once
}

func newHoldFirst(p providers.Provider) *holdFirst {
	return &holdFirst{Provider: p, started: make(chan struct{}), release: make(chan struct{})}
}

func (h *holdFirst) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	first := false
	h.once.Do(func() { first = true })
	if first {
		close(h.started)
		select {
		case <-h.release:
		case <-ctx.Done():
		}
	}
	return h.Provider.GroupsByID(ctx, a, ids)
}

// waitingFor returns a channel closed once a GroupsByID call of p has found
// an ID another call is loading and is about to wait for it.
func waitingFor(p *Provider) <-chan struct{} {
	waiting := make(chan struct{})
	var once sync.Once
	p.flights.claimed = func(_ []string, waits int) {
		if waits > 0 {
			once.Do(func() { close(waiting) })
		}
	}
	return waiting
}

// awaitWaiter waits until a call waits for the held load, then releases
// it. A call that does not wait within 10 s never will: the held load is
// released anyway and the test fails.
func awaitWaiter(t *testing.T, waiting <-chan struct{}, h *holdFirst, wg *sync.WaitGroup) {
	t.Helper()
	select {
	case <-waiting:
		close(h.release)
	case <-time.After(10 * time.Second):
		close(h.release)
		wg.Wait()
		t.Fatal("no call waited for the load in flight")
	}
}

// slowAnswers reads group details at once but takes delay to answer, so a
// leave can complete between the read and the answer.
type slowAnswers struct {
	*providertest.Memory
	delay time.Duration
}

func (s slowAnswers) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	res, err := s.Memory.GroupsByID(ctx, a, ids)
	time.Sleep(s.delay)
	return res, err
}

func TestOwnGroupsByID(t *testing.T) {
	t.Run("a caller's own load asks the platform even when the group is cached", func(t *testing.T) {
		m := newFixture()
		p := Wrap(m, fastOptions())
		groupsByID(t, p, alice, "pub") // cached now
		got, err := p.OwnGroupsByID(context.Background(), bob, []string{"pub", "pub"})
		if err != nil || got["pub"] == nil {
			t.Fatalf("OwnGroupsByID = %v, %v", got, err)
		}
		calls := m.CallsOf(providertest.MethodGroupsByID)
		if len(calls) != 2 || !slices.Equal(calls[1].IDs, []string{"pub"}) {
			t.Fatalf("detail calls %+v, want a second one for pub alone", calls)
		}
	})
	t.Run("what it loads is shared through the cache", func(t *testing.T) {
		m := newFixture()
		p := Wrap(m, fastOptions())
		if _, err := p.OwnGroupsByID(context.Background(), alice, []string{"pub"}); err != nil {
			t.Fatal(err)
		}
		groupsByID(t, p, bob, "pub")
		if n := detailCalls(m); n != 1 {
			t.Fatalf("detail calls = %d, want 1: the own load did not fill the cache", n)
		}
	})
}
