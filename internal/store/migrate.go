package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migration is one embedded schema change: migrations/<dialect>/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads a dialect's migrations in version order, refusing
// gaps and duplicates so that a mistake shows at the first test run rather
// than in production.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %s is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations must be numbered 1, 2, 3…; found %d at position %d", m.version, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the newest migration this binary knows.
func (s *DB) SchemaVersion() int {
	ms, err := loadMigrations(s.d.migrations())
	if err != nil {
		return 0
	}
	return len(ms)
}

// Migrate implements Store. Migrations are forward-only: each is applied
// once, recorded in schema_migrations, and never edited afterwards; a schema
// change is a new numbered file for each dialect. A database newer than the
// binary is left alone, so an older instance keeps running during a rolling
// upgrade as long as migrations only add.
func (s *DB) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.d.migrations())
	if err != nil {
		return err
	}
	// One connection throughout: PostgreSQL's advisory lock belongs to it.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := s.d.lockMigrations(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, s.d.migrationsTable()); err != nil {
		return fmt.Errorf("store: creating schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := s.apply(ctx, conn, m); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs one migration in its own transaction, after checking inside
// that transaction that nobody applied it meanwhile.
func (s *DB) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := s.queryRow(ctx, tx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, s.d.timeArg(s.clock())); err != nil {
		return err
	}
	return tx.Commit()
}

// AppliedVersion is the newest migration applied to the database (0 when
// schema_migrations is empty), for `groupgraph migrate` to report. It fails
// on a database Migrate never ran on.
func (s *DB) AppliedVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: reading schema version: %w", err)
	}
	return int(v.Int64), nil
}
