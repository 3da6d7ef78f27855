package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/providers"
)

// DB is the Store on a database/sql database, SQLite or PostgreSQL.
type DB struct {
	db   *sql.DB
	d    dialect
	keys *secrets.Keyring
	now  func() time.Time
}

var _ Store = (*DB)(nil)

func newDB(ctx context.Context, db *sql.DB, d dialect, opts Options) (*DB, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &DB{db: db, d: d, keys: opts.Keyring, now: now}
	if err := s.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Backend names the database: "sqlite" or "postgres".
func (s *DB) Backend() string { return s.d.name() }

// Ping implements Store.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: %s does not answer: %w", s.d.name(), err)
	}
	return nil
}

// Close implements Store.
func (s *DB) Close() error { return s.db.Close() }

// clock returns now at the precision both databases keep, in UTC, so what
// is written reads back equal.
func (s *DB) clock() time.Time { return norm(s.now()) }

func norm(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s *DB) exec(ctx context.Context, q execer, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, s.d.rebind(query), args...)
}

func (s *DB) query(ctx context.Context, q execer, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, s.d.rebind(query), args...)
}

func (s *DB) queryRow(ctx context.Context, q execer, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, s.d.rebind(query), args...)
}

// execer is what *sql.DB, *sql.Tx and *sql.Conn share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random 128-bit identifier: unguessable, so an ID seen in a
// response tells nothing about its neighbours.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return idEncoding.EncodeToString(b)
}

func rowsAffected(res sql.Result) int64 {
	n, err := res.RowsAffected()
	if err != nil {
		return -1
	}
	return n
}

// --- viewers ---

// CreateViewer implements Store.
func (s *DB) CreateViewer(ctx context.Context, name string) (Viewer, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Viewer{}, fmt.Errorf("%w: empty viewer name", ErrInvalid)
	}
	v := Viewer{ID: newID(), Name: name, CreatedAt: s.clock()}
	_, err := s.exec(ctx, s.db, `INSERT INTO viewers (id, name, created_at) VALUES (?, ?, ?)`,
		v.ID, v.Name, s.d.timeArg(v.CreatedAt))
	if s.d.isUniqueViolation(err) {
		return Viewer{}, fmt.Errorf("%w: viewer %q", ErrConflict, name)
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("store: creating viewer: %w", err)
	}
	return v, nil
}

// ViewerByID implements Store.
func (s *DB) ViewerByID(ctx context.Context, id string) (Viewer, error) {
	return s.viewerWhere(ctx, "id", id)
}

// ViewerByName implements Store.
func (s *DB) ViewerByName(ctx context.Context, name string) (Viewer, error) {
	return s.viewerWhere(ctx, "name", strings.TrimSpace(name))
}

func (s *DB) viewerWhere(ctx context.Context, column, value string) (Viewer, error) {
	var v Viewer
	err := s.queryRow(ctx, s.db, `SELECT id, name, created_at FROM viewers WHERE `+column+` = ?`, value).
		Scan(&v.ID, &v.Name, timeValue{&v.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Viewer{}, fmt.Errorf("%w: viewer", ErrNotFound)
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("store: reading viewer: %w", err)
	}
	return v, nil
}

// LoadViewer implements Store.
func (s *DB) LoadViewer(ctx context.Context, id string) (*providers.Viewer, error) {
	v, err := s.ViewerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	accts, err := s.Accounts(ctx, id)
	if err != nil {
		return nil, err
	}
	return &providers.Viewer{ID: v.ID, Name: v.Name, Accounts: accts}, nil
}

// --- access tokens ---

// CreateToken implements Store.
func (s *DB) CreateToken(ctx context.Context, viewerID string, expiresAt time.Time) (string, Token, error) {
	now := s.clock()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return "", Token{}, fmt.Errorf("%w: token expiry is in the past", ErrInvalid)
	}
	// A display prefix holds 40 random bits; retry the rare collision
	// rather than hand out a token that RevokeToken could not single out.
	for attempt := 0; ; attempt++ {
		tok, err := secrets.NewToken()
		if err != nil {
			return "", Token{}, err
		}
		info := Token{
			Prefix:    secrets.DisplayPrefix(tok),
			ViewerID:  viewerID,
			CreatedAt: now,
			ExpiresAt: norm(expiresAt),
		}
		_, err = s.exec(ctx, s.db, `INSERT INTO access_tokens (hash, prefix, viewer_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			secrets.HashToken(tok), info.Prefix, viewerID, s.d.timeArg(now), s.d.timeArg(info.ExpiresAt))
		switch {
		case err == nil:
			return tok, info, nil
		case s.d.isUniqueViolation(err) && attempt < 3:
			continue
		case s.viewerMissing(ctx, viewerID, err):
			return "", Token{}, fmt.Errorf("%w: viewer", ErrNotFound)
		default:
			return "", Token{}, fmt.Errorf("store: creating token: %w", err)
		}
	}
}

// viewerMissing tells whether a failed insert failed because its viewer
// does not exist. It asks the database rather than parse two drivers'
// foreign-key errors; it runs only on the failure path.
func (s *DB) viewerMissing(ctx context.Context, viewerID string, err error) bool {
	if err == nil {
		return false
	}
	_, verr := s.ViewerByID(ctx, viewerID)
	return errors.Is(verr, ErrNotFound)
}

// ViewerByToken implements Store.
func (s *DB) ViewerByToken(ctx context.Context, token string) (Viewer, error) {
	if err := secrets.CheckToken(token); err != nil {
		return Viewer{}, fmt.Errorf("%w: malformed token", ErrNotFound)
	}
	hash := secrets.HashToken(token)
	var (
		stored                     []byte
		v                          Viewer
		lastUsed, expires, revoked time.Time
	)
	err := s.queryRow(ctx, s.db, `
		SELECT t.hash, t.last_used_at, t.expires_at, t.revoked_at, v.id, v.name, v.created_at
		FROM access_tokens t JOIN viewers v ON v.id = t.viewer_id
		WHERE t.hash = ?`, hash).
		Scan(&stored, timeValue{&lastUsed}, timeValue{&expires}, timeValue{&revoked}, &v.ID, &v.Name, timeValue{&v.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return Viewer{}, fmt.Errorf("%w: token", ErrNotFound)
	}
	if err != nil {
		return Viewer{}, fmt.Errorf("store: reading token: %w", err)
	}
	// The index lookup already matched the hash; comparing again in
	// constant time costs nothing and does not rely on how it matched.
	if !secrets.EqualHashes(stored, hash) {
		return Viewer{}, fmt.Errorf("%w: token", ErrNotFound)
	}
	now := s.clock()
	if !revoked.IsZero() {
		return Viewer{}, ErrRevoked
	}
	if !expires.IsZero() && !now.Before(expires) {
		return Viewer{}, ErrExpired
	}
	if lastUsed.IsZero() || now.Sub(lastUsed) >= tokenTouchInterval {
		// Best effort and brief: a request is neither refused nor held up
		// because the bookkeeping write waits on a busy database.
		tctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		_, _ = s.exec(tctx, s.db, `UPDATE access_tokens SET last_used_at = ? WHERE hash = ?`, s.d.timeArg(now), hash)
		cancel()
	}
	return v, nil
}

// RevokeToken implements Store.
func (s *DB) RevokeToken(ctx context.Context, prefix string) error {
	if len(prefix) != secrets.DisplayPrefixLen || !strings.HasPrefix(prefix, secrets.TokenPrefix) {
		return fmt.Errorf("%w: a token prefix looks like %sxxxxxxxx", ErrInvalid, secrets.TokenPrefix)
	}
	res, err := s.exec(ctx, s.db, `UPDATE access_tokens SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL`,
		s.d.timeArg(s.clock()), prefix)
	if err != nil {
		return fmt.Errorf("store: revoking token: %w", err)
	}
	if rowsAffected(res) > 0 {
		return nil
	}
	var n int
	if err := s.queryRow(ctx, s.db, `SELECT count(*) FROM access_tokens WHERE prefix = ?`, prefix).Scan(&n); err != nil {
		return fmt.Errorf("store: revoking token: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: token %s", ErrNotFound, prefix)
	}
	return nil
}

// ListTokens implements Store.
func (s *DB) ListTokens(ctx context.Context, viewerID string) ([]Token, error) {
	rows, err := s.query(ctx, s.db, `
		SELECT prefix, viewer_id, created_at, last_used_at, expires_at, revoked_at
		FROM access_tokens WHERE viewer_id = ? ORDER BY created_at, prefix`, viewerID)
	if err != nil {
		return nil, fmt.Errorf("store: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.Prefix, &t.ViewerID, timeValue{&t.CreatedAt}, timeValue{&t.LastUsedAt},
			timeValue{&t.ExpiresAt}, timeValue{&t.RevokedAt}); err != nil {
			return nil, fmt.Errorf("store: listing tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing tokens: %w", err)
	}
	return out, nil
}

// --- audit log ---

// AppendAudit implements Store.
func (s *DB) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if !e.Provider.Valid() || e.ViewerID == "" || e.Outcome == "" {
		return AuditEntry{}, fmt.Errorf("%w: an audit entry needs a viewer, a provider and an outcome", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = s.clock()
	}
	e.At = norm(e.At)
	err := s.queryRow(ctx, s.db, `
		INSERT INTO audit_log (viewer_id, provider, group_id, outcome, at) VALUES (?, ?, ?, ?, ?)
		RETURNING id`, e.ViewerID, string(e.Provider), e.GroupID, e.Outcome, s.d.timeArg(e.At)).Scan(&e.ID)
	if err != nil {
		if s.viewerMissing(ctx, e.ViewerID, err) {
			return AuditEntry{}, fmt.Errorf("%w: viewer", ErrNotFound)
		}
		return AuditEntry{}, fmt.Errorf("store: appending audit entry: %w", err)
	}
	return e, nil
}

// ListAudit implements Store.
func (s *DB) ListAudit(ctx context.Context, viewerID string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, s.db, `
		SELECT id, viewer_id, provider, group_id, outcome, at
		FROM audit_log WHERE viewer_id = ? ORDER BY id DESC LIMIT ?`, viewerID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var provider string
		if err := rows.Scan(&e.ID, &e.ViewerID, &provider, &e.GroupID, &e.Outcome, timeValue{&e.At}); err != nil {
			return nil, fmt.Errorf("store: listing audit log: %w", err)
		}
		e.Provider = providers.Kind(provider)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing audit log: %w", err)
	}
	return out, nil
}

// linkKeyHash is the stored form of a link-state key. The provider is part
// of it: platforms pick some keys themselves (Flickr's request token,
// Upcoming's frob), and one platform's key must not match another's state.
func linkKeyHash(provider providers.Kind, key string) []byte {
	h := sha256.New()
	h.Write([]byte("groupgraph link state\x00"))
	h.Write([]byte(provider))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return h.Sum(nil)
}
