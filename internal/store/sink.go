package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// sinkWriteTimeout bounds the write of renewed credentials. The write is
// detached from the caller's context: see CredentialsRenewed.
const sinkWriteTimeout = 5 * time.Second

// CredentialSink keeps the credentials a provider renewed on its own (a
// refreshed OAuth2 token, a new Akana session) by writing them to the store.
type CredentialSink struct {
	store  Store
	logger *slog.Logger
}

var _ providers.CredentialSink = CredentialSink{}

// NewCredentialSink returns the providers.CredentialSink that writes to s.
func NewCredentialSink(s Store) CredentialSink { return CredentialSink{store: s} }

// WithLogger returns the sink logging to l each renewal it could not store.
// The platforms' clients go on with the renewed credentials whatever the
// sink answers, so the log is where an operator learns that an account will
// need relinking after a restart or on another instance.
func (k CredentialSink) WithLogger(l *slog.Logger) CredentialSink {
	k.logger = l
	return k
}

// CredentialsRenewed implements providers.CredentialSink. The write does not
// end with the request that caused the renewal: by now the platform has
// spent the old refresh token or session, so a client that hung up or a
// request deadline must not cost the account its only working credentials.
func (k CredentialSink) CredentialsRenewed(ctx context.Context, acct providers.Account, c providers.Credentials) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sinkWriteTimeout)
	defer cancel()
	err := k.store.UpdateCredentials(wctx, acct, c)
	switch {
	case err == nil || k.logger == nil:
	case errors.Is(err, ErrNotFound):
		k.logger.WarnContext(ctx, "renewed credentials not stored: the account was removed or relinked meanwhile",
			"provider", acct.Provider, "account", acct.ID)
	default:
		k.logger.ErrorContext(ctx, "renewed credentials could not be stored: the account may need relinking after a restart",
			"provider", acct.Provider, "account", acct.ID, "error", err)
	}
	return err
}
