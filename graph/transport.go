package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/internal/telemetry"
	"github.com/groupgraph/groupgraph/providers"
)

// httpTransport is GraphQL over HTTP for GET and POST, replacing gqlgen's
// GET and POST transports where they differ from the spec: the response
// media type follows Accept, request errors carry no data entry, a
// mutation over GET is 405 with Allow: POST, and every status comes from
// requestStatus. It also sets the rate-limit and caching headers.
type httpTransport struct {
	// hide, when set, keeps schema names out of request errors
	// (introspection is off).
	hide *schemaNames
}

var _ graphql.Transport = httpTransport{}

// Supports takes every request but CORS-less OPTIONS (gqlgen's Options
// transport answers those), so that an unsupported method, HEAD included,
// gets a proper 405 with Allow. It takes requests with an Upgrade header
// too: there is no WebSocket transport, and clients offer upgrades the
// server may ignore (curl --http2 sends Upgrade: h2c), which gqlgen
// answered with a code-less 400 "transport not supported".
func (httpTransport) Supports(r *http.Request) bool {
	return r.Method != http.MethodOptions
}

// requestKey carries facts about the HTTP request to the extensions.
type requestKey struct{}

// httpRequest is what the extensions need to know of the HTTP request.
type httpRequest struct {
	get      bool
	clientIP string
	header   http.Header
}

func httpRequestFrom(ctx context.Context) httpRequest {
	r, _ := ctx.Value(requestKey{}).(httpRequest)
	return r
}

// Do implements graphql.Transport.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		writeRequestError(w, mediaJSON, requestError(CodeNotAcceptable,
			"the Accept header allows neither application/graphql-response+json nor application/json"), nil)
		return
	}
	w.Header().Add("Vary", "Accept")
	info := telemetry.RequestInfoFrom(r.Context())
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		info.SetOutcome(telemetry.OutcomeRejected)
		writeRequestError(w, media, requestError(CodeMethodNotAllowed, "use GET for queries or POST"), nil)
		return
	}
	start := graphql.Now()
	params, errs := readParams(r)
	if errs != nil {
		info.SetOutcome(telemetry.OutcomeRejected)
		writeRequestError(w, media, errs, nil)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	viewerID := ""
	if v := providers.ViewerFromContext(r.Context()); v != nil {
		viewerID = v.ID
	}
	info.SetOperation(params.OperationName, viewerID)

	ctx := context.WithValue(r.Context(), requestKey{}, httpRequest{
		get: r.Method == http.MethodGet, clientIP: clientIP(r), header: r.Header,
	})
	ctx, loaded := withDocOutcome(ctx)
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	var doc *ast.QueryDocument
	if opCtx != nil && loaded.errs == nil {
		doc = opCtx.Doc
	}
	if loaded.errs != nil {
		// The document failed in documents.Get; gqlgen only saw the empty
		// stand-in.
		errs = loaded.errs
	}
	info.SetVariables(loggedVariables(params.Variables, params.Query, doc))
	setRateLimitHeaders(w.Header(), opCtx)
	if errs != nil {
		classifyParseErrors(errs)
		if t.hide != nil {
			t.hide.hide(errs, requestWords(params.Query, params.OperationName, params.Variables))
		}
		outcome := telemetry.OutcomeRejected
		if hasCode(errs, CodeRateLimited) {
			outcome = telemetry.OutcomeRateLimited
		}
		info.SetOutcome(outcome)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		if r.Method == http.MethodGet {
			w.Header().Set("Cache-Control", "no-store")
		}
		// Status from the raw errors: the presenter keeps their codes.
		writeRequestError(w, media, resp.Errors, resp.Extensions)
		return
	}
	if opCtx.Operation != nil && opCtx.Operation.Name != "" {
		info.SetOperation(opCtx.Operation.Name, viewerID)
	}
	incremental := acceptsIncremental(r.Header.Values("Accept")) && opCtx.Operation.Operation == ast.Query
	if !incremental && hasDefer(opCtx.Doc, opCtx.Operation) {
		// Deferred parts would be lost on this client: it gets them all
		// in the one response.
		opCtx.Doc, opCtx.Operation = withoutDefer(opCtx.Doc, opCtx.Operation)
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{Errors: requestError(codeInternal, "internal error")}
	}
	if incremental && resp.HasNext != nil {
		errs := writeIncremental(w, resp, func() *graphql.Response { return responses(ctx) })
		if errs == 0 {
			info.SetOutcome(telemetry.OutcomeOK)
		} else {
			info.SetOutcome(telemetry.OutcomePartial)
		}
		return
	}
	switch {
	case len(resp.Errors) == 0:
		info.SetOutcome(telemetry.OutcomeOK)
	case len(resp.Data) == 0 || string(resp.Data) == "null":
		info.SetOutcome(telemetry.OutcomeRejected)
	default:
		info.SetOutcome(telemetry.OutcomePartial)
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Cache-Control", cacheControl(opCtx.Operation, opCtx.Doc, len(resp.Errors) > 0))
	}
	writeResponse(w, media, resp)
}

// writeResponse writes an execution result. The data is already JSON, as
// gqlgen marshalled it; json.Marshal would scan and copy all of it again
// (it compacts a RawMessage), which for a page of a hundred memberships
// costs more than the rest of the envelope many times over. So the
// envelope is written around it, in the order and with the omissions of
// graphql.Response's own encoding.
func writeResponse(w http.ResponseWriter, media string, resp *graphql.Response) {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		writeBody(w, media, http.StatusOK, resp)
		return
	}
	var errs, ext []byte
	var err error
	if len(resp.Errors) > 0 {
		errs, err = json.Marshal(resp.Errors)
	}
	if err == nil && len(resp.Extensions) > 0 {
		ext, err = json.Marshal(resp.Extensions)
	}
	if err != nil {
		writeBody(w, media, http.StatusInternalServerError, requestErrorBody{Errors: requestError(codeInternal, "internal error")})
		return
	}
	head := make([]byte, 0, len(errs)+16)
	head = append(head, '{')
	if errs != nil {
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	head = append(head, `"data":`...)
	data := []byte(resp.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	tail := make([]byte, 0, len(ext)+16)
	if ext != nil {
		tail = append(append(tail, `,"extensions":`...), ext...)
	}
	tail = append(tail, '}')
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	// Three writes rather than one copy of the whole answer: the data is
	// the bulk of it.
	for _, part := range [][]byte{head, data, tail} {
		if _, err := w.Write(part); err != nil {
			return
		}
	}
}

// negotiate picks the response media type from the Accept header:
// application/graphql-response+json when the client names it at least as
// highly as application/json; application/json when the client names it,
// accepts any type (*/* or application/*), or sends no Accept at all; not
// ok when it accepts neither.
func negotiate(accept []string) (string, bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	gr, js, wild := -1.0, -1.0, -1.0
	for _, h := range accept {
		for part := range strings.SplitSeq(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					q = f
				}
			}
			switch mt {
			case mediaGraphQLResponse:
				gr = max(gr, q)
			case mediaJSON:
				js = max(js, q)
			case "*/*", "application/*":
				wild = max(wild, q)
			}
		}
	}
	if js < 0 {
		js = wild
	}
	switch {
	case gr > 0 && gr >= js:
		return mediaGraphQLResponse, true
	case js > 0:
		return mediaJSON, true
	}
	return "", false
}

// readParams reads the GraphQL-over-HTTP request parameters from the URL
// of a GET or the JSON body of a POST, refusing wrongly typed ones with 400
// and other content types with 415.
func readParams(r *http.Request) (*graphql.RawParams, gqlerror.List) {
	raw := map[string]json.RawMessage{}
	switch r.Method {
	case http.MethodGet:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, requestError(CodeBadRequest, "the query string is malformed")
		}
		for _, k := range []string{"query", "operationName"} {
			if v, ok := q[k]; ok {
				b, _ := json.Marshal(v[0])
				raw[k] = b
			}
		}
		for _, k := range []string{"variables", "extensions"} {
			if v := q.Get(k); v != "" {
				raw[k] = json.RawMessage(v)
			}
		}
	default:
		ct := r.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		if ct == "" || err != nil || mt != mediaJSON {
			return nil, requestError(CodeUnsupportedMediaType, "send the request as Content-Type: application/json")
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, requestError(CodeUnsupportedMediaType, "the request body must be UTF-8")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, requestError(CodeBadRequest, "could not read the request body")
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, requestError(CodeBadRequest, "the request body is empty")
		}
		if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
			return nil, requestError(CodeBadRequest, "the request body is not a JSON object")
		}
	}
	p := &graphql.RawParams{Headers: r.Header}
	if err := decodeParam(raw, "query", &p.Query); err != nil {
		return nil, err
	}
	if err := decodeParam(raw, "operationName", &p.OperationName); err != nil {
		return nil, err
	}
	if err := decodeParam(raw, "variables", &p.Variables); err != nil {
		return nil, err
	}
	if err := decodeParam(raw, "extensions", &p.Extensions); err != nil {
		return nil, err
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, requestError(CodeBadRequest, "the request has no query")
	}
	return p, nil
}

// decodeParam decodes raw[name] into dst: absent and null leave dst zero;
// a value of another JSON type is a 400.
func decodeParam[T any](raw map[string]json.RawMessage, name string, dst *T) gqlerror.List {
	v, ok := raw[name]
	if !ok || string(bytes.TrimSpace(v)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil || dec.More() {
		kind := "a string"
		if name == "variables" || name == "extensions" {
			kind = "a JSON object"
		}
		return requestError(CodeBadRequest, "the "+name+" parameter must be "+kind)
	}
	return nil
}

// classifyParseErrors gives the parser's token-limit error its own code.
func classifyParseErrors(errs gqlerror.List) {
	for _, e := range errs {
		if code, _ := e.Extensions["code"].(string); code == CodeParseFailed && strings.Contains(e.Message, "token limit") {
			e.Extensions["code"] = CodeTokenLimitExceeded
		}
	}
}

func hasCode(errs gqlerror.List, code string) bool {
	for _, e := range errs {
		if c, _ := e.Extensions["code"].(string); c == code {
			return true
		}
	}
	return false
}

// viewerIndependentRoots are the root fields whose answer is the same for
// every caller.
var viewerIndependentRoots = map[string]bool{
	"__typename": true, "__schema": true, "__type": true, "providers": true,
}

// cacheControl is the Cache-Control of a GET query: a response that
// depends on the caller may be kept by the caller's own cache only, and
// must be revalidated; one that does not may be shared briefly. Errors are
// never stored.
func cacheControl(op *ast.OperationDefinition, doc *ast.QueryDocument, failed bool) string {
	if failed {
		return "no-store"
	}
	if op != nil && rootsAreViewerIndependent(op.SelectionSet, doc, 0) {
		return "public, max-age=60"
	}
	return "private, max-age=0"
}

func rootsAreViewerIndependent(set ast.SelectionSet, doc *ast.QueryDocument, depth int) bool {
	if depth > 10 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !viewerIndependentRoots[s.Name] {
				return false
			}
		case *ast.InlineFragment:
			if !rootsAreViewerIndependent(s.SelectionSet, doc, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			def := s.Definition
			if def == nil && doc != nil {
				def = doc.Fragments.ForName(s.Name)
			}
			if def == nil || !rootsAreViewerIndependent(def.SelectionSet, doc, depth+1) {
				return false
			}
		}
	}
	return true
}

// clientIP is the peer address, the rate-limit key of anonymous callers.
// Behind a proxy every anonymous caller shares the proxy's address; the
// proxy should then rate-limit anonymous traffic itself.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
