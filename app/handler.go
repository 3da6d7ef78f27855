package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rs/cors"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/edge"
	"github.com/groupgraph/groupgraph/internal/playground"
	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/internal/upstream"
	"github.com/groupgraph/groupgraph/providers"
)

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

// NewHandler builds the HTTP surface: /graphql behind the request log and
// metrics, gzip, CORS, authentication and the request deadline; /healthz,
// /readyz and /metrics; the playground at / when enabled.
func NewHandler(cfg config.Config, reg *providers.Registry, authn auth.Authenticator, sandboxToken string, logger *slog.Logger, vault graph.Accounts, e *edge.Edge) http.Handler {
	gql := graph.NewHandler(graphConfig(e, cfg, graph.HandlerConfig{
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
		ExposedHeaders:  edge.ExposedHeaders(),
		MaxAge:          600,
	})
	mux := http.NewServeMux()
	mux.Handle("/graphql", e.Wrap(c.Handler(auth.MiddlewareWithLogger(authn, logger, deadline(time.Duration(cfg.RequestTimeout), gql)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	e.Routes(mux)
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

// graphConfig adds the edge's parts to the GraphQL handler's configuration.
func graphConfig(e *edge.Edge, cfg config.Config, hc graph.HandlerConfig) graph.HandlerConfig {
	off := func(n int) int { // config: 0 is off; graph: 0 is the default, negative off
		if n == 0 {
			return -1
		}
		return n
	}
	hc.Limits = graph.Limits{
		MaxDepth: off(cfg.MaxDepth), MaxComplexity: off(cfg.MaxComplexity), MaxTokens: off(cfg.MaxTokens),
		MaxAliases: off(cfg.MaxAliases), MaxRootFields: off(cfg.MaxRootFields), MaxSelections: off(cfg.MaxSelections),
	}
	hc.Suggestions = cfg.IntrospectionEnabled()
	hc.PersistedQueries = e.Persisted
	hc.Safelist = cfg.Safelist
	hc.RateLimiter = e.Limiter
	hc.CSRFPrevention = cfg.CSRFPrevention
	hc.Telemetry = e.Telemetry
	return hc
}

// allowedHeaders are the request headers browsers may send cross-origin:
// those groupgraph reads, and the configured extra ones (cors_headers).
func allowedHeaders(extra []string) []string {
	h := []string{"Authorization", "Content-Type", "Accept", telemetry.RequestIDHeader}
	return append(append(h, graph.CSRFHeaders()...), extra...)
}

// BuildStack wires groupgraph exactly as the server does (upstream.New,
// upstream.NewRegistry, NewHandler) over static viewers and no store, for
// the load scenarios, benchmarks and fault tests.
func BuildStack(cfg config.Config, viewers map[string]*providers.Viewer) (http.Handler, *providers.Registry, func(), error) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := edge.New(context.Background(), cfg, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	up := upstream.New(e.Redis, cfg.RedisPrefix, e.Telemetry)
	reg, _, err := upstream.NewRegistry(cfg.Providers, up, nil, nil, logger)
	if err != nil {
		e.Close()
		return nil, nil, nil, err
	}
	h := NewHandler(cfg, reg, auth.NewStatic(viewers), "", logger, nil, e)
	return h, reg, e.Close, nil
}
