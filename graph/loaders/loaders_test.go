package loaders_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// partial is a provider whose GroupsByID fails for some IDs only.
type partial struct {
	*providertest.Memory
	fail map[string]error
}

func (p partial) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	got, err := p.Memory.GroupsByID(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	be := &providers.BatchError{Failed: map[string]error{}}
	for _, id := range ids {
		if e, ok := p.fail[id]; ok {
			delete(got, id)
			be.Failed[id] = e
		}
	}
	return got, be
}

func setup(t *testing.T) (*providertest.Memory, *providers.Viewer) {
	t.Helper()
	m := providertest.NewMemory(providers.Flickr)
	m.Caps.MaxBatch = 2
	for i := range 5 {
		m.AddGroup(providers.Group{ID: fmt.Sprint("g", i), Name: fmt.Sprint("G", i)})
	}
	v := &providers.Viewer{Accounts: []providers.Account{{Provider: providers.Flickr, UserID: "me"}}}
	return m, v
}

func TestGroupLoader(t *testing.T) {
	ctx := context.Background()
	t.Run("concurrent loads become batches no larger than the platform's limit, aligned with keys", func(t *testing.T) {
		m, v := setup(t)
		l := loaders.New(providers.NewRegistry(m), v)
		ids := []string{"g0", "g1", "g2", "g3", "g4", "missing", "g1"}
		got := make([]*providers.Group, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g, err := l.Group(ctx, providers.Flickr, id)
				if err != nil {
					t.Errorf("Group(%s): %v", id, err)
				}
				got[i] = g
			}()
		}
		wg.Wait()
		for i, id := range ids {
			if id == "missing" {
				if got[i] != nil {
					t.Errorf("missing group returned %+v", got[i])
				}
				continue
			}
			if got[i] == nil || got[i].ID != id {
				t.Errorf("result %d = %+v, want group %s", i, got[i], id)
			}
		}
		calls := m.CallsOf(providertest.MethodGroupsByID)
		asked := 0
		for _, c := range calls {
			if len(c.IDs) > 2 {
				t.Errorf("batch of %d ids exceeds MaxBatch 2", len(c.IDs))
			}
			asked += len(c.IDs)
		}
		if asked != 6 {
			t.Errorf("asked for %d ids in all, want the 6 distinct ones", asked)
		}
	})
	t.Run("a forgotten group is asked for again", func(t *testing.T) {
		m, v := setup(t)
		l := loaders.New(providers.NewRegistry(m), v)
		for range 2 {
			if _, err := l.Group(ctx, providers.Flickr, "g0"); err != nil {
				t.Fatal(err)
			}
		}
		l.ForgetGroup(providers.Flickr, "g0")
		if _, err := l.Group(ctx, providers.Flickr, "g0"); err != nil {
			t.Fatal(err)
		}
		if n := len(m.CallsOf(providertest.MethodGroupsByID)); n != 2 {
			t.Fatalf("%d GroupsByID calls, want 2 (cached once, then forgotten)", n)
		}
	})
	t.Run("one failing id fails only its own load", func(t *testing.T) {
		m, v := setup(t)
		p := partial{Memory: m, fail: map[string]error{"g1": fmt.Errorf("flickr: %w", providers.ErrUnavailable)}}
		l := loaders.New(providers.NewRegistry(p), v)
		var wg sync.WaitGroup
		var err0, err1 error
		wg.Add(2)
		go func() { defer wg.Done(); _, err0 = l.Group(ctx, providers.Flickr, "g0") }()
		go func() { defer wg.Done(); _, err1 = l.Group(ctx, providers.Flickr, "g1") }()
		wg.Wait()
		if err0 != nil {
			t.Errorf("g0: %v, want success", err0)
		}
		if !errors.Is(err1, providers.ErrUnavailable) || providers.ProviderOf(err1) != providers.Flickr {
			t.Errorf("g1: %v, want a flickr ErrUnavailable", err1)
		}
	})
	t.Run("a platform the viewer has not linked is ErrNotLinked", func(t *testing.T) {
		m, _ := setup(t)
		l := loaders.New(providers.NewRegistry(m), &providers.Viewer{})
		if _, err := l.Group(ctx, providers.Flickr, "g0"); !errors.Is(err, providers.ErrNotLinked) {
			t.Fatalf("err = %v, want ErrNotLinked", err)
		}
	})
}

func TestMembershipsAreFetchedOncePerRequest(t *testing.T) {
	m, v := setup(t)
	l := loaders.New(providers.NewRegistry(m), v)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = l.Memberships(context.Background(), providers.Flickr) }()
	}
	wg.Wait()
	if n := len(m.CallsOf(providertest.MethodMemberships)); n != 1 {
		t.Fatalf("%d Memberships calls, want 1", n)
	}
	if _, ok := l.KnownMemberships(providers.Flickr); !ok {
		t.Fatal("KnownMemberships does not know the fetched list")
	}
	l.ForgetMemberships(providers.Flickr)
	if _, ok := l.KnownMemberships(providers.Flickr); ok {
		t.Fatal("KnownMemberships still knows a forgotten list")
	}
}

// sharing is a provider that shares details between callers: its own
// loads are counted apart.
type sharing struct {
	*providertest.Memory
	mu  sync.Mutex
	own [][]string
}

func (s *sharing) OwnGroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	s.mu.Lock()
	s.own = append(s.own, ids)
	s.mu.Unlock()
	return s.Memory.GroupsByID(ctx, a, ids)
}

func TestOwnGroupLoader(t *testing.T) {
	ctx := context.Background()
	t.Run("own loads go to OwnGroupsByID, batched apart from shared ones", func(t *testing.T) {
		m, v := setup(t)
		s := &sharing{Memory: m}
		// Each batch goes when it holds MaxBatch (2) keys, long before the
		// window ends.
		l := loaders.New(providers.NewRegistry(s), v, loaders.WithWait(time.Minute))
		own0, own1 := l.LoadOwnGroup(ctx, providers.Flickr, "g0"), l.LoadOwnGroup(ctx, providers.Flickr, "g1")
		shared0, shared1 := l.LoadGroup(ctx, providers.Flickr, "g0"), l.LoadGroup(ctx, providers.Flickr, "g1")
		for _, wait := range []func() (*providers.Group, error){own0, own1, shared0, shared1} {
			if g, err := wait(); err != nil || g == nil {
				t.Fatalf("load = %v, %v", g, err)
			}
		}
		if len(s.own) != 1 || len(s.own[0]) != 2 {
			t.Errorf("own batches %v, want one of g0 and g1", s.own)
		}
		if n := len(m.CallsOf(providertest.MethodGroupsByID)); n != 2 {
			t.Errorf("GroupsByID calls = %d, want 2 (the own batch, through Memory, and the shared one)", n)
		}
	})
	t.Run("a provider that shares nothing answers own loads with GroupsByID", func(t *testing.T) {
		m, v := setup(t)
		l := loaders.New(providers.NewRegistry(m), v)
		if g, err := l.LoadOwnGroup(ctx, providers.Flickr, "g3")(); err != nil || g == nil || g.ID != "g3" {
			t.Fatalf("load = %v, %v", g, err)
		}
	})
}
