package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/groupgraph/groupgraph/internal/config"
)

func TestEdgeDefaults(t *testing.T) {
	cfg, err := config.Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Edge{
		MaxDepth: 12, MaxComplexity: 12000, MaxTokens: 10000, MaxAliases: 30, MaxRootFields: 20, MaxSelections: 2000,
		RateLimitPoints: 5000, RateLimitWindow: config.Duration(time.Hour),
		APQ: true, APQCacheSize: 1000, APQTTL: config.Duration(24 * time.Hour), RedisPrefix: "groupgraph:",
		Metrics: true, CSRFPrevention: true,
	}
	if diff := cmp.Diff(want, cfg.Edge); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestEdgeSources(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	manifest := filepath.Join(dir, "m.json")
	yaml := `
max_depth: 8
max_complexity: 2000
rate_limit_points: 100
rate_limit_window: 10m
apq_ttl: 1h
safelist: true
safelist_manifests: [` + manifest + `]
metrics: false
csrf_prevention: false
otlp_endpoint: http://collector:4318
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("the file sets the edge keys", func(t *testing.T) {
		cfg, err := config.Load([]string{"-config", path}, env(nil), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		e := cfg.Edge
		if e.MaxDepth != 8 || e.MaxComplexity != 2000 || e.RateLimitPoints != 100 || time.Duration(e.RateLimitWindow) != 10*time.Minute ||
			time.Duration(e.APQTTL) != time.Hour || !e.Safelist || e.Metrics || e.CSRFPrevention || e.OTLPEndpoint != "http://collector:4318" ||
			len(e.SafelistManifests) != 1 {
			t.Errorf("edge = %+v", e)
		}
	})
	t.Run("the environment overrides the file and flags override the environment", func(t *testing.T) {
		cfg, err := config.Load([]string{"-config", path, "-max-depth", "5", "-metrics=true"}, env(map[string]string{
			"GROUPGRAPH_MAX_DEPTH": "6", "GROUPGRAPH_MAX_ALIASES": "0", "REDIS_URL": "redis://127.0.0.1:6379/1",
			"GROUPGRAPH_RATE_LIMIT_WINDOW": "1m", "GROUPGRAPH_CSRF_PREVENTION": "true",
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		e := cfg.Edge
		if e.MaxDepth != 5 || e.MaxAliases != 0 || e.RedisURL != "redis://127.0.0.1:6379/1" || time.Duration(e.RateLimitWindow) != time.Minute ||
			!e.CSRFPrevention || !e.Metrics {
			t.Errorf("edge = %+v", e)
		}
	})
	t.Run("OTEL_EXPORTER_OTLP_ENDPOINT is a fallback", func(t *testing.T) {
		cfg, err := config.Load(nil, env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example:4318"}), io.Discard)
		if err != nil || cfg.OTLPEndpoint != "https://otel.example:4318" {
			t.Errorf("endpoint %q, %v", cfg.OTLPEndpoint, err)
		}
	})
}

func TestBadEdgeConfigurationIsRefused(t *testing.T) {
	cases := map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"a negative limit":                                      {args: []string{"-max-depth", "-1"}, want: "max-depth"},
		"a limit that is not a number":                          {args: []string{"-max-complexity", "lots"}, want: "max-complexity"},
		"a boolean that is not one":                             {args: []string{"-apq", "perhaps"}, want: "apq"},
		"a zero rate-limit window":                              {args: []string{"-rate-limit-window", "0s"}, want: "rate-limit-window"},
		"a safelist without APQ":                                {args: []string{"-safelist=true", "-apq=false", "-safelist-manifests", "m.json"}, want: "needs apq"},
		"a safelist with nothing to allow":                      {args: []string{"-safelist=true"}, want: "nothing would be allowed"},
		"a Redis URL of another scheme":                         {env: map[string]string{"REDIS_URL": "http://user:pw@host"}, want: "redis-url"},
		"an OTLP endpoint that is not http(s)":                  {args: []string{"-otlp-endpoint", "collector:4317"}, want: "otlp-endpoint"},
		"an OTLP endpoint with credentials and a bad port":      {env: map[string]string{"GROUPGRAPH_OTLP_ENDPOINT": "https://user:pw@collector:otlp"}, want: "otlp-endpoint"},
		"an OTLP endpoint with credentials and another scheme":  {env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "grpc://user:pw@collector:4317"}, want: "otlp-endpoint"},
		"a limit in the environment that is not a whole number": {env: map[string]string{"GROUPGRAPH_MAX_TOKENS": "1e3"}, want: "max-tokens"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(tc.args, env(tc.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one about %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("a password leaked: %v", err)
			}
		})
	}
}
