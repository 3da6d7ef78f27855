package graph

import "github.com/vektah/gqlparser/v2/ast"

// docSize is what the pre-pass measures of a parsed document before it is
// validated: the selections (fields, inline fragments and fragment
// spreads) of all its operations, each spread counting the selections of
// its fragment again, as validation and execution visit them. Counts
// saturate at saturate.
type docSize struct {
	selections int
	fields     int
	spreads    int
}

// measure is the pre-pass: one walk of the document in which every named
// fragment is measured once, however often it is spread, so that its cost
// is linear in the document even for fragments spreading each other
// (whose expansion can be exponential). Fragments that are unknown or
// part of a cycle count nothing here; validation refuses them.
func measure(doc *ast.QueryDocument) docSize {
	m := &measurer{frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)), memo: map[string]docSize{}}
	for _, f := range doc.Fragments {
		if _, ok := m.frags[f.Name]; !ok {
			m.frags[f.Name] = f // the first of duplicates, as the validator's walk takes
		}
	}
	var total docSize
	for _, op := range doc.Operations {
		total = total.plus(m.set(op.SelectionSet))
	}
	return total
}

type measurer struct {
	frags    map[string]*ast.FragmentDefinition
	memo     map[string]docSize
	visiting map[string]bool
}

func (s docSize) plus(o docSize) docSize {
	return docSize{add(s.selections, o.selections), add(s.fields, o.fields), add(s.spreads, o.spreads)}
}

func (m *measurer) set(set ast.SelectionSet) docSize {
	var out docSize
	for _, sel := range set {
		out.selections = add(out.selections, 1)
		switch s := sel.(type) {
		case *ast.Field:
			out.fields = add(out.fields, 1)
			out = out.plus(m.set(s.SelectionSet))
		case *ast.InlineFragment:
			out = out.plus(m.set(s.SelectionSet))
		case *ast.FragmentSpread:
			out.spreads = add(out.spreads, 1)
			out = out.plus(m.fragment(s.Name))
		}
	}
	return out
}

func (m *measurer) fragment(name string) docSize {
	if s, ok := m.memo[name]; ok {
		return s
	}
	f := m.frags[name]
	if f == nil || m.visiting[name] {
		return docSize{}
	}
	if m.visiting == nil {
		m.visiting = map[string]bool{}
	}
	m.visiting[name] = true
	s := m.set(f.SelectionSet)
	delete(m.visiting, name)
	m.memo[name] = s
	return s
}
