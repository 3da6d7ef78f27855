package e2e

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/app"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/loadcmd"
)

// The README is where a newcomer finds every flag, environment variable,
// error code and metric. These tests read them off the program itself, so
// that adding one without documenting it fails here.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	usageFlag = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)
	envName   = regexp.MustCompile(`\b(?:GROUPGRAPH_[A-Z0-9_]+|REDIS_URL|DATABASE_URL|OTEL_[A-Z_]+)\b`)
)

// usage returns what a command prints for -h.
func usage(t *testing.T, run func(out *bytes.Buffer) error) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(&out); err != nil && !errors.Is(err, config.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	if !usageFlag.MatchString(out.String()) {
		t.Fatalf("-h printed no flags:\n%s", out.String())
	}
	return out.String()
}

func TestTheREADMEDocumentsEveryFlagAndEnvironmentVariable(t *testing.T) {
	doc := readme(t)
	for _, c := range []struct {
		command string
		usage   string
	}{
		{"groupgraph", usage(t, func(out *bytes.Buffer) error {
			_, err := config.Load([]string{"-h"}, func(string) string { return "" }, out)
			return err
		})},
		{"groupgraph load", usage(t, func(out *bytes.Buffer) error {
			return loadcmd.Run(context.Background(), []string{"-h"}, out, app.BuildStack)
		})},
	} {
		for _, m := range usageFlag.FindAllStringSubmatch(c.usage, -1) {
			if !regexp.MustCompile("`-" + m[1] + "[`\\s=]").MatchString(doc) {
				t.Errorf("%s -%s is not in README.md (as `-%s`)", c.command, m[1], m[1])
			}
		}
		for _, env := range envName.FindAllString(c.usage, -1) {
			if !strings.Contains(doc, env) {
				t.Errorf("%s's environment variable %s is not in README.md", c.command, env)
			}
		}
	}
}

// errorCode matches the declarations of the codes clients see in
// extensions.code and in leaveGroup's payload errors.
var errorCode = regexp.MustCompile(`(?m)^\s*(?:[cC]ode[A-Za-z]*|[A-Za-z]*Code[A-Za-z]*)\s*(?:[A-Za-z.]+\s*)?=\s*"([A-Z][A-Z_]+)"`)

func TestTheREADMEDocumentsEveryErrorCode(t *testing.T) {
	doc := readme(t)
	codes := map[string]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "test/") { // simulators speak the platforms' codes, not groupgraph's
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range errorCode.FindAllStringSubmatch(string(b), -1) {
			codes[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) < 20 {
		t.Fatalf("found only %d error codes in the source: %v; has their declaration changed?", len(codes), codes)
	}
	for code, path := range codes {
		if !strings.Contains(doc, "`"+code+"`") {
			t.Errorf("error code %s (%s) is not in README.md (as `%s`)", code, path, code)
		}
	}
}

func TestTheREADMEDocumentsEveryMetric(t *testing.T) {
	doc := readme(t)
	s := newStack(t, nil)
	// A query creates the series of most families.
	if rec := s.do(t, gqlRequest(`query Mine { viewer { memberships(first: 5) { nodes { group { description } } } } }`)); rec.Code != http.StatusOK {
		t.Fatalf("query: %d %s", rec.Code, rec.Body)
	}
	scrape := s.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil)).Body.String()
	var names []string
	for line := range strings.SplitSeq(scrape, "\n") {
		if rest, ok := strings.CutPrefix(line, "# HELP groupgraph_"); ok {
			names = append(names, "groupgraph_"+strings.Fields(rest)[0])
		}
	}
	if len(names) < 5 {
		t.Fatalf("the scrape has only %d groupgraph metrics: %v", len(names), names)
	}
	// Families with no series yet (a breaker that never changed state) are
	// not scraped: their declarations are read too.
	src, err := os.ReadFile(filepath.Join("..", "internal", "telemetry", "metrics.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`Name:\s*"(groupgraph_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, n := range names {
		if !strings.Contains(doc, n) {
			t.Errorf("metric %s is not in README.md", n)
		}
	}
}
