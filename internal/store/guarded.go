package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/providers"
)

// DefaultTimeout bounds one call to a guarded store (a query or a short
// transaction): far above what a healthy PostgreSQL needs, far below a
// request's 15 s deadline.
const DefaultTimeout = 2 * time.Second

// GuardOptions configure Guard; the zero value is fine.
type GuardOptions struct {
	// Timeout bounds each call (default DefaultTimeout).
	Timeout time.Duration
	// Pause is how long calls are skipped after a failure (default
	// dependency.DefaultPause).
	Pause time.Duration
	// Logger receives the guard's changes of state.
	Logger *slog.Logger
	// Observer is the guard's Observer.
	Observer func(name string, up bool)
}

// Guarded is a Store whose every call on a request's path goes through a
// dependency.Guard named "store": it is bounded by the guard's timeout and,
// after the database failed, fails at once for a while with a
// *dependency.Error (errors.Is dependency.ErrUnavailable) instead of
// waiting for it. Writes that must not be lost when they can still land
// (credentials a platform has just rotated, a fresh link, an audit entry)
// are tried even then. Migrate, CheckSecrets, RotateKey and Close are not
// guarded: they run at start or from the CLI, and take as long as they take.
type Guarded struct {
	Store
	guard *dependency.Guard
}

// Guard returns s with its calls guarded as Guarded describes.
func Guard(s Store, opts GuardOptions) *Guarded {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	g := dependency.New(dependency.Options{
		Name: "store", Timeout: opts.Timeout, Pause: opts.Pause, Logger: opts.Logger, Observer: opts.Observer,
		IsFailure: isStoreFailure,
	})
	return &Guarded{Store: s, guard: g}
}

// Dependency returns the guard.
func (g *Guarded) Dependency() *dependency.Guard { return g.guard }

// isStoreFailure tells a failure of the database (a timeout, a refused or
// broken connection, a server error) from the store's answers: not found,
// a conflict, an expired or revoked token, a secret the keyring cannot open.
func isStoreFailure(err error) bool {
	for _, answer := range []error{ErrNotFound, ErrInvalid, ErrConflict, ErrExpired, ErrRevoked,
		secrets.ErrNoKey, secrets.ErrUnknownKey, secrets.ErrMalformed, secrets.ErrAuthentication, secrets.ErrMalformedToken} {
		if errors.Is(err, answer) {
			return false
		}
	}
	return true
}

func guarded[T any](ctx context.Context, g *Guarded, fn func(context.Context) (T, error)) (T, error) {
	var out T
	err := g.guard.Do(ctx, func(ctx context.Context) error {
		var err error
		out, err = fn(ctx)
		return err
	})
	return out, err
}

func guardedErr(ctx context.Context, g *Guarded, fn func(context.Context) error) error {
	return g.guard.Do(ctx, fn)
}

// Ping implements Store.
func (g *Guarded) Ping(ctx context.Context) error { return guardedErr(ctx, g, g.Store.Ping) }

// CreateViewer implements Store.
func (g *Guarded) CreateViewer(ctx context.Context, name string) (Viewer, error) {
	return guarded(ctx, g, func(ctx context.Context) (Viewer, error) { return g.Store.CreateViewer(ctx, name) })
}

// ViewerByID implements Store.
func (g *Guarded) ViewerByID(ctx context.Context, id string) (Viewer, error) {
	return guarded(ctx, g, func(ctx context.Context) (Viewer, error) { return g.Store.ViewerByID(ctx, id) })
}

// ViewerByName implements Store.
func (g *Guarded) ViewerByName(ctx context.Context, name string) (Viewer, error) {
	return guarded(ctx, g, func(ctx context.Context) (Viewer, error) { return g.Store.ViewerByName(ctx, name) })
}

// LoadViewer implements Store.
func (g *Guarded) LoadViewer(ctx context.Context, id string) (*providers.Viewer, error) {
	return guarded(ctx, g, func(ctx context.Context) (*providers.Viewer, error) { return g.Store.LoadViewer(ctx, id) })
}

// CreateToken implements Store.
func (g *Guarded) CreateToken(ctx context.Context, viewerID string, expiresAt time.Time) (string, Token, error) {
	var info Token
	tok, err := guarded(ctx, g, func(ctx context.Context) (string, error) {
		var (
			tok string
			err error
		)
		tok, info, err = g.Store.CreateToken(ctx, viewerID, expiresAt)
		return tok, err
	})
	return tok, info, err
}

// ViewerByToken implements Store.
func (g *Guarded) ViewerByToken(ctx context.Context, token string) (Viewer, error) {
	return guarded(ctx, g, func(ctx context.Context) (Viewer, error) { return g.Store.ViewerByToken(ctx, token) })
}

// RevokeToken implements Store.
func (g *Guarded) RevokeToken(ctx context.Context, prefix string) error {
	return guardedErr(ctx, g, func(ctx context.Context) error { return g.Store.RevokeToken(ctx, prefix) })
}

// ListTokens implements Store.
func (g *Guarded) ListTokens(ctx context.Context, viewerID string) ([]Token, error) {
	return guarded(ctx, g, func(ctx context.Context) ([]Token, error) { return g.Store.ListTokens(ctx, viewerID) })
}

// UpsertAccount implements Store. A link is tried even while the database
// recovers: the platform has just issued its credentials.
func (g *Guarded) UpsertAccount(ctx context.Context, viewerID string, acct providers.Account) (providers.Account, error) {
	return guarded(dependency.Urgent(ctx), g, func(ctx context.Context) (providers.Account, error) {
		return g.Store.UpsertAccount(ctx, viewerID, acct)
	})
}

// Accounts implements Store.
func (g *Guarded) Accounts(ctx context.Context, viewerID string) ([]providers.Account, error) {
	return guarded(ctx, g, func(ctx context.Context) ([]providers.Account, error) { return g.Store.Accounts(ctx, viewerID) })
}

// LinkedAccounts implements Store.
func (g *Guarded) LinkedAccounts(ctx context.Context, viewerID string) ([]LinkedAccount, error) {
	return guarded(ctx, g, func(ctx context.Context) ([]LinkedAccount, error) { return g.Store.LinkedAccounts(ctx, viewerID) })
}

// UpdateCredentials implements Store. It is tried even while the database
// recovers: the platform may already have spent the credentials replaced.
func (g *Guarded) UpdateCredentials(ctx context.Context, acct providers.Account, c providers.Credentials) error {
	return guardedErr(dependency.Urgent(ctx), g, func(ctx context.Context) error { return g.Store.UpdateCredentials(ctx, acct, c) })
}

// SetAccountStatus implements Store.
func (g *Guarded) SetAccountStatus(ctx context.Context, accountID string, status AccountStatus) error {
	return guardedErr(ctx, g, func(ctx context.Context) error { return g.Store.SetAccountStatus(ctx, accountID, status) })
}

// DeleteAccount implements Store.
func (g *Guarded) DeleteAccount(ctx context.Context, viewerID, accountID string) error {
	return guardedErr(ctx, g, func(ctx context.Context) error { return g.Store.DeleteAccount(ctx, viewerID, accountID) })
}

// SaveLinkState implements Store.
func (g *Guarded) SaveLinkState(ctx context.Context, key string, st LinkState) (LinkState, error) {
	return guarded(ctx, g, func(ctx context.Context) (LinkState, error) { return g.Store.SaveLinkState(ctx, key, st) })
}

// ConsumeLinkState implements Store.
func (g *Guarded) ConsumeLinkState(ctx context.Context, provider providers.Kind, key string) (LinkState, error) {
	return guarded(ctx, g, func(ctx context.Context) (LinkState, error) { return g.Store.ConsumeLinkState(ctx, provider, key) })
}

// AppendAudit implements Store. It is tried even while the database
// recovers: the leave it records has happened.
func (g *Guarded) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	return guarded(dependency.Urgent(ctx), g, func(ctx context.Context) (AuditEntry, error) { return g.Store.AppendAudit(ctx, e) })
}

// ListAudit implements Store.
func (g *Guarded) ListAudit(ctx context.Context, viewerID string, limit int) ([]AuditEntry, error) {
	return guarded(ctx, g, func(ctx context.Context) ([]AuditEntry, error) { return g.Store.ListAudit(ctx, viewerID, limit) })
}
