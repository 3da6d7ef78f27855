// Package app is groupgraph's wiring: configuration, the platform clients,
// authentication, the GraphQL handler, the HTTP edge and the server's start
// and shutdown. With the sandbox, it is the only place that knows the
// concrete platforms. It sits beside graph, not under internal/, because it
// assembles the GraphQL handler and nothing under internal/ imports graph.
//
// Run is the whole program as the command runs it; New is the one
// constructor of the wired program, which the end-to-end tests start too.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/cli"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/edge"
	"github.com/groupgraph/groupgraph/internal/linking"
	"github.com/groupgraph/groupgraph/internal/loadcmd"
	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/upstream"
	"github.com/groupgraph/groupgraph/providers"
)

// ErrNoProviders explains how to get a first working configuration.
var ErrNoProviders = errors.New(`no platform is configured.
Configure at least one under "providers:" in a config file (see README, "Configuration")
and start with -config groupgraph.yaml, or try everything locally with: go run . -sandbox`)

// Run is the whole program, parameterised for tests: it runs a subcommand,
// or serves until ctx is cancelled, then drains in-flight requests and
// returns.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case cli.IsSubcommand(args):
		return cli.Run(ctx, args, getenv, stdout, stderr)
	case len(args) > 0 && args[0] == "load":
		return loadcmd.Run(ctx, args[1:], stdout, BuildStack)
	case len(args) > 0 && args[0] == "simulate":
		return sandbox.Simulate(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "persisted":
		return cli.RunPersisted(ctx, args[1:], getenv, stdout, stderr)
	}
	cfg, err := config.Load(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.SandboxReset {
		return resetSandbox(ctx, cfg.Listen, stdout)
	}
	logger := newLogger(cfg.LogLevel, stderr)
	// Listen first, so that the wiring knows the real address (":0" picks
	// a port): the sandbox's banner and its account-linking callbacks use it.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	cfg.Listen = ln.Addr().String()
	app, err := New(ctx, cfg, getenv, logger)
	if err != nil {
		return err
	}
	defer app.Close()

	srv := &http.Server{
		Handler:           app.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      time.Duration(cfg.RequestTimeout) + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	base := "http://" + ln.Addr().String()
	// One write: whoever watches stdout for the "listening" line finds the
	// sandbox's banner (its token) with it, never half of it.
	fmt.Fprintf(stdout, "groupgraph listening on %s/graphql\n%s", base, app.Banner)
	logger.Info("listening", "addr", ln.Addr().String(), "providers", app.Registry.Kinds())

	return edge.Serve(ctx, srv, ln, time.Duration(cfg.ShutdownTimeout), logger)
}

// App is the wired program. Its handler can be swapped whole, which is how
// the sandbox's reset rebuilds the clients over freshly seeded simulators.
type App struct {
	// Registry fans out across the configured platforms.
	Registry *providers.Registry
	// Handler is the whole HTTP surface.
	Handler http.Handler
	// Banner is what the sandbox prints beside the listening line; empty
	// outside the sandbox.
	Banner string

	handler *swapHandler
	closers []func()
}

// Close releases what New opened, last first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}
func (s *swapHandler) store(h http.Handler) { s.h.Store(&h) }

// New builds the platform clients, the store, the authenticator and the
// HTTP handler from the configuration; in sandbox mode it first starts the
// simulators and points the configuration at them, and keeps the sandbox
// viewer in a private in-memory store.
func New(ctx context.Context, cfg config.Config, getenv func(string) string, logger *slog.Logger) (*App, error) {
	a := &App{handler: &swapHandler{}}
	a.Handler = a.handler
	var sb *sandbox.Sandbox
	if cfg.Sandbox {
		var err error
		if cfg.Linking.PublicURL == "" {
			cfg.Linking.PublicURL = "http://" + cfg.Listen
		}
		sb, err = sandbox.Start(sandbox.Options{
			Latency: time.Duration(cfg.SandboxLatency), Jitter: time.Duration(cfg.SandboxLatency) / 4, FaultRates: cfg.SandboxFaults,
			PublicURL: cfg.Linking.PublicURL,
		})
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, sb.Close)
		cfg.Providers = sb.Providers()
		if cfg.Linking.UpcomingApprovalURL == "" {
			cfg.Linking.UpcomingApprovalURL = sb.UpcomingApprovalURL()
		}
	}
	if sb != nil && (cfg.RedisURL != "" || cfg.DatabaseURL != "") {
		// The sandbox's groups, budgets and rate limits are made up: they
		// must not land in a deployment's Redis (the simulated Flickr groups
		// have real groups' IDs), nor its viewer in a deployment's store.
		logger.Warn("the sandbox keeps everything in memory: redis_url and DATABASE_URL are not used")
		cfg.RedisURL, cfg.DatabaseURL = "", ""
	}
	if !upstream.AnyConfigured(cfg.Providers) {
		a.Close()
		return nil, ErrNoProviders
	}
	for _, key := range upstream.WithDefaultURLs(cfg.Providers).Cleartext() {
		logger.Warn("a platform is reached over plain http: the credentials sent to it can be read on the way", "setting", key)
	}
	var db *store.DB
	var err error
	if sb != nil {
		db, err = store.OpenSandbox(ctx)
	} else {
		db, err = store.OpenConfigured(ctx, cfg.DatabaseURL, cfg.DataDir, getenv)
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = db.Close() })
	e, err := edge.New(ctx, cfg, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.closers = append(a.closers, e.Close)
	var st store.Store = db
	if db.Backend() == "postgres" {
		// A database over the network can stall: every call gets a short
		// timeout and, after a failure, fails at once for a while.
		st = store.Guard(db, store.GuardOptions{Logger: logger, Observer: e.Telemetry.Metrics().SetDependencyUp})
		e.Telemetry.Metrics().SetDependencyUp("store", true)
	}
	e.StorePing = st.Ping
	sandboxToken := ""
	if sb != nil {
		if sandboxToken, err = seedSandboxViewer(ctx, st, sb); err != nil {
			a.Close()
			return nil, err
		}
	}
	jwtAuth, err := newJWTAuthenticator(cfg.JWT, st, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	up := upstream.New(e.Redis, cfg.RedisPrefix, e.Telemetry)
	e.Breakers = up
	build := func() (http.Handler, *providers.Registry, error) {
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{Logger: logger})
		reg, ps, err := upstream.NewRegistry(cfg.Providers, up, st, statuses, logger)
		if err != nil {
			return nil, nil, err
		}
		viewers, err := staticViewers(cfg.Viewers, reg)
		if err != nil {
			return nil, nil, err
		}
		authn := auth.Chain{Tokens: auth.NewTokens(st), Static: auth.NewStatic(viewers)}
		if jwtAuth != nil {
			authn.JWT = jwtAuth
		}
		var akanaLogin accounts.AkanaLogin
		if ps.Akana != nil {
			akanaLogin = func(ctx context.Context, email, password string) (providers.Account, error) {
				res, err := ps.Akana.Login(ctx, email, password)
				if err != nil {
					return providers.Account{}, err
				}
				return res.Account(""), nil
			}
		}
		staticIDs := make([]string, 0, len(viewers))
		for _, v := range viewers {
			staticIDs = append(staticIDs, v.ID)
		}
		vault := accounts.NewService(st, akanaLogin, logger).WithStatuses(statuses).WithStaticViewers(staticIDs...)
		link := linking.New(linking.Config{
			Store: st,
			Linker: linking.LinkerFunc(func(ctx context.Context, viewerID string, acct providers.Account) error {
				_, err := vault.Link(ctx, viewerID, acct)
				return err
			}),
			Authenticator: authn, Flickr: ps.Flickr, PageSeeder: ps.PageSeeder, Upcoming: ps.Upcoming,
			PublicURL: cfg.Linking.PublicURL, ReturnURL: cfg.Linking.ReturnURL,
			UpcomingApprovalURL: cfg.Linking.UpcomingApprovalURL, Logger: logger,
		})
		mux := http.NewServeMux()
		mux.Handle("/", NewHandler(cfg, reg, authn, sandboxToken, logger, vault, e))
		mux.Handle("/connect/", link)
		return mux, reg, nil
	}
	h, reg, err := build()
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Registry = reg
	if sb == nil {
		a.handler.store(h)
		return a, nil
	}
	// In the sandbox, POST /sandbox/reset restores the seed data and gives
	// the sandbox viewer's accounts the simulators' fresh credentials; the
	// viewer and its token stay.
	//
	// A reset is exclusive: it waits for the requests in flight, which use
	// the old simulators' credentials, and the requests that arrive
	// meanwhile wait for it, then run on the rebuilt handler. The shared
	// details cache is dropped, since it holds the old simulators' groups.
	var gate sync.RWMutex
	current := &swapHandler{}
	current.store(h)
	top := http.NewServeMux()
	top.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gate.RLock()
		defer gate.RUnlock()
		current.ServeHTTP(w, r)
	}))
	top.HandleFunc("POST /sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		gate.Lock()
		defer gate.Unlock()
		// Once begun, a reset finishes even if its caller goes away: a half
		// reset would leave the viewer's credentials for the old simulators.
		ctx := context.WithoutCancel(r.Context())
		if err := sb.Reset(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		if err := linkSandboxAccounts(ctx, st, sb); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "relinking the sandbox accounts failed"})
			return
		}
		up.ForgetCaches()
		nh, _, err := build()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		current.store(nh)
		writeJSON(w, http.StatusOK, map[string]any{"reset": true})
	})
	a.handler.store(top)
	a.Banner = sandboxBanner(cfg, sb, sandboxToken)
	return a, nil
}

// sandboxViewerName is the sandbox viewer's name in its store.
const sandboxViewerName = "sandbox"

// seedSandboxViewer creates the sandbox viewer in the sandbox's store, links
// the simulators' sandbox accounts to it and mints its access token.
func seedSandboxViewer(ctx context.Context, st store.Store, sb *sandbox.Sandbox) (string, error) {
	v, err := st.CreateViewer(ctx, sandboxViewerName)
	if err != nil {
		return "", fmt.Errorf("sandbox viewer: %w", err)
	}
	if err := linkSandboxAccounts(ctx, st, sb); err != nil {
		return "", err
	}
	token, _, err := st.CreateToken(ctx, v.ID, time.Time{})
	if err != nil {
		return "", fmt.Errorf("sandbox token: %w", err)
	}
	return token, nil
}

// linkSandboxAccounts (re)links the simulators' current sandbox accounts.
func linkSandboxAccounts(ctx context.Context, st store.Store, sb *sandbox.Sandbox) error {
	v, err := st.ViewerByName(ctx, sandboxViewerName)
	if err != nil {
		return fmt.Errorf("sandbox viewer: %w", err)
	}
	for _, acct := range sb.Viewer().Accounts {
		if _, err := st.UpsertAccount(ctx, v.ID, acct); err != nil {
			return fmt.Errorf("sandbox %s account: %w", acct.Provider, err)
		}
	}
	return nil
}

// resetSandbox asks the sandbox serving at addr to restore its seed data.
func resetSandbox(ctx context.Context, addr string, stdout io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/sandbox/reset", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("no sandbox answering at %s (start one with -sandbox): %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sandbox at %s refused the reset: %s", addr, resp.Status)
	}
	fmt.Fprintf(stdout, "sandbox at %s restored to its seed data\n", addr)
	return nil
}

// sandboxBanner tells the developer what they are looking at.
func sandboxBanner(cfg config.Config, sb *sandbox.Sandbox, token string) string {
	var b strings.Builder
	b.WriteString("\n  SANDBOX: simulated platforms with seed data; nothing here is real.\n")
	fmt.Fprintf(&b, "  Simulated: %v\n", sb.Kinds())
	fmt.Fprintf(&b, "  Token:      %s\n", token)
	fmt.Fprintf(&b, "  Playground: http://%s/\n", cfg.Listen)
	fmt.Fprintf(&b, "  Try:        curl -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n", token)
	fmt.Fprintf(&b, "                -d '{\"query\":\"{ viewer { memberships(first: 5) { totalCount nodes { group { name } } } } }\"}' http://%s/graphql\n", cfg.Listen)
	fmt.Fprintf(&b, "  Reset:      groupgraph -sandbox-reset -listen %s (or POST /sandbox/reset) restores the seed data.\n\n", cfg.Listen)
	return b.String()
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// The vault is what the GraphQL layer's account mutations and fields use.
var _ graph.Accounts = (*accounts.Service)(nil)
