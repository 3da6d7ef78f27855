// Package cli holds groupgraph's administration commands (viewers, tokens,
// accounts, migrations, key rotation) and the persisted-query import: the
// commands that work on the store or Redis without starting the server.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/store"
)

// subcommands are the administration commands the program dispatches on its
// first argument; everything else starts the server.
var subcommands = map[string]bool{"viewer": true, "token": true, "accounts": true, "migrate": true, "rotate-key": true}

// IsSubcommand reports whether args start with an administration command.
func IsSubcommand(args []string) bool { return len(args) > 0 && subcommands[args[0]] }

// cliUsage lists the administration commands.
const cliUsage = `usage:
  groupgraph viewer create NAME
  groupgraph token create --viewer NAME [--expires 720h]
  groupgraph token revoke PREFIX
  groupgraph accounts list --viewer NAME
  groupgraph migrate
  groupgraph rotate-key
Every command also takes -config FILE and -data-dir DIR, and reads
DATABASE_URL, GROUPGRAPH_SECRET_KEY and GROUPGRAPH_SECRET_KEY_FILE like the server.`

// Run runs one administration command against the configured store.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := args[0]
	sub := ""
	rest := args[1:]
	if cmd == "viewer" || cmd == "token" || cmd == "accounts" {
		if len(rest) == 0 {
			return fmt.Errorf("%s: missing subcommand\n%s", cmd, cliUsage)
		}
		sub, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("groupgraph "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML configuration `file` (env GROUPGRAPH_CONFIG)")
	dataDir := fs.String("data-dir", "", "directory of the SQLite store (env GROUPGRAPH_DATA_DIR)")
	viewerName := fs.String("viewer", "", "the viewer's `name`")
	expires := fs.Duration("expires", 0, "token lifetime, e.g. 720h; 0 never expires")
	pos, err := parseInterleaved(fs, rest)
	if err != nil {
		return err
	}
	var loadArgs []string
	if *configPath != "" {
		loadArgs = append(loadArgs, "-config", *configPath)
	}
	if *dataDir != "" {
		loadArgs = append(loadArgs, "-data-dir", *dataDir)
	}
	cfg, err := config.Load(loadArgs, getenv, stderr)
	if err != nil {
		return err
	}
	want := func(n int, what string) error {
		if len(pos) != n {
			return fmt.Errorf("%s %s: want %s\n%s", cmd, sub, what, cliUsage)
		}
		return nil
	}
	needViewer := func() error {
		if *viewerName == "" {
			return fmt.Errorf("%s %s: --viewer NAME is required", cmd, sub)
		}
		return want(0, "no arguments besides --viewer")
	}
	var check error
	switch cmd + " " + sub {
	case "viewer create":
		check = want(1, "NAME")
	case "token create":
		check = needViewer()
		if check == nil && *expires < 0 {
			// Zero means "never expires": a negative lifetime must not
			// quietly become that.
			check = fmt.Errorf("%s %s: --expires must be positive (0 for a token that never expires)", cmd, sub)
		}
	case "accounts list":
		check = needViewer()
	case "token revoke":
		check = want(1, "PREFIX")
	case "migrate ", "rotate-key ":
		check = want(0, "no arguments")
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd+" "+sub, cliUsage)
	}
	if check != nil {
		return check
	}
	st, err := store.OpenConfigured(ctx, cfg.DatabaseURL, cfg.DataDir, getenv)
	if err != nil {
		return err
	}
	defer st.Close()

	switch cmd + " " + sub {
	case "viewer create":
		v, err := st.CreateViewer(ctx, pos[0])
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("a viewer named %q already exists", pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created viewer %s (id %s)\n", v.Name, v.ID)
	case "token create":
		v, err := viewerNamed(ctx, st, *viewerName)
		if err != nil {
			return err
		}
		var at time.Time
		if *expires > 0 {
			at = time.Now().Add(*expires)
		}
		token, info, err := st.CreateToken(ctx, v.ID, at)
		if err != nil {
			return err
		}
		// The only time the token is ever shown: only its hash is kept.
		fmt.Fprintln(stdout, token)
		exp := "never"
		if !info.ExpiresAt.IsZero() {
			exp = info.ExpiresAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(stderr, "token %s… for viewer %s, expires %s. Store it now: it cannot be shown again.\n", info.Prefix, v.Name, exp)
	case "token revoke":
		if err := st.RevokeToken(ctx, pos[0]); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no token with prefix %q", pos[0])
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s\n", pos[0])
	case "accounts list":
		v, err := viewerNamed(ctx, st, *viewerName)
		if err != nil {
			return err
		}
		las, err := st.LinkedAccounts(ctx, v.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROVIDER\tUSER\tNAME\tSTATUS\tLINKED")
		for _, a := range las {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Provider, a.UserID, a.DisplayName, a.Status, a.LinkedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "migrate ":
		// OpenConfigured has migrated, up to what this binary knows.
		applied, err := st.AppliedVersion(ctx)
		if err != nil {
			return err
		}
		if known := st.SchemaVersion(); applied > known {
			fmt.Fprintf(stdout, "store schema is at version %d, newer than this binary's %d: nothing applied; run the newer groupgraph's migrate\n", applied, known)
			return nil
		}
		fmt.Fprintf(stdout, "store is up to date (schema version %d)\n", applied)
	case "rotate-key ":
		n, err := st.RotateKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "re-sealed %d secret(s) under the current key\n", n)
	}
	return nil
}

func viewerNamed(ctx context.Context, st store.Store, name string) (store.Viewer, error) {
	v, err := st.ViewerByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return v, fmt.Errorf("no viewer named %q (create one with: groupgraph viewer create %s)", name, name)
	}
	return v, err
}

// parseInterleaved parses flags that may come before or after the
// positional arguments, which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
