package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/store/storetest"
	"github.com/groupgraph/groupgraph/providers"
)

func TestTokensAndChain(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock()
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := st.CreateViewer(ctx, "alice")
	good, _, _ := st.CreateToken(ctx, v.ID, time.Time{})
	short, _, _ := st.CreateToken(ctx, v.ID, clock.Now().Add(time.Hour))
	revoked, info, _ := st.CreateToken(ctx, v.ID, time.Time{})
	if err := st.RevokeToken(ctx, info.Prefix); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	// The good token with its last character changed: replacing it with a
	// fixed character would leave one token in the alphabet's size unchanged.
	last := good[len(good)-1]
	badChecksum := good[:len(good)-1] + map[bool]string{true: "b", false: "a"}[last == 'a']
	chain := auth.Chain{
		Tokens: auth.NewTokens(st),
		Static: auth.NewStatic(map[string]*providers.Viewer{"dev-token": {ID: "static-1", Name: "dev"}}),
	}
	for _, tc := range []struct {
		name, token, want string
	}{
		{"a store token resolves to its viewer", good, v.ID},
		{"an expired token is refused", short, ""},
		{"a revoked token is refused", revoked, ""},
		{"a malformed ggp_ token is refused", "ggp_notatoken", ""},
		{"a token with a bad checksum is refused", badChecksum, ""},
		{"a static development token still works", "dev-token", "static-1"},
		{"an unknown token is refused", "nope", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chain.Authenticate(ctx, tc.token)
			if tc.want == "" {
				if !errors.Is(err, auth.ErrInvalidToken) {
					t.Fatalf("err = %v, want ErrInvalidToken", err)
				}
				return
			}
			if err != nil || got.ID != tc.want {
				t.Fatalf("got %v, %v; want viewer %s", got, err, tc.want)
			}
		})
	}
}

// outageStore fails every token lookup with the store guard's error while
// down is set.
type outageStore struct {
	store.Store
	down bool
}

var errStoreDown = &dependency.Error{Dependency: "store", Err: context.DeadlineExceeded}

func (o *outageStore) ViewerByToken(ctx context.Context, token string) (store.Viewer, error) {
	if o.down {
		return store.Viewer{}, errStoreDown
	}
	return o.Store.ViewerByToken(ctx, token)
}

func (o *outageStore) LoadViewer(ctx context.Context, id string) (*providers.Viewer, error) {
	if o.down {
		return nil, errStoreDown
	}
	return o.Store.LoadViewer(ctx, id)
}

func TestTokensCheckedRecentlyWorkWhileTheStoreIsDown(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := st.CreateViewer(ctx, "alice")
	seen, _, _ := st.CreateToken(ctx, v.ID, time.Time{})
	unseen, _, _ := st.CreateToken(ctx, v.ID, time.Time{})
	revoked, info, _ := st.CreateToken(ctx, v.ID, time.Time{})
	o := &outageStore{Store: st}
	now := time.Now()
	tokens := auth.NewTokens(o)
	tokens.SetClock(func() time.Time { return now })
	for _, tok := range []string{seen, revoked} {
		if _, err := tokens.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RevokeToken(ctx, info.Prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, revoked); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("revoked token: err = %v", err)
	}
	o.down = true

	t.Run("a token checked before the outage still resolves to its viewer", func(t *testing.T) {
		got, err := tokens.Authenticate(ctx, seen)
		if err != nil || got.ID != v.ID {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("a token never checked here is unavailable, not invalid", func(t *testing.T) {
		_, err := tokens.Authenticate(ctx, unseen)
		if !errors.Is(err, dependency.ErrUnavailable) || errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("err = %v, want the store's unavailability", err)
		}
	})
	t.Run("a token last found revoked stays refused", func(t *testing.T) {
		if _, err := tokens.Authenticate(ctx, revoked); err == nil {
			t.Fatal("a revoked token was let in during the outage")
		}
	})
	t.Run("a token checked too long ago is unavailable", func(t *testing.T) {
		now = now.Add(auth.HeldTokenMaxAge + time.Second)
		if _, err := tokens.Authenticate(ctx, seen); !errors.Is(err, dependency.ErrUnavailable) {
			t.Fatalf("err = %v, want the store's unavailability", err)
		}
	})
}
