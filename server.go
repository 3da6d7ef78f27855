// Command groupgraph serves one GraphQL API over the groups a person belongs
// to on Flickr, Upcoming, PageSeeder and the Akana API Platform.
//
// This file wires the program together: configuration, the platform clients,
// authentication, the GraphQL handler and the HTTP server. It is the only
// place that knows the concrete platforms.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/cors"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/playground"
	"github.com/groupgraph/groupgraph/internal/sandbox"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/akana"
	"github.com/groupgraph/groupgraph/providers/flickr"
	"github.com/groupgraph/groupgraph/providers/pageseeder"
	"github.com/groupgraph/groupgraph/providers/upcoming"
)

func main() {
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
	cfg, err := config.Load(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.SandboxReset {
		return resetSandbox(ctx, cfg.Listen, stdout)
	}
	logger := newLogger(cfg.LogLevel, stderr)
	app, err := newApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
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
	fmt.Fprintf(stdout, "groupgraph listening on %s/graphql\n", base)
	if app.banner != "" {
		fmt.Fprint(stdout, app.banner)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "providers", app.registry.Kinds())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", time.Duration(cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.ShutdownTimeout))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
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

// newApp builds the platform clients, the authenticator and the HTTP
// handler from the configuration; in sandbox mode it first starts the
// simulators and points the configuration at them.
func newApp(_ context.Context, cfg config.Config, logger *slog.Logger) (*app, error) {
	a := &app{handler: &swapHandler{}}
	var sb *sandbox.Sandbox
	sandboxToken := ""
	if cfg.Sandbox {
		var err error
		sb, err = sandbox.Start(sandbox.Options{Latency: time.Duration(cfg.SandboxLatency), Jitter: time.Duration(cfg.SandboxLatency) / 4, FaultRates: cfg.SandboxFaults})
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, sb.Close)
		cfg.Providers = sb.Providers()
		sandboxToken = randomToken("ggs_")
	}
	up, err := newUpstreams(cfg)
	if err != nil {
		a.close()
		return nil, err
	}
	a.closers = append(a.closers, up.close)
	build := func() (http.Handler, *providers.Registry, error) {
		ps, err := newProviders(cfg.Providers, up)
		if err != nil {
			return nil, nil, err
		}
		if len(ps) == 0 {
			return nil, nil, errNoProviders
		}
		reg := providers.NewRegistry(ps...)
		viewers, err := staticViewers(cfg.Viewers, reg)
		if err != nil {
			return nil, nil, err
		}
		if sb != nil {
			viewers[sandboxToken] = sb.Viewer()
		}
		return newHandler(cfg, reg, auth.NewStatic(viewers), sandboxToken, logger), reg, nil
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
	// In the sandbox, POST /sandbox/reset restores the seed data.
	var mu sync.Mutex
	withReset := func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", h)
		mux.HandleFunc("POST /sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if err := sb.Reset(); err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
				return
			}
			nh, _, err := build()
			if err != nil {
				writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
				return
			}
			a.handler.store(withResetFn(nh))
			writeJSON(w, http.StatusOK, map[string]any{"reset": true})
		})
		return mux
	}
	withResetFn = withReset
	a.handler.store(withReset(h))
	a.banner = sandboxBanner(cfg, sb, sandboxToken)
	return a, nil
}

// withResetFn lets the reset handler re-wrap the handler it rebuilds.
var withResetFn func(http.Handler) http.Handler

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

func randomToken(prefix string) string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// newProviders builds a client for every configured platform.
func newProviders(cfg config.Providers, up *upstreams) ([]providers.Provider, error) {
	var ps []providers.Provider
	if c := cfg.Flickr; c != nil {
		p, err := flickr.New(flickr.Config{
			BaseURL: c.BaseURL, OAuthURL: c.OAuthURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
			MaxConcurrency: c.MaxConcurrency, HTTPClient: up.httpClient(providers.Flickr, c.Upstream),
		})
		if err != nil {
			return nil, fmt.Errorf("providers.flickr: %w", err)
		}
		ps = append(ps, up.wrap(p, c.Upstream))
	}
	if c := cfg.PageSeeder; c != nil {
		p, err := pageseeder.New(pageseeder.Config{
			BaseURL: c.BaseURL, ServicePrefix: c.ServicePrefix, TokenURL: c.TokenURL, AuthorizeURL: c.AuthorizeURL,
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL, Scopes: c.Scopes,
			HTTPClient: up.httpClient(providers.PageSeeder, c.Upstream),
		})
		if err != nil {
			return nil, fmt.Errorf("providers.pageseeder: %w", err)
		}
		ps = append(ps, up.wrap(p, c.Upstream))
	}
	if c := cfg.Upcoming; c != nil {
		loc := time.UTC
		if c.TimeZone != "" {
			var err error
			if loc, err = time.LoadLocation(c.TimeZone); err != nil {
				return nil, fmt.Errorf("providers.upcoming.timezone: %w", err)
			}
		}
		p, err := upcoming.New(upcoming.Config{
			BaseURL: c.BaseURL, SiteURL: c.SiteURL, APIKey: c.APIKey, Location: loc, MaxBatch: c.MaxBatch, XML: c.XML,
			HTTPClient: up.httpClient(providers.Upcoming, c.Upstream),
		})
		if err != nil {
			return nil, fmt.Errorf("providers.upcoming: %w", err)
		}
		ps = append(ps, up.wrap(p, c.Upstream))
	}
	if c := cfg.Akana; c != nil {
		p, err := akana.New(akana.Config{
			BaseURL: c.BaseURL, Tenant: c.Tenant, RenewBefore: time.Duration(c.RenewBefore), Concurrency: c.Concurrency,
			HTTPClient: up.httpClient(providers.Akana, c.Upstream),
		})
		if err != nil {
			return nil, fmt.Errorf("providers.akana: %w", err)
		}
		ps = append(ps, up.wrap(p, c.Upstream))
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

// newHandler builds the HTTP surface: /graphql behind CORS, authentication
// and the request deadline; /healthz; the playground at / when enabled.
func newHandler(cfg config.Config, reg *providers.Registry, authn auth.Authenticator, sandboxToken string, logger *slog.Logger) http.Handler {
	gql := graph.NewHandler(graph.HandlerConfig{
		Registry:      reg,
		Introspection: cfg.IntrospectionEnabled(),
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Logger:        logger,
	})
	c := cors.New(cors.Options{
		AllowedOrigins: cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Accept"},
		MaxAge:         600,
	})
	mux := http.NewServeMux()
	mux.Handle("/graphql", c.Handler(auth.Middleware(authn, deadline(time.Duration(cfg.RequestTimeout), gql))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
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
