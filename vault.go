package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
)

// openStore opens the store the configuration names (PostgreSQL when
// DATABASE_URL is set, else groupgraph.db under the data directory), with
// the keyring from GROUPGRAPH_SECRET_KEY or GROUPGRAPH_SECRET_KEY_FILE,
// migrates it and checks that the key opens what it holds. A missing key is
// fine until the store holds a secret; CheckSecrets says what to set then.
func openStore(ctx context.Context, cfg config.Config, getenv func(string) string) (*store.DB, error) {
	kr, err := secrets.LoadKeyring(getenv)
	if err != nil && !errors.Is(err, secrets.ErrNoKey) {
		return nil, err
	}
	target := cfg.DatabaseURL
	if target == "" {
		target = filepath.Join(cfg.DataDir, store.DefaultSQLiteFile)
	}
	st, err := store.Open(ctx, target, store.Options{Keyring: kr})
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

// openSandboxStore opens a private in-memory store sealed with a key made up
// for this run: the sandbox's viewer, token and accounts live as long as the
// process.
func openSandboxStore(ctx context.Context) (*store.DB, error) {
	key, err := secrets.GenerateKey()
	if err != nil {
		return nil, err
	}
	kr, err := secrets.ParseKeyring("sandbox:" + key)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{Keyring: kr})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("sandbox store: %w", err)
	}
	return st, nil
}
