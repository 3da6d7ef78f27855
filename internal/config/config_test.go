package config_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groupgraph/groupgraph/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "groupgraph.yaml")
	yaml := `
listen: "127.0.0.1:9000"
request_timeout: 20s
cors_origins: [https://app.example]
providers:
  flickr:
    base_url: https://api.flickr.com/services/rest
    consumer_key: ${FLICKR_KEY}
viewers:
  - name: dev
    token: ${DEV_TOKEN}
    accounts:
      - provider: flickr
        user_id: "12037949754@N01"
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("the file overrides defaults and expands environment variables", func(t *testing.T) {
		cfg, err := config.Load([]string{"-config", path}, env(map[string]string{"FLICKR_KEY": "k1", "DEV_TOKEN": "t1"}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Listen != "127.0.0.1:9000" || time.Duration(cfg.RequestTimeout) != 20*time.Second || cfg.MaxBodyBytes != 1<<20 {
			t.Errorf("cfg = %+v", cfg)
		}
		if cfg.Providers.Flickr == nil || cfg.Providers.Flickr.ConsumerKey != "k1" || cfg.Viewers[0].Token != "t1" {
			t.Errorf("expansion failed: %+v %+v", cfg.Providers.Flickr, cfg.Viewers)
		}
	})
	t.Run("the environment overrides the file and flags override the environment", func(t *testing.T) {
		cfg, err := config.Load([]string{"-listen", ":7000"}, env(map[string]string{
			"GROUPGRAPH_CONFIG": path, "GROUPGRAPH_LISTEN": ":6000", "GROUPGRAPH_REQUEST_TIMEOUT": "3s", "DEV_TOKEN": "t",
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Listen != ":7000" || time.Duration(cfg.RequestTimeout) != 3*time.Second {
			t.Errorf("listen %q timeout %v", cfg.Listen, time.Duration(cfg.RequestTimeout))
		}
	})
}

func TestBadConfigurationIsRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string][]string{
		"an unknown key in the file":  {"-config", write("listne: x\n")},
		"a bad duration in the file":  {"-config", write("request_timeout: soon\n")},
		"a wildcard CORS origin":      {"-cors-origins", "*"},
		"a wildcard CORS header":      {"-cors-headers", "*"},
		"a CORS header with a space":  {"-cors-headers", "x-my header"},
		"an unknown log level":        {"-log-level", "loud"},
		"a missing file":              {"-config", filepath.Join(dir, "absent.yaml")},
		"a stray argument":            {"serve"},
		"a non-boolean introspection": {"-introspection", "maybe"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := config.Load(args, env(nil), io.Discard); err == nil {
				t.Fatal("accepted")
			} else if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
		})
	}
}

func TestIntrospectionFollowsThePlayground(t *testing.T) {
	cfg, err := config.Load([]string{"-playground"}, env(nil), io.Discard)
	if err != nil || !cfg.IntrospectionEnabled() {
		t.Fatalf("playground on: introspection %v, err %v", cfg.IntrospectionEnabled(), err)
	}
	cfg, _ = config.Load([]string{"-playground", "-introspection=false"}, env(nil), io.Discard)
	if cfg.IntrospectionEnabled() {
		t.Fatal("introspection=false ignored")
	}
	cfg, _ = config.Load(nil, env(nil), io.Discard)
	if cfg.IntrospectionEnabled() {
		t.Fatal("introspection on by default outside the playground")
	}
}

// TestBadValuesInTheFileAreRefused checks the values the file can set that
// the flags and environment variables already refuse: each is one error
// that names the setting.
func TestBadValuesInTheFileAreRefused(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ yaml, setting string }{
		{"request_timeout: 0s\n", "request-timeout"},
		{"request_timeout: -5s\n", "request-timeout"},
		{"shutdown_timeout: -1s\n", "shutdown-timeout"},
		{"max_body_bytes: -5\n", "max-body-bytes"},
		{"max_body_bytes: 0\n", "max-body-bytes"},
		{"listen: \"\"\n", "listen"},
		{"data_dir: \"\"\n", "data-dir"},
		{"providers:\n  flickr:\n    timeout: -1s\n", "providers.flickr.timeout"},
		{"providers:\n  flickr:\n    budget:\n      limit: -3\n", "providers.flickr.budget.limit"},
		{"providers:\n  flickr:\n    budget:\n      per: -1h\n", "providers.flickr.budget.per"},
		{"providers:\n  upcoming:\n    budget:\n      limit: 10\n      reserve: 10\n", "providers.upcoming.budget.reserve"},
		{"providers:\n  upcoming:\n    budget:\n      reserve: -1\n", "providers.upcoming.budget.reserve"},
		{"providers:\n  pageseeder:\n    retries:\n      max_attempts: -3\n", "providers.pageseeder.retries.max_attempts"},
		{"providers:\n  pageseeder:\n    retries:\n      base_delay: -1s\n", "providers.pageseeder.retries.base_delay"},
		{"providers:\n  akana:\n    breaker:\n      failures: -2\n", "providers.akana.breaker.failures"},
		{"providers:\n  akana:\n    breaker:\n      open_for: -1s\n", "providers.akana.breaker.open_for"},
		{"providers:\n  akana:\n    cache_ttl: -1s\n", "providers.akana.cache_ttl"},
		{"providers:\n  akana:\n    concurrency: -1\n", "providers.akana.concurrency"},
		{"providers:\n  akana:\n    renew_before: -1m\n", "providers.akana.renew_before"},
		{"providers:\n  flickr:\n    max_concurrency: -4\n", "providers.flickr.max_concurrency"},
		{"providers:\n  upcoming:\n    max_batch: -1\n", "providers.upcoming.max_batch"},
		{"providers:\n  flickr:\n    base_url: \"ftp://example.com/\"\n", "providers.flickr.base_url"},
	}
	for _, c := range cases {
		t.Run(strings.TrimSpace(c.yaml), func(t *testing.T) {
			p := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(p, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := config.Load([]string{"-config", p}, env(nil), io.Discard)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), c.setting+":") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line naming %s", err, c.setting)
			}
		})
	}
	t.Run("the documented special values stay accepted", func(t *testing.T) {
		p := filepath.Join(dir, "ok.yaml")
		ok := "providers:\n  flickr:\n    breaker:\n      failures: -1\n    retries:\n      max_attempts: 1\n    budget:\n      limit: 0\n    timeout: 0s\n"
		if err := os.WriteFile(p, []byte(ok), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load([]string{"-config", p}, env(nil), io.Discard); err != nil {
			t.Fatal(err)
		}
	})
}

// TestABadFlagOrVariableIsOneError checks that a value refused while
// reading a flag or variable is not reported a second time by the checks
// of the whole configuration.
func TestABadFlagOrVariableIsOneError(t *testing.T) {
	for _, e := range []map[string]string{
		{"GROUPGRAPH_REQUEST_TIMEOUT": "0s"},
		{"GROUPGRAPH_SHUTDOWN_TIMEOUT": "-1s"},
		{"GROUPGRAPH_MAX_BODY_BYTES": "-1"},
	} {
		_, err := config.Load(nil, env(e), io.Discard)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %q, want exactly one", e, err)
		}
	}
}

// The sandbox's shaping flags do nothing without the sandbox: given alone,
// or with a negative latency, they are refused rather than ignored.
func TestSandboxShapingNeedsTheSandbox(t *testing.T) {
	for _, args := range [][]string{
		{"-sandbox-latency", "20ms"},
		{"-sandbox-faults", "flickr=0.5"},
		{"-sandbox", "-sandbox-latency", "-5ms"},
	} {
		if _, err := config.Load(args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "-sandbox-latency") {
			t.Errorf("%v: error %v, want one about -sandbox-latency", args, err)
		}
	}
	cfg, err := config.Load([]string{"-sandbox", "-sandbox-latency", "20ms", "-sandbox-faults", "flickr=0.5"}, env(nil), io.Discard)
	if err != nil || time.Duration(cfg.SandboxLatency) != 20*time.Millisecond {
		t.Errorf("with -sandbox: %v, latency %v", err, time.Duration(cfg.SandboxLatency))
	}
}

// Plain http to another host is named, so that the server can warn that
// credentials cross the network readable; loopback and https are not.
func TestCleartextNamesPlainHTTPToOtherHosts(t *testing.T) {
	p := config.Providers{
		Flickr:     &config.Flickr{Upstream: config.Upstream{BaseURL: "https://api.flickr.com/services/rest"}, OAuthURL: "http://www.flickr.com/services/oauth"},
		Upcoming:   &config.Upcoming{Upstream: config.Upstream{BaseURL: "http://127.0.0.1:9000/services/rest/"}},
		PageSeeder: &config.PageSeeder{Upstream: config.Upstream{BaseURL: "http://localhost:8282/ps"}, TokenURL: "http://ps.example/token"},
		Akana:      &config.Akana{Upstream: config.Upstream{BaseURL: "http://[::1]:8443"}},
	}
	got := p.Cleartext()
	want := []string{"providers.flickr.oauth_url", "providers.pageseeder.token_url"}
	if !slices.Equal(got, want) {
		t.Errorf("Cleartext() = %v, want %v", got, want)
	}
}

// TestOnlyBracedReferencesAreExpanded checks that a dollar sign in a value
// written into the file, as in a password, stays as written: only ${NAME}
// refers to the environment.
func TestOnlyBracedReferencesAreExpanded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "providers:\n  flickr:\n    consumer_key: ${KEY}\n    consumer_secret: 'pa$word$$1$'\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"-config", p}, env(map[string]string{"KEY": "k$1", "word": "X"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.Providers.Flickr; f.ConsumerKey != "k$1" || f.ConsumerSecret != "pa$word$$1$" {
		t.Fatalf("consumer_key %q, consumer_secret %q", f.ConsumerKey, f.ConsumerSecret)
	}
}

// TestASecondDocumentIsRefused checks that a file holding two YAML
// documents is refused rather than read up to the first.
func TestASecondDocumentIsRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load([]string{"-config", p}, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), "one YAML document") {
		t.Fatalf("err = %v, want a refusal of the second document", err)
	}
}

func TestCORSHeadersDefaultToClientAndTraceHeadersAndCanBeChanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("cors_headers: [x-app-version]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"the default names Apollo's client-awareness and the trace headers", nil, nil,
			[]string{"apollographql-client-name", "apollographql-client-version", "traceparent", "tracestate", "sentry-trace", "baggage"}},
		{"the file replaces the default", []string{"-config", path}, nil, []string{"x-app-version"}},
		{"the environment replaces the file", []string{"-config", path}, map[string]string{"GROUPGRAPH_CORS_HEADERS": "x-a, x-b"}, []string{"x-a", "x-b"}},
		{"the flag replaces the environment", []string{"-cors-headers", "x-c"}, map[string]string{"GROUPGRAPH_CORS_HEADERS": "x-a"}, []string{"x-c"}},
		{"none allows no extra header", []string{"-cors-headers", "none"}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(tc.args, env(tc.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.CORSHeaders, tc.want) {
				t.Errorf("CORSHeaders = %q, want %q", cfg.CORSHeaders, tc.want)
			}
		})
	}
}
