package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/providers"
)

// sealedCredentials is the plaintext inside an account's sealed blob. It is
// JSON so fields can be added without a migration.
type sealedCredentials struct {
	Token        string    `json:"token,omitempty"`
	Secret       string    `json:"secret,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// accountAAD binds an account's credentials to its row: a blob copied into
// another account's row, or into a link state, does not open there.
func accountAAD(accountID string) []byte {
	return []byte("groupgraph account credentials\x00" + accountID)
}

func linkStateAAD(keyHash []byte) []byte {
	return append([]byte("groupgraph link state secret\x00"), keyHash...)
}

func (s *DB) sealCredentials(accountID string, c providers.Credentials) ([]byte, error) {
	plain, err := json.Marshal(sealedCredentials{Token: c.Token, Secret: c.Secret, RefreshToken: c.RefreshToken, Expiry: norm(c.Expiry)})
	if err != nil {
		return nil, fmt.Errorf("store: encoding credentials: %w", err)
	}
	blob, err := s.keys.Seal(plain, accountAAD(accountID))
	if err != nil {
		return nil, fmt.Errorf("store: sealing credentials: %w", err)
	}
	return blob, nil
}

func (s *DB) openCredentials(accountID string, blob []byte) (providers.Credentials, error) {
	plain, err := s.keys.Open(blob, accountAAD(accountID))
	if err != nil {
		return providers.Credentials{}, fmt.Errorf("store: opening credentials of account %s: %w", accountID, err)
	}
	var c sealedCredentials
	if err := json.Unmarshal(plain, &c); err != nil {
		return providers.Credentials{}, fmt.Errorf("store: decoding credentials of account %s: %w", accountID, secrets.ErrMalformed)
	}
	return providers.Credentials{Token: c.Token, Secret: c.Secret, RefreshToken: c.RefreshToken, Expiry: c.Expiry}, nil
}

// UpsertAccount implements Store.
func (s *DB) UpsertAccount(ctx context.Context, viewerID string, acct providers.Account) (providers.Account, error) {
	if !acct.Provider.Valid() {
		return providers.Account{}, fmt.Errorf("%w: unknown provider %q", ErrInvalid, acct.Provider)
	}
	if acct.UserID == "" {
		return providers.Account{}, fmt.Errorf("%w: an account needs the platform's user ID", ErrInvalid)
	}
	if s.keys == nil {
		return providers.Account{}, fmt.Errorf("store: linking an account: %w", secrets.ErrNoKey)
	}
	// The credentials are bound to the account ID, so the ID must be known
	// before sealing: look the link up, then update or insert. Two
	// concurrent first links of one provider collide on the unique key;
	// the loser retries and updates.
	var err error
	for range 2 {
		var out providers.Account
		out, err = s.upsertAccountOnce(ctx, viewerID, acct)
		if err == nil || !s.d.isUniqueViolation(err) {
			return out, err
		}
	}
	return providers.Account{}, fmt.Errorf("store: linking an account: %w", err)
}

func (s *DB) upsertAccountOnce(ctx context.Context, viewerID string, acct providers.Account) (providers.Account, error) {
	now := s.clock()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := s.queryRow(ctx, tx, `SELECT id FROM accounts WHERE viewer_id = ? AND provider = ?`,
			viewerID, string(acct.Provider)).Scan(&acct.ID)
		existing := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !existing {
			acct.ID = newID()
		}
		blob, err := s.sealCredentials(acct.ID, acct.Credentials)
		if err != nil {
			return err
		}
		if existing {
			_, err = s.exec(ctx, tx, `
				UPDATE accounts SET provider_user_id = ?, display_name = ?, credentials = ?, key_id = ?,
					status = ?, linked_at = ?, refreshed_at = ?
				WHERE id = ?`,
				acct.UserID, acct.DisplayName, blob, s.keys.CurrentKeyID(), string(StatusActive),
				s.d.timeArg(now), s.d.timeArg(now), acct.ID)
			return err
		}
		_, err = s.exec(ctx, tx, `
			INSERT INTO accounts (id, viewer_id, provider, provider_user_id, display_name, credentials, key_id,
				status, linked_at, refreshed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			acct.ID, viewerID, string(acct.Provider), acct.UserID, acct.DisplayName, blob, s.keys.CurrentKeyID(),
			string(StatusActive), s.d.timeArg(now), s.d.timeArg(now))
		return err
	})
	switch {
	case err == nil:
		acct.Credentials.Expiry = norm(acct.Credentials.Expiry)
		return acct, nil
	case s.d.isUniqueViolation(err):
		return providers.Account{}, err
	case s.viewerMissing(ctx, viewerID, err):
		return providers.Account{}, fmt.Errorf("%w: viewer", ErrNotFound)
	case errors.Is(err, secrets.ErrNoKey), errors.Is(err, ErrInvalid):
		return providers.Account{}, err
	}
	return providers.Account{}, fmt.Errorf("store: linking an account: %w", err)
}

// Accounts implements Store.
func (s *DB) Accounts(ctx context.Context, viewerID string) ([]providers.Account, error) {
	rows, err := s.query(ctx, s.db, `
		SELECT id, provider, provider_user_id, display_name, credentials
		FROM accounts WHERE viewer_id = ?`, viewerID)
	if err != nil {
		return nil, fmt.Errorf("store: reading accounts: %w", err)
	}
	defer rows.Close()
	var out []providers.Account
	for rows.Next() {
		var (
			a        providers.Account
			provider string
			blob     []byte
		)
		if err := rows.Scan(&a.ID, &provider, &a.UserID, &a.DisplayName, &blob); err != nil {
			return nil, fmt.Errorf("store: reading accounts: %w", err)
		}
		a.Provider = providers.Kind(provider)
		if a.Credentials, err = s.openCredentials(a.ID, blob); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading accounts: %w", err)
	}
	slices.SortFunc(out, func(a, b providers.Account) int { return kindOrder(a.Provider) - kindOrder(b.Provider) })
	return out, nil
}

func kindOrder(k providers.Kind) int {
	if i := slices.Index(providers.Kinds, k); i >= 0 {
		return i
	}
	return len(providers.Kinds)
}

// LinkedAccounts implements Store.
func (s *DB) LinkedAccounts(ctx context.Context, viewerID string) ([]LinkedAccount, error) {
	rows, err := s.query(ctx, s.db, `
		SELECT id, viewer_id, provider, provider_user_id, display_name, status, linked_at, refreshed_at
		FROM accounts WHERE viewer_id = ?`, viewerID)
	if err != nil {
		return nil, fmt.Errorf("store: reading accounts: %w", err)
	}
	defer rows.Close()
	var out []LinkedAccount
	for rows.Next() {
		var (
			a                LinkedAccount
			provider, status string
		)
		if err := rows.Scan(&a.ID, &a.ViewerID, &provider, &a.UserID, &a.DisplayName, &status,
			timeValue{&a.LinkedAt}, timeValue{&a.RefreshedAt}); err != nil {
			return nil, fmt.Errorf("store: reading accounts: %w", err)
		}
		a.Provider, a.Status = providers.Kind(provider), AccountStatus(status)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading accounts: %w", err)
	}
	slices.SortFunc(out, func(a, b LinkedAccount) int { return kindOrder(a.Provider) - kindOrder(b.Provider) })
	return out, nil
}

// UpdateCredentials implements Store. The row must still be acct's link to
// the same platform user: a relink to another user keeps the account ID, and
// a renewal that started before it must not put the old user's credentials
// into the new link.
func (s *DB) UpdateCredentials(ctx context.Context, acct providers.Account, c providers.Credentials) error {
	if s.keys == nil {
		return fmt.Errorf("store: updating credentials: %w", secrets.ErrNoKey)
	}
	blob, err := s.sealCredentials(acct.ID, c)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, s.db, `
		UPDATE accounts SET credentials = ?, key_id = ?, status = ?, refreshed_at = ?
		WHERE id = ? AND provider_user_id = ?`,
		blob, s.keys.CurrentKeyID(), string(StatusActive), s.d.timeArg(s.clock()), acct.ID, acct.UserID)
	if err != nil {
		return fmt.Errorf("store: updating credentials: %w", err)
	}
	if rowsAffected(res) == 0 {
		return fmt.Errorf("%w: account (unlinked, or relinked to another user)", ErrNotFound)
	}
	return nil
}

// SetAccountStatus implements Store.
func (s *DB) SetAccountStatus(ctx context.Context, accountID string, status AccountStatus) error {
	if !status.Valid() {
		return fmt.Errorf("%w: account status %q", ErrInvalid, status)
	}
	res, err := s.exec(ctx, s.db, `UPDATE accounts SET status = ? WHERE id = ?`, string(status), accountID)
	if err != nil {
		return fmt.Errorf("store: setting account status: %w", err)
	}
	if rowsAffected(res) == 0 {
		return fmt.Errorf("%w: account", ErrNotFound)
	}
	return nil
}

// DeleteAccount implements Store.
func (s *DB) DeleteAccount(ctx context.Context, viewerID, accountID string) error {
	res, err := s.exec(ctx, s.db, `DELETE FROM accounts WHERE id = ? AND viewer_id = ?`, accountID, viewerID)
	if err != nil {
		return fmt.Errorf("store: unlinking account: %w", err)
	}
	if rowsAffected(res) == 0 {
		return fmt.Errorf("%w: account", ErrNotFound)
	}
	return nil
}

// --- pending link states ---

// SaveLinkState implements Store.
func (s *DB) SaveLinkState(ctx context.Context, key string, st LinkState) (LinkState, error) {
	if key == "" || !st.Provider.Valid() || st.ViewerID == "" {
		return LinkState{}, fmt.Errorf("%w: a link state needs a key, a provider and a viewer", ErrInvalid)
	}
	now := s.clock()
	st.CreatedAt, st.ExpiresAt = now, now.Add(LinkStateTTL)
	hash := linkKeyHash(st.Provider, key)
	var sealed []byte
	var keyID any
	if st.Secret != "" {
		var err error
		if sealed, err = s.keys.Seal([]byte(st.Secret), linkStateAAD(hash)); err != nil {
			return LinkState{}, fmt.Errorf("store: sealing link state: %w", err)
		}
		keyID = s.keys.CurrentKeyID()
	}
	// Abandoned links would otherwise pile up; purging here keeps the table
	// small without a background job.
	if _, err := s.exec(ctx, s.db, `DELETE FROM link_states WHERE expires_at <= ?`, s.d.timeArg(now)); err != nil {
		return LinkState{}, fmt.Errorf("store: purging link states: %w", err)
	}
	_, err := s.exec(ctx, s.db, `
		INSERT INTO link_states (key_hash, viewer_id, provider, secret, key_id, return_url, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		hash, st.ViewerID, string(st.Provider), sealed, keyID, st.ReturnURL, s.d.timeArg(st.CreatedAt), s.d.timeArg(st.ExpiresAt))
	switch {
	case err == nil:
		return st, nil
	case s.d.isUniqueViolation(err):
		return LinkState{}, fmt.Errorf("%w: link state", ErrConflict)
	case s.viewerMissing(ctx, st.ViewerID, err):
		return LinkState{}, fmt.Errorf("%w: viewer", ErrNotFound)
	}
	return LinkState{}, fmt.Errorf("store: saving link state: %w", err)
}

// ConsumeLinkState implements Store.
func (s *DB) ConsumeLinkState(ctx context.Context, provider providers.Kind, key string) (LinkState, error) {
	hash := linkKeyHash(provider, key)
	var (
		st       LinkState
		kind     string
		sealed   []byte
		returned sql.NullString
	)
	// DELETE … RETURNING is one atomic statement in both databases: of
	// concurrent callbacks carrying the same state, exactly one gets a row.
	err := s.queryRow(ctx, s.db, `
		DELETE FROM link_states WHERE key_hash = ?
		RETURNING viewer_id, provider, secret, return_url, created_at, expires_at`, hash).
		Scan(&st.ViewerID, &kind, &sealed, &returned, timeValue{&st.CreatedAt}, timeValue{&st.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return LinkState{}, fmt.Errorf("%w: link state", ErrNotFound)
	}
	if err != nil {
		return LinkState{}, fmt.Errorf("store: consuming link state: %w", err)
	}
	st.Provider, st.ReturnURL = providers.Kind(kind), returned.String
	if !s.clock().Before(st.ExpiresAt) {
		return LinkState{}, fmt.Errorf("%w: link state", ErrExpired)
	}
	if sealed != nil {
		plain, err := s.keys.Open(sealed, linkStateAAD(hash))
		if err != nil {
			return LinkState{}, fmt.Errorf("store: opening link state: %w", err)
		}
		st.Secret = string(plain)
	}
	return st, nil
}
