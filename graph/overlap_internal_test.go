package graph

import (
	"os"
	"strconv"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
	"gopkg.in/yaml.v3"
)

// mergeSpec is one case of graphql-js's OverlappingFieldsCanBeMergedRule
// tests, as gqlparser exports them (testdata/merge, with their licence).
type mergeSpec struct {
	Name   string
	Schema string
	Query  string
	Errors []struct {
		Message string
	}
}

func loadMergeSpecs(t *testing.T) ([]*ast.Schema, []mergeSpec) {
	t.Helper()
	var raw []string
	var specs []mergeSpec
	for path, dst := range map[string]any{"testdata/merge/schemas.yml": &raw, "testdata/merge/OverlappingFieldsCanBeMergedRule.spec.yml": &specs} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	schemas := make([]*ast.Schema, len(raw))
	for i, s := range raw {
		var err error
		if schemas[i], err = gqlparser.LoadSchema(&ast.Source{Input: s}); err != nil {
			t.Fatal(err)
		}
	}
	return schemas, specs
}

// mergeErrors runs one merge rule alone over query; the walk annotates the
// document whatever rules run.
func mergeErrors(t testing.TB, schema *ast.Schema, query string, rule core.Rule) (int, bool) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return 0, false
	}
	return len(validate(schema, doc, []core.Rule{rule})), true
}

// The linear rule agrees with graphql-js on every case of its test suite
// about whether a document has a conflict (not on how many errors: this
// rule reports a group's conflict once, graphql-js once per pair).
func TestMergeRuleAgreesWithGraphQLJS(t *testing.T) {
	schemas, specs := loadMergeSpecs(t)
	for _, spec := range specs {
		t.Run(spec.Name, func(t *testing.T) {
			if spec.Name == "reports correctly when a non-exclusive follows an exclusive" {
				t.Skip("the case selects a field its schema lacks; gqlparser skips it too")
			}
			var schema *ast.Schema
			if i, err := strconv.Atoi(spec.Schema); err == nil {
				schema = schemas[i]
			} else {
				var err error
				if schema, err = gqlparser.LoadSchema(&ast.Source{Input: spec.Schema}); err != nil {
					t.Fatal(err)
				}
			}
			n, ok := mergeErrors(t, schema, spec.Query, mergeRule)
			if !ok {
				t.Skip("the query does not parse")
			}
			if want := len(spec.Errors) > 0; (n > 0) != want {
				t.Errorf("conflict found = %v, want %v (%d errors expected)\n%s", n > 0, want, len(spec.Errors), spec.Query)
			}
		})
	}
}

// FuzzMergeRule checks the linear rule against gqlparser's pairwise one on
// documents over groupgraph's schema: both find a conflict or neither
// does, and neither panics.
func FuzzMergeRule(f *testing.F) {
	for _, seed := range []string{
		"{ viewer { a: __typename a: memberships { totalCount } } }",
		"{ viewer { memberships(first: 1) { totalCount } memberships(first: 2) { totalCount } } }",
		"{ viewer { memberships(first: 1) { totalCount } memberships(first: 1) { totalCount } } }",
		"{ node(id: 1) { ... on Group { name } ... on User { name } } }",
		"{ node(id: 1) { ... on Group { x: name } ... on User { x: id } } }",
		"{ node(id: 1) { id ... on Group { id: name } } }",
		"{ viewer { ...A ...B } } fragment A on Viewer { n: name } fragment B on Viewer { n: id }",
		"{ viewer { memberships { nodes { group { name } } } memberships { nodes { group { name: id } } } } }",
		"{ providers { provider } providers { provider: __typename } }",
		"query { ...F } fragment F on Query { viewer { ...G } } fragment G on Viewer { name name: id }",
	} {
		f.Add(seed)
	}
	schema := NewExecutableSchema(Config{Resolvers: &Resolver{}}).Schema()
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 2000 {
			return
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil || hasFragmentCycle(doc) {
			return // gqlparser's rule recurses without end on some cycles
		}
		ours, _ := mergeErrors(t, schema, query, mergeRule)
		theirs, _ := mergeErrors(t, schema, query, rules.OverlappingFieldsCanBeMergedRule)
		if (ours > 0) != (theirs > 0) {
			t.Errorf("ours found %d conflicts, gqlparser %d, in %q", ours, theirs, query)
		}
	})
}

func hasFragmentCycle(doc *ast.QueryDocument) bool {
	for _, f := range doc.Fragments {
		if reaches(doc, f.SelectionSet, f.Name, map[string]bool{}) {
			return true
		}
	}
	return false
}

func reaches(doc *ast.QueryDocument, set ast.SelectionSet, name string, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if reaches(doc, s.SelectionSet, name, seen) {
				return true
			}
		case *ast.InlineFragment:
			if reaches(doc, s.SelectionSet, name, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Name == name {
				return true
			}
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if def := doc.Fragments.ForName(s.Name); def != nil && reaches(doc, def.SelectionSet, name, seen) {
				return true
			}
		}
	}
	return false
}

// FuzzMeasure checks the pre-pass: it never panics, and on documents
// small enough to expand it counts exactly what expanding them counts.
func FuzzMeasure(f *testing.F) {
	for _, seed := range []string{
		"{ a b { c } }",
		"{ ...F ...F } fragment F on Query { a ... on Query { b } }",
		"query A { a } query B { ...F } fragment F on Query { x y }",
		"{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
		"{ ...Missing }",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, 2000)
		if err != nil {
			return
		}
		got := measure(doc)
		if got.selections < got.fields+got.spreads || got.selections > saturate {
			t.Fatalf("inconsistent counts %+v", got)
		}
		if hasFragmentCycle(doc) {
			return
		}
		budget := 100_000
		want, ok := expand(doc, budget)
		if ok && got != want {
			t.Errorf("measure = %+v, expanding = %+v for %q", got, want, query)
		}
	})
}

// expand counts a document's selections the slow way, giving up after
// budget selections.
func expand(doc *ast.QueryDocument, budget int) (docSize, bool) {
	var out docSize
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			out.selections++
			if out.selections > budget {
				return false
			}
			switch s := sel.(type) {
			case *ast.Field:
				out.fields++
				if !walk(s.SelectionSet) {
					return false
				}
			case *ast.InlineFragment:
				if !walk(s.SelectionSet) {
					return false
				}
			case *ast.FragmentSpread:
				out.spreads++
				if def := doc.Fragments.ForName(s.Name); def != nil && !walk(def.SelectionSet) {
					return false
				}
			}
		}
		return true
	}
	for _, op := range doc.Operations {
		if !walk(op.SelectionSet) {
			return out, false
		}
	}
	return out, true
}
