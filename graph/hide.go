package graph

import (
	"regexp"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// hiddenName stands in an error message for a schema name the request did
// not name itself.
const hiddenName = "(hidden)"

// schemaNames are the names a schema defines: types, fields, arguments,
// enum values, input fields and directives, but not the built-in scalars
// and introspection types, which every GraphQL server has. With
// introspection off, errors must not tell a client any name of it that the
// client did not already write: validation messages name the parent type
// of an unknown field, a required argument nobody passed and its type,
// the type a variable was expected to have, and "did you mean" lists.
type schemaNames struct {
	names map[string]bool
	// types are the type names alone, which variable-coercion messages
	// carry unquoted.
	types map[string]bool
}

var builtinTypes = map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}

func newSchemaNames(s *ast.Schema) *schemaNames {
	n := &schemaNames{names: map[string]bool{}, types: map[string]bool{}}
	for name, def := range s.Types {
		if builtinTypes[name] || strings.HasPrefix(name, "__") {
			continue
		}
		if def == s.Query || def == s.Mutation || def == s.Subscription {
			// The operation's own type: a query already says it is one.
			for _, f := range def.Fields {
				n.field(f)
			}
			continue
		}
		n.names[name], n.types[name] = true, true
		for _, f := range def.Fields {
			n.field(f)
		}
		for _, v := range def.EnumValues {
			n.names[v.Name] = true
		}
	}
	for name, d := range s.Directives {
		n.names[name] = true
		for _, a := range d.Arguments {
			n.names[a.Name] = true
		}
	}
	// Spec directives and their arguments are no secret.
	for _, name := range []string{"include", "skip", "deprecated", "specifiedBy", "oneOf", "defer", "if", "reason", "url", "label"} {
		delete(n.names, name)
	}
	return n
}

func (n *schemaNames) field(f *ast.FieldDefinition) {
	if strings.HasPrefix(f.Name, "__") {
		return
	}
	n.names[f.Name] = true
	for _, a := range f.Arguments {
		n.names[a.Name] = true
	}
}

var (
	identifier = regexp.MustCompile(`[_A-Za-z][_0-9A-Za-z]*`)
	quoted     = regexp.MustCompile(`"[^"]*"`)
	didYouMean = regexp.MustCompile(`\s*Did you mean [^?]*\?`)
)

// words are the names a request wrote: every identifier of its document
// (comments and strings included), of its operation name, and of its
// variables' keys and string values.
func requestWords(query, operation string, vars map[string]any) map[string]bool {
	w := map[string]bool{}
	addWords(w, query)
	addWords(w, operation)
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				addWords(w, k)
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			addWords(w, v)
		}
	}
	walk(vars)
	return w
}

// addWords adds the identifiers of s to w. A plain scan, not identifier's
// regexp: it runs over whole documents of a hundred kilobytes, where the
// regexp cost ten times more than parsing them.
func addWords(w map[string]bool, s string) {
	isStart := func(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
	for i := 0; i < len(s); {
		if !isStart(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && (isStart(s[j]) || '0' <= s[j] && s[j] <= '9') {
			j++
		}
		w[s[i:j]] = true
		i = j
	}
}

// hide rewrites errs in place so that none names a schema name outside
// words: suggestions are dropped, a quoted name is replaced by hiddenName,
// and so is an unquoted type name or a path element.
func (n *schemaNames) hide(errs gqlerror.List, words map[string]bool) {
	secret := func(id string) bool { return n.names[id] && !words[id] }
	for _, e := range errs {
		msg := didYouMean.ReplaceAllString(e.Message, "")
		msg = quoted.ReplaceAllStringFunc(msg, func(q string) string {
			for _, id := range identifier.FindAllString(q, -1) {
				if secret(id) {
					return `"` + hiddenName + `"`
				}
			}
			return q
		})
		// Variable coercion says "must be a LeaveGroupInput, not a ..."
		// without quotes; type names are capitalised, the prose is not.
		var b strings.Builder
		last := 0
		for _, loc := range identifier.FindAllStringIndex(msg, -1) {
			id := msg[loc[0]:loc[1]]
			if n.types[id] && !words[id] {
				b.WriteString(msg[last:loc[0]])
				b.WriteString(hiddenName)
				last = loc[1]
			}
		}
		b.WriteString(msg[last:])
		e.Message = b.String()
		for i, p := range e.Path {
			if name, ok := p.(ast.PathName); ok && secret(string(name)) {
				e.Path[i] = ast.PathName(hiddenName)
			}
		}
	}
}
