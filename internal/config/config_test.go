package config_test

import (
	"io"
	"os"
	"path/filepath"
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
