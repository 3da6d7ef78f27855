// Package store keeps groupgraph's own state: viewers, their access tokens,
// the platform accounts they linked (with the credentials sealed), pending
// account-link states and the audit log of leaveGroup calls.
//
// One Store interface has two backends: SQLite, an embedded file under the
// data directory so that a single binary needs nothing installed, and
// PostgreSQL, for several instances sharing one database. Both run the same
// queries through database/sql; a dialect supplies what differs (placeholder
// syntax, column types, time encoding, the migration lock and how a unique
// violation is reported). Open picks the backend from its argument.
//
// The schema is versioned and embedded in the binary; Migrate brings a
// database up to date and is safe to run from several instances at once.
//
// Secrets never reach the database in the clear: access tokens are stored as
// SHA-256 hashes, and linked-account credentials and link-state secrets are
// sealed with the secrets.Keyring given in Options, bound to the row that
// holds them.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/providers"
)

// LinkStateTTL is how long a pending account link may wait for its callback.
const LinkStateTTL = 10 * time.Minute

// tokenTouchInterval bounds how often a token's last-used time is written:
// once a minute is plenty for people reading it, and it keeps ViewerByToken a
// read on almost every request.
const tokenTouchInterval = time.Minute

// Errors the store returns, to be told apart with errors.Is. ErrNotFound and
// ErrInvalid also match the domain's providers.ErrNotFound and
// providers.ErrInvalid, so a GraphQL error presenter maps them without
// knowing about the store.
var (
	// ErrNotFound: no such viewer, token, account or link state.
	ErrNotFound = fmt.Errorf("store: %w", providers.ErrNotFound)
	// ErrInvalid: an argument is unusable (an empty name, an unknown provider
	// or status).
	ErrInvalid = fmt.Errorf("store: %w", providers.ErrInvalid)
	// ErrConflict: the value must be unique and already exists (a viewer
	// name, a link-state key).
	ErrConflict = errors.New("store: already exists")
	// ErrExpired: the token or link state has expired.
	ErrExpired = errors.New("store: expired")
	// ErrRevoked: the token was revoked.
	ErrRevoked = errors.New("store: revoked")
)

// Store is everything groupgraph keeps. Implementations are safe for
// concurrent use; every method takes the caller's context.
type Store interface {
	// Migrate applies the embedded schema migrations the database lacks,
	// in order, each in its own transaction. It is idempotent, and safe to
	// call from several instances starting at once.
	Migrate(ctx context.Context) error
	// CheckSecrets verifies that the configured keyring can open every
	// sealed secret in the store: it fails, with a message telling the
	// operator what to set, when the store holds sealed secrets and no key is
	// configured, when secrets were sealed under a key ID the keyring lacks,
	// or when a key does not open the secrets sealed under its ID. Call it at
	// start, after Migrate.
	CheckSecrets(ctx context.Context) error
	// Ping reports whether the database answers, for readiness probes.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	// CreateViewer adds a viewer with a unique, non-empty name.
	CreateViewer(ctx context.Context, name string) (Viewer, error)
	// ViewerByID returns the viewer with the given ID.
	ViewerByID(ctx context.Context, id string) (Viewer, error)
	// ViewerByName returns the viewer with the given name.
	ViewerByName(ctx context.Context, name string) (Viewer, error)
	// LoadViewer returns the domain viewer with the given ID and its linked
	// accounts, credentials opened: what a request carries in its context.
	LoadViewer(ctx context.Context, id string) (*providers.Viewer, error)

	// CreateToken issues an access token for the viewer. The plaintext
	// token is returned once and never stored; a zero expiresAt means it
	// does not expire.
	CreateToken(ctx context.Context, viewerID string, expiresAt time.Time) (token string, info Token, err error)
	// ViewerByToken returns the viewer a token belongs to: ErrNotFound for a
	// malformed or unknown token, ErrExpired or ErrRevoked for one that no
	// longer works. It records when the token was last used, at most once a
	// minute and on a best-effort basis.
	ViewerByToken(ctx context.Context, token string) (Viewer, error)
	// RevokeToken revokes the token with the given display prefix.
	// Revoking a revoked token is not an error.
	RevokeToken(ctx context.Context, prefix string) error
	// ListTokens lists the viewer's tokens, revoked and expired ones
	// included, oldest first.
	ListTokens(ctx context.Context, viewerID string) ([]Token, error)

	// UpsertAccount links the account to the viewer, replacing the
	// viewer's existing link to the same provider (a relink keeps the
	// account ID). acct.ID is ignored; the stored account is returned. The
	// credentials are sealed, so a keyring is required.
	UpsertAccount(ctx context.Context, viewerID string, acct providers.Account) (providers.Account, error)
	// Accounts returns the viewer's linked accounts with their credentials
	// opened, in providers.Kinds order, whatever their status.
	Accounts(ctx context.Context, viewerID string) ([]providers.Account, error)
	// LinkedAccounts describes the viewer's linked accounts (status, link
	// times) without opening their credentials, in providers.Kinds order.
	LinkedAccounts(ctx context.Context, viewerID string) ([]LinkedAccount, error)
	// UpdateCredentials replaces an account's credentials after a provider
	// renewed them, and marks it ACTIVE since they evidently work. acct is
	// the account as the renewal found it: its ID and platform user must
	// still match the stored link, else nothing is written and the error
	// wraps ErrNotFound (it was unlinked, or relinked to another user).
	UpdateCredentials(ctx context.Context, acct providers.Account, c providers.Credentials) error
	// SetAccountStatus records an account's status, for example
	// NEEDS_RELINK after its platform rejected the credentials.
	SetAccountStatus(ctx context.Context, accountID string, status AccountStatus) error
	// DeleteAccount unlinks the viewer's account. The viewer ID is part of
	// the key so that nobody unlinks another viewer's account.
	DeleteAccount(ctx context.Context, viewerID, accountID string) error

	// SaveLinkState records a pending account link under key: the OAuth
	// state, the request token or the frob the platform's callback will
	// carry. Only a hash of the key is stored and st.Secret is sealed.
	// CreatedAt and ExpiresAt are set from the store's clock and
	// LinkStateTTL; expired states are purged on the way.
	SaveLinkState(ctx context.Context, key string, st LinkState) (LinkState, error)
	// ConsumeLinkState removes and returns the pending link saved under
	// provider and key. It succeeds at most once per state, even under
	// concurrent callers; an expired state is removed and reported as
	// ErrExpired.
	ConsumeLinkState(ctx context.Context, provider providers.Kind, key string) (LinkState, error)

	// AppendAudit records a leaveGroup call. A zero At means now.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// ListAudit returns the viewer's most recent audit entries, newest
	// first, at most limit (0 means 100).
	ListAudit(ctx context.Context, viewerID string, limit int) ([]AuditEntry, error)

	// RotateKey re-seals, in one transaction, every secret not sealed under
	// the keyring's current key, and returns how many it re-sealed. After it,
	// older keys can be dropped from the keyring.
	RotateKey(ctx context.Context) (int, error)
}

// Options configure a store.
type Options struct {
	// Keyring seals and opens credentials and link-state secrets. A store
	// without one still serves viewers, tokens and the audit log, and
	// refuses with secrets.ErrNoKey whatever needs a key.
	Keyring *secrets.Keyring
	// Now is the clock; nil means time.Now. Tests set it to control expiry.
	Now func() time.Time
	// MaxConns caps the PostgreSQL connection pool; 0 means 10. SQLite
	// ignores it.
	MaxConns int
}

// Viewer is a person who signs in to groupgraph.
type Viewer struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Token describes an access token; the token itself is never stored. Zero
// times mean "never" (LastUsedAt, ExpiresAt) or "not revoked" (RevokedAt).
type Token struct {
	// Prefix is the token's first characters, unique, safe to show and
	// accepted by RevokeToken.
	Prefix     string
	ViewerID   string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time
}

// Active reports whether the token still works at time now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// AccountStatus says whether a linked account's credentials work.
type AccountStatus string

// Account statuses, named as the GraphQL enum names them.
const (
	// StatusActive: the credentials are believed to work.
	StatusActive AccountStatus = "ACTIVE"
	// StatusNeedsRelink: the platform rejected the credentials; the viewer
	// must link the account again.
	StatusNeedsRelink AccountStatus = "NEEDS_RELINK"
)

// Valid reports whether s is a known status.
func (s AccountStatus) Valid() bool { return s == StatusActive || s == StatusNeedsRelink }

// LinkedAccount describes a linked account without its credentials, for
// showing to the viewer.
type LinkedAccount struct {
	ID          string
	ViewerID    string
	Provider    providers.Kind
	UserID      string
	DisplayName string
	Status      AccountStatus
	// LinkedAt is when the account was last linked (or relinked).
	LinkedAt time.Time
	// RefreshedAt is when its credentials last changed.
	RefreshedAt time.Time
}

// LinkState is a pending account link, between the redirect to a platform
// and its callback.
type LinkState struct {
	ViewerID string
	Provider providers.Kind
	// Secret is what the callback needs and nobody else may see: a PKCE
	// verifier, an OAuth 1.0a request-token secret, a frob. It is sealed at
	// rest; it may be empty.
	Secret string
	// ReturnURL is where to send the viewer when the link is done.
	ReturnURL string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEntry records one leaveGroup call.
type AuditEntry struct {
	// ID orders entries; the store assigns it.
	ID       int64
	ViewerID string
	Provider providers.Kind
	GroupID  string
	// Outcome is "OK" or the error code the caller got (NOT_A_MEMBER,
	// PROVIDER_UNAVAILABLE, …).
	Outcome string
	At      time.Time
}
