package graph

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Incremental delivery of @defer: the multipart/mixed format of the
// GraphQL-over-HTTP incremental delivery RFC, with the payloads of the
// 2022-08-24 draft of the defer spec ("graphql-js 17 alpha 2"): a first
// {data, hasNext} part, then {incremental: [{data, path, label, errors}],
// hasNext} parts, the last one with hasNext false. It is what Apollo Client
// (its Defer20220824Handler), urql and Relay read, and what Apollo Router
// and gqlgen's own transport send.
const (
	// multipartBoundary separates the parts; it cannot occur in the JSON of
	// a part, which holds no raw line break.
	multipartBoundary = "graphql"
	// deferSpec is the only version of the defer payloads spoken here.
	deferSpec = "20220824"
)

// acceptsIncremental reports whether the Accept header takes
// multipart/mixed in the format above: with no spec parameter, or
// deferSpec=20220824. A client asking only for another version (Apollo
// Client's graphql17Alpha9 handler sends incrementalSpec=v0.2) gets the
// complete result in one JSON response instead, as the RFC allows.
func acceptsIncremental(accept []string) bool {
	for _, h := range accept {
		for part := range strings.SplitSeq(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || mt != "multipart/mixed" {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
					continue
				}
			}
			spec, hasDeferSpec := params["deferspec"]
			_, hasOther := params["incrementalspec"]
			if (hasDeferSpec && spec == deferSpec) || (!hasDeferSpec && !hasOther) {
				return true
			}
		}
	}
	return false
}

// hasDefer reports whether the operation, or a fragment it uses, carries
// @defer.
func hasDefer(doc *ast.QueryDocument, op *ast.OperationDefinition) bool {
	if op == nil {
		return false
	}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if walk(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if s.Directives.ForName("defer") != nil || walk(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if s.Directives.ForName("defer") != nil {
					return true
				}
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if def := doc.Fragments.ForName(s.Name); def != nil && walk(def.SelectionSet) {
					return true
				}
			}
		}
		return false
	}
	return walk(op.SelectionSet)
}

// withoutDefer returns copies of the document and operation with every
// @defer removed, for a client that cannot receive incremental payloads
// and for mutations (gqlgen delivers deferred parts of queries only): the
// deferred fields then arrive in the one response, complete, as the
// defer spec allows. The parsed document is shared by every request that
// sends it (the query cache holds it), so it is copied, never changed.
func withoutDefer(doc *ast.QueryDocument, op *ast.OperationDefinition) (*ast.QueryDocument, *ast.OperationDefinition) {
	frags := make(ast.FragmentDefinitionList, 0, len(doc.Fragments))
	byName := map[string]*ast.FragmentDefinition{}
	for _, f := range doc.Fragments {
		c := *f
		frags = append(frags, &c)
		byName[f.Name] = &c
	}
	var strip func(ast.SelectionSet) ast.SelectionSet
	strip = func(set ast.SelectionSet) ast.SelectionSet {
		if set == nil {
			return nil
		}
		out := make(ast.SelectionSet, len(set))
		for i, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				c := *s
				c.SelectionSet = strip(s.SelectionSet)
				out[i] = &c
			case *ast.InlineFragment:
				c := *s
				c.Directives = dropDefer(s.Directives)
				c.SelectionSet = strip(s.SelectionSet)
				out[i] = &c
			case *ast.FragmentSpread:
				c := *s
				c.Directives = dropDefer(s.Directives)
				if d := byName[s.Name]; d != nil {
					c.Definition = d
				}
				out[i] = &c
			default:
				out[i] = sel
			}
		}
		return out
	}
	for _, f := range frags {
		f.SelectionSet = strip(f.SelectionSet)
	}
	o := *op
	o.SelectionSet = strip(op.SelectionSet)
	d := *doc
	d.Operations = ast.OperationList{&o}
	d.Fragments = frags
	return &d, &o
}

func dropDefer(list ast.DirectiveList) ast.DirectiveList {
	if list.ForName("defer") == nil {
		return list
	}
	out := make(ast.DirectiveList, 0, len(list)-1)
	for _, d := range list {
		if d.Name != "defer" {
			out = append(out, d)
		}
	}
	return out
}

// incrementalItem is one deferred fragment's result in a subsequent
// payload.
type incrementalItem struct {
	Data       json.RawMessage `json:"data"`
	Path       ast.Path        `json:"path"`
	Label      string          `json:"label,omitempty"`
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// subsequentPayload is every part after the first.
type subsequentPayload struct {
	Incremental []incrementalItem `json:"incremental"`
	HasNext     bool              `json:"hasNext"`
}

// initialPayload is the first part.
type initialPayload struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data"`
	HasNext    bool            `json:"hasNext"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// writeIncremental streams first and then every payload next returns, until
// it returns nil or one says hasNext false, each part flushed as soon as it
// is written, and followed at once by the boundary: clients hand a part
// over only when they see the boundary after it. It returns how many
// errors the parts carried.
func writeIncremental(w http.ResponseWriter, first *graphql.Response, next func() *graphql.Response) int {
	w.Header().Set("Content-Type", `multipart/mixed; boundary="`+multipartBoundary+`"; deferSpec=`+deferSpec)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var buf bytes.Buffer
	buf.WriteString("\r\n--" + multipartBoundary + "\r\n")
	errors := len(first.Errors)
	hasNext := first.HasNext != nil && *first.HasNext
	part := any(initialPayload{Errors: first.Errors, Data: nullIfEmpty(first.Data), HasNext: hasNext, Extensions: first.Extensions})
	for {
		buf.WriteString("Content-Type: application/json; charset=utf-8\r\n\r\n")
		b, err := json.Marshal(part)
		if err != nil {
			// Not reachable with gqlgen's own values; end the stream
			// rather than leave the client waiting.
			b, hasNext = []byte(`{"hasNext":false}`), false
		}
		buf.Write(b)
		if hasNext {
			buf.WriteString("\r\n--" + multipartBoundary + "\r\n")
		} else {
			buf.WriteString("\r\n--" + multipartBoundary + "--\r\n")
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return errors
		}
		_ = rc.Flush()
		buf.Reset()
		if !hasNext {
			return errors
		}
		resp := next()
		if resp == nil {
			// The executor ended (the request was cancelled) before saying
			// hasNext false: close the stream properly.
			_, _ = w.Write([]byte("Content-Type: application/json; charset=utf-8\r\n\r\n{\"hasNext\":false}\r\n--" + multipartBoundary + "--\r\n"))
			_ = rc.Flush()
			return errors
		}
		errors += len(resp.Errors)
		hasNext = resp.HasNext != nil && *resp.HasNext
		path := resp.Path
		if path == nil {
			path = ast.Path{} // a fragment on Query: the root is [], not null
		}
		part = subsequentPayload{
			Incremental: []incrementalItem{{Data: nullIfEmpty(resp.Data), Path: path, Label: resp.Label, Errors: resp.Errors, Extensions: resp.Extensions}},
			HasNext:     hasNext,
		}
	}
}

func nullIfEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}
