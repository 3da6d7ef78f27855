package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the import path every package of the repository starts with.
const module = "github.com/groupgraph/groupgraph"

// concreteProviders are the upstream clients only the wiring may know.
var concreteProviders = []string{"flickr", "upcoming", "pageseeder", "akana"}

// goList runs "go list" from the module root and returns its output. The
// layout rules are checked against what the compiler sees, so the test asks
// the go tool rather than parsing import blocks by hand.
func goList(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go tool is not on PATH; the dependency rules cannot be checked")
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// pkgImports maps each package of the module to the packages its files,
// its internal tests and its external tests import directly.
type pkgImports struct {
	imports, testImports, xtestImports []string
}

func listImports(t *testing.T) map[string]pkgImports {
	t.Helper()
	out := goList(t, "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}}|{{join .XTestImports " "}}`, "./...")
	pkgs := map[string]pkgImports{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			t.Fatalf("unexpected go list line %q", line)
		}
		pkgs[f[0]] = pkgImports{strings.Fields(f[1]), strings.Fields(f[2]), strings.Fields(f[3])}
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages; the check would prove nothing", len(pkgs))
	}
	return pkgs
}

// under reports whether pkg is dir or a package below it.
func under(pkg, dir string) bool {
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

// standard reports whether an import path belongs to the standard library:
// its first element has no dot, unlike every module path.
func standard(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// concreteProvider returns the name of the concrete provider tree pkg
// belongs to (providers/flickr and its simulator are both "flickr"), or "".
func concreteProvider(pkg string) string {
	for _, name := range concreteProviders {
		if under(pkg, module+"/providers/"+name) {
			return name
		}
	}
	return ""
}

// TestDependencyRules enforces the layout's dependency rules (DESIGN.md
// section 2, README "Project structure") on every package of the module,
// including what its tests import.
func TestDependencyRules(t *testing.T) {
	pkgs := listImports(t)
	type rule struct {
		name    string
		applies func(pkg string) bool
		// forbidden says why an import breaks the rule, or "" when it is allowed.
		forbidden func(pkg, imp string) string
		// withTests includes the package's internal and external test imports.
		withTests bool
	}
	rules := []rule{
		{
			name:    "nothing under providers imports internal packages",
			applies: func(p string) bool { return under(p, module+"/providers") },
			forbidden: func(_, imp string) string {
				return when(under(imp, module+"/internal"), "shared code belongs under providers/")
			},
			withTests: true,
		},
		{
			name:    "nothing under internal imports graph",
			applies: func(p string) bool { return under(p, module+"/internal") },
			forbidden: func(_, imp string) string {
				return when(under(imp, module+"/graph"), "imports point down, graph is above internal")
			},
			withTests: true,
		},
		{
			name:    "providers imports only the standard library",
			applies: func(p string) bool { return p == module+"/providers" },
			forbidden: func(_, imp string) string {
				return when(!standard(imp) && imp != "golang.org/x/sync" && !strings.HasPrefix(imp, "golang.org/x/sync/"), "the domain contract depends on nothing")
			},
		},
		{
			name:    "graph and graph/loaders never import a concrete provider",
			applies: func(p string) bool { return p == module+"/graph" || p == module+"/graph/loaders" },
			forbidden: func(_, imp string) string {
				return when(concreteProvider(imp) != "", "only the wiring knows the concrete providers")
			},
			withTests: true,
		},
		{
			name:    "provider packages never import graph, graph/model or gqlgen",
			applies: func(p string) bool { return concreteProvider(p) != "" },
			forbidden: func(_, imp string) string {
				return when(under(imp, module+"/graph") || under(imp, "github.com/99designs/gqlgen"), "providers know nothing of GraphQL")
			},
			withTests: true,
		},
		{
			name:    "provider packages never import each other",
			applies: func(p string) bool { return concreteProvider(p) != "" },
			forbidden: func(p, imp string) string {
				other := concreteProvider(imp)
				return when(other != "" && other != concreteProvider(p), "each upstream stands alone")
			},
			withTests: true,
		},
		{
			name:    "nothing imports the root package",
			applies: func(string) bool { return true },
			forbidden: func(_, imp string) string {
				return when(imp == module, "the root is package main and only wires")
			},
			withTests: true,
		},
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			checked := 0
			for _, p := range names {
				if !r.applies(p) {
					continue
				}
				checked++
				imps := pkgs[p].imports
				if r.withTests {
					imps = slices.Concat(imps, pkgs[p].testImports, pkgs[p].xtestImports)
				} else {
					imps = slices.Concat(imps, pkgs[p].testImports)
				}
				for _, imp := range imps {
					if why := r.forbidden(p, imp); why != "" {
						t.Errorf("%s imports %s: %s", p, imp, why)
					}
				}
			}
			if checked == 0 {
				t.Fatalf("the rule applies to no package; the layout changed and the rule must follow")
			}
		})
	}
}

// when returns why if cond holds, else "".
func when(cond bool, why string) string {
	if cond {
		return why
	}
	return ""
}

// TestDependencyRulesTransitively checks the rules that must hold for
// everything a tree pulls in, tests included, not just its direct imports.
func TestDependencyRulesTransitively(t *testing.T) {
	tests := []struct {
		name      string
		pattern   string
		forbidden func(dep string) bool
	}{
		{
			name:    "providers and its tests pull in no internal, graph or gqlgen package",
			pattern: "./providers/...",
			forbidden: func(d string) bool {
				return under(d, module+"/internal") || under(d, module+"/graph") || under(d, "github.com/99designs/gqlgen")
			},
		},
		{
			name:      "internal and its tests pull in no graph package",
			pattern:   "./internal/...",
			forbidden: func(d string) bool { return under(d, module+"/graph") },
		},
		{
			name:      "graph and its tests pull in no concrete provider",
			pattern:   "./graph/...",
			forbidden: func(d string) bool { return concreteProvider(d) != "" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deps := strings.Fields(goList(t, "-deps", "-test", "-f", "{{.ImportPath}}", tt.pattern))
			if len(deps) == 0 {
				t.Fatalf("go list -deps %s listed nothing", tt.pattern)
			}
			for _, d := range deps {
				// Test variants print as "pkg [pkg.test]"; the bracketed part
				// names the test binary, not a dependency.
				if strings.HasPrefix(d, "[") {
					continue
				}
				if tt.forbidden(d) {
					t.Errorf("%s depends on %s", tt.pattern, d)
				}
			}
		})
	}
}

// TestRootHoldsOnlyTheWiring checks the root directory keeps to server.go,
// tools.go and generate.go: anything else there would be a concern without
// a package of its own, and root tests would belong in e2e.
func TestRootHoldsOnlyTheWiring(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) == ".go" {
			got = append(got, e.Name())
		}
	}
	want := []string{"generate.go", "server.go", "tools.go"}
	if !slices.Equal(got, want) {
		t.Errorf("root Go files = %v, want %v", got, want)
	}
}
