package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations
var migrationFiles embed.FS

// dialect is what differs between the two backends; everything else, the
// queries included, is shared.
type dialect interface {
	// name is the backend's name for messages.
	name() string
	// rebind turns the shared queries' ? placeholders into the backend's.
	rebind(query string) string
	// timeArg encodes a time for a query; the zero time is NULL.
	timeArg(t time.Time) any
	// migrations returns the backend's directory of numbered SQL files.
	migrations() fs.FS
	// migrationsTable creates schema_migrations if it is missing.
	migrationsTable() string
	// lockMigrations serialises Migrate across processes on conn and
	// returns the function that releases the lock.
	lockMigrations(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// isUniqueViolation reports whether err is a unique-constraint failure.
	isUniqueViolation(err error) bool
}

func subFS(dir string) fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations/"+dir)
	if err != nil {
		panic(err) // the directory is embedded: this cannot happen
	}
	return sub
}

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) migrations() fs.FS      { return subFS("sqlite") }
func (sqliteDialect) isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// SQLite has no time type worth using: times are integers of Unix
// microseconds, which sort and compare as times, at PostgreSQL's precision.
func (sqliteDialect) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func (sqliteDialect) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
}

// SQLite needs no lock of its own: each migration runs in a BEGIN IMMEDIATE
// transaction (the DSN's _txlock) that rechecks whether it was applied, so
// two processes on one file take turns.
func (sqliteDialect) lockMigrations(context.Context, *sql.Conn) (func(), error) {
	return func() {}, nil
}

type postgresDialect struct{}

func (postgresDialect) name() string      { return "postgres" }
func (postgresDialect) migrations() fs.FS { return subFS("postgres") }
func (postgresDialect) isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (postgresDialect) rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (postgresDialect) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL
	)`
}

// lockMigrations takes a session advisory lock named after the current
// schema, so that instances starting together migrate one after the other
// (CREATE TABLE IF NOT EXISTS alone races in PostgreSQL) while databases in
// other schemas are not held up.
func (postgresDialect) lockMigrations(ctx context.Context, conn *sql.Conn) (func(), error) {
	const key = `hashtextextended('groupgraph.migrate.' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return nil, fmt.Errorf("store: taking the migration lock: %w", err)
	}
	return func() {
		// The lock belongs to the session and the connection goes back to
		// the pool, so it must be released even when ctx is done; if that
		// fails, the connection is discarded, which ends the session.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// timeValue scans either backend's encoding of a possibly NULL time.
type timeValue struct{ t *time.Time }

func (v timeValue) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*v.t = time.Time{}
	case int64:
		*v.t = time.UnixMicro(x).UTC()
	case time.Time:
		*v.t = x.UTC()
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}
