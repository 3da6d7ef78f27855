package main

import (
	"errors"
	"log/slog"

	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/store"
)

// newJWTAuthenticator returns the authenticator of the configured issuer's
// JWTs, or nil when none is configured. JWT verification is not built yet:
// a configured issuer is refused at start rather than silently ignored, so
// nobody believes their identity provider's tokens are accepted.
func newJWTAuthenticator(cfg config.JWT, _ store.Store, _ *slog.Logger) (auth.Authenticator, error) {
	if cfg.Issuer == "" {
		return nil, nil
	}
	return nil, errors.New("jwt: accepting an issuer's JWTs is not supported yet; remove jwt.issuer and use groupgraph access tokens")
}
