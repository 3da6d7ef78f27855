package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// redacted replaces a secret in the request log.
const redacted = "[redacted]"

// passwordName is the name of the fields and arguments that take a
// password (LinkAkanaAccountInput.password), which is never logged.
const passwordName = "password"

// loggedVariables is what the request log may show of a request's
// variables, which it writes at log level debug only: a value under a key
// named password, at any depth, or bound to a password field or argument
// in the document, is replaced by redacted. When the document could not be
// read (doc is nil) and mentions a password, every value is. vars itself is
// never changed; it is returned as it is when it holds no password.
func loggedVariables(vars map[string]any, query string, doc *ast.QueryDocument) map[string]any {
	if len(vars) == 0 {
		return vars
	}
	var bound map[string]bool
	if containsFold(query, passwordName) {
		if doc == nil {
			out := make(map[string]any, len(vars))
			for k := range vars {
				out[k] = redacted
			}
			return out
		}
		bound = passwordVariables(doc)
	}
	if len(bound) == 0 && !holdsPasswordKey(vars) {
		return vars
	}
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		if bound[k] || strings.EqualFold(k, passwordName) {
			out[k] = redacted
			continue
		}
		out[k] = redactPasswordKeys(v)
	}
	return out
}

func holdsPasswordKey(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if strings.EqualFold(k, passwordName) || holdsPasswordKey(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if holdsPasswordKey(e) {
				return true
			}
		}
	}
	return false
}

func redactPasswordKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if strings.EqualFold(k, passwordName) {
				out[k] = redacted
			} else {
				out[k] = redactPasswordKeys(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactPasswordKeys(e)
		}
		return out
	}
	return v
}

// passwordVariables returns the variables the document passes, anywhere,
// as a password argument or input field.
func passwordVariables(doc *ast.QueryDocument) map[string]bool {
	found := map[string]bool{}
	var value func(name string, v *ast.Value)
	value = func(name string, v *ast.Value) {
		if v == nil {
			return
		}
		if v.Kind == ast.Variable && strings.EqualFold(name, passwordName) {
			found[v.Raw] = true
		}
		for _, c := range v.Children {
			value(c.Name, c.Value)
		}
	}
	var set func(ast.SelectionSet)
	set = func(s ast.SelectionSet) {
		for _, sel := range s {
			switch f := sel.(type) {
			case *ast.Field:
				for _, a := range f.Arguments {
					value(a.Name, a.Value)
				}
				set(f.SelectionSet)
			case *ast.InlineFragment:
				set(f.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		set(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		set(f.SelectionSet)
	}
	return found
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}
