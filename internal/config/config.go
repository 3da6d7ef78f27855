// Package config reads groupgraph's configuration from, in increasing order
// of precedence, built-in defaults, a YAML file, GROUPGRAPH_* environment
// variables and command-line flags. The file may refer to environment
// variables as ${NAME}, so that secrets stay out of it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/groupgraph/groupgraph/providers"
)

// Config is the whole configuration.
type Config struct {
	// Listen is the address to serve on.
	Listen string `yaml:"listen"`
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string `yaml:"cors_origins"`
	// CORSHeaders are request headers browsers may send cross-origin
	// besides those groupgraph reads itself (Authorization, Content-Type,
	// Accept, X-Request-ID, the CSRF headers): by default Apollo Client's
	// client-awareness headers and the W3C and Sentry trace headers, which
	// clients and their instrumentation add on their own.
	CORSHeaders []string `yaml:"cors_headers"`
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// RequestTimeout is the deadline of one request, upstream calls included.
	RequestTimeout Duration `yaml:"request_timeout"`
	// ShutdownTimeout is how long in-flight requests may finish on shutdown.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// Playground serves the GraphiQL playground at /.
	Playground bool `yaml:"playground"`
	// Introspection allows __schema queries; it follows Playground when unset.
	Introspection *bool `yaml:"introspection"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// Providers configures each platform; a platform left out is off.
	Providers Providers `yaml:"providers"`
	// Viewers are static development viewers with their tokens and linked
	// accounts. Real deployments keep viewers in the store.
	Viewers []Viewer `yaml:"viewers"`
	// Sandbox runs every platform's simulator on loopback with seed data.
	Sandbox bool `yaml:"-"`
	// SandboxLatency is added to every simulator answer (with a quarter of
	// it as random jitter).
	SandboxLatency Duration `yaml:"-"`
	// SandboxFaults is the share of each platform's requests the simulator
	// fails.
	SandboxFaults map[providers.Kind]float64 `yaml:"-"`
	// SandboxReset asks the sandbox running at Listen to restore its seed
	// data, and exits.
	SandboxReset bool `yaml:"-"`
	// DataDir holds the embedded SQLite store (groupgraph.db) when
	// DatabaseURL is empty.
	DataDir string `yaml:"data_dir"`
	// DatabaseURL names a PostgreSQL database (postgres://…) to keep the
	// store in instead, so that several instances can share it. It comes
	// from the environment variable DATABASE_URL.
	DatabaseURL string `yaml:"-"`
	// Linking configures the account-linking endpoints.
	Linking Linking `yaml:"linking"`
	// JWT, when Issuer is set, accepts JWTs from that issuer as access
	// tokens besides groupgraph's own.
	JWT JWT `yaml:"jwt"`

	Edge `yaml:",inline"`
}

// Linking configures the account-linking endpoints under /connect/.
type Linking struct {
	// PublicURL is this server's base URL as browsers reach it, for the
	// callback URLs the platforms redirect to; empty derives it from each
	// request's Host header.
	PublicURL string `yaml:"public_url"`
	// ReturnURL is where a finished link sends the browser, with
	// ?linked=<provider> or ?error=<code>.
	ReturnURL string `yaml:"return_url"`
	// UpcomingApprovalURL is Upcoming's approval page for this
	// application, api_key included.
	UpcomingApprovalURL string `yaml:"upcoming_approval_url"`
}

// JWT configures the acceptance of an identity provider's JWTs.
type JWT struct {
	// Issuer is the required iss claim; empty turns JWTs off.
	Issuer string `yaml:"issuer"`
	// Audience is the required aud claim; empty accepts any.
	Audience string `yaml:"audience"`
	// JWKSURL is where the issuer publishes its RS256/ES256 keys.
	JWKSURL string `yaml:"jwks_url"`
	// HS256Secret verifies HS256 tokens instead (a shared secret; at least
	// 32 bytes). Use ${NAME} to keep it out of the file.
	HS256Secret string `yaml:"hs256_secret"`
}

// Edge configures the protective and operational envelope around GraphQL
// execution. A limit of 0 turns that limit off.
type Edge struct {
	// MaxDepth bounds field nesting (introspection not counted).
	MaxDepth int `yaml:"max_depth"`
	// MaxComplexity bounds an operation's estimated cost, where a
	// connection costs its page size times its children.
	MaxComplexity int `yaml:"max_complexity"`
	// MaxTokens bounds the lexical tokens of a document.
	MaxTokens int `yaml:"max_tokens"`
	// MaxAliases bounds the aliased fields of an operation.
	MaxAliases int `yaml:"max_aliases"`
	// MaxRootFields bounds the top-level fields of an operation.
	MaxRootFields int `yaml:"max_root_fields"`
	// MaxSelections bounds a document's selections, fragments counted
	// where spread, before it is validated.
	MaxSelections int `yaml:"max_selections"`
	// RateLimitPoints is each caller's budget per RateLimitWindow.
	RateLimitPoints int `yaml:"rate_limit_points"`
	// RateLimitWindow is the length of a rate-limit window.
	RateLimitWindow Duration `yaml:"rate_limit_window"`
	// APQ turns Automatic Persisted Queries on.
	APQ bool `yaml:"apq"`
	// APQCacheSize is how many documents the in-memory APQ cache keeps.
	APQCacheSize int `yaml:"apq_cache_size"`
	// APQTTL is how long Redis keeps a client-registered document.
	APQTTL Duration `yaml:"apq_ttl"`
	// Safelist runs only registered documents (see SafelistManifests and
	// `groupgraph persisted import`).
	Safelist bool `yaml:"safelist"`
	// SafelistManifests are Apollo or Relay persisted-query manifests
	// loaded at start.
	SafelistManifests []string `yaml:"safelist_manifests"`
	// RedisURL is the Redis shared by instances for rate limits and
	// persisted queries; empty keeps both in memory.
	RedisURL string `yaml:"redis_url"`
	// RedisPrefix starts every key groupgraph writes to Redis, so that
	// several deployments can share one Redis.
	RedisPrefix string `yaml:"redis_prefix"`
	// Metrics serves Prometheus metrics at /metrics.
	Metrics bool `yaml:"metrics"`
	// OTLPEndpoint is the OTLP/HTTP collector that receives traces; empty
	// turns tracing off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// CSRFPrevention refuses GET and non-JSON POST requests without a
	// preflight-forcing header.
	CSRFPrevention bool `yaml:"csrf_prevention"`
}

// Providers holds each platform's settings.
type Providers struct {
	Flickr     *Flickr     `yaml:"flickr"`
	Upcoming   *Upcoming   `yaml:"upcoming"`
	PageSeeder *PageSeeder `yaml:"pageseeder"`
	Akana      *Akana      `yaml:"akana"`
}

// Upstream are the settings every platform client shares: where it is, and
// how politely and robustly groupgraph calls it.
type Upstream struct {
	// BaseURL is the platform's API root.
	BaseURL string `yaml:"base_url"`
	// Timeout bounds one upstream call.
	Timeout Duration `yaml:"timeout"`
	// Retries shapes the retries of reads (never of leaveGroup).
	Retries Retries `yaml:"retries"`
	// Breaker shapes the platform's circuit breaker.
	Breaker Breaker `yaml:"breaker"`
	// CacheTTL is how long public group details are shared between
	// viewers; 0 means the default (60s).
	CacheTTL Duration `yaml:"cache_ttl"`
	// Cache turns the shared group-details cache off when false.
	Cache *bool `yaml:"cache"`
	// Budget caps upstream calls per API key.
	Budget Budget `yaml:"budget"`
}

// Retries shape the retries of reads.
type Retries struct {
	// MaxAttempts is the number of tries in all; 1 turns retries off.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseDelay is the first backoff, doubled per retry with jitter.
	BaseDelay Duration `yaml:"base_delay"`
	// MaxDelay caps the backoff.
	MaxDelay Duration `yaml:"max_delay"`
}

// Breaker shapes a circuit breaker.
type Breaker struct {
	// Failures is how many consecutive unavailable or timed-out calls
	// open the circuit; -1 disables the breaker.
	Failures int `yaml:"failures"`
	// OpenFor is how long the circuit stays open before probing.
	OpenFor Duration `yaml:"open_for"`
}

// Budget caps the calls to a platform per API key.
type Budget struct {
	// Limit is how many calls are allowed per Per; 0 means no budget
	// (Flickr defaults to 3,600 per hour, its documented limit).
	Limit int `yaml:"limit"`
	// Per is the refill period; 0 means an hour.
	Per Duration `yaml:"per"`
	// Reserve is kept back for leaveGroup once reads used the rest.
	Reserve int `yaml:"reserve"`
}

// Flickr configures the Flickr client.
type Flickr struct {
	Upstream `yaml:",inline"`
	// OAuthURL is the root of Flickr's OAuth 1.0a endpoints.
	OAuthURL string `yaml:"oauth_url"`
	// ConsumerKey and ConsumerSecret are the app's API key and secret.
	ConsumerKey    string `yaml:"consumer_key"`
	ConsumerSecret string `yaml:"consumer_secret"`
	// MaxConcurrency bounds the parallel groups.getInfo calls of one batch.
	MaxConcurrency int `yaml:"max_concurrency"`
}

// Upcoming configures the Upcoming client.
type Upcoming struct {
	Upstream `yaml:",inline"`
	// SiteURL is the web site group page links point at.
	SiteURL string `yaml:"site_url"`
	APIKey  string `yaml:"api_key"`
	// TimeZone is the zone of Upcoming's zoneless timestamps (IANA name).
	TimeZone string `yaml:"timezone"`
	// MaxBatch is how many group ids one group.getInfo call takes.
	MaxBatch int `yaml:"max_batch"`
	// XML asks for XML instead of JSON.
	XML bool `yaml:"xml"`
}

// PageSeeder configures the PageSeeder client.
type PageSeeder struct {
	Upstream      `yaml:",inline"`
	ServicePrefix string   `yaml:"service_prefix"`
	TokenURL      string   `yaml:"token_url"`
	AuthorizeURL  string   `yaml:"authorize_url"`
	ClientID      string   `yaml:"client_id"`
	ClientSecret  string   `yaml:"client_secret"`
	RedirectURL   string   `yaml:"redirect_url"`
	Scopes        []string `yaml:"scopes"`
}

// Akana configures the Akana client.
type Akana struct {
	Upstream `yaml:",inline"`
	// Tenant is the tenant's fedmemberid.
	Tenant string `yaml:"tenant"`
	// RenewBefore renews a session this long before it ends.
	RenewBefore Duration `yaml:"renew_before"`
	// Concurrency bounds the parallel group-detail requests.
	Concurrency int `yaml:"concurrency"`
}

// Viewer is a static development viewer.
type Viewer struct {
	Name     string    `yaml:"name"`
	Token    string    `yaml:"token"`
	Accounts []Account `yaml:"accounts"`
}

// Account is a static viewer's linked account.
type Account struct {
	Provider     string    `yaml:"provider"`
	UserID       string    `yaml:"user_id"`
	DisplayName  string    `yaml:"display_name"`
	Token        string    `yaml:"token"`
	Secret       string    `yaml:"secret"`
	RefreshToken string    `yaml:"refresh_token"`
	Expiry       time.Time `yaml:"expiry"`
}

// Duration is a time.Duration written as "15s" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "./data",
		MaxBodyBytes:    1 << 20,
		RequestTimeout:  Duration(15 * time.Second),
		ShutdownTimeout: Duration(10 * time.Second),
		LogLevel:        "info",
		CORSHeaders:     DefaultCORSHeaders(),
		Edge: Edge{
			MaxDepth: 12, MaxComplexity: 12000, MaxTokens: 10000, MaxAliases: 30, MaxRootFields: 20, MaxSelections: 2000,
			RateLimitPoints: 5000, RateLimitWindow: Duration(time.Hour),
			APQ: true, APQCacheSize: 1000, APQTTL: Duration(24 * time.Hour), RedisPrefix: "groupgraph:",
			Metrics: true, CSRFPrevention: true,
		},
	}
}

// DefaultCORSHeaders is the default of CORSHeaders.
func DefaultCORSHeaders() []string {
	return []string{"apollographql-client-name", "apollographql-client-version", "traceparent", "tracestate", "sentry-trace", "baggage"}
}

// IntrospectionEnabled reports whether introspection is on.
func (c Config) IntrospectionEnabled() bool {
	if c.Introspection != nil {
		return *c.Introspection
	}
	return c.Playground || c.Sandbox
}

// ErrHelp is returned when -h or -help was asked for; the usage has been
// printed.
var ErrHelp = flag.ErrHelp

// Load reads the configuration from args (without the program name), the
// environment through getenv, and the file that -config or GROUPGRAPH_CONFIG
// names. Usage and flag errors go to out.
func Load(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	cfg := Default()
	fs := flag.NewFlagSet("groupgraph", flag.ContinueOnError)
	fs.SetOutput(out)
	path := fs.String("config", getenv("GROUPGRAPH_CONFIG"), "YAML configuration `file` (env GROUPGRAPH_CONFIG)")
	fs.String("listen", "", "address to serve on (env GROUPGRAPH_LISTEN; default "+cfg.Listen+")")
	fs.String("cors-origins", "", "comma-separated browser origins allowed to call the API (env GROUPGRAPH_CORS_ORIGINS)")
	fs.String("cors-headers", "", "comma-separated request headers browsers may send besides groupgraph's own (env GROUPGRAPH_CORS_HEADERS; default "+strings.Join(DefaultCORSHeaders(), ",")+"; none for none)")
	fs.Int64("max-body-bytes", 0, "largest request body in bytes (env GROUPGRAPH_MAX_BODY_BYTES; default 1048576)")
	fs.Duration("request-timeout", 0, "deadline of one request (env GROUPGRAPH_REQUEST_TIMEOUT; default 15s)")
	fs.Duration("shutdown-timeout", 0, "grace period for in-flight requests on shutdown (env GROUPGRAPH_SHUTDOWN_TIMEOUT; default 10s)")
	fs.Bool("playground", false, "serve the GraphiQL playground at / (env GROUPGRAPH_PLAYGROUND)")
	fs.String("introspection", "", "allow introspection: true or false (env GROUPGRAPH_INTROSPECTION; default: on with the playground)")
	fs.String("log-level", "", "debug, info, warn or error (env GROUPGRAPH_LOG_LEVEL; default info)")
	edgeFlags(fs)
	sandbox := fs.Bool("sandbox", false, "run every platform's simulator on loopback with seed data and a sandbox viewer")
	sandboxLatency := fs.Duration("sandbox-latency", 0, "in the sandbox, add this latency (plus up to a quarter more) to every simulated platform answer")
	sandboxReset := fs.Bool("sandbox-reset", false, "ask the sandbox running at -listen to restore its seed data, then exit")
	sandboxFaults := fs.String("sandbox-faults", "", "in the sandbox, fail this share of a platform's requests, e.g. flickr=0.1,akana=0.5")
	fs.String("data-dir", "", "directory of the embedded SQLite store, unless DATABASE_URL names PostgreSQL (env GROUPGRAPH_DATA_DIR; default ./data)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *path != "" {
		if err := loadFile(&cfg, *path, getenv); err != nil {
			return Config{}, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(flagName, env string) (string, bool) {
		if set[flagName] {
			return fs.Lookup(flagName).Value.String(), true
		}
		if v := getenv(env); v != "" {
			return v, true
		}
		return "", false
	}
	var errs []error
	if v, ok := pick("listen", "GROUPGRAPH_LISTEN"); ok {
		cfg.Listen = v
	}
	if v, ok := pick("cors-origins", "GROUPGRAPH_CORS_ORIGINS"); ok {
		cfg.CORSOrigins = splitList(v)
	}
	if v, ok := pick("cors-headers", "GROUPGRAPH_CORS_HEADERS"); ok {
		cfg.CORSHeaders = splitList(v)
		if strings.EqualFold(strings.TrimSpace(v), "none") {
			cfg.CORSHeaders = nil
		}
	}
	if v, ok := pick("max-body-bytes", "GROUPGRAPH_MAX_BODY_BYTES"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("max-body-bytes: %q is not a positive number", v))
		} else {
			cfg.MaxBodyBytes = n
		}
	}
	for _, d := range []struct {
		flag, env string
		dst       *Duration
	}{{"request-timeout", "GROUPGRAPH_REQUEST_TIMEOUT", &cfg.RequestTimeout}, {"shutdown-timeout", "GROUPGRAPH_SHUTDOWN_TIMEOUT", &cfg.ShutdownTimeout}} {
		if v, ok := pick(d.flag, d.env); ok {
			dur, err := time.ParseDuration(v)
			if err != nil || dur <= 0 {
				errs = append(errs, fmt.Errorf("%s: %q is not a positive duration", d.flag, v))
				continue
			}
			*d.dst = Duration(dur)
		}
	}
	if v, ok := pick("playground", "GROUPGRAPH_PLAYGROUND"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("playground: %q is not true or false", v))
		}
		cfg.Playground = b
	}
	if v, ok := pick("introspection", "GROUPGRAPH_INTROSPECTION"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("introspection: %q is not true or false", v))
		}
		cfg.Introspection = &b
	}
	if v, ok := pick("log-level", "GROUPGRAPH_LOG_LEVEL"); ok {
		cfg.LogLevel = v
	}
	if v, ok := pick("data-dir", "GROUPGRAPH_DATA_DIR"); ok {
		cfg.DataDir = v
	}
	if v := getenv("DATABASE_URL"); v != "" {
		cfg.DatabaseURL = v
	}
	if v := getenv("GROUPGRAPH_PUBLIC_URL"); v != "" {
		cfg.Linking.PublicURL = v
	}
	if v := getenv("GROUPGRAPH_RETURN_URL"); v != "" {
		cfg.Linking.ReturnURL = v
	}
	errs = append(errs, cfg.Edge.apply(pick, getenv)...)
	cfg.Sandbox = *sandbox
	cfg.SandboxLatency = Duration(*sandboxLatency)
	cfg.SandboxReset = *sandboxReset
	if *sandboxFaults != "" {
		faults, err := parseFaults(*sandboxFaults)
		if err != nil {
			errs = append(errs, err)
		}
		cfg.SandboxFaults = faults
	}
	if *sandboxLatency < 0 {
		errs = append(errs, errors.New("-sandbox-latency: must not be negative"))
	}
	if !cfg.Sandbox && (*sandboxLatency != 0 || *sandboxFaults != "") {
		errs = append(errs, errors.New("-sandbox-latency and -sandbox-faults shape the simulated platforms: they need -sandbox"))
	}
	if err := cfg.validate(); err != nil {
		errs = append(errs, err)
	}
	return cfg, errors.Join(errs...)
}

func loadFile(cfg *Config, path string, getenv func(string) string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	expanded := expandBraced(string(raw), getenv)
	dec := yaml.NewDecoder(strings.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: holds more than one YAML document (a second \"---\"); keep the settings in one", path)
	}
	return nil
}

// expandBraced replaces each ${NAME} in s with getenv(NAME). Unlike
// os.Expand, it leaves every other dollar sign alone: "$word" or "$$" in a
// password written into the file is not a reference.
func expandBraced(s string, getenv func(string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(getenv(s[i+2 : i+2+j]))
		s = s[i+2+j+1:]
	}
}

func (c Config) validate() error {
	// The flags and variables refuse these values as they are read; the
	// file sets them unchecked.
	if strings.TrimSpace(c.Listen) == "" {
		return errors.New("listen: must not be empty")
	}
	if c.MaxBodyBytes <= 0 {
		return fmt.Errorf("max-body-bytes: %d is not a positive number", c.MaxBodyBytes)
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("request-timeout: %s is not a positive duration", time.Duration(c.RequestTimeout))
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("shutdown-timeout: %s is not a positive duration", time.Duration(c.ShutdownTimeout))
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return errors.New("data-dir: must not be empty")
	}
	if err := c.Providers.validate(); err != nil {
		return err
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	for _, o := range c.CORSOrigins {
		if o == "*" {
			return errors.New("cors_origins: a wildcard is not allowed; list the origins")
		}
	}
	for _, h := range c.CORSHeaders {
		if !isToken(h) {
			return fmt.Errorf("cors_headers: %q is not a header name (and a wildcard is not allowed; list the headers)", h)
		}
	}
	if c.JWT.Issuer != "" && (c.JWT.JWKSURL == "") == (c.JWT.HS256Secret == "") {
		return errors.New("jwt: with an issuer, set exactly one of jwks_url and hs256_secret")
	}
	if c.JWT.HS256Secret != "" && len(c.JWT.HS256Secret) < 32 {
		return errors.New("jwt.hs256_secret: use at least 32 bytes")
	}
	for i, v := range c.Viewers {
		if v.Name == "" || v.Token == "" {
			return fmt.Errorf("viewers[%d]: name and token are required", i)
		}
	}
	return c.Edge.validate()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseFaults reads "flickr=0.1,akana=0.5".
func parseFaults(s string) (map[providers.Kind]float64, error) {
	out := map[providers.Kind]float64{}
	for _, part := range splitList(s) {
		name, rate, ok := strings.Cut(part, "=")
		k, err := providers.ParseKind(strings.TrimSpace(name))
		if !ok || err != nil {
			return nil, fmt.Errorf("sandbox-faults: %q is not platform=rate", part)
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("sandbox-faults: rate %q of %s is not between 0 and 1", rate, k)
		}
		out[k] = r
	}
	return out, nil
}

// Cleartext lists the settings that send a platform's credentials (tokens,
// cookies, passwords, client secrets) over plain http to a host other than
// this machine, as "providers.<name>.<key>". They work, which tests and
// private networks need, but anyone on the path can read what they carry.
func (p Providers) Cleartext() []string {
	var out []string
	check := func(key, raw string) {
		u, err := url.Parse(raw)
		if raw == "" || err != nil || u.Scheme != "http" {
			return
		}
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return
		}
		out = append(out, "providers."+key)
	}
	if c := p.Flickr; c != nil {
		check("flickr.base_url", c.BaseURL)
		check("flickr.oauth_url", c.OAuthURL)
	}
	if c := p.Upcoming; c != nil {
		check("upcoming.base_url", c.BaseURL)
	}
	if c := p.PageSeeder; c != nil {
		check("pageseeder.base_url", c.BaseURL)
		check("pageseeder.token_url", c.TokenURL)
	}
	if c := p.Akana; c != nil {
		check("akana.base_url", c.BaseURL)
	}
	return out
}

// validate refuses the platform settings no client could use. Zero means
// the default throughout; negative values are mistakes, except a breaker's
// documented -1.
func (p Providers) validate() error {
	var errs []error
	check := func(name string, ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("providers.%s: "+format, append([]any{name}, args...)...))
		}
	}
	upstream := func(k string, u Upstream) {
		if u.BaseURL != "" {
			v, err := url.Parse(u.BaseURL)
			check(k+".base_url", err == nil && (v.Scheme == "http" || v.Scheme == "https") && v.Host != "", "not an http(s) URL")
		}
		check(k+".timeout", u.Timeout >= 0, "%s is negative", time.Duration(u.Timeout))
		check(k+".retries.max_attempts", u.Retries.MaxAttempts >= 0, "%d is negative", u.Retries.MaxAttempts)
		check(k+".retries.base_delay", u.Retries.BaseDelay >= 0, "%s is negative", time.Duration(u.Retries.BaseDelay))
		check(k+".retries.max_delay", u.Retries.MaxDelay >= 0, "%s is negative", time.Duration(u.Retries.MaxDelay))
		check(k+".breaker.failures", u.Breaker.Failures >= -1, "%d is neither a count nor -1 (off)", u.Breaker.Failures)
		check(k+".breaker.open_for", u.Breaker.OpenFor >= 0, "%s is negative", time.Duration(u.Breaker.OpenFor))
		check(k+".cache_ttl", u.CacheTTL >= 0, "%s is negative", time.Duration(u.CacheTTL))
		check(k+".budget.limit", u.Budget.Limit >= 0, "%d is negative (0 is the default)", u.Budget.Limit)
		check(k+".budget.per", u.Budget.Per >= 0, "%s is negative", time.Duration(u.Budget.Per))
		check(k+".budget.reserve", u.Budget.Reserve >= 0, "%d is negative", u.Budget.Reserve)
		check(k+".budget.reserve", u.Budget.Limit <= 0 || u.Budget.Reserve < u.Budget.Limit,
			"%d leaves reads none of the budget.limit of %d", u.Budget.Reserve, u.Budget.Limit)
	}
	if c := p.Flickr; c != nil {
		upstream("flickr", c.Upstream)
		check("flickr.max_concurrency", c.MaxConcurrency >= 0, "%d is negative", c.MaxConcurrency)
	}
	if c := p.Upcoming; c != nil {
		upstream("upcoming", c.Upstream)
		check("upcoming.max_batch", c.MaxBatch >= 0, "%d is negative", c.MaxBatch)
	}
	if c := p.PageSeeder; c != nil {
		upstream("pageseeder", c.Upstream)
	}
	if c := p.Akana; c != nil {
		upstream("akana", c.Upstream)
		check("akana.concurrency", c.Concurrency >= 0, "%d is negative", c.Concurrency)
		check("akana.renew_before", c.RenewBefore >= 0, "%s is negative", time.Duration(c.RenewBefore))
	}
	if len(errs) > 0 {
		return errs[0] // one clear error; the next run shows the next
	}
	return nil
}

// isToken reports whether s is an HTTP header name (an RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'+-.^_`|~", c):
		default:
			return false
		}
	}
	return true
}
