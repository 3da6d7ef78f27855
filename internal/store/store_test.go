package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the test's own connections

	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/store/storetest"
	"github.com/groupgraph/groupgraph/providers"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newSQLite)
}

// newSQLite is an empty SQLite database in a fresh file.
func newSQLite(t *testing.T) storetest.Database {
	path := filepath.Join(t.TempDir(), "data", store.DefaultSQLiteFile)
	return storetest.Database{
		Open: func(t *testing.T, opts store.Options) store.Store {
			t.Helper()
			return openMigrated(t, path, opts)
		},
		Raw: func(t *testing.T) []byte {
			t.Helper()
			var all []byte
			for _, suffix := range []string{"", "-wal", "-shm"} {
				b, err := os.ReadFile(path + suffix)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			return all
		},
		Exec: func(t *testing.T, statement string) {
			t.Helper()
			db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(t.Context(), statement); err != nil {
				t.Fatalf("%s: %v", statement, err)
			}
		},
	}
}

func TestPostgres(t *testing.T) {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		t.Skip("DATABASE_URL is unset: skipping the PostgreSQL store tests (set it, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run them)")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Database { return newPostgres(t, base) })
}

// newPostgres is an empty schema of its own in the DATABASE_URL database,
// dropped when the test ends, so tests neither see nor wait for each other.
func newPostgres(t *testing.T, base string) storetest.Database {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "storetest_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()

	return storetest.Database{
		Open: func(t *testing.T, opts store.Options) store.Store {
			t.Helper()
			opts.MaxConns = 4
			return openMigrated(t, dsn, opts)
		},
		Raw: func(t *testing.T) []byte {
			t.Helper()
			rows, err := admin.QueryContext(t.Context(),
				`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, schema)
			if err != nil {
				t.Fatal(err)
			}
			var tables []string
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				tables = append(tables, name)
			}
			rows.Close()
			var all bytes.Buffer
			for _, table := range tables {
				// row_to_json renders every column, bytea as hex: the
				// suite looks for secrets in hex too.
				rows, err := admin.QueryContext(t.Context(), `SELECT row_to_json(t)::text FROM `+schema+`.`+table+` t`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var line string
					if err := rows.Scan(&line); err != nil {
						t.Fatal(err)
					}
					all.WriteString(line + "\n")
				}
				rows.Close()
			}
			return all.Bytes()
		},
		Exec: func(t *testing.T, statement string) {
			t.Helper()
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(t.Context(), statement); err != nil {
				t.Fatalf("%s: %v", statement, err)
			}
		},
	}
}

func openMigrated(t *testing.T, dsnOrPath string, opts store.Options) store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), dsnOrPath, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("a path opens SQLite with a private file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nested", "dir", "gg.db")
		s, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Backend() != "sqlite" {
			t.Fatalf("Backend = %s", s.Backend())
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("database file mode = %v, want 0600", fi.Mode().Perm())
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := s.AppliedVersion(ctx)
		if err != nil || v != s.SchemaVersion() || v < 1 {
			t.Fatalf("AppliedVersion = %d, %v; SchemaVersion = %d", v, err, s.SchemaVersion())
		}
	})
	t.Run("an in-memory SQLite database works", func(t *testing.T) {
		s, err := store.Open(ctx, ":memory:", store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateViewer(ctx, "ada"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("postgres URLs are told from paths", func(t *testing.T) {
		for in, want := range map[string]bool{
			"postgres://u@h/db":       true,
			"postgresql://u@h/db":     true,
			"data/groupgraph.db":      false,
			"/var/lib/gg/postgres.db": false,
			"postgres.db":             false,
			"file:postgres://x":       false,
		} {
			if got := store.IsPostgresURL(in); got != want {
				t.Errorf("IsPostgresURL(%q) = %v, want %v", in, got, want)
			}
		}
	})
	t.Run("a bad PostgreSQL URL does not echo its password", func(t *testing.T) {
		_, err := store.Open(ctx, "postgres://user:hunter2secret@host:notaport/db", store.Options{})
		if !errors.Is(err, store.ErrInvalid) || strings.Contains(err.Error(), "hunter2secret") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("an unreachable PostgreSQL is an error without the password", func(t *testing.T) {
		_, err := store.Open(ctx, "postgres://user:hunter2secret@127.0.0.1:1/db?connect_timeout=2", store.Options{})
		if err == nil || strings.Contains(err.Error(), "hunter2secret") {
			t.Fatalf("Open = %v", err)
		}
	})
}

// A renewal the store refuses is logged, since the platform clients carry
// on with the new credentials whatever the sink says; the log names the
// account and never the credentials.
func TestTheCredentialSinkLogsWhatItCouldNotStore(t *testing.T) {
	t.Parallel()
	s := openMigrated(t, filepath.Join(t.TempDir(), store.DefaultSQLiteFile), store.Options{Keyring: storetest.Keyring(t, "k1")})
	var logs bytes.Buffer
	sink := store.NewCredentialSink(s).WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	gone := providers.Account{ID: "acct-gone", Provider: providers.PageSeeder, UserID: "m1"}
	err := sink.CredentialsRenewed(t.Context(), gone, providers.Credentials{Token: "secret-access", RefreshToken: "secret-refresh"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	out := logs.String()
	if !strings.Contains(out, "renewed credentials not stored") || !strings.Contains(out, "acct-gone") {
		t.Errorf("the refused renewal was not logged with its account: %q", out)
	}
	if strings.Contains(out, "secret-") {
		t.Errorf("the log holds the credentials: %q", out)
	}
}

// guardedDatabase is db with every store it opens guarded, as groupgraph
// guards PostgreSQL: the guard must change nothing while the database
// answers.
func guardedDatabase(db storetest.Database) storetest.Database {
	open := db.Open
	db.Open = func(t *testing.T, opts store.Options) store.Store {
		t.Helper()
		return store.Guard(open(t, opts), store.GuardOptions{Timeout: time.Minute})
	}
	return db
}

func TestGuardedSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Database { return guardedDatabase(newSQLite(t)) })
}

func TestGuardedPostgres(t *testing.T) {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		t.Skip("DATABASE_URL is unset: skipping the guarded PostgreSQL store tests")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Database { return guardedDatabase(newPostgres(t, base)) })
}
