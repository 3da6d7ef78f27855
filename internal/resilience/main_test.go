package resilience

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// TestMain fails the package when a test leaves a goroutine behind: waiters
// on in-flight loads, sleeping retries and HTTP connections must all end
// with their request.
//
// goleak.VerifyTestMain gives goroutines still on their way out about half
// a second, which a loaded machine can take to run a closed connection's
// goroutines to their end; a goroutine that is still there after 10 s has
// leaked.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := goleak.Find()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "goleak: goroutines left after a successful run: %v\n", err)
				code = 1
				break
			}
		}
	}
	os.Exit(code)
}

var (
	alice = providers.Account{ID: "link-alice", Provider: providers.Flickr, UserID: "alice"}
	bob   = providers.Account{ID: "link-bob", Provider: providers.Flickr, UserID: "bob"}
)

func errUnavailable(what string) error {
	return fmt.Errorf("test %s: %w", what, providers.ErrUnavailable)
}

// newFixture returns a Memory Flickr provider with a public group "pub"
// (alice is its admin, bob a member), a private group "priv" (alice only), a
// restricted group "club" (alice only) and a second public group "pub2".
func newFixture() *providertest.Memory {
	m := providertest.NewMemory(providers.Flickr)
	m.AddUser(providers.User{ID: "alice", Name: "Alice"})
	m.AddUser(providers.User{ID: "bob", Name: "Bob"})
	desc := "photos of Brisbane"
	count := 2
	for _, g := range []providers.Group{
		{ID: "pub", Name: "Public", Visibility: providers.VisibilityPublic, Description: &desc, MemberCount: &count,
			Details: &providers.FlickrDetails{Privacy: ptr(3), Throttle: &providers.FlickrThrottle{Mode: "day"}}},
		{ID: "pub2", Name: "Public 2", Visibility: providers.VisibilityPublic, Details: &providers.FlickrDetails{Privacy: ptr(3)}},
		{ID: "priv", Name: "Private", Visibility: providers.VisibilityPrivate, Details: &providers.FlickrDetails{Privacy: ptr(1)}},
		{ID: "club", Name: "Club", Visibility: providers.VisibilityRestricted, Details: &providers.FlickrDetails{Privacy: ptr(2)}},
		{ID: "unsaid", Name: "Unsaid", Details: &providers.FlickrDetails{}},
	} {
		m.AddGroup(g)
	}
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	m.Join("pub", "alice", providers.RoleAdmin, t0)
	m.Join("pub", "bob", providers.RoleMember, t0.Add(time.Hour))
	m.Join("pub2", "bob", providers.RoleMember, t0)
	m.Join("priv", "alice", providers.RoleAdmin, t0)
	m.Join("club", "alice", providers.RoleAdmin, t0)
	m.Join("unsaid", "alice", providers.RoleAdmin, t0)
	return m
}

// perViewer answers GroupsByID the way real platforms do and Memory does
// not: a private or restricted group only to its members, and Flickr's
// per-caller flags filled in for the caller.
type perViewer struct {
	*providertest.Memory
}

func (p perViewer) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	res, err := p.Memory.GroupsByID(ctx, acct, ids)
	if err != nil {
		return res, err
	}
	for id, g := range res {
		role, member := roleOf(acct, id)
		if g.Visibility != providers.VisibilityPublic && !member {
			delete(res, id)
			continue
		}
		if d, ok := g.Details.(*providers.FlickrDetails); ok {
			dc := *d
			admin := role == providers.RoleAdmin
			dc.ViewerIsMember, dc.ViewerIsAdmin, dc.Admin = &member, &admin, &admin
			if d.Throttle != nil {
				th := *d.Throttle
				left := 5
				th.Remaining = &left
				dc.Throttle = &th
			}
			g.Details = &dc
		}
	}
	return res, nil
}

// roleOf is the fixture's membership (see newFixture), known without going
// through the counted Provider methods.
func roleOf(acct providers.Account, groupID string) (providers.Role, bool) {
	switch {
	case acct.UserID == "alice" && groupID != "pub2":
		return providers.RoleAdmin, true
	case acct.UserID == "bob" && (groupID == "pub" || groupID == "pub2"):
		return providers.RoleMember, true
	}
	return "", false
}

// scripted fails its first calls with the given errors, one per call, then
// hands calls to the wrapped provider. It counts every call.
type scripted struct {
	providers.Provider
	mu    sync.Mutex
	errs  []error
	calls int
}

func (s *scripted) next() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

func (s *scripted) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *scripted) Whoami(ctx context.Context, a providers.Account) (providers.User, error) {
	if err := s.next(); err != nil {
		return providers.User{}, err
	}
	return s.Provider.Whoami(ctx, a)
}

func (s *scripted) Memberships(ctx context.Context, a providers.Account) ([]providers.Membership, error) {
	if err := s.next(); err != nil {
		return nil, err
	}
	return s.Provider.Memberships(ctx, a)
}

func (s *scripted) GroupsByID(ctx context.Context, a providers.Account, ids []string) (map[string]*providers.Group, error) {
	if err := s.next(); err != nil {
		return nil, err
	}
	return s.Provider.GroupsByID(ctx, a, ids)
}

func (s *scripted) VisibleGroups(ctx context.Context, a providers.Account) ([]providers.Group, error) {
	if err := s.next(); err != nil {
		return nil, err
	}
	return s.Provider.VisibleGroups(ctx, a)
}

func (s *scripted) LeaveGroup(ctx context.Context, a providers.Account, id string, o providers.LeaveOptions) (providers.LeaveResult, error) {
	if err := s.next(); err != nil {
		return providers.LeaveResult{}, err
	}
	return s.Provider.LeaveGroup(ctx, a, id, o)
}

// retryAfterError is a platform error carrying Retry-After advice.
type retryAfterError struct{ wait time.Duration }

func (e retryAfterError) Error() string             { return "test: " + providers.ErrRateLimited.Error() }
func (e retryAfterError) Unwrap() error             { return providers.ErrRateLimited }
func (e retryAfterError) RetryAfter() time.Duration { return e.wait }

// fastOptions are Options for tests: short waits, no floor, breaker off.
func fastOptions() Options {
	return Options{
		MaxAttempts:     3,
		BaseDelay:       time.Millisecond,
		MaxDelay:        2 * time.Millisecond,
		RetryFloor:      100,
		BreakerFailures: -1,
	}
}

// recorder is an Observer that remembers what it was told.
type recorder struct {
	NopObserver
	mu          sync.Mutex
	retried     int
	refused     map[string]int
	transitions []string
	hits        int
	misses      int
	coalesced   int
	budget      int
}

func newRecorder() *recorder { return &recorder{refused: map[string]int{}} }

func (r *recorder) Retried(providers.Kind, string, int, time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retried++
}

func (r *recorder) RetryRefused(_ providers.Kind, _ string, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused[reason]++
}

func (r *recorder) BreakerStateChanged(_ providers.Kind, from, to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transitions = append(r.transitions, from+"→"+to)
}

func (r *recorder) CacheHits(_ providers.Kind, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits += n
}

func (r *recorder) CacheMisses(_ providers.Kind, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.misses += n
}

func (r *recorder) Coalesced(_ providers.Kind, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.coalesced += n
}

func (r *recorder) BudgetRefused(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.budget++
}

// redisURL returns REDIS_URL or skips the test.
func redisURL(t testing.TB) string {
	u := os.Getenv("REDIS_URL")
	if u == "" {
		t.Skip("REDIS_URL is not set; skipping the Redis variant")
	}
	return u
}
