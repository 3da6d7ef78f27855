// Command groupgraph serves one GraphQL API over the groups a person belongs
// to on Flickr, Upcoming, PageSeeder and the Akana API Platform.
//
// This file wires the program together: configuration, the platform clients,
// authentication, the GraphQL handler and the HTTP server. It is the only
// place that knows the concrete platforms.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/cors"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/linking"
	"github.com/groupgraph/groupgraph/internal/playground"
	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// A query allocates much short-lived memory and keeps little of it: the
// load scenario used 5.8 ms of CPU per query at Go's default of 100 and
// 4.4 ms at 400, for about twice the peak memory. GOGC and GOMEMLIMIT
// still decide when set.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, config.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "groupgraph:", err)
		os.Exit(1)
	}
}

// errNoProviders explains how to get a first working configuration.
var errNoProviders = errors.New(`no platform is configured.
Configure at least one under "providers:" in a config file (see README, "Configuration")
and start with -config groupgraph.yaml, or try everything locally with: go run . -sandbox`)

// run is the whole program, parameterised for tests: it serves until ctx is
// cancelled, then drains in-flight requests and returns.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case isSubcommand(args):
		return runCLI(ctx, args, getenv, stdout, stderr)
	case len(args) > 0 && args[0] == "load":
		return runLoad(ctx, args[1:], stdout)
	case len(args) > 0 && args[0] == "simulate":
		return sandbox.Simulate(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "persisted":
		return runPersisted(ctx, args[1:], getenv, stdout, stderr)
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
	app, err := newApp(ctx, cfg, getenv, logger)
	if err != nil {
		return err
	}
	defer app.close()

	srv := &http.Server{
		Handler:           app.handler,
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
	fmt.Fprintf(stdout, "groupgraph listening on %s/graphql\n%s", base, app.banner)
	logger.Info("listening", "addr", ln.Addr().String(), "providers", app.registry.Kinds())

	return serve(ctx, srv, ln, time.Duration(cfg.ShutdownTimeout), logger)
}

// withDefaultURLs returns the platforms' settings with each URL left empty
// replaced by the one the client falls back to, so that a check of where
// the credentials go sees Upcoming's plain-http default too.
func withDefaultURLs(p config.Providers) config.Providers {
	if c := p.Upcoming; c != nil && c.BaseURL == "" {
		u := *c
		u.BaseURL = upcoming.DefaultBaseURL
		p.Upcoming = &u
	}
	return p
}

// app is the wired program. Its handler can be swapped whole, which is how
// the sandbox's reset rebuilds the clients over freshly seeded simulators.
type app struct {
	registry *providers.Registry
	handler  *swapHandler
	banner   string
	closers  []func()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}
func (s *swapHandler) store(h http.Handler) { s.h.Store(&h) }

// newApp builds the platform clients, the store, the authenticator and the
// HTTP handler from the configuration; in sandbox mode it first starts the
// simulators and points the configuration at them, and keeps the sandbox
// viewer in a private in-memory store.
func newApp(ctx context.Context, cfg config.Config, getenv func(string) string, logger *slog.Logger) (*app, error) {
	a := &app{handler: &swapHandler{}}
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
	if !anyProvider(cfg.Providers) {
		a.close()
		return nil, errNoProviders
	}
	for _, key := range withDefaultURLs(cfg.Providers).Cleartext() {
		logger.Warn("a platform is reached over plain http: the credentials sent to it can be read on the way", "setting", key)
	}
	var db *store.DB
	var err error
	if sb != nil {
		db, err = openSandboxStore(ctx)
	} else {
		db, err = openStore(ctx, cfg, getenv)
	}
	if err != nil {
		a.close()
		return nil, err
	}
	a.closers = append(a.closers, func() { _ = db.Close() })
	e, err := newEdge(ctx, cfg, logger)
	if err != nil {
		a.close()
		return nil, err
	}
	a.closers = append(a.closers, e.close)
	var st store.Store = db
	if db.Backend() == "postgres" {
		// A database over the network can stall: every call gets a short
		// timeout and, after a failure, fails at once for a while.
		st = store.Guard(db, store.GuardOptions{Logger: logger, Observer: e.telemetry.Metrics().SetDependencyUp})
		e.telemetry.Metrics().SetDependencyUp("store", true)
	}
	e.storePing = st.Ping
	sandboxToken := ""
	if sb != nil {
		if sandboxToken, err = seedSandboxViewer(ctx, st, sb); err != nil {
			a.close()
			return nil, err
		}
	}
	jwtAuth, err := newJWTAuthenticator(cfg.JWT, st, logger)
	if err != nil {
		a.close()
		return nil, err
	}
	up := newUpstreams(e.redis, cfg.RedisPrefix, e.telemetry)
	e.breakers = up
	build := func() (http.Handler, *providers.Registry, error) {
		statuses := accounts.NewStatuses(st, accounts.StatusOptions{Logger: logger})
		reg, ps, err := newRegistry(cfg.Providers, up, st, statuses, logger)
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
		if ps.akana != nil {
			akanaLogin = func(ctx context.Context, email, password string) (providers.Account, error) {
				res, err := ps.akana.Login(ctx, email, password)
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
			Authenticator: authn, Flickr: ps.flickr, PageSeeder: ps.pageseeder, Upcoming: ps.upcoming,
			PublicURL: cfg.Linking.PublicURL, ReturnURL: cfg.Linking.ReturnURL,
			UpcomingApprovalURL: cfg.Linking.UpcomingApprovalURL, Logger: logger,
		})
		mux := http.NewServeMux()
		mux.Handle("/", newHandler(cfg, reg, authn, sandboxToken, logger, vault, e))
		mux.Handle("/connect/", link)
		return mux, reg, nil
	}
	h, reg, err := build()
	if err != nil {
		a.close()
		return nil, err
	}
	a.registry = reg
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
		up.forgetCaches()
		nh, _, err := build()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		current.store(nh)
		writeJSON(w, http.StatusOK, map[string]any{"reset": true})
	})
	a.handler.store(top)
	a.banner = sandboxBanner(cfg, sb, sandboxToken)
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

// platformClients are the configured platforms' clients: all of them as
// providers, and the concrete clients the linking flows need.
type platformClients struct {
	all        []providers.Provider
	flickr     *flickr.Client
	pageseeder *pageseeder.Client
	upcoming   *upcoming.Client
	akana      *akana.Client
}

// newRegistry builds every configured platform's client and wraps it:
// outermost the resilience layer (retries, breaker, shared cache), inside it
// the account bookkeeping when there is a store, so that every attempt that
// reaches a platform marks its account and audits its leave.
func newRegistry(cfg config.Providers, up *upstreams, st store.Store, statuses *accounts.Statuses, logger *slog.Logger) (*providers.Registry, platformClients, error) {
	var sink providers.CredentialSink
	if st != nil {
		sink = store.NewCredentialSink(st).WithLogger(logger)
	}
	ps, err := newProviders(cfg, sink, up)
	if err != nil {
		return nil, ps, err
	}
	decorated := make([]providers.Provider, 0, len(ps.all))
	for _, p := range ps.all {
		if st != nil {
			p = accounts.Decorate(p, st, statuses, logger)
		}
		decorated = append(decorated, up.wrap(p, upstreamOf(cfg, p.Kind())))
	}
	return providers.NewRegistry(decorated...), ps, nil
}

// upstreamOf returns the shared upstream settings of platform k.
func upstreamOf(cfg config.Providers, k providers.Kind) config.Upstream {
	switch {
	case k == providers.Flickr && cfg.Flickr != nil:
		return cfg.Flickr.Upstream
	case k == providers.Upcoming && cfg.Upcoming != nil:
		return cfg.Upcoming.Upstream
	case k == providers.PageSeeder && cfg.PageSeeder != nil:
		return cfg.PageSeeder.Upstream
	case k == providers.Akana && cfg.Akana != nil:
		return cfg.Akana.Upstream
	}
	return config.Upstream{}
}

// anyProvider reports whether at least one platform is configured.
func anyProvider(cfg config.Providers) bool {
	return cfg.Flickr != nil || cfg.PageSeeder != nil || cfg.Upcoming != nil || cfg.Akana != nil
}

// newProviders builds a client for every configured platform. Credentials a
// client renews on its own go to sink, so that they outlive the process.
func newProviders(cfg config.Providers, sink providers.CredentialSink, up *upstreams) (platformClients, error) {
	var ps platformClients
	if c := cfg.Flickr; c != nil {
		p, err := flickr.New(flickr.Config{
			BaseURL: c.BaseURL, OAuthURL: c.OAuthURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
			MaxConcurrency: c.MaxConcurrency, HTTPClient: up.httpClient(providers.Flickr, c.Upstream),
		})
		if err != nil {
			return ps, fmt.Errorf("providers.flickr: %w", err)
		}
		ps.flickr = p
		ps.all = append(ps.all, p)
	}
	if c := cfg.PageSeeder; c != nil {
		p, err := pageseeder.New(pageseeder.Config{
			BaseURL: c.BaseURL, ServicePrefix: c.ServicePrefix, TokenURL: c.TokenURL, AuthorizeURL: c.AuthorizeURL,
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, Scopes: c.Scopes,
			HTTPClient: up.httpClient(providers.PageSeeder, c.Upstream), Credentials: sink,
		})
		if err != nil {
			return ps, fmt.Errorf("providers.pageseeder: %w", err)
		}
		ps.pageseeder = p
		ps.all = append(ps.all, p)
	}
	if c := cfg.Upcoming; c != nil {
		loc := time.UTC
		if c.TimeZone != "" {
			var err error
			if loc, err = time.LoadLocation(c.TimeZone); err != nil {
				return ps, fmt.Errorf("providers.upcoming.timezone: %w", err)
			}
		}
		p, err := upcoming.New(upcoming.Config{
			BaseURL: c.BaseURL, SiteURL: c.SiteURL, APIKey: c.APIKey, Location: loc, MaxBatch: c.MaxBatch, XML: c.XML,
			HTTPClient: up.httpClient(providers.Upcoming, c.Upstream),
		})
		if err != nil {
			return ps, fmt.Errorf("providers.upcoming: %w", err)
		}
		ps.upcoming = p
		ps.all = append(ps.all, p)
	}
	if c := cfg.Akana; c != nil {
		p, err := akana.New(akana.Config{
			BaseURL: c.BaseURL, Tenant: c.Tenant, RenewBefore: time.Duration(c.RenewBefore), Concurrency: c.Concurrency,
			HTTPClient: up.httpClient(providers.Akana, c.Upstream), Sink: sink,
		})
		if err != nil {
			return ps, fmt.Errorf("providers.akana: %w", err)
		}
		ps.akana = p
		ps.all = append(ps.all, p)
	}
	return ps, nil
}

// staticViewers turns the configuration's development viewers into viewers
// keyed by token.
func staticViewers(vs []config.Viewer, reg *providers.Registry) (map[string]*providers.Viewer, error) {
	out := make(map[string]*providers.Viewer, len(vs))
	for i, v := range vs {
		viewer := &providers.Viewer{ID: fmt.Sprintf("static-%d", i+1), Name: v.Name}
		for j, a := range v.Accounts {
			k, err := providers.ParseKind(a.Provider)
			if err != nil {
				return nil, fmt.Errorf("viewers[%d].accounts[%d]: %w", i, j, err)
			}
			if _, ok := reg.Provider(k); !ok {
				return nil, fmt.Errorf("viewers[%d].accounts[%d]: %s is not configured under providers", i, j, k)
			}
			if _, dup := viewer.Account(k); dup {
				return nil, fmt.Errorf("viewers[%d]: two %s accounts", i, k)
			}
			viewer.Accounts = append(viewer.Accounts, providers.Account{
				ID: fmt.Sprintf("static-%d-%s", i+1, k), Provider: k, UserID: a.UserID, DisplayName: a.DisplayName,
				Credentials: providers.Credentials{Token: a.Token, Secret: a.Secret, RefreshToken: a.RefreshToken, Expiry: a.Expiry},
			})
		}
		if _, dup := out[v.Token]; dup {
			return nil, fmt.Errorf("viewers[%d]: token already used by another viewer", i)
		}
		out[v.Token] = viewer
	}
	return out, nil
}

// newHandler builds the HTTP surface: /graphql behind the request log and
// metrics, gzip, CORS, authentication and the request deadline; /healthz,
// /readyz and /metrics; the playground at / when enabled.
func newHandler(cfg config.Config, reg *providers.Registry, authn auth.Authenticator, sandboxToken string, logger *slog.Logger, vault graph.Accounts, e *edge) http.Handler {
	gql := graph.NewHandler(e.graphConfig(cfg, graph.HandlerConfig{
		Registry:      reg,
		Introspection: cfg.IntrospectionEnabled(),
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Logger:        logger,
		Accounts:      vault,
	}))
	c := cors.New(cors.Options{
		AllowOriginFunc: allowOrigins(cfg.CORSOrigins),
		AllowedMethods:  []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:  allowedHeaders(cfg.CORSHeaders),
		ExposedHeaders:  exposedHeaders(),
		MaxAge:          600,
	})
	mux := http.NewServeMux()
	mux.Handle("/graphql", e.wrap(c.Handler(auth.MiddlewareWithLogger(authn, logger, deadline(time.Duration(cfg.RequestTimeout), gql)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	e.routes(mux)
	if cfg.Playground || cfg.Sandbox {
		opts := playground.Options{Title: "groupgraph", Endpoint: "/graphql", Tabs: exampleTabs}
		if sandboxToken != "" {
			opts.Title = "groupgraph sandbox"
			opts.Headers = map[string]string{"Authorization": "Bearer " + sandboxToken}
		}
		mux.Handle("/", playground.Handler(opts))
	}
	return mux
}

// allowOrigins is the CORS origin check: exactly the configured origins.
// rs/cors's own AllowedOrigins allows every origin when the list is empty
// and reads a "*" inside an origin as a pattern; groupgraph allows no
// browser origin by default, and no wildcard at all.
func allowOrigins(origins []string) func(string) bool {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.ToLower(o)] = true
	}
	return func(origin string) bool { return allowed[strings.ToLower(origin)] }
}

// deadline bounds each request, upstream calls included.
func deadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// The vault is what the GraphQL layer's account mutations and fields use.
var _ graph.Accounts = (*accounts.Service)(nil)
