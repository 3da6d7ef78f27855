package graph

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/internal/ratelimit"
	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/providers"
)

// Limits bound what one operation may ask for. A zero field takes its
// default (DefaultLimits); a negative one turns that limit off.
type Limits struct {
	// MaxDepth is the deepest field nesting, introspection not counted.
	MaxDepth int
	// MaxComplexity bounds the estimated cost: every field costs 1 plus its
	// children, and a connection or nodes list costs its page size (first,
	// last, or the default page) times its children.
	MaxComplexity int
	// MaxTokens bounds the lexical tokens of a document, so that a huge
	// document is refused before it is parsed.
	MaxTokens int
	// MaxAliases bounds the aliased fields, which could otherwise ask for
	// the same costly field many times.
	MaxAliases int
	// MaxRootFields bounds the top-level fields of an operation.
	MaxRootFields int
	// MaxSelections bounds the selections (fields, inline fragments,
	// fragment spreads) of a document's operations, each spread counting
	// its fragment's selections again. It is checked after parsing and
	// before validation, whose cost it bounds.
	MaxSelections int
}

// DefaultLimits are the limits used when HandlerConfig leaves them zero.
// The complexity limit admits every field of Membership, Group and the
// details below them for a whole page of 100 memberships (about 11,150),
// and both nodes and edges of such a page at the default size of 50
// (about 11,550): a client showing everything the schema offers is not
// refused at the page size it did not choose.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 12, MaxComplexity: DefaultMaxComplexity, MaxTokens: 10000, MaxAliases: 30, MaxRootFields: 20, MaxSelections: 2000}
}

// DefaultMaxComplexity is the default Limits.MaxComplexity.
const DefaultMaxComplexity = 12000

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, p := range []struct{ v, def *int }{
		{&l.MaxDepth, &d.MaxDepth}, {&l.MaxComplexity, &d.MaxComplexity}, {&l.MaxTokens, &d.MaxTokens},
		{&l.MaxAliases, &d.MaxAliases}, {&l.MaxRootFields, &d.MaxRootFields}, {&l.MaxSelections, &d.MaxSelections},
	} {
		if *p.v == 0 {
			*p.v = *p.def
		}
	}
	return l
}

// connectionCosts are the per-field costs gqlgen's complexity walker uses:
// a list field costs its length times its children, everything else 1
// plus its children (gqlgen's default).
func connectionCosts() ComplexityRoot {
	var c ComplexityRoot
	c.Viewer.Memberships = func(child int, first *int, _ *string, last *int, _ *string, _ *model.MembershipFilter, _ *model.MembershipOrder) int {
		return pageCost(child, first, last)
	}
	c.Viewer.VisibleGroups = func(child int, first *int, _ *string, last *int, _ *string, _ []providers.Kind) int {
		return pageCost(child, first, last)
	}
	c.Query.Nodes = func(child int, ids []string) int { return 1 + max(1, len(ids))*child }
	return c
}

// pageCost is the cost of a connection page: its size times its children.
// Out-of-range sizes are charged as the largest page; the resolver refuses
// them anyway.
func pageCost(child int, first, last *int) int {
	n := defaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	if n < 0 || n > maxPageSize {
		n = maxPageSize
	}
	return 1 + max(1, n)*child
}

// rateLimitStats is the operation-context key of the rate-limit result.
const rateLimitStats = "GroupgraphRateLimit"

// guard is the handler extension that enforces Limits, charges the rate
// limit, and refuses mutations over GET, after validation and before
// execution.
type guard struct {
	limits Limits
	es     graphql.ExecutableSchema
	// introspection is whether __schema and __type may be asked for.
	introspection bool
	limiter       *ratelimit.Limiter
	metrics       *telemetry.Metrics
	logger        *slog.Logger
}

var (
	_ graphql.HandlerExtension        = (*guard)(nil)
	_ graphql.OperationContextMutator = (*guard)(nil)
)

// ExtensionName implements graphql.HandlerExtension.
func (*guard) ExtensionName() string { return "GroupgraphGuard" }

// Validate implements graphql.HandlerExtension.
func (g *guard) Validate(es graphql.ExecutableSchema) error {
	g.es = es
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (g *guard) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if httpRequestFrom(ctx).get && op.Operation != ast.Query {
		return limitError(CodeMethodNotAllowed, fmt.Sprintf("a %s cannot be sent with GET: use POST", op.Operation), nil)
	}
	l := g.limits
	// Both walks measure each named fragment once: a few hundred bytes of
	// fragments spreading each other expand to billions of fields.
	s := (&shapeWalker{memo: map[string]shape{}}).selectionSet(op.SelectionSet)
	if l.MaxRootFields > 0 && s.roots > l.MaxRootFields {
		return limitError(CodeRootFieldLimitExceeded, fmt.Sprintf("the operation has %d root fields; at most %d are allowed", s.roots, l.MaxRootFields),
			map[string]any{"rootFields": s.roots, "maxRootFields": l.MaxRootFields})
	}
	if s.introspects && !g.introspection {
		return limitError(CodeIntrospectionDisabled, "introspection is disabled on this server", nil)
	}
	if l.MaxDepth > 0 && s.depth > l.MaxDepth {
		return limitError(CodeDepthLimitExceeded, fmt.Sprintf("the operation is %d fields deep; at most %d are allowed", s.depth, l.MaxDepth),
			map[string]any{"depth": s.depth, "maxDepth": l.MaxDepth})
	}
	if l.MaxAliases > 0 && s.aliases > l.MaxAliases {
		return limitError(CodeAliasLimitExceeded, fmt.Sprintf("the operation has %d aliases; at most %d are allowed", s.aliases, l.MaxAliases),
			map[string]any{"aliases": s.aliases, "maxAliases": l.MaxAliases})
	}
	cost := (&costWalker{ctx: ctx, es: g.es, schema: g.es.Schema(), vars: opCtx.Variables, memo: map[string]int{}}).selectionSet(op.SelectionSet)
	if l.MaxComplexity > 0 && cost > l.MaxComplexity {
		return limitError(CodeComplexityLimit, fmt.Sprintf("the operation's complexity is %d; at most %d is allowed", cost, l.MaxComplexity),
			map[string]any{"complexity": cost, "maxComplexity": l.MaxComplexity})
	}
	return g.charge(ctx, opCtx, cost)
}

func limitError(code, msg string, ext map[string]any) *gqlerror.Error {
	if ext == nil {
		ext = map[string]any{}
	}
	ext["code"] = code
	return &gqlerror.Error{Message: msg, Extensions: ext}
}

// shape is what the guard measures of a selection set, fragments expanded:
// its depth, its aliases, its field count and its top-level fields, the
// counts saturating at saturate so that a fragment bomb cannot overflow
// them.
type shape struct {
	depth, aliases, fields, roots int
	introspects                   bool
}

const saturate = 1 << 30

// shapeWalker measures selection sets, measuring each named fragment once
// so that the walk is linear in the document even when fragments spread
// other fragments many times.
type shapeWalker struct {
	memo     map[string]shape
	visiting map[string]bool
}

func (w *shapeWalker) selectionSet(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch f := sel.(type) {
		case *ast.Field:
			if f.Name == "__schema" || f.Name == "__type" {
				// Introspection is bounded by the schema, and GraphiQL's
				// own query is deeper than any sane limit.
				s = shape{depth: 1, fields: 1, roots: 1, introspects: true}
				break
			}
			s = w.selectionSet(f.SelectionSet)
			s.depth++
			s.fields = add(s.fields, 1)
			s.roots = 1
			if f.Alias != "" && f.Alias != f.Name {
				s.aliases = add(s.aliases, 1)
			}
		case *ast.InlineFragment:
			s = w.selectionSet(f.SelectionSet)
		case *ast.FragmentSpread:
			s = w.fragment(f)
		}
		out.depth = max(out.depth, s.depth)
		out.aliases = add(out.aliases, s.aliases)
		out.fields = add(out.fields, s.fields)
		out.roots = add(out.roots, s.roots)
		out.introspects = out.introspects || s.introspects
	}
	return out
}

func (w *shapeWalker) fragment(f *ast.FragmentSpread) shape {
	if s, ok := w.memo[f.Name]; ok {
		return s
	}
	if f.Definition == nil || w.visiting[f.Name] {
		return shape{} // validation refuses unknown and cyclic fragments
	}
	if w.visiting == nil {
		w.visiting = map[string]bool{}
	}
	w.visiting[f.Name] = true
	s := w.selectionSet(f.Definition.SelectionSet)
	delete(w.visiting, f.Name)
	w.memo[f.Name] = s
	return s
}

func add(a, b int) int { return min(a+b, saturate) }

// costWalker is gqlgen's complexity calculation (complexity.Calculate),
// field for field, except that it computes each named fragment's cost once:
// the cost of a selection set does not depend on where it is spread, and
// gqlgen's walk, which expands every spread, takes time exponential in a
// document whose fragments spread each other. Costs saturate at saturate.
type costWalker struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	memo   map[string]int
}

func (w *costWalker) selectionSet(set ast.SelectionSet) int {
	cost := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			cost = add(cost, w.field(s))
		case *ast.InlineFragment:
			cost = add(cost, w.selectionSet(s.SelectionSet))
		case *ast.FragmentSpread:
			c, ok := w.memo[s.Name]
			if !ok && s.Definition != nil {
				w.memo[s.Name] = 0 // validation refuses cycles; this ends one anyway
				c = w.selectionSet(s.Definition.SelectionSet)
				w.memo[s.Name] = c
			}
			cost = add(cost, c)
		}
	}
	return cost
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	def := w.schema.Types[f.Definition.Type.Name()]
	if def == nil || def.Name == "__Schema" {
		return 0 // as gqlgen: the schema's introspection is free
	}
	child := 0
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = w.selectionSet(f.SelectionSet)
	}
	args := f.ArgumentMap(w.vars)
	if f.ObjectDefinition.Kind != ast.Interface {
		return w.fieldCost(f.ObjectDefinition, f.Name, child, args)
	}
	// An interface's field costs what its costliest implementation does.
	worst := 0
	for _, t := range w.schema.GetPossibleTypes(f.ObjectDefinition) {
		worst = max(worst, w.fieldCost(t, f.Name, child, args))
	}
	return worst
}

func (w *costWalker) fieldCost(obj *ast.Definition, field string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(w.ctx, obj.Name, field, child, args); ok && c >= 1 {
		return min(c, saturate)
	}
	return add(1, child)
}
