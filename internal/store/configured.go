package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/groupgraph/groupgraph/internal/secrets"
)

// OpenConfigured opens the store the configuration names (PostgreSQL when
// databaseURL, from DATABASE_URL, is set, else groupgraph.db under dataDir), with
// the keyring from GROUPGRAPH_SECRET_KEY or GROUPGRAPH_SECRET_KEY_FILE,
// migrates it and checks that the key opens what it holds. A missing key is
// fine until the store holds a secret; CheckSecrets says what to set then.
func OpenConfigured(ctx context.Context, databaseURL, dataDir string, getenv func(string) string) (*DB, error) {
	kr, err := secrets.LoadKeyring(getenv)
	if err != nil && !errors.Is(err, secrets.ErrNoKey) {
		return nil, err
	}
	target := databaseURL
	if target == "" {
		target = filepath.Join(dataDir, DefaultSQLiteFile)
	}
	st, err := Open(ctx, target, Options{Keyring: kr})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := st.CheckSecrets(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// OpenSandbox opens a private in-memory store sealed with a key made up
// for this run: the sandbox's viewer, token and accounts live as long as the
// process.
func OpenSandbox(ctx context.Context) (*DB, error) {
	key, err := secrets.GenerateKey()
	if err != nil {
		return nil, err
	}
	kr, err := secrets.ParseKeyring("sandbox:" + key)
	if err != nil {
		return nil, err
	}
	st, err := OpenSQLite(ctx, ":memory:", Options{Keyring: kr})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("sandbox store: %w", err)
	}
	return st, nil
}
