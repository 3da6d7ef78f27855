// Package edge is what the HTTP edge shares across requests in front of the
// GraphQL handler: telemetry, the rate limiter, the persisted-query store,
// gzip, readiness and metrics routes, and the server's graceful shutdown.
package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/internal/health"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
)

// Edge holds what the HTTP edge shares across requests: telemetry, the
// rate limiter, the persisted-query store, and what readiness checks.
type Edge struct {
	// Telemetry is the request log, metrics and tracing.
	Telemetry *telemetry.Telemetry
	// Limiter is the rate limiter, nil when rate limiting is off.
	Limiter *ratelimit.Limiter
	// Persisted is the persisted-query store, nil when APQ is off.
	Persisted apq.Store
	// Redis is the shared Redis, nil without redis_url.
	Redis *redis.Client
	// StorePing checks the store for /readyz.
	StorePing func(context.Context) error
	// Breakers reports the platforms' circuit breakers for /readyz.
	Breakers health.HealthReporter

	closers     []func()
	compression bool
}

// New builds the edge from the configuration: Redis when redis_url is
// set (rate limits and persisted queries then hold across instances),
// memory otherwise; telemetry; safelist manifests loaded into the store.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Edge, error) {
	e := &Edge{compression: true}
	tel, err := telemetry.New(ctx, telemetry.Config{
		Metrics:      cfg.Metrics,
		OTLPEndpoint: cfg.OTLPEndpoint,
		Logger:       logger,
		LogVariables: cfg.LogLevel == "debug",
	})
	if err != nil {
		return nil, err
	}
	e.Telemetry = tel
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
			e.Close()
			return nil, errors.New("redis-url: cannot be parsed") // the URL may hold a password
		}
		e.Redis = rdb
		tel.Metrics().SetDependencyUp("redis", true)
		e.closers = append(e.closers, func() { _ = e.Redis.Close() })
	}
	if cfg.RateLimitPoints > 0 {
		var store ratelimit.Store = ratelimit.NewMemory(nil)
		if e.Redis != nil {
			store = ratelimit.NewRedis(e.Redis, cfg.RedisPrefix+"ratelimit:")
		}
		e.Limiter = ratelimit.New(store, cfg.RateLimitPoints, time.Duration(cfg.RateLimitWindow))
	}
	if cfg.APQ {
		e.Persisted, err = persistedStore(ctx, cfg, e.Redis, logger)
		if err != nil {
			e.Close()
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
		store = apq.NewRedis(rdb, cfg.RedisPrefix+PersistedPrefix, 0, logger)
	case rdb != nil:
		store = apq.NewRedis(rdb, cfg.RedisPrefix+PersistedPrefix, time.Duration(cfg.APQTTL), logger)
	case cfg.Safelist:
		store = apq.NewList()
	default:
		store = apq.NewMemory(cfg.APQCacheSize)
	}
	for _, path := range cfg.SafelistManifests {
		n, err := ImportManifestFile(ctx, store, path)
		if err != nil {
			return nil, err
		}
		logger.Info("persisted documents loaded", "manifest", path, "documents", n)
	}
	return store, nil
}

// PersistedPrefix follows redis_prefix in the keys of persisted documents.
const PersistedPrefix = "apq:"

// ImportManifestFile loads one manifest file into store; the
// `persisted import` command and safelist_manifests share it.
func ImportManifestFile(ctx context.Context, store apq.Store, path string) (int, error) {
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

// Close releases what New opened, last first.
func (e *Edge) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// Wrap puts the request log, metrics and tracing around h, and gzip for
// responses over 1 KiB. Compression runs at gzip's fastest level: on a page
// of a hundred memberships (about 50 KiB of JSON) it costs half the CPU of
// the default level for an answer under a tenth larger.
func (e *Edge) Wrap(h http.Handler) http.Handler {
	if e.compression {
		gz, err := gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(gzip.BestSpeed))
		if err == nil {
			h = gz(h)
		}
	}
	return e.Telemetry.Middleware(h)
}

// Routes adds /readyz and /metrics to mux.
func (e *Edge) Routes(mux *http.ServeMux) {
	mux.Handle("GET /readyz", health.Ready(health.Checks{Ping: e.StorePing, Providers: e.Breakers}))
	if m := e.Telemetry.Metrics(); m != nil {
		mux.Handle("GET /metrics", m.Handler())
	}
}

// ExposedHeaders are the response headers browser code may read.
func ExposedHeaders() []string {
	return []string{
		"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset", "X-RateLimit-Resource",
		"Retry-After", telemetry.RequestIDHeader,
	}
}

// Serve serves on ln until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish within grace. Requests
// still running after it are cut off, so that none outlives the store and
// clients the caller closes next.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, logger *slog.Logger) error {
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
