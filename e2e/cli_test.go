package e2e

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/secrets"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// testKey is a fixed secret key for the tests' stores.
const testKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// envOf returns a getenv over the given variables only.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// cli runs one command through app.Run and returns its stdout.
func cli(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := app.Run(context.Background(), args, getenv, &out, &errOut)
	return out.String(), err
}

func mustCLI(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	out, err := cli(t, getenv, args...)
	if err != nil {
		t.Fatalf("groupgraph %s: %v", strings.Join(args, " "), err)
	}
	return out
}

var tokenRE = regexp.MustCompile(`ggp_[a-z2-7]{58}`)

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	env := envOf("GROUPGRAPH_DATA_DIR", dir, secrets.EnvKey, testKey)

	t.Run("migrate creates the store under the data directory", func(t *testing.T) {
		if out := mustCLI(t, env, "migrate"); !strings.Contains(out, "up to date") {
			t.Errorf("migrate printed %q", out)
		}
		if _, err := os.Stat(filepath.Join(dir, store.DefaultSQLiteFile)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("viewer create adds a viewer once", func(t *testing.T) {
		mustCLI(t, env, "viewer", "create", "alice")
		if _, err := cli(t, env, "viewer", "create", "alice"); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second create: %v", err)
		}
	})
	var token string
	t.Run("token create prints a token once, and the store keeps only its hash", func(t *testing.T) {
		out := mustCLI(t, env, "token", "create", "--viewer", "alice", "--expires", "720h")
		token = tokenRE.FindString(out)
		if token == "" {
			t.Fatalf("no token in %q", out)
		}
		b, err := os.ReadFile(filepath.Join(dir, store.DefaultSQLiteFile))
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(filepath.Join(dir, store.DefaultSQLiteFile+"-wal"))
		if strings.Contains(string(b)+string(wal), token) {
			t.Error("the token is in the store file")
		}
	})
	t.Run("token create refuses a negative lifetime rather than issue a token that never expires", func(t *testing.T) {
		out, err := cli(t, env, "token", "create", "--viewer", "alice", "--expires", "-720h")
		if err == nil || tokenRE.MatchString(out) {
			t.Fatalf("token create --expires -720h: printed %q, err %v; want an error and no token", out, err)
		}
	})
	t.Run("token create for an unknown viewer says how to create one", func(t *testing.T) {
		if _, err := cli(t, env, "token", "create", "--viewer", "bob"); err == nil || !strings.Contains(err.Error(), "viewer create bob") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("accounts list shows a header and no accounts yet", func(t *testing.T) {
		out := mustCLI(t, env, "accounts", "list", "--viewer", "alice")
		if !strings.Contains(out, "PROVIDER") || strings.Count(out, "\n") != 1 {
			t.Errorf("accounts list = %q", out)
		}
	})
	t.Run("token revoke makes the token stop working", func(t *testing.T) {
		st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, store.DefaultSQLiteFile), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.ViewerByToken(context.Background(), token); err != nil {
			t.Fatalf("before revoking: %v", err)
		}
		mustCLI(t, env, "token", "revoke", secrets.DisplayPrefix(token))
		if _, err := st.ViewerByToken(context.Background(), token); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("after revoking: %v, want ErrRevoked", err)
		}
	})
	t.Run("rotate-key re-seals under the new current key", func(t *testing.T) {
		newKey := "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
		out := mustCLI(t, envOf("GROUPGRAPH_DATA_DIR", dir, secrets.EnvKey, newKey+","+testKey), "rotate-key")
		if !strings.Contains(out, "re-sealed") {
			t.Errorf("rotate-key printed %q", out)
		}
	})
	t.Run("an unknown or incomplete command is an error with the usage", func(t *testing.T) {
		for _, args := range [][]string{{"viewer"}, {"viewer", "delete", "x"}, {"token", "revoke"}, {"accounts", "list"}} {
			if _, err := cli(t, env, args...); err == nil {
				t.Errorf("groupgraph %s succeeded", strings.Join(args, " "))
			}
		}
	})
}

func TestStartWithSealedSecretsAndNoKeyFails(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	kr, err := secrets.ParseKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, store.DefaultSQLiteFile), store.Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := st.CreateViewer(ctx, "alice")
	if _, err := st.UpsertAccount(ctx, v.ID, sealedAccount()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cfgFile := filepath.Join(dir, "groupgraph.yaml")
	if err := os.WriteFile(cfgFile, []byte("providers:\n  upcoming:\n    base_url: http://127.0.0.1:1/\n    api_key: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = app.Run(ctx, []string{"-config", cfgFile, "-data-dir", dir, "-listen", "127.0.0.1:0"}, envOf(), io.Discard, io.Discard)
	if !errors.Is(err, secrets.ErrNoKey) || !strings.Contains(err.Error(), secrets.EnvKey) {
		t.Fatalf("err = %v, want ErrNoKey naming %s", err, secrets.EnvKey)
	}
}

func sealedAccount() providers.Account {
	return providers.Account{Provider: providers.Upcoming, UserID: "674", Credentials: providers.Credentials{Token: "0123456789012345678901234567890123456789"}}
}

// TestMigrateSaysWhenTheStoreIsNewerThanTheBinary checks that an older
// binary's migrate does not report a store it does not know as up to date.
func TestMigrateSaysWhenTheStoreIsNewerThanTheBinary(t *testing.T) {
	dir := t.TempDir()
	env := envOf("GROUPGRAPH_DATA_DIR", dir, secrets.EnvKey, testKey)
	mustCLI(t, env, "migrate")
	st, err := store.OpenSQLite(t.Context(), filepath.Join(dir, store.DefaultSQLiteFile), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	known := st.SchemaVersion()
	if _, err := st.AppliedVersion(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, store.DefaultSQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'later', 0)`, known+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := mustCLI(t, env, "migrate")
	if strings.Contains(out, "up to date") || !strings.Contains(out, "newer") {
		t.Fatalf("migrate on a newer store printed %q", out)
	}
}
