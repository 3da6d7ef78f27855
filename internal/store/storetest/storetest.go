// Package storetest is the behaviour every store.Store backend must show,
// as one test suite that each backend's tests run against an empty
// database of their own.
package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// Database is one empty database of the backend under test.
type Database struct {
	// Open returns a migrated store on the database; it may be called
	// several times, for example to reopen it with another keyring. The
	// store is closed when the test ends.
	Open func(t *testing.T, opts store.Options) store.Store
	// Raw returns every byte the database holds (files, or every row of
	// every table), for the checks that no secret is stored in the clear.
	Raw func(t *testing.T) []byte
	// Exec runs a statement without arguments directly on the database,
	// behind the store's back, to tamper with rows.
	Exec func(t *testing.T, statement string)
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at a fixed, arbitrary instant.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Keyring returns a keyring of fixed test keys named by ids, the first
// current. The same id always gives the same key.
func Keyring(t *testing.T, ids ...string) *secrets.Keyring {
	t.Helper()
	var keys []secrets.Key
	for _, id := range ids {
		material := bytes.Repeat([]byte(id+"-"), secrets.KeySize)[:secrets.KeySize]
		keys = append(keys, secrets.Key{ID: id, Material: material})
	}
	kr, err := secrets.NewKeyring(keys...)
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	return kr
}

// Run runs the suite. newDB returns a new, empty database each time it is
// called.
func Run(t *testing.T, newDB func(t *testing.T) Database) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db Database)
	}{
		{"Migrate", testMigrate},
		{"Viewers", testViewers},
		{"Tokens", testTokens},
		{"Accounts", testAccounts},
		{"LinkStates", testLinkStates},
		{"Audit", testAudit},
		{"Keys", testKeys},
		{"NoPlaintextAtRest", testNoPlaintext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newDB(t)) })
	}
}

type env struct {
	s     store.Store
	clock *Clock
	ctx   context.Context
}

func open(t *testing.T, db Database, keyIDs ...string) env {
	t.Helper()
	clock := NewClock()
	opts := store.Options{Now: clock.Now}
	if len(keyIDs) > 0 {
		opts.Keyring = Keyring(t, keyIDs...)
	}
	return env{s: db.Open(t, opts), clock: clock, ctx: t.Context()}
}

func (e env) viewer(t *testing.T, name string) store.Viewer {
	t.Helper()
	v, err := e.s.CreateViewer(e.ctx, name)
	if err != nil {
		t.Fatalf("CreateViewer(%q): %v", name, err)
	}
	return v
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func testMigrate(t *testing.T, db Database) {
	e := open(t, db)
	t.Run("migrating again changes nothing", func(t *testing.T) {
		e.viewer(t, "ada")
		if err := e.s.Migrate(e.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.ViewerByName(e.ctx, "ada"); err != nil {
			t.Fatalf("viewer lost after a second Migrate: %v", err)
		}
	})
	t.Run("instances starting together migrate once", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			s := db.Open(t, store.Options{})
			wg.Go(func() { errs <- s.Migrate(t.Context()) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Migrate: %v", err)
			}
		}
	})
	t.Run("the database answers pings", func(t *testing.T) {
		if err := e.s.Ping(e.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func testViewers(t *testing.T, db Database) {
	e := open(t, db)
	ada := e.viewer(t, "ada")

	t.Run("a viewer is found by ID and by name", func(t *testing.T) {
		byID, err := e.s.ViewerByID(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		byName, err := e.s.ViewerByName(e.ctx, "ada")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ada, byID); diff != "" {
			t.Fatalf("ViewerByID (-created +read):\n%s", diff)
		}
		if diff := cmp.Diff(ada, byName); diff != "" {
			t.Fatalf("ViewerByName (-created +read):\n%s", diff)
		}
		if !ada.CreatedAt.Equal(e.clock.Now()) {
			t.Fatalf("CreatedAt = %v, want the clock's %v", ada.CreatedAt, e.clock.Now())
		}
	})
	t.Run("a taken name is a conflict", func(t *testing.T) {
		_, err := e.s.CreateViewer(e.ctx, "ada")
		wantErr(t, err, store.ErrConflict)
	})
	t.Run("an empty name is invalid", func(t *testing.T) {
		_, err := e.s.CreateViewer(e.ctx, "  ")
		wantErr(t, err, store.ErrInvalid)
		wantErr(t, err, providers.ErrInvalid)
	})
	t.Run("an unknown viewer is not found", func(t *testing.T) {
		_, err := e.s.ViewerByID(e.ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, err, providers.ErrNotFound)
		_, err = e.s.ViewerByName(e.ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("a viewer loads as the domain viewer", func(t *testing.T) {
		v, err := e.s.LoadViewer(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&providers.Viewer{ID: ada.ID, Name: "ada"}, v); diff != "" {
			t.Fatalf("LoadViewer (-want +got):\n%s", diff)
		}
	})
}

func testTokens(t *testing.T, db Database) {
	e := open(t, db)
	ada := e.viewer(t, "ada")
	tok, info, err := e.s.CreateToken(e.ctx, ada.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a new token is well formed and described", func(t *testing.T) {
		if err := secrets.CheckToken(tok); err != nil {
			t.Fatal(err)
		}
		want := store.Token{Prefix: secrets.DisplayPrefix(tok), ViewerID: ada.ID, CreatedAt: e.clock.Now()}
		if diff := cmp.Diff(want, info); diff != "" {
			t.Fatalf("token info (-want +got):\n%s", diff)
		}
	})
	t.Run("a token resolves to its viewer", func(t *testing.T) {
		v, err := e.s.ViewerByToken(e.ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ada, v); diff != "" {
			t.Fatalf("ViewerByToken (-want +got):\n%s", diff)
		}
	})
	t.Run("use is recorded at most once a minute", func(t *testing.T) {
		first := e.clock.Now()
		e.clock.Advance(30 * time.Second)
		if _, err := e.s.ViewerByToken(e.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(t, e, ada.ID); !got.Equal(first) {
			t.Fatalf("LastUsedAt = %v after 30s, want still %v", got, first)
		}
		e.clock.Advance(31 * time.Second)
		if _, err := e.s.ViewerByToken(e.ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(t, e, ada.ID); !got.Equal(e.clock.Now()) {
			t.Fatalf("LastUsedAt = %v after 61s, want %v", got, e.clock.Now())
		}
	})
	t.Run("unknown and malformed tokens are not found", func(t *testing.T) {
		other, _ := secrets.NewToken()
		for _, s := range []string{other, "", "ggp_", tok + "x", strings.ToUpper(tok), "Bearer " + tok} {
			_, err := e.s.ViewerByToken(e.ctx, s)
			wantErr(t, err, store.ErrNotFound)
		}
	})
	t.Run("an expired token is refused", func(t *testing.T) {
		exp, _, err := e.s.CreateToken(e.ctx, ada.ID, e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.ViewerByToken(e.ctx, exp); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		e.clock.Advance(time.Hour)
		_, err = e.s.ViewerByToken(e.ctx, exp)
		wantErr(t, err, store.ErrExpired)
	})
	t.Run("an expiry in the past is invalid", func(t *testing.T) {
		_, _, err := e.s.CreateToken(e.ctx, ada.ID, e.clock.Now().Add(-time.Second))
		wantErr(t, err, store.ErrInvalid)
	})
	t.Run("a token for an unknown viewer is refused", func(t *testing.T) {
		_, _, err := e.s.CreateToken(e.ctx, "nobody", time.Time{})
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("a revoked token is refused", func(t *testing.T) {
		rev, info, err := e.s.CreateToken(e.ctx, ada.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.RevokeToken(e.ctx, info.Prefix); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.ViewerByToken(e.ctx, rev)
		wantErr(t, err, store.ErrRevoked)
		if err := e.s.RevokeToken(e.ctx, info.Prefix); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if _, err := e.s.ViewerByToken(e.ctx, tok); err != nil {
			t.Fatalf("revoking one token broke another: %v", err)
		}
	})
	t.Run("revoking an unknown prefix is not found", func(t *testing.T) {
		wantErr(t, e.s.RevokeToken(e.ctx, "ggp_zzzzzzzz"), store.ErrNotFound)
		wantErr(t, e.s.RevokeToken(e.ctx, "zz"), store.ErrInvalid)
	})
	t.Run("tokens are listed oldest first with their state", func(t *testing.T) {
		list, err := e.s.ListTokens(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].Prefix != info.Prefix {
			t.Fatalf("ListTokens = %+v", list)
		}
		now := e.clock.Now()
		if !list[0].Active(now) || list[1].Active(now) || list[2].Active(now) {
			t.Fatalf("active flags wrong: %+v", list)
		}
		if list[2].RevokedAt.IsZero() || list[1].ExpiresAt.IsZero() {
			t.Fatalf("revocation or expiry not listed: %+v", list)
		}
	})
}

func lastUsed(t *testing.T, e env, viewerID string) time.Time {
	t.Helper()
	list, err := e.s.ListTokens(e.ctx, viewerID)
	if err != nil || len(list) == 0 {
		t.Fatalf("ListTokens = %v, %v", list, err)
	}
	return list[0].LastUsedAt
}

func testAccounts(t *testing.T, db Database) {
	e := open(t, db, "k1")
	ada, bob := e.viewer(t, "ada"), e.viewer(t, "bob")
	expiry := e.clock.Now().Add(time.Hour)
	in := providers.Account{
		ID: "ignored", Provider: providers.PageSeeder, UserID: "m42", DisplayName: "Ada L.",
		Credentials: providers.Credentials{Token: "access-1", RefreshToken: "refresh-1", Expiry: expiry},
	}
	acct, err := e.s.UpsertAccount(e.ctx, ada.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	flickr, err := e.s.UpsertAccount(e.ctx, ada.ID, providers.Account{
		Provider: providers.Flickr, UserID: "12@N01", Credentials: providers.Credentials{Token: "ft", Secret: "fs"},
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("an account round trips with its credentials", func(t *testing.T) {
		if acct.ID == "" || acct.ID == "ignored" {
			t.Fatalf("account ID = %q, want a new one", acct.ID)
		}
		got, err := e.s.Accounts(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []providers.Account{flickr, {ID: acct.ID, Provider: providers.PageSeeder, UserID: "m42", DisplayName: "Ada L.",
			Credentials: providers.Credentials{Token: "access-1", RefreshToken: "refresh-1", Expiry: expiry}}}
		if diff := cmp.Diff(want, got, cmp.Comparer(sameCredentials)); diff != "" {
			t.Fatalf("Accounts (-want +got):\n%s", diff)
		}
	})
	t.Run("the viewer loads with its accounts", func(t *testing.T) {
		v, err := e.s.LoadViewer(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := v.Account(providers.PageSeeder)
		if !ok || got.ID != acct.ID || got.Credentials.Token != "access-1" {
			t.Fatalf("LoadViewer account = %+v, %v", got, ok)
		}
	})
	t.Run("linked accounts describe status and times", func(t *testing.T) {
		got, err := e.s.LinkedAccounts(e.ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		want := []store.LinkedAccount{
			{ID: flickr.ID, ViewerID: ada.ID, Provider: providers.Flickr, UserID: "12@N01", Status: store.StatusActive, LinkedAt: now, RefreshedAt: now},
			{ID: acct.ID, ViewerID: ada.ID, Provider: providers.PageSeeder, UserID: "m42", DisplayName: "Ada L.", Status: store.StatusActive, LinkedAt: now, RefreshedAt: now},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("LinkedAccounts (-want +got):\n%s", diff)
		}
	})
	t.Run("rejected credentials mark the account for relinking", func(t *testing.T) {
		if err := e.s.SetAccountStatus(e.ctx, acct.ID, store.StatusNeedsRelink); err != nil {
			t.Fatal(err)
		}
		if got := linked(t, e, ada.ID, acct.ID); got.Status != store.StatusNeedsRelink {
			t.Fatalf("status = %s", got.Status)
		}
		wantErr(t, e.s.SetAccountStatus(e.ctx, acct.ID, "BROKEN"), store.ErrInvalid)
		wantErr(t, e.s.SetAccountStatus(e.ctx, "nope", store.StatusActive), store.ErrNotFound)
	})
	t.Run("renewed credentials are kept through the sink", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		sink := store.NewCredentialSink(e.s)
		renewed := providers.Credentials{Token: "access-2", RefreshToken: "refresh-2", Expiry: e.clock.Now().Add(time.Hour)}
		if err := sink.CredentialsRenewed(e.ctx, acct, renewed); err != nil {
			t.Fatal(err)
		}
		got := account(t, e, ada.ID, providers.PageSeeder)
		if !sameCredentials(got.Credentials, renewed) {
			t.Fatal("renewed credentials not stored")
		}
		l := linked(t, e, ada.ID, acct.ID)
		if l.Status != store.StatusActive || !l.RefreshedAt.Equal(e.clock.Now()) || l.LinkedAt.Equal(e.clock.Now()) {
			t.Fatalf("after renewal: %+v", l)
		}
		wantErr(t, e.s.UpdateCredentials(e.ctx, providers.Account{ID: "nope", UserID: "m42"}, renewed), store.ErrNotFound)
	})
	t.Run("renewed credentials are kept after the request that renewed them ended", func(t *testing.T) {
		// The platform has already spent the old refresh token or session:
		// if the new one is not written, the account is lost on restart
		// and on every other instance.
		ended, cancel := context.WithCancel(e.ctx)
		cancel()
		renewed := providers.Credentials{Token: "access-late", RefreshToken: "refresh-late", Expiry: e.clock.Now().Add(time.Hour)}
		if err := store.NewCredentialSink(e.s).CredentialsRenewed(ended, acct, renewed); err != nil {
			t.Fatalf("CredentialsRenewed with the request's context ended: %v", err)
		}
		if got := account(t, e, ada.ID, providers.PageSeeder); !sameCredentials(got.Credentials, renewed) {
			t.Fatal("the renewed credentials were lost with the request's context")
		}
	})
	t.Run("relinking keeps the account ID and replaces the rest", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		again, err := e.s.UpsertAccount(e.ctx, ada.ID, providers.Account{
			Provider: providers.PageSeeder, UserID: "m43", Credentials: providers.Credentials{Token: "access-3"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != acct.ID {
			t.Fatalf("relink ID = %s, want %s", again.ID, acct.ID)
		}
		got := account(t, e, ada.ID, providers.PageSeeder)
		if got.UserID != "m43" || got.Credentials.Token != "access-3" || got.Credentials.RefreshToken != "" {
			t.Fatalf("after relink: %+v / %s", got, got.Credentials.Token)
		}
		if l := linked(t, e, ada.ID, acct.ID); !l.LinkedAt.Equal(e.clock.Now()) {
			t.Fatalf("LinkedAt = %v, want %v", l.LinkedAt, e.clock.Now())
		}
	})
	t.Run("a renewal for the user the account held before a relink is not stored", func(t *testing.T) {
		// A request that loaded the account before it was relinked to
		// another platform user renews the old user's credentials: they
		// must not land in the relinked account, which would then act as
		// the old user.
		stale := providers.Credentials{Token: "access-m42", RefreshToken: "refresh-m42"}
		err := store.NewCredentialSink(e.s).CredentialsRenewed(e.ctx, acct, stale)
		wantErr(t, err, store.ErrNotFound)
		got := account(t, e, ada.ID, providers.PageSeeder)
		if got.UserID != "m43" || got.Credentials.Token != "access-3" {
			t.Fatalf("after a stale renewal the account is user %s with token %q, want m43 with access-3", got.UserID, got.Credentials.Token)
		}
	})
	t.Run("concurrent first links of one provider make one account", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				_, err := e.s.UpsertAccount(e.ctx, bob.ID, providers.Account{
					Provider: providers.Akana, UserID: "u", Credentials: providers.Credentials{Token: strings.Repeat("x", i)},
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent UpsertAccount: %v", err)
			}
		}
		if got, _ := e.s.Accounts(e.ctx, bob.ID); len(got) != 1 {
			t.Fatalf("bob has %d accounts, want 1", len(got))
		}
	})
	t.Run("another viewer cannot unlink the account", func(t *testing.T) {
		wantErr(t, e.s.DeleteAccount(e.ctx, bob.ID, acct.ID), store.ErrNotFound)
		if err := e.s.DeleteAccount(e.ctx, ada.ID, acct.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.s.Accounts(e.ctx, ada.ID); len(got) != 1 || got[0].Provider != providers.Flickr {
			t.Fatalf("after unlinking: %+v", got)
		}
		wantErr(t, e.s.DeleteAccount(e.ctx, ada.ID, acct.ID), store.ErrNotFound)
	})
	t.Run("bad accounts are refused", func(t *testing.T) {
		_, err := e.s.UpsertAccount(e.ctx, ada.ID, providers.Account{Provider: "myspace", UserID: "x"})
		wantErr(t, err, store.ErrInvalid)
		_, err = e.s.UpsertAccount(e.ctx, ada.ID, providers.Account{Provider: providers.Flickr})
		wantErr(t, err, store.ErrInvalid)
		_, err = e.s.UpsertAccount(e.ctx, "nobody", providers.Account{Provider: providers.Flickr, UserID: "x"})
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("a credentials blob moved to another row does not open", func(t *testing.T) {
		db.Exec(t, "UPDATE accounts SET credentials = (SELECT credentials FROM accounts WHERE id = '"+flickr.ID+
			"') WHERE viewer_id = '"+bob.ID+"'")
		_, err := e.s.Accounts(e.ctx, bob.ID)
		wantErr(t, err, secrets.ErrAuthentication)
		if got, err := e.s.Accounts(e.ctx, ada.ID); err != nil || got[0].Credentials.Secret != "fs" {
			t.Fatalf("the source row broke: %v", err)
		}
	})
	t.Run("without a key nothing is linked", func(t *testing.T) {
		keyless := db.Open(t, store.Options{})
		_, err := keyless.UpsertAccount(e.ctx, ada.ID, providers.Account{Provider: providers.Upcoming, UserID: "x"})
		wantErr(t, err, secrets.ErrNoKey)
		_, err = keyless.Accounts(e.ctx, ada.ID)
		wantErr(t, err, secrets.ErrNoKey)
	})
}

func sameCredentials(a, b providers.Credentials) bool {
	return a.Token == b.Token && a.Secret == b.Secret && a.RefreshToken == b.RefreshToken && a.Expiry.Equal(b.Expiry)
}

func account(t *testing.T, e env, viewerID string, k providers.Kind) providers.Account {
	t.Helper()
	accts, err := e.s.Accounts(e.ctx, viewerID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Provider == k {
			return a
		}
	}
	t.Fatalf("no %s account", k)
	return providers.Account{}
}

func linked(t *testing.T, e env, viewerID, accountID string) store.LinkedAccount {
	t.Helper()
	list, err := e.s.LinkedAccounts(e.ctx, viewerID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.ID == accountID {
			return a
		}
	}
	t.Fatalf("no account %s", accountID)
	return store.LinkedAccount{}
}

func testLinkStates(t *testing.T, db Database) {
	e := open(t, db, "k1")
	ada := e.viewer(t, "ada")
	save := func(t *testing.T, key string, st store.LinkState) store.LinkState {
		t.Helper()
		st.ViewerID = ada.ID
		saved, err := e.s.SaveLinkState(e.ctx, key, st)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}

	t.Run("a state is consumed once with its secret", func(t *testing.T) {
		saved := save(t, "state-1", store.LinkState{Provider: providers.PageSeeder, Secret: "pkce-verifier", ReturnURL: "https://app.example/done"})
		want := store.LinkState{ViewerID: ada.ID, Provider: providers.PageSeeder, Secret: "pkce-verifier",
			ReturnURL: "https://app.example/done", CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(store.LinkStateTTL)}
		if diff := cmp.Diff(want, saved); diff != "" {
			t.Fatalf("SaveLinkState (-want +got):\n%s", diff)
		}
		got, err := e.s.ConsumeLinkState(e.ctx, providers.PageSeeder, "state-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("ConsumeLinkState (-want +got):\n%s", diff)
		}
		_, err = e.s.ConsumeLinkState(e.ctx, providers.PageSeeder, "state-1")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("a state without a secret works", func(t *testing.T) {
		save(t, "frob-1", store.LinkState{Provider: providers.Upcoming})
		got, err := e.s.ConsumeLinkState(e.ctx, providers.Upcoming, "frob-1")
		if err != nil || got.Secret != "" || got.ViewerID != ada.ID {
			t.Fatalf("ConsumeLinkState = %+v, %v", got, err)
		}
	})
	t.Run("a state belongs to its provider", func(t *testing.T) {
		save(t, "shared-key", store.LinkState{Provider: providers.Flickr, Secret: "s"})
		_, err := e.s.ConsumeLinkState(e.ctx, providers.PageSeeder, "shared-key")
		wantErr(t, err, store.ErrNotFound)
		if _, err := e.s.ConsumeLinkState(e.ctx, providers.Flickr, "shared-key"); err != nil {
			t.Fatalf("the right provider cannot consume it: %v", err)
		}
	})
	t.Run("a state expires after ten minutes", func(t *testing.T) {
		save(t, "late", store.LinkState{Provider: providers.Flickr, Secret: "s"})
		save(t, "in-time", store.LinkState{Provider: providers.Flickr, Secret: "s"})
		e.clock.Advance(store.LinkStateTTL - time.Second)
		if _, err := e.s.ConsumeLinkState(e.ctx, providers.Flickr, "in-time"); err != nil {
			t.Fatalf("just before expiry: %v", err)
		}
		e.clock.Advance(time.Second)
		_, err := e.s.ConsumeLinkState(e.ctx, providers.Flickr, "late")
		wantErr(t, err, store.ErrExpired)
		_, err = e.s.ConsumeLinkState(e.ctx, providers.Flickr, "late")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("a key cannot be saved twice", func(t *testing.T) {
		save(t, "dup", store.LinkState{Provider: providers.Flickr})
		_, err := e.s.SaveLinkState(e.ctx, "dup", store.LinkState{ViewerID: ada.ID, Provider: providers.Flickr})
		wantErr(t, err, store.ErrConflict)
	})
	t.Run("an incomplete state is invalid", func(t *testing.T) {
		_, err := e.s.SaveLinkState(e.ctx, "", store.LinkState{ViewerID: ada.ID, Provider: providers.Flickr})
		wantErr(t, err, store.ErrInvalid)
		_, err = e.s.SaveLinkState(e.ctx, "k", store.LinkState{ViewerID: ada.ID})
		wantErr(t, err, store.ErrInvalid)
	})
	t.Run("concurrent callbacks consume a state exactly once", func(t *testing.T) {
		for round := range 5 {
			key := "race-" + string(rune('a'+round))
			save(t, key, store.LinkState{Provider: providers.PageSeeder, Secret: "v"})
			const callers = 12
			var wg sync.WaitGroup
			results := make(chan error, callers)
			for range callers {
				wg.Go(func() {
					_, err := e.s.ConsumeLinkState(e.ctx, providers.PageSeeder, key)
					results <- err
				})
			}
			wg.Wait()
			close(results)
			won := 0
			for err := range results {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrNotFound):
					t.Fatalf("a losing caller got %v, want ErrNotFound", err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d callers consumed the state, want 1", round, won)
			}
		}
	})
}

func testAudit(t *testing.T, db Database) {
	e := open(t, db)
	ada, bob := e.viewer(t, "ada"), e.viewer(t, "bob")
	var appended []store.AuditEntry
	for i, outcome := range []string{"OK", "NOT_A_MEMBER", "PROVIDER_UNAVAILABLE"} {
		e.clock.Advance(time.Second)
		entry, err := e.s.AppendAudit(e.ctx, store.AuditEntry{ViewerID: ada.ID, Provider: providers.Flickr, GroupID: "g" + string(rune('1'+i)), Outcome: outcome})
		if err != nil {
			t.Fatal(err)
		}
		appended = append(appended, entry)
	}
	if _, err := e.s.AppendAudit(e.ctx, store.AuditEntry{ViewerID: bob.ID, Provider: providers.Akana, GroupID: "x", Outcome: "OK"}); err != nil {
		t.Fatal(err)
	}

	t.Run("entries are listed newest first, for the viewer only", func(t *testing.T) {
		got, err := e.s.ListAudit(e.ctx, ada.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.AuditEntry{appended[2], appended[1], appended[0]}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("ListAudit (-want +got):\n%s", diff)
		}
		if !got[0].At.Equal(e.clock.Now()) || got[0].ID <= got[1].ID {
			t.Fatalf("time or order wrong: %+v", got)
		}
	})
	t.Run("the limit keeps the newest", func(t *testing.T) {
		got, _ := e.s.ListAudit(e.ctx, ada.ID, 1)
		if len(got) != 1 || got[0].Outcome != "PROVIDER_UNAVAILABLE" {
			t.Fatalf("ListAudit limit 1 = %+v", got)
		}
	})
	t.Run("incomplete entries are invalid", func(t *testing.T) {
		_, err := e.s.AppendAudit(e.ctx, store.AuditEntry{ViewerID: ada.ID, Provider: providers.Flickr})
		wantErr(t, err, store.ErrInvalid)
		_, err = e.s.AppendAudit(e.ctx, store.AuditEntry{ViewerID: "nobody", Provider: providers.Flickr, Outcome: "OK"})
		wantErr(t, err, store.ErrNotFound)
	})
}

func testKeys(t *testing.T, db Database) {
	ctx := t.Context()
	t.Run("an empty store needs no key", func(t *testing.T) {
		if err := db.Open(t, store.Options{}).CheckSecrets(ctx); err != nil {
			t.Fatal(err)
		}
	})

	old := open(t, db, "old")
	ada := old.viewer(t, "ada")
	// Every reopened store shares old's clock, or the link state would look
	// expired (or not yet created) to it.
	with := func(kr *secrets.Keyring) store.Options { return store.Options{Keyring: kr, Now: old.clock.Now} }
	for _, k := range []providers.Kind{providers.Flickr, providers.Akana} {
		if _, err := old.s.UpsertAccount(ctx, ada.ID, providers.Account{Provider: k, UserID: "u", Credentials: providers.Credentials{Token: "tok-" + string(k)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.s.SaveLinkState(ctx, "st", store.LinkState{ViewerID: ada.ID, Provider: providers.PageSeeder, Secret: "verifier"}); err != nil {
		t.Fatal(err)
	}

	t.Run("the sealing key passes the check", func(t *testing.T) {
		if err := old.s.CheckSecrets(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("starting without a key fails with a clear message", func(t *testing.T) {
		err := db.Open(t, with(nil)).CheckSecrets(ctx)
		wantErr(t, err, secrets.ErrNoKey)
		for _, want := range []string{"3 sealed secret", secrets.EnvKey, "old"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q does not mention %q", err, want)
			}
		}
	})
	t.Run("starting with only a new key names the missing one", func(t *testing.T) {
		err := db.Open(t, with(Keyring(t, "new"))).CheckSecrets(ctx)
		wantErr(t, err, secrets.ErrUnknownKey)
		if !strings.Contains(err.Error(), "old") {
			t.Fatalf("message %q does not name the key", err)
		}
	})
	t.Run("a different key under the same id fails the check", func(t *testing.T) {
		impostor, _ := secrets.NewKeyring(secrets.Key{ID: "old", Material: bytes.Repeat([]byte{7}, secrets.KeySize)})
		err := db.Open(t, with(impostor)).CheckSecrets(ctx)
		wantErr(t, err, secrets.ErrAuthentication)
	})
	t.Run("rotation re-seals everything under the new key", func(t *testing.T) {
		both := db.Open(t, with(Keyring(t, "new", "old")))
		if err := both.CheckSecrets(ctx); err != nil {
			t.Fatalf("old blobs do not open with the old key listed second: %v", err)
		}
		n, err := both.RotateKey(ctx)
		if err != nil || n != 3 {
			t.Fatalf("RotateKey = %d, %v; want 3", n, err)
		}
		if n, err := both.RotateKey(ctx); err != nil || n != 0 {
			t.Fatalf("second RotateKey = %d, %v; want 0", n, err)
		}
		onlyNew := db.Open(t, with(Keyring(t, "new")))
		if err := onlyNew.CheckSecrets(ctx); err != nil {
			t.Fatalf("after rotation the old key is still needed: %v", err)
		}
		accts, err := onlyNew.Accounts(ctx, ada.ID)
		if err != nil || len(accts) != 2 || accts[0].Credentials.Token != "tok-flickr" || accts[1].Credentials.Token != "tok-akana" {
			t.Fatalf("after rotation: %+v, %v", accts, err)
		}
		st, err := onlyNew.ConsumeLinkState(ctx, providers.PageSeeder, "st")
		if err != nil || st.Secret != "verifier" {
			t.Fatalf("link state after rotation: %+v, %v", st, err)
		}
	})
	t.Run("rotation without a key is refused", func(t *testing.T) {
		_, err := db.Open(t, with(nil)).RotateKey(ctx)
		wantErr(t, err, secrets.ErrNoKey)
	})
}

func testNoPlaintext(t *testing.T, db Database) {
	e := open(t, db, "k1")
	ada := e.viewer(t, "ada")
	tok, _, err := e.s.CreateToken(e.ctx, ada.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	creds := providers.Credentials{
		Token: "PLAINTEXT-ACCESS-TOKEN-5f1c", Secret: "PLAINTEXT-TOKEN-SECRET-9a2e", RefreshToken: "PLAINTEXT-REFRESH-TOKEN-7b3d",
	}
	if _, err := e.s.UpsertAccount(e.ctx, ada.ID, providers.Account{Provider: providers.Flickr, UserID: "1@N1", Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SaveLinkState(e.ctx, "PLAINTEXT-STATE-KEY-0c4f", store.LinkState{
		ViewerID: ada.ID, Provider: providers.PageSeeder, Secret: "PLAINTEXT-PKCE-VERIFIER-3e8a",
	}); err != nil {
		t.Fatal(err)
	}
	// Something must land so the check cannot pass on an empty dump.
	raw := db.Raw(t)
	for _, clear := range []string{"1@N1", secrets.DisplayPrefix(tok)} {
		if !bytes.Contains(raw, []byte(clear)) {
			t.Fatalf("the dump lacks %q, which is stored in the clear: it is not reading the database", clear)
		}
	}
	for _, secret := range []string{tok, tok[len(secrets.DisplayPrefix(tok)):], creds.Token, creds.Secret, creds.RefreshToken,
		"PLAINTEXT-STATE-KEY-0c4f", "PLAINTEXT-PKCE-VERIFIER-3e8a"} {
		for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), base64.StdEncoding.EncodeToString([]byte(secret))} {
			if bytes.Contains(raw, []byte(form)) || bytes.Contains(bytes.ToLower(raw), []byte(strings.ToLower(form))) {
				t.Errorf("the database holds a secret in the clear (%d bytes, starting %.8s…)", len(secret), secret)
			}
		}
	}
}
