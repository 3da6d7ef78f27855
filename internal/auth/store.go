package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// Tokens authenticates groupgraph's own opaque access tokens ("ggp_…")
// against the store. The store looks a token up by its SHA-256 hash, so the
// token itself is never compared byte by byte (the lookup reveals nothing
// through timing about other tokens) and never stored.
type Tokens struct {
	store store.Store
}

// NewTokens returns the authenticator of the store's access tokens.
func NewTokens(s store.Store) *Tokens { return &Tokens{store: s} }

// Authenticate implements Authenticator: a malformed, unknown, expired or
// revoked token is ErrInvalidToken, whatever the reason, so a caller learns
// nothing about which tokens exist. Other failures (the database down) are
// reported as such, without the token.
func (t *Tokens) Authenticate(ctx context.Context, token string) (*providers.Viewer, error) {
	if secrets.CheckToken(token) != nil {
		return nil, ErrInvalidToken
	}
	v, err := t.store.ViewerByToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrRevoked):
		return nil, ErrInvalidToken
	case err != nil:
		return nil, fmt.Errorf("auth: looking the token up: %w", err)
	}
	viewer, err := t.store.LoadViewer(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: loading the viewer: %w", err)
	}
	return viewer, nil
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
