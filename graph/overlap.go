package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// mergeRule is the spec's "field selection merging" rule
// (OverlappingFieldsCanBeMerged) in time linear in the fields it looks at.
// gqlparser's and graphql-js's compare every pair of fields that share a
// response name, and each pair's subfields pair by pair again, so 10,000
// copies of `__typename` cost 50 million comparisons. This version groups
// instead: within a group of fields sharing a response name, fields whose
// parents could be the same object ("not mutually exclusive") must all be
// the same field with the same arguments, which one comparison with the
// group's first field settles; the same response shape is an equivalence
// too; and the subfields of a group are checked once, merged, rather than
// once per pair. Errors are reported once per group and reason, not once
// per pair.
var mergeRule = core.Rule{
	Name: "OverlappingFieldsCanBeMerged",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		m := &merger{addError: addError, reported: map[string]bool{}}
		observers.OnOperation(func(w *core.Walker, op *ast.OperationDefinition) {
			// The walk has annotated every field the operation reaches
			// (Definition, ObjectDefinition) by the time it reports the
			// operation.
			m.schema = w.Schema
			m.index(w.Document)
			m.check([]ast.SelectionSet{op.SelectionSet}, 0)
		})
		// A fragment is checked on its own too, as in graphql-js, so that
		// its conflicts are reported even where nothing spreads it.
		observers.OnFragment(func(w *core.Walker, f *ast.FragmentDefinition) {
			m.schema = w.Schema
			m.index(w.Document)
			m.check([]ast.SelectionSet{f.SelectionSet}, 0)
		})
	},
}

const (
	// mergeMaxDepth ends the descent through fragments that spread
	// themselves through fields; NoFragmentCycles reports those.
	mergeMaxDepth = 64
	// mergeBudget is how many fields the rule may visit in one document.
	// The pre-pass bounds a valid document's expanded size well below it;
	// only cyclic fragments, which the pre-pass counts as empty, reach it.
	mergeBudget = 200_000
)

type merger struct {
	schema   *ast.Schema
	frags    map[string]*ast.FragmentDefinition
	addError core.AddErrFunc
	reported map[string]bool
	visited  int
	overrun  bool
}

// index records the document's fragments by name, the first of
// duplicates as the walk takes it.
func (m *merger) index(doc *ast.QueryDocument) {
	if m.frags != nil {
		return
	}
	m.frags = make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, ok := m.frags[f.Name]; !ok {
			m.frags[f.Name] = f
		}
	}
}

// group is the fields of a merged selection set that share a response name.
type group struct {
	name   string
	fields []*ast.Field
}

// collect merges selection sets into groups by response name, in the order
// of first appearance, through inline fragments and fragment spreads. A
// fragment spread more than once in the sets adds its fields once: the
// same fields again would add nothing to compare.
func (m *merger) collect(sets []ast.SelectionSet) []*group {
	index := map[string]*group{}
	var out []*group
	var frags map[string]bool
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				m.visited++
				name := s.Alias
				if name == "" {
					name = s.Name
				}
				g := index[name]
				if g == nil {
					g = &group{name: name}
					index[name] = g
					out = append(out, g)
				}
				g.fields = append(g.fields, s)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if frags[s.Name] {
					continue
				}
				if frags == nil {
					frags = map[string]bool{}
				}
				frags[s.Name] = true
				if def := m.frags[s.Name]; def != nil {
					walk(def.SelectionSet)
				}
			}
		}
	}
	for _, s := range sets {
		walk(s)
	}
	return out
}

// over reports whether the rule has used its budget, reporting it once.
func (m *merger) over() bool {
	if m.visited <= mergeBudget {
		return false
	}
	if !m.overrun {
		m.overrun = true
		m.addError(core.Message("The document has too many fields to check that they can be merged."))
	}
	return true
}

// check is FieldsInSetCanMerge over the union of sets.
func (m *merger) check(sets []ast.SelectionSet, depth int) {
	if depth > mergeMaxDepth || m.over() {
		return
	}
	for _, g := range m.collect(sets) {
		m.checkGroup(g, depth)
	}
}

func (m *merger) checkGroup(g *group, depth int) {
	// Fields the walk could not place (under an unknown type) are left to
	// the rules that report them, as in gqlparser.
	fields := slices.DeleteFunc(g.fields, func(f *ast.Field) bool { return f.ObjectDefinition == nil })
	if len(fields) == 0 {
		return
	}
	// Two fields are mutually exclusive when their parents are different
	// object types: no object is both. A field under an interface or a
	// union, or one the schema does not define, may meet any other.
	var shared []*ast.Field
	var byType []*group
	for _, f := range fields {
		if f.Definition == nil || f.ObjectDefinition.Kind != ast.Object {
			shared = append(shared, f)
			continue
		}
		i := slices.IndexFunc(byType, func(t *group) bool { return t.name == f.ObjectDefinition.Name })
		if i < 0 {
			byType = append(byType, &group{name: f.ObjectDefinition.Name})
			i = len(byType) - 1
		}
		byType[i].fields = append(byType[i].fields, f)
	}
	parts := [][]*ast.Field{shared}
	if len(byType) > 0 {
		parts = parts[:0]
		for _, t := range byType {
			parts = append(parts, append(slices.Clip(shared), t.fields...))
		}
	}
	conflicted := false
	for _, part := range parts {
		if a, b, reason := sameFieldAndArguments(part); reason != "" {
			m.report(g.name, reason, a, b)
			conflicted = true
			continue
		}
		if subs := selectionSets(part); len(subs) > 0 {
			m.check(subs, depth+1)
		}
	}
	if conflicted {
		return
	}
	// Within one part, check has compared the subfields, shapes included;
	// fields of different parts met nowhere yet, and must still have the
	// same shape all the way down.
	m.sameShape(g.name, fields, depth, len(byType) > 1)
}

// sameShape is SameResponseShape over a group: it holds for every pair,
// exclusive or not, so every field's type must match the first's, and the
// merged subfields must, group by group, have the same shape in turn.
func (m *merger) sameShape(name string, fields []*ast.Field, depth int, deep bool) {
	if depth > mergeMaxDepth || m.over() {
		return
	}
	var first *ast.Field
	for _, f := range fields {
		if f.Definition == nil || f.ObjectDefinition == nil {
			continue
		}
		if first == nil {
			first = f
			continue
		}
		if m.typesConflict(first.Definition.Type, f.Definition.Type) {
			m.report(name, fmt.Sprintf(`they return conflicting types "%s" and "%s"`, first.Definition.Type.String(), f.Definition.Type.String()), first, f)
			return
		}
	}
	if !deep {
		return
	}
	subs := selectionSets(fields)
	if len(subs) < 2 {
		// One selection set alone is checked, shapes included, by check.
		return
	}
	for _, g := range m.collect(subs) {
		m.sameShape(g.name, g.fields, depth+1, true)
	}
}

func selectionSets(fields []*ast.Field) []ast.SelectionSet {
	var out []ast.SelectionSet
	for _, f := range fields {
		if len(f.SelectionSet) > 0 {
			out = append(out, f.SelectionSet)
		}
	}
	return out
}

// sameFieldAndArguments compares every field with the first; fields that
// are not mutually exclusive must be the same field with the same
// arguments. It returns the first pair that is not, and why.
func sameFieldAndArguments(fields []*ast.Field) (a, b *ast.Field, reason string) {
	if len(fields) < 2 {
		return nil, nil, ""
	}
	first := fields[0]
	for _, f := range fields[1:] {
		if f.Name != first.Name {
			return first, f, fmt.Sprintf(`"%s" and "%s" are different fields`, first.Name, f.Name)
		}
		if !sameArguments(first.Arguments, f.Arguments) {
			return first, f, "they have differing arguments"
		}
	}
	return nil, nil, ""
}

// typesConflict reports whether two field types cannot describe one
// response value: their list and non-null wrappers differ, or one is a
// leaf and the other is not the same leaf. Two composite types do not
// conflict here; their subfields are compared instead.
func (m *merger) typesConflict(t1, t2 *ast.Type) bool {
	if t1.NonNull != t2.NonNull || (t1.Elem == nil) != (t2.Elem == nil) {
		return true
	}
	if t1.Elem != nil {
		return m.typesConflict(t1.Elem, t2.Elem)
	}
	d1, d2 := m.schema.Types[t1.NamedType], m.schema.Types[t2.NamedType]
	if d1 == nil || d2 == nil {
		return false
	}
	if d1.IsLeafType() || d2.IsLeafType() {
		return d1.Name != d2.Name
	}
	return false
}

// report adds one conflict error, once: a fragment's conflict is met in
// every operation that spreads it.
func (m *merger) report(name, reason string, a, b *ast.Field) {
	msg := fmt.Sprintf(`Fields "%s" conflict because %s. Use different aliases on the fields to fetch both if this was intentional.`, name, reason)
	key := msg + positionKey(a.Position) + positionKey(b.Position)
	if m.reported[key] {
		return
	}
	m.reported[key] = true
	m.addError(core.Message("%s", msg), core.At(a.Position), core.At(b.Position))
}

func positionKey(p *ast.Position) string {
	if p == nil {
		return "|"
	}
	return fmt.Sprintf("|%d:%d", p.Line, p.Column)
}

// sameArguments reports whether two argument lists are the same, in any
// order.
func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	find := b.ForName
	if len(b) > 8 {
		// A field may repeat an argument thousands of times (which
		// UniqueArgumentNames refuses); a scan per argument would make
		// that quadratic.
		byName := make(map[string]*ast.Argument, len(b))
		for _, y := range slices.Backward(b) {
			byName[y.Name] = y // the first of duplicates, as ForName
		}
		find = func(name string) *ast.Argument { return byName[name] }
	}
	for _, x := range a {
		y := find(x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// sameValue compares two argument values: object fields in name order,
// list items in the order written.
func sameValue(a, b *ast.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	ca, cb := a.Children, b.Children
	if a.Kind == ast.ObjectValue {
		byName := func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) }
		ca, cb = slices.SortedStableFunc(slices.Values(ca), byName), slices.SortedStableFunc(slices.Values(cb), byName)
	}
	for i := range ca {
		if ca[i].Name != cb[i].Name || !sameValue(ca[i].Value, cb[i].Value) {
			return false
		}
	}
	return true
}
