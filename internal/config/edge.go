package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// edgeInts are the integer settings of Edge: flag, environment variable,
// YAML key (for messages) and destination.
type edgeInt struct {
	flag, env, help string
	dst             func(*Edge) *int
}

var edgeInts = []edgeInt{
	{"max-depth", "GROUPGRAPH_MAX_DEPTH", "deepest field nesting; 0 is no limit (default 12)", func(e *Edge) *int { return &e.MaxDepth }},
	{"max-complexity", "GROUPGRAPH_MAX_COMPLEXITY", "largest operation complexity; 0 is no limit (default 12000)", func(e *Edge) *int { return &e.MaxComplexity }},
	{"max-tokens", "GROUPGRAPH_MAX_TOKENS", "largest document in lexical tokens; 0 is no limit (default 10000)", func(e *Edge) *int { return &e.MaxTokens }},
	{"max-aliases", "GROUPGRAPH_MAX_ALIASES", "most aliased fields per operation; 0 is no limit (default 30)", func(e *Edge) *int { return &e.MaxAliases }},
	{"max-root-fields", "GROUPGRAPH_MAX_ROOT_FIELDS", "most top-level fields per operation; 0 is no limit (default 20)", func(e *Edge) *int { return &e.MaxRootFields }},
	{"max-selections", "GROUPGRAPH_MAX_SELECTIONS", "most selections per document, fragments counted where spread, checked before validation; 0 is no limit (default 2000)", func(e *Edge) *int { return &e.MaxSelections }},
	{"rate-limit-points", "GROUPGRAPH_RATE_LIMIT_POINTS", "rate-limit points per caller and window; 0 turns rate limiting off (default 5000)", func(e *Edge) *int { return &e.RateLimitPoints }},
	{"apq-cache-size", "GROUPGRAPH_APQ_CACHE_SIZE", "documents kept by the in-memory APQ cache (default 1000)", func(e *Edge) *int { return &e.APQCacheSize }},
}

type edgeBool struct {
	flag, env, help string
	dst             func(*Edge) *bool
}

var edgeBools = []edgeBool{
	{"apq", "GROUPGRAPH_APQ", "Automatic Persisted Queries (default true)", func(e *Edge) *bool { return &e.APQ }},
	{"safelist", "GROUPGRAPH_SAFELIST", "run only registered persisted documents", func(e *Edge) *bool { return &e.Safelist }},
	{"metrics", "GROUPGRAPH_METRICS", "serve Prometheus metrics at /metrics (default true)", func(e *Edge) *bool { return &e.Metrics }},
	{"csrf-prevention", "GROUPGRAPH_CSRF_PREVENTION", "refuse GET and non-JSON POST requests without a preflight header (default true)", func(e *Edge) *bool { return &e.CSRFPrevention }},
}

type edgeDuration struct {
	flag, env, help string
	dst             func(*Edge) *Duration
}

var edgeDurations = []edgeDuration{
	{"rate-limit-window", "GROUPGRAPH_RATE_LIMIT_WINDOW", "length of a rate-limit window (default 1h)", func(e *Edge) *Duration { return &e.RateLimitWindow }},
	{"apq-ttl", "GROUPGRAPH_APQ_TTL", "how long Redis keeps a client-registered document (default 24h)", func(e *Edge) *Duration { return &e.APQTTL }},
}

// edgeFlags declares the Edge flags. Their defaults are empty so that
// Load can tell a flag that was set from one that was not.
func edgeFlags(fs *flag.FlagSet) {
	for _, f := range edgeInts {
		fs.String(f.flag, "", f.help+" (env "+f.env+")")
	}
	for _, f := range edgeBools {
		fs.String(f.flag, "", f.help+": true or false (env "+f.env+")")
	}
	for _, f := range edgeDurations {
		fs.String(f.flag, "", f.help+" (env "+f.env+")")
	}
	fs.String("safelist-manifests", "", "comma-separated persisted-query manifests loaded at start (env GROUPGRAPH_SAFELIST_MANIFESTS)")
	fs.String("redis-url", "", "Redis shared by instances for rate limits and persisted queries, e.g. redis://127.0.0.1:6379/0 (env REDIS_URL)")
	fs.String("redis-prefix", "", "prefix of every Redis key groupgraph writes (env GROUPGRAPH_REDIS_PREFIX; default groupgraph:)")
	fs.String("otlp-endpoint", "", "OTLP/HTTP trace collector, e.g. http://127.0.0.1:4318 (env GROUPGRAPH_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT)")
}

// apply overrides e with the flags and environment variables that are set.
func (e *Edge) apply(pick func(flag, env string) (string, bool), getenv func(string) string) []error {
	var errs []error
	for _, f := range edgeInts {
		if v, ok := pick(f.flag, f.env); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a whole number", f.flag, v))
				continue
			}
			*f.dst(e) = n
		}
	}
	for _, f := range edgeBools {
		if v, ok := pick(f.flag, f.env); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not true or false", f.flag, v))
				continue
			}
			*f.dst(e) = b
		}
	}
	for _, f := range edgeDurations {
		if v, ok := pick(f.flag, f.env); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a duration", f.flag, v))
				continue
			}
			*f.dst(e) = Duration(d)
		}
	}
	if v, ok := pick("safelist-manifests", "GROUPGRAPH_SAFELIST_MANIFESTS"); ok {
		e.SafelistManifests = splitList(v)
	}
	if v, ok := pick("redis-url", "REDIS_URL"); ok {
		e.RedisURL = v
	}
	if v, ok := pick("redis-prefix", "GROUPGRAPH_REDIS_PREFIX"); ok {
		e.RedisPrefix = v
	}
	if v, ok := pick("otlp-endpoint", "GROUPGRAPH_OTLP_ENDPOINT"); ok {
		e.OTLPEndpoint = v
	} else if v := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); v != "" && e.OTLPEndpoint == "" {
		e.OTLPEndpoint = v
	}
	return errs
}

func (e Edge) validate() error {
	var errs []error
	for _, f := range edgeInts {
		if n := *f.dst(&e); n < 0 {
			errs = append(errs, fmt.Errorf("%s: %d is negative", f.flag, n))
		}
	}
	if e.RateLimitPoints > 0 && e.RateLimitWindow <= 0 {
		errs = append(errs, errors.New("rate-limit-window: must be positive"))
	}
	if e.APQ && e.RedisURL != "" && e.APQTTL < 0 {
		errs = append(errs, errors.New("apq-ttl: must not be negative"))
	}
	if e.Safelist && !e.APQ {
		errs = append(errs, errors.New("safelist: needs apq, which carries the document hashes"))
	}
	if e.Safelist && e.RedisURL == "" && len(e.SafelistManifests) == 0 {
		errs = append(errs, errors.New("safelist: nothing would be allowed; list safelist_manifests or set redis_url and import manifests with `groupgraph persisted import`"))
	}
	if e.RedisURL != "" {
		if u, err := url.Parse(e.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			errs = append(errs, errors.New("redis-url: not a redis://, rediss:// or unix:// URL"))
		}
	}
	if e.OTLPEndpoint != "" {
		if u, err := url.Parse(e.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// Not quoted: a collector URL may carry a user and password.
			errs = append(errs, errors.New("otlp-endpoint: not an http(s) URL with a host, e.g. http://127.0.0.1:4318"))
		}
	}
	return errors.Join(errs...)
}
