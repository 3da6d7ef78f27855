package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// Tokens authenticates groupgraph's own opaque access tokens ("ggp_…")
// against the store. The store looks a token up by its SHA-256 hash, so the
// token itself is never compared byte by byte (the lookup reveals nothing
// through timing about other tokens) and never stored.
//
// Every request asks the store, so that a token revoked anywhere stops
// working at once. What the store last answered for a token is held in
// memory (by the token's hash) for the time the store is unavailable: a
// token checked within HeldTokenMaxAge keeps working through an outage,
// while a token never seen on this instance cannot be checked and is
// answered STORE_UNAVAILABLE.
type Tokens struct {
	store store.Store
	now   func() time.Time

	mu   sync.Mutex
	held map[[32]byte]heldViewer
}

// HeldTokenMaxAge is how long after its last successful check a token keeps
// working while the store is unavailable.
const HeldTokenMaxAge = 10 * time.Minute

// maxHeldTokens bounds the memory of tokens: past it, it starts over.
const maxHeldTokens = 100_000

type heldViewer struct {
	viewer    *providers.Viewer
	checkedAt time.Time
}

// NewTokens returns the authenticator of the store's access tokens.
func NewTokens(s store.Store) *Tokens {
	return &Tokens{store: s, now: time.Now, held: map[[32]byte]heldViewer{}}
}

// Authenticate implements Authenticator: a malformed, unknown, expired or
// revoked token is ErrInvalidToken, whatever the reason, so a caller learns
// nothing about which tokens exist. Other failures (the database down) are
// reported as such, without the token.
func (t *Tokens) Authenticate(ctx context.Context, token string) (*providers.Viewer, error) {
	if secrets.CheckToken(token) != nil {
		return nil, ErrInvalidToken
	}
	key := sha256.Sum256([]byte(token))
	v, err := t.store.ViewerByToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		t.forget(key)
		return nil, ErrInvalidToken
	case err != nil:
		return t.fallBack(key, fmt.Errorf("auth: looking the token up: %w", err))
	}
	viewer, err := t.store.LoadViewer(ctx, v.ID)
	if err != nil {
		return t.fallBack(key, fmt.Errorf("auth: loading the viewer: %w", err))
	}
	t.mu.Lock()
	if len(t.held) >= maxHeldTokens {
		clear(t.held)
	}
	t.held[key] = heldViewer{viewer: viewer, checkedAt: t.now()}
	t.mu.Unlock()
	return viewer, nil
}

// fallBack answers, while the store is unavailable, with the viewer the
// token was last checked for, when that was recent enough; else with err.
func (t *Tokens) fallBack(key [32]byte, err error) (*providers.Viewer, error) {
	if !errors.Is(err, dependency.ErrUnavailable) {
		return nil, err
	}
	t.mu.Lock()
	h, ok := t.held[key]
	t.mu.Unlock()
	if !ok || t.now().Sub(h.checkedAt) > HeldTokenMaxAge {
		return nil, err
	}
	return h.viewer, nil
}

func (t *Tokens) forget(key [32]byte) {
	t.mu.Lock()
	delete(t.held, key)
	t.mu.Unlock()
}

// Chain tries authenticators by the shape of the token: a token with the
// "ggp_" prefix goes to Tokens, a token that looks like a JWT (three
// dot-separated parts) to JWT, anything else to Static, the development
// viewers of the configuration. A nil member is skipped; a token no member
// accepts is ErrInvalidToken.
type Chain struct {
	Tokens Authenticator
	JWT    Authenticator
	Static Authenticator
}

// Authenticate implements Authenticator.
func (c Chain) Authenticate(ctx context.Context, token string) (*providers.Viewer, error) {
	var next Authenticator
	switch {
	case strings.HasPrefix(token, secrets.TokenPrefix):
		next = c.Tokens
	case strings.Count(token, ".") == 2:
		next = c.JWT
	}
	if next == nil {
		next = c.Static
	}
	if next == nil {
		return nil, ErrInvalidToken
	}
	return next.Authenticate(ctx, token)
}
