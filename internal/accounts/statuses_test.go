package accounts_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/store/storetest"
	"github.com/groupgraph/groupgraph/providers"
)

// counting is a store that counts the reads and writes of account statuses.
type counting struct {
	store.Store
	reads, writes atomic.Int64
}

func (c *counting) LinkedAccounts(ctx context.Context, viewerID string) ([]store.LinkedAccount, error) {
	c.reads.Add(1)
	return c.Store.LinkedAccounts(ctx, viewerID)
}

func (c *counting) SetAccountStatus(ctx context.Context, id string, st store.AccountStatus) error {
	c.writes.Add(1)
	return c.Store.SetAccountStatus(ctx, id, st)
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// linkedViewer opens a store with one viewer linked to Flickr and returns
// it, the account and a context carrying the viewer.
func linkedViewer(t *testing.T) (*counting, providers.Account, context.Context) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{Keyring: storetest.Keyring(t, "k1")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := st.CreateViewer(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.UpsertAccount(ctx, v.ID, providers.Account{Provider: providers.Flickr, UserID: "1@N00", Credentials: providers.Credentials{Token: "t", Secret: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx = providers.NewContextWithViewer(ctx, &providers.Viewer{ID: v.ID, Accounts: []providers.Account{acct}})
	return &counting{Store: st}, acct, ctx
}

func storedStatus(t *testing.T, st store.Store, ctx context.Context) store.AccountStatus {
	t.Helper()
	v := providers.ViewerFromContext(ctx)
	las, err := st.LinkedAccounts(ctx, v.ID)
	if err != nil || len(las) != 1 {
		t.Fatalf("linked accounts: %v %v", las, err)
	}
	return las[0].Status
}

func TestStatusesKeepTheStoreOffTheHotPath(t *testing.T) {
	t.Run("a stream of successful calls reads the statuses once and writes nothing", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{})
		p := accounts.Decorate(&fake{}, st, statuses, nil)
		_, _ = p.Memberships(ctx, acct)
		statuses.WaitReads()
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { _, _ = p.Memberships(ctx, acct) })
		}
		wg.Wait()
		statuses.WaitReads()
		if r, w := st.reads.Load(), st.writes.Load(); r != 1 || w != 0 {
			t.Errorf("%d status reads and %d writes for 51 calls, want 1 and 0", r, w)
		}
	})
	t.Run("platforms sharing the statuses read a viewer's statuses once", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{})
		a := accounts.Decorate(&fake{}, st, statuses, nil)
		b := accounts.Decorate(&fake{}, st, statuses, nil)
		_, _ = a.Memberships(ctx, acct)
		statuses.WaitReads()
		_, _ = b.Memberships(ctx, acct)
		statuses.WaitReads()
		if r := st.reads.Load(); r != 1 {
			t.Errorf("%d reads, want 1", r)
		}
	})
}

func TestStatusesNoticeChanges(t *testing.T) {
	t.Run("a change made on this instance is seen at once, without a read", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{})
		f := &fake{}
		p := accounts.Decorate(f, st, statuses, nil)
		_, _ = p.Memberships(ctx, acct)
		statuses.WaitReads()

		f.err = providers.ErrUnauthenticated
		_, _ = p.Memberships(ctx, acct)
		if got := storedStatus(t, st, ctx); got != store.StatusNeedsRelink {
			t.Fatalf("stored status after a rejection = %s", got)
		}
		f.err = nil
		_, _ = p.Memberships(ctx, acct)
		if got := storedStatus(t, st, ctx); got != store.StatusActive {
			t.Errorf("stored status after the next success = %s, want ACTIVE", got)
		}
		// storedStatus reads through the counting store too: 1 warm-up, 2 checks.
		if r := st.reads.Load(); r != 3 {
			t.Errorf("%d reads, want only the warm-up's and the test's own two", r)
		}
	})
	t.Run("a change made by another instance is noticed once the TTL has passed, not before", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		here := accounts.NewStatuses(st, accounts.StatusOptions{Now: clk.now})
		p := accounts.Decorate(&fake{}, st, here, nil)
		v := providers.ViewerFromContext(ctx)
		_, _ = p.Memberships(ctx, acct)
		here.WaitReads()
		if got, ok := here.Status(ctx, v.ID, acct.ID); !ok || got != store.StatusActive {
			t.Fatalf("held status after warm-up = %q %v", got, ok)
		}

		// Another instance: its own decorator over the same store.
		other := accounts.Decorate(&fake{err: providers.ErrUnauthenticated}, st.Store, nil, nil)
		_, _ = other.Memberships(ctx, acct)

		clk.advance(accounts.StatusTTL - time.Second)
		if got, _ := here.Status(ctx, v.ID, acct.ID); got != store.StatusActive {
			t.Errorf("within the TTL the held status is %s, want the one held (ACTIVE)", got)
		}
		here.WaitReads()
		if r := st.reads.Load(); r != 1 {
			t.Errorf("%d reads within the TTL, want 1", r)
		}

		clk.advance(2 * time.Second)
		_, _ = here.Status(ctx, v.ID, acct.ID) // starts the read
		here.WaitReads()
		if got, _ := here.Status(ctx, v.ID, acct.ID); got != store.StatusNeedsRelink {
			t.Errorf("after the TTL the held status is %s, want NEEDS_RELINK", got)
		}
		// And the next success here marks the account ACTIVE again.
		_, _ = p.Memberships(ctx, acct)
		if got := storedStatus(t, st, ctx); got != store.StatusActive {
			t.Errorf("stored status after a success here = %s, want ACTIVE", got)
		}
	})
	t.Run("unlinking or linking drops what is held of the viewer", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{})
		svc := accounts.NewService(st, nil, nil).WithStatuses(statuses)
		v := providers.ViewerFromContext(ctx)
		_, _ = statuses.Status(ctx, v.ID, acct.ID)
		statuses.WaitReads()
		if err := svc.Unlink(ctx, v, acct.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := statuses.Status(ctx, v.ID, acct.ID); ok {
			t.Error("an unlinked account's status is still held")
		}
		statuses.WaitReads()
		relinked, err := svc.Link(ctx, v.ID, providers.Account{Provider: providers.Flickr, UserID: "1@N00", Credentials: providers.Credentials{Token: "t2", Secret: "s2"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := statuses.Status(ctx, v.ID, relinked.ID); ok {
			t.Error("the status held from before the link is still used")
		}
		statuses.WaitReads()
		if got, ok := statuses.Status(ctx, v.ID, relinked.ID); !ok || got != store.StatusActive {
			t.Errorf("after the read, the relinked account's status = %q %v, want ACTIVE", got, ok)
		}
	})
	t.Run("while the store fails, the statuses held stay in use", func(t *testing.T) {
		st, acct, ctx := linkedViewer(t)
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{Now: clk.now})
		v := providers.ViewerFromContext(ctx)
		_, _ = statuses.Status(ctx, v.ID, acct.ID)
		statuses.WaitReads()
		_ = st.Store.Close()
		clk.advance(2 * accounts.StatusTTL)
		_, _ = statuses.Status(ctx, v.ID, acct.ID) // a read that fails
		statuses.WaitReads()
		if got, ok := statuses.Status(ctx, v.ID, acct.ID); !ok || got != store.StatusActive {
			t.Errorf("held status after a failed read = %q %v, want ACTIVE", got, ok)
		}
	})
}

// The configuration file's viewers are not in the store: describing their
// accounts needs no store, so it works while the store is down.
func TestStaticViewersNeedNoStore(t *testing.T) {
	st, _, ctx := linkedViewer(t)
	_ = st.Store.Close()
	svc := accounts.NewService(st, nil, nil).WithStaticViewers("static-1")
	v := &providers.Viewer{ID: "static-1", Accounts: []providers.Account{{ID: "static-1-flickr", Provider: providers.Flickr, UserID: "9@N00"}}}
	got, err := svc.Linked(ctx, v)
	if err != nil || len(got) != 1 || got[0].UserID != "9@N00" {
		t.Fatalf("got %v, %v; want the viewer's one account", got, err)
	}
}

// records is a slog handler that keeps every record's level and message.
type records struct {
	mu  sync.Mutex
	got []string
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec.Level.String()+" "+rec.Message)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }

func (r *records) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestStaticViewersAccountsBehaveLikeStoredOnes(t *testing.T) {
	st, _, _ := linkedViewer(t)
	logs := &records{}
	logger := slog.New(logs)
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	statuses := accounts.NewStatuses(st, accounts.StatusOptions{Logger: logger, Now: clk.now})
	f := &fake{}
	p := accounts.Decorate(f, st, statuses, logger)
	svc := accounts.NewService(st, nil, logger).WithStatuses(statuses).WithStaticViewers("static-1")
	acct := providers.Account{ID: "static-1-flickr", Provider: providers.Flickr, UserID: "9@N00"}
	v := &providers.Viewer{ID: "static-1", Accounts: []providers.Account{acct}}
	ctx := providers.NewContextWithViewer(context.Background(), v)
	needsRelink := func() bool {
		t.Helper()
		got, err := svc.Linked(ctx, v)
		if err != nil || len(got) != 1 {
			t.Fatalf("linked: %v, %v", got, err)
		}
		return got[0].NeedsRelink
	}

	t.Run("rejected credentials mark the account NEEDS_RELINK", func(t *testing.T) {
		f.err = fmt.Errorf("flickr: %w", providers.ErrUnauthenticated)
		_, _ = p.Memberships(ctx, acct)
		if !needsRelink() {
			t.Fatal("the static account is not NEEDS_RELINK after PROVIDER_AUTH_FAILED")
		}
	})
	t.Run("the status outlives a later read of the store, which does not hold it", func(t *testing.T) {
		statuses.WaitReads()
		clk.advance(2 * accounts.StatusTTL)
		reads := st.reads.Load()
		needsRelink() // starts the read
		statuses.WaitReads()
		if st.reads.Load() == reads {
			t.Fatal("no read of the store happened")
		}
		if !needsRelink() {
			t.Fatal("the read of the store lost the status")
		}
	})
	t.Run("a leave is audited in the log, not as an error", func(t *testing.T) {
		st2, _, _ := linkedViewer(t)
		p := accounts.Decorate(&fake{}, st2, nil, logger)
		_, _ = p.LeaveGroup(ctx, acct, "42@N01", providers.LeaveOptions{})
		lines := logs.lines()
		if !slices.Contains(lines, "INFO audit: leave") {
			t.Errorf("log = %q, want the leave audited at info", lines)
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "ERROR") {
				t.Errorf("log has an error: %q", l)
			}
		}
	})
}
