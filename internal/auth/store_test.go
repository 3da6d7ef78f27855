package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/auth"
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
