package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/groupgraph/groupgraph/graph"
)

// schema is the executable schema's parsed schema, for generating queries
// from it.
func schema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
}

// everyField returns a selection set of every field of type name and,
// below it, of every object it reaches, each type once on a path: a type
// already being selected above is given only its id (or __typename). A
// union or interface gets an inline fragment per member. Fields with
// required arguments are left out.
func everyField(s *ast.Schema, name string) string {
	var b strings.Builder
	writeEveryField(&b, s, name, nil)
	return b.String()
}

func writeEveryField(b *strings.Builder, s *ast.Schema, name string, path []string) {
	def := s.Types[name]
	if slices.Contains(path, name) {
		if def.Fields.ForName("id") != nil {
			b.WriteString("{ id }")
		} else {
			b.WriteString("{ __typename }")
		}
		return
	}
	path = append(path, name)
	b.WriteString("{ ")
	if def.Kind == ast.Union || def.Kind == ast.Interface {
		b.WriteString("__typename ")
		for _, t := range s.GetPossibleTypes(def) {
			b.WriteString("... on " + t.Name + " ")
			writeEveryField(b, s, t.Name, path)
			b.WriteString(" ")
		}
		b.WriteString("}")
		return
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || requiresArguments(f) {
			continue
		}
		b.WriteString(f.Name + " ")
		switch s.Types[f.Type.Name()].Kind {
		case ast.Object, ast.Interface, ast.Union:
			writeEveryField(b, s, f.Type.Name(), path)
			b.WriteString(" ")
		}
	}
	b.WriteString("}")
}

func requiresArguments(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// fullMembershipsQuery is the merged memberships list with every field of
// Membership and, below it, of Group and its details, on nodes and edges,
// at the default page size: the README's example query with nothing left
// out.
func fullMembershipsQuery(s *ast.Schema) string {
	m := everyField(s, "Membership")
	return `{ viewer { memberships { totalCount incompleteProviders pageInfo { hasNextPage hasPreviousPage startCursor endCursor } ` +
		`nodes ` + m + ` edges { cursor node ` + m + ` } } } }`
}

func TestTheGeneratedQueriesNameEveryField(t *testing.T) {
	s := schema()
	q := everyField(s, "Group")
	for _, f := range []string{"viewerMembership", "poolCount", "remaining", "editUrls", "categories", "viewerCanLeave"} {
		if !strings.Contains(q, f) {
			t.Errorf("every field of Group lacks %s: %s", f, q)
		}
	}
}

func TestTheDefaultComplexityLimitAdmitsEveryFieldAtTheDefaultPageSize(t *testing.T) {
	s := newSimulated(t, simulatedOptions{})
	sch := schema()
	every := everyField(sch, "Membership")
	t.Run("every field on nodes and edges of a default page is answered", func(t *testing.T) {
		r, _, _ := s.post(fullMembershipsQuery(sch), nil)
		r.mustSucceed(t)
		var d struct {
			Viewer struct {
				Memberships struct{ Nodes []map[string]any }
			}
		}
		r.decode(t, &d)
		if len(d.Viewer.Memberships.Nodes) == 0 {
			t.Fatalf("no memberships: %s", r.Data)
		}
	})
	t.Run("every field on the nodes of the largest page is answered", func(t *testing.T) {
		r, _, _ := s.post(`{ viewer { memberships(first: 100) { nodes `+every+` } } }`, nil)
		r.mustSucceed(t)
	})
	t.Run("every field on nodes and edges of the largest page is refused", func(t *testing.T) {
		r, _, _ := s.post(`{ viewer { memberships(first: 100) { nodes `+every+` edges { node `+every+` } } } }`, nil)
		if len(r.Errors) != 1 || r.code(0) != graph.CodeComplexityLimit {
			t.Fatalf("errors %+v, want one %s", r.Errors, graph.CodeComplexityLimit)
		}
	})
}
