package store

import (
	"context"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// sinkWriteTimeout bounds the write of renewed credentials. The write is
// detached from the caller's context: see CredentialsRenewed.
const sinkWriteTimeout = 5 * time.Second

// CredentialSink keeps the credentials a provider renewed on its own (a
// refreshed OAuth2 token, a new Akana session) by writing them to the store.
type CredentialSink struct {
	store Store
}

var _ providers.CredentialSink = CredentialSink{}

// NewCredentialSink returns the providers.CredentialSink that writes to s.
func NewCredentialSink(s Store) CredentialSink { return CredentialSink{store: s} }

// CredentialsRenewed implements providers.CredentialSink. The write does not
// end with the request that caused the renewal: by now the platform has
// spent the old refresh token or session, so a client that hung up or a
// request deadline must not cost the account its only working credentials.
func (k CredentialSink) CredentialsRenewed(ctx context.Context, acct providers.Account, c providers.Credentials) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sinkWriteTimeout)
	defer cancel()
	return k.store.UpdateCredentials(wctx, acct, c)
}
