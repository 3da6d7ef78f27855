package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/graph/loaders"
	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/providers"
)

// Defaults of HandlerConfig.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultQueryCacheSize = 1000
)

// HandlerConfig configures the GraphQL endpoint.
type HandlerConfig struct {
	// Registry holds the platforms.
	Registry *providers.Registry
	// Introspection enables __schema and __type queries.
	Introspection bool
	// MaxBodyBytes bounds a request body; larger bodies get 413.
	MaxBodyBytes int64
	// QueryCacheSize is how many parsed documents are kept.
	QueryCacheSize int
	// LoaderWait is the batching window of the group loaders.
	LoaderWait time.Duration
	// Logger receives panics and internal errors; nil discards them.
	Logger *slog.Logger
	// Accounts is the linked-account vault behind viewer.accounts and the
	// account mutations; nil without a store.
	Accounts Accounts

	// Limits bound each operation; zero fields take DefaultLimits.
	Limits Limits
	// Suggestions keeps "did you mean" hints in validation errors. They
	// reveal the schema, so they belong to development only.
	Suggestions bool
	// PersistedQueries stores Automatic Persisted Queries; nil turns them
	// off.
	PersistedQueries apq.Store
	// Safelist runs only documents already in PersistedQueries (loaded
	// from client manifests); clients cannot register new ones.
	Safelist bool
	// RateLimiter charges each operation to its caller; nil turns rate
	// limiting off.
	RateLimiter *ratelimit.Limiter
	// CSRFPrevention refuses GET and non-JSON POST requests that lack one
	// of the CSRFHeaders.
	CSRFPrevention bool
	// Telemetry records metrics and traces; nil records nothing.
	Telemetry *telemetry.Telemetry
}

// NewHandler returns the GraphQL endpoint: CSRF prevention, request body
// limit, fresh loaders per request, and gqlgen's executor with the
// GraphQL-over-HTTP transport (transport.go), a parsed-query cache,
// persisted queries, the operation limits and rate limit, the error
// presenter and a recover function. Authentication and CORS sit in front of
// it (see app.NewHandler).
func NewHandler(cfg HandlerConfig) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.QueryCacheSize <= 0 {
		cfg.QueryCacheSize = DefaultQueryCacheSize
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	metrics := cfg.Telemetry.Metrics()
	es := NewExecutableSchema(Config{Resolvers: &Resolver{Registry: cfg.Registry, Accounts: cfg.Accounts}, Complexity: connectionCosts()})
	srv := handler.New(es)
	t := httpTransport{}
	if !cfg.Suggestions {
		t.hide = newSchemaNames(es.Schema())
	}
	srv.AddTransport(t) // first: it answers HEAD, with Allow
	srv.AddTransport(transport.Options{})
	limits := cfg.Limits.withDefaults()
	srv.SetQueryCache(&documents{
		lru: lru.New[*ast.QueryDocument](cfg.QueryCacheSize), schema: es.Schema(), rules: validationRules(cfg.Suggestions),
		limits: limits, limiter: cfg.RateLimiter, metrics: metrics, logger: logger,
	})
	if limits.MaxTokens > 0 {
		srv.SetParserTokenLimit(limits.MaxTokens)
	}
	srv.SetDisableSuggestion(!cfg.Suggestions)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(persistedQueries{store: cfg.PersistedQueries, safelist: cfg.Safelist, metrics: metrics})
	srv.Use(&guard{limits: limits, introspection: cfg.Introspection, limiter: cfg.RateLimiter, metrics: metrics, logger: logger})
	if tp := cfg.Telemetry.TracerProvider(); tp != nil {
		srv.Use(operationTracer(tp))
	}
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		// The error itself, as a resolver returned it: the presenter
		// rewrites the message of the *gqlerror.Error around it. Errors
		// without one (parser, validation, the recover function's) are
		// already client-safe or already logged.
		var cause error
		if gqlErr, ok := errors.AsType[*gqlerror.Error](err); !ok {
			cause = err
		} else {
			cause = gqlErr.Err
		}
		out := PresentError(ctx, err)
		if code, _ := out.Extensions["code"].(string); code == codeInternal && cause != nil {
			// The client sees "internal error"; the detail goes to the log.
			logger.ErrorContext(ctx, "internal error", "err", cause.Error(), "path", out.Path.String())
		}
		return out
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "panic while resolving", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": codeInternal}}
	})
	var opts []loaders.Option
	if cfg.LoaderWait > 0 {
		opts = append(opts, loaders.WithWait(cfg.LoaderWait))
	}
	if metrics != nil {
		opts = append(opts, loaders.WithBatchObserver(func(k providers.Kind, n int) { metrics.ObserveBatch(string(k), n) }))
	}
	h := limitBody(cfg.MaxBodyBytes, loaders.Middleware(cfg.Registry, srv, opts...))
	if cfg.CSRFPrevention {
		h = preventCSRF(h)
	}
	return refuseWebSockets(h)
}

// limitBody reads the whole body up to max bytes before GraphQL sees it, so
// that an oversize body is answered 413 with a GraphQL-shaped error rather
// than failing half-way through decoding.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		tooLarge := requestError(CodeRequestTooLarge, fmt.Sprintf("request body larger than %d bytes", max))
		if r.ContentLength > max {
			writeBodyError(w, r, tooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeBodyError(w, r, tooLarge)
				return
			}
			writeBodyError(w, r, requestError(CodeBadRequest, "could not read the request body"))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// writeBodyError answers a request whose body could not be taken, in the
// media type the client accepts.
func writeBodyError(w http.ResponseWriter, r *http.Request, errs gqlerror.List) {
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		media = mediaJSON
	}
	writeRequestError(w, media, errs, nil)
}
