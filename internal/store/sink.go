package store

import (
	"context"

	"github.com/groupgraph/groupgraph/providers"
)

// CredentialSink keeps the credentials a provider renewed on its own (a
// refreshed OAuth2 token, a new Akana session) by writing them to the store.
type CredentialSink struct {
	store Store
}

var _ providers.CredentialSink = CredentialSink{}

// NewCredentialSink returns the providers.CredentialSink that writes to s.
func NewCredentialSink(s Store) CredentialSink { return CredentialSink{store: s} }

// CredentialsRenewed implements providers.CredentialSink.
func (k CredentialSink) CredentialsRenewed(ctx context.Context, acct providers.Account, c providers.Credentials) error {
	return k.store.UpdateCredentials(ctx, acct.ID, c)
}
