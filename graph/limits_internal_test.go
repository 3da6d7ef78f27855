package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
)

// countingSchema counts the field costs the guard asks for.
type countingSchema struct {
	graphql.ExecutableSchema
	calls int
}

func (c *countingSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	c.calls++
	return c.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

// The guard measures an operation in work proportional to its document,
// not to the document with every fragment spread expanded: a fragment's
// cost does not depend on where it is spread, so it is computed once.
func TestComplexityWalksEachFragmentOnce(t *testing.T) {
	bomb := func(prefix, on, leaf string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "query { %s }\nfragment F0 on %s { %s }\n", strings.Replace(prefix, "$", "...F16", 1), on, leaf)
		for i := 1; i <= 16; i++ {
			fmt.Fprintf(&b, "fragment F%d on %s { ...F%d ...F%d }\n", i, on, i-1, i-1)
		}
		return b.String()
	}
	cases := []struct {
		name   string
		limits Limits
		query  string
		cost   int // 0: not checked
	}{
		{"complexity limit off", Limits{MaxComplexity: -1}, bomb("providers { $ }", "ProviderInfo", "provider"), 0},
		{"inside introspection", Limits{MaxComplexity: 1 << 20}, bomb(`__type(name: "Query") { $ }`, "__Type", "name"), 0},
		{"a page of fragments", Limits{MaxComplexity: 10}, bomb("viewer { memberships(first: 3) { nodes { $ } } }", "Membership", "id"), 1 + 1 + 3*(1+1<<16)}, // viewer, memberships, 3 × (nodes + its ids)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := &countingSchema{ExecutableSchema: NewExecutableSchema(Config{Resolvers: &Resolver{}, Complexity: connectionCosts()})}
			doc, errs := gqlparser.LoadQuery(es.Schema(), tc.query)
			if errs != nil {
				t.Fatal(errs)
			}
			g := &guard{limits: tc.limits.withDefaults(), es: es, introspection: true}
			err := g.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}})
			if es.calls > 100 {
				t.Errorf("the guard asked for %d field costs for a document of 17 fragments", es.calls)
			}
			if tc.cost != 0 {
				if err == nil || err.Extensions["complexity"] != tc.cost {
					t.Errorf("got %v, want complexity %d", err, tc.cost)
				}
			}
		})
	}
}
