package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultSQLiteFile is the name of the SQLite database inside the data
// directory.
const DefaultSQLiteFile = "groupgraph.db"

// IsPostgresURL reports whether dsnOrPath names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(dsnOrPath string) bool {
	return strings.HasPrefix(dsnOrPath, "postgres://") || strings.HasPrefix(dsnOrPath, "postgresql://")
}

// Open opens the store dsnOrPath names: a postgres:// or postgresql:// URL
// opens PostgreSQL, anything else is the path of a SQLite file, created if
// missing. It checks that the database answers but does not migrate it.
func Open(ctx context.Context, dsnOrPath string, opts Options) (*DB, error) {
	if IsPostgresURL(dsnOrPath) {
		return OpenPostgres(ctx, dsnOrPath, opts)
	}
	return OpenSQLite(ctx, dsnOrPath, opts)
}

// OpenSQLite opens, creating it if needed, the SQLite database in the file at
// path, with write-ahead logging (readers never wait for the writer), a busy
// timeout (writers queue instead of failing) and foreign keys enforced. The
// file and its directory are created readable by the owner only. ":memory:"
// opens a private in-memory database, for tests.
func OpenSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty SQLite path", ErrInvalid)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: SQLite path may not contain '?' or '#'", ErrInvalid)
	}
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: creating the data directory: %w", err)
		}
		// SQLite gives the -wal and -shm files the database file's mode,
		// so creating it 0600 first keeps all three private.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: creating the database file: %w", err)
		}
		_ = f.Close()
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if !memory {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: opening SQLite: %w", err)
	}
	if memory {
		// Every connection to :memory: is a database of its own.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(4)
	}
	db.SetMaxIdleConns(4)
	return newDB(ctx, db, sqliteDialect{}, opts)
}

// OpenPostgres opens the PostgreSQL database the URL names, through a pool of
// at most opts.MaxConns connections. Parameters in the URL (sslmode,
// search_path, application_name, …) are passed to the server as usual.
func OpenPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The parse error quotes the URL, password and all in some
		// versions: say what is wrong without it.
		return nil, fmt.Errorf("%w: not a valid PostgreSQL URL", ErrInvalid)
	}
	db := stdlib.OpenDB(*cfg)
	n := opts.MaxConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return newDB(ctx, db, postgresDialect{}, opts)
}
