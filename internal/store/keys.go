package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/groupgraph/groupgraph/internal/secrets"
)

// sealedCounts returns how many sealed secrets the store holds per key ID.
func (s *DB) sealedCounts(ctx context.Context, q execer) (map[string]int, error) {
	rows, err := s.query(ctx, q, `
		SELECT key_id, count(*) FROM (
			SELECT key_id FROM accounts
			UNION ALL
			SELECT key_id FROM link_states WHERE key_id IS NOT NULL
		) sealed GROUP BY key_id`)
	if err != nil {
		return nil, fmt.Errorf("store: counting sealed secrets: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: counting sealed secrets: %w", err)
		}
		counts[id] = n
	}
	return counts, rows.Err()
}

// CheckSecrets implements Store. Each key ID in use is checked by opening
// one account sealed under it, so a wrong key that reuses an ID is caught at
// start rather than on a viewer's first request.
func (s *DB) CheckSecrets(ctx context.Context) error {
	counts, err := s.sealedCounts(ctx, s.db)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return nil
	}
	total := 0
	var ids []string
	for id, n := range counts {
		total += n
		ids = append(ids, id)
	}
	if s.keys == nil {
		return fmt.Errorf("%w; the store holds %d sealed secret(s) under key id %s and cannot read them without it: "+
			"configure the key they were sealed with",
			secrets.ErrNoKey, total, strings.Join(sorted(ids), ", "))
	}
	var missing []string
	for _, id := range ids {
		if !s.keys.Has(id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the store holds secrets sealed under key id %s, which the configured keyring (%s) lacks; "+
			"list the old key after the current one (%s=new:…,old:…) until `groupgraph rotate-key` has re-sealed them",
			secrets.ErrUnknownKey, strings.Join(sorted(missing), ", "), strings.Join(s.keys.KeyIDs(), ", "), secrets.EnvKey)
	}
	for _, id := range ids {
		var accountID string
		var blob []byte
		err := s.queryRow(ctx, s.db, `SELECT id, credentials FROM accounts WHERE key_id = ? LIMIT 1`, id).Scan(&accountID, &blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue // only short-lived link states use this key
		}
		if err != nil {
			return fmt.Errorf("store: checking secrets: %w", err)
		}
		if _, err := s.openCredentials(accountID, blob); err != nil {
			return fmt.Errorf("the configured key with id %s does not open the secrets sealed under that id (wrong key?): %w", id, err)
		}
	}
	return nil
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// RotateKey implements Store.
func (s *DB) RotateKey(ctx context.Context) (int, error) {
	if s.keys == nil {
		return 0, fmt.Errorf("store: rotating keys: %w", secrets.ErrNoKey)
	}
	current := s.keys.CurrentKeyID()
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		type row struct {
			id   string // account ID
			hash []byte // link-state key hash
			blob []byte
		}
		// Read everything first: SQLite cannot update a table while a
		// query on the same connection still walks it.
		collect := func(query string, scan func(*sql.Rows) (row, error)) ([]row, error) {
			rows, err := s.query(ctx, tx, query, current)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []row
			for rows.Next() {
				r, err := scan(rows)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, rows.Err()
		}
		accts, err := collect(`SELECT id, credentials FROM accounts WHERE key_id <> ?`, func(r *sql.Rows) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.blob)
		})
		if err != nil {
			return fmt.Errorf("store: rotating keys: %w", err)
		}
		states, err := collect(`SELECT key_hash, secret FROM link_states WHERE key_id IS NOT NULL AND key_id <> ?`, func(r *sql.Rows) (row, error) {
			var x row
			return x, r.Scan(&x.hash, &x.blob)
		})
		if err != nil {
			return fmt.Errorf("store: rotating keys: %w", err)
		}
		for _, a := range accts {
			c, err := s.openCredentials(a.id, a.blob)
			if err != nil {
				return err
			}
			blob, err := s.sealCredentials(a.id, c)
			if err != nil {
				return err
			}
			// Matching the old blob too: on PostgreSQL a renewal may have
			// replaced the credentials since they were read, and those
			// newer ones, already under the current key, must win.
			res, err := s.exec(ctx, tx, `UPDATE accounts SET credentials = ?, key_id = ? WHERE id = ? AND credentials = ?`,
				blob, current, a.id, a.blob)
			if err != nil {
				return fmt.Errorf("store: rotating keys: %w", err)
			}
			n += int(rowsAffected(res))
		}
		for _, st := range states {
			plain, err := s.keys.Open(st.blob, linkStateAAD(st.hash))
			if err != nil {
				return fmt.Errorf("store: opening link state: %w", err)
			}
			blob, err := s.keys.Seal(plain, linkStateAAD(st.hash))
			if err != nil {
				return err
			}
			res, err := s.exec(ctx, tx, `UPDATE link_states SET secret = ?, key_id = ? WHERE key_hash = ?`, blob, current, st.hash)
			if err != nil {
				return fmt.Errorf("store: rotating keys: %w", err)
			}
			n += int(rowsAffected(res))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
