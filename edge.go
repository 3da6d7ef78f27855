package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/health"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
)

// edge holds what the HTTP edge shares across requests: telemetry, the
// rate limiter, the persisted-query store, and what readiness checks.
type edge struct {
	telemetry   *telemetry.Telemetry
	limiter     *ratelimit.Limiter
	persisted   apq.Store
	redis       *redis.Client
	storePing   func(context.Context) error
	breakers    health.HealthReporter
	closers     []func()
	compression bool
}

// newEdge builds the edge from the configuration: Redis when redis_url is
// set (rate limits and persisted queries then hold across instances),
// memory otherwise; telemetry; safelist manifests loaded into the store.
func newEdge(ctx context.Context, cfg config.Config, logger *slog.Logger) (*edge, error) {
	e := &edge{compression: true}
	tel, err := telemetry.New(ctx, telemetry.Config{
		Metrics:      cfg.Metrics,
		OTLPEndpoint: cfg.OTLPEndpoint,
		Logger:       logger,
		LogVariables: cfg.LogLevel == "debug",
	})
	if err != nil {
		return nil, err
	}
	e.telemetry = tel
	e.closers = append(e.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(sctx); err != nil {
			logger.Warn("flushing traces failed", "err", err)
		}
	})
	if cfg.RedisURL != "" {
		// go-redis logs through one package-wide logger; its pool messages
		// repeat, per command, what the guard says once per outage.
		redis.SetLogger(dependency.RedisLogger{L: logger})
		rdb, _, err := dependency.NewRedis(cfg.RedisURL, dependency.RedisOptions{Logger: logger, Observer: tel.Metrics().SetDependencyUp})
		if err != nil {
			e.close()
			return nil, errors.New("redis-url: cannot be parsed") // the URL may hold a password
		}
		e.redis = rdb
		tel.Metrics().SetDependencyUp("redis", true)
		e.closers = append(e.closers, func() { _ = e.redis.Close() })
	}
	if cfg.RateLimitPoints > 0 {
		var store ratelimit.Store = ratelimit.NewMemory(nil)
		if e.redis != nil {
			store = ratelimit.NewRedis(e.redis, cfg.RedisPrefix+"ratelimit:")
		}
		e.limiter = ratelimit.New(store, cfg.RateLimitPoints, time.Duration(cfg.RateLimitWindow))
	}
	if cfg.APQ {
		e.persisted, err = persistedStore(ctx, cfg, e.redis, logger)
		if err != nil {
			e.close()
			return nil, err
		}
	}
	return e, nil
}

// persistedStore is the document store: Redis when there is one (client
// registrations expire after apq_ttl, manifest entries never do), else an
// LRU for APQ or an unbounded list for a safelist.
func persistedStore(ctx context.Context, cfg config.Config, rdb *redis.Client, logger *slog.Logger) (apq.Store, error) {
	var store apq.Store
	switch {
	case rdb != nil && cfg.Safelist:
		store = apq.NewRedis(rdb, cfg.RedisPrefix+persistedPrefix, 0, logger)
	case rdb != nil:
		store = apq.NewRedis(rdb, cfg.RedisPrefix+persistedPrefix, time.Duration(cfg.APQTTL), logger)
	case cfg.Safelist:
		store = apq.NewList()
	default:
		store = apq.NewMemory(cfg.APQCacheSize)
	}
	for _, path := range cfg.SafelistManifests {
		n, err := importManifestFile(ctx, store, path)
		if err != nil {
			return nil, err
		}
		logger.Info("persisted documents loaded", "manifest", path, "documents", n)
	}
	return store, nil
}

// persistedPrefix follows redis_prefix in the keys of persisted documents.
const persistedPrefix = "apq:"

// importManifestFile loads one manifest file into store; the
// `persisted import` command and safelist_manifests share it.
func importManifestFile(ctx context.Context, store apq.Store, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("persisted-query manifest: %w", err)
	}
	defer f.Close()
	n, err := apq.ImportManifest(ctx, store, f)
	if err != nil {
		return 0, fmt.Errorf("persisted-query manifest %s: %w", path, err)
	}
	return n, nil
}

func (e *edge) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// graphConfig adds the edge's parts to the GraphQL handler's configuration.
func (e *edge) graphConfig(cfg config.Config, hc graph.HandlerConfig) graph.HandlerConfig {
	off := func(n int) int { // config: 0 is off; graph: 0 is the default, negative off
		if n == 0 {
			return -1
		}
		return n
	}
	hc.Limits = graph.Limits{
		MaxDepth: off(cfg.MaxDepth), MaxComplexity: off(cfg.MaxComplexity), MaxTokens: off(cfg.MaxTokens),
		MaxAliases: off(cfg.MaxAliases), MaxRootFields: off(cfg.MaxRootFields),
	}
	hc.Suggestions = cfg.IntrospectionEnabled()
	hc.PersistedQueries = e.persisted
	hc.Safelist = cfg.Safelist
	hc.RateLimiter = e.limiter
	hc.CSRFPrevention = cfg.CSRFPrevention
	hc.Telemetry = e.telemetry
	return hc
}

// wrap puts the request log, metrics and tracing around h, and gzip for
// responses over 1 KiB. Compression runs at gzip's fastest level: on a page
// of a hundred memberships (about 50 KiB of JSON) it costs half the CPU of
// the default level for an answer under a tenth larger.
func (e *edge) wrap(h http.Handler) http.Handler {
	if e.compression {
		gz, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed))
		if err == nil {
			h = gz(h)
		}
	}
	return e.telemetry.Middleware(h)
}

// routes adds /readyz and /metrics to mux.
func (e *edge) routes(mux *http.ServeMux) {
	mux.Handle("GET /readyz", health.Ready(health.Checks{Ping: e.storePing, Providers: e.breakers}))
	if m := e.telemetry.Metrics(); m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
}

// exposedHeaders are the response headers browser code may read.
func exposedHeaders() []string {
	return []string{
		"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset", "X-RateLimit-Resource",
		"Retry-After", telemetry.RequestIDHeader,
	}
}

// allowedHeaders are the request headers browsers may send cross-origin:
// those groupgraph reads, and the configured extra ones (cors_headers).
func allowedHeaders(extra []string) []string {
	h := []string{"Authorization", "Content-Type", "Accept", telemetry.RequestIDHeader}
	return append(append(h, graph.CSRFHeaders()...), extra...)
}

// serve serves on ln until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish within grace. Requests
// still running after it are cut off, so that none outlives the store and
// clients the caller closes next.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: requests still running after the %s grace period were cut off: %w", grace, err)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// runPersisted is `groupgraph persisted import FILE [flags]`: it loads a
// client's persisted-query manifest (Apollo or Relay) into the Redis every
// instance reads, where its documents never expire.
func runPersisted(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "import" {
		return errors.New("usage: groupgraph persisted import FILE [-config FILE] [-redis-url URL]")
	}
	cfg, err := config.Load(args[2:], getenv, stderr)
	if err != nil {
		return err
	}
	n, err := importPersisted(ctx, cfg, args[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d persisted documents from %s\n", n, args[1])
	return nil
}

// importPersisted loads one manifest into the shared Redis. Without Redis
// there is nothing lasting to import into: list the manifest under
// safelist_manifests instead, which loads it at every start.
func importPersisted(ctx context.Context, cfg config.Config, path string) (int, error) {
	if cfg.RedisURL == "" {
		return 0, errors.New("persisted import needs redis_url (env REDIS_URL); without Redis, list the manifest under safelist_manifests")
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return 0, errors.New("redis-url: cannot be parsed")
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	return importManifestFile(ctx, apq.NewRedis(rdb, cfg.RedisPrefix+persistedPrefix, 0, nil), path)
}
