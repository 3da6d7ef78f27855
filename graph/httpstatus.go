package graph

import (
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Request-level error codes: the request never reached execution, the
// response has no data entry, and the HTTP status says why (see
// requestStatus). Together with the codes in errors.go they form the
// catalogue the README documents.
const (
	// CodeParseFailed is gqlgen's code for a document that does not parse.
	CodeParseFailed = errcode.ParseFailed
	// CodeValidationFailed is gqlgen's code for a document the schema
	// rejects, an unknown operation name, or variables that do not coerce.
	CodeValidationFailed = errcode.ValidationFailed

	// CodeTokenLimitExceeded: the document has more lexical tokens than
	// max_tokens; it was not parsed.
	CodeTokenLimitExceeded = "TOKEN_LIMIT_EXCEEDED"
	// CodeAliasLimitExceeded: more aliased fields than max_aliases.
	CodeAliasLimitExceeded = "ALIAS_LIMIT_EXCEEDED"
	// CodeRootFieldLimitExceeded: more top-level fields than max_root_fields.
	CodeRootFieldLimitExceeded = "ROOT_FIELD_LIMIT_EXCEEDED"
	// CodeSelectionLimitExceeded: the document has more selections than
	// max_selections, fragments counted where spread; it was not
	// validated.
	CodeSelectionLimitExceeded = "SELECTION_LIMIT_EXCEEDED"
	// CodeRateLimited: the operation costs more points than the caller has
	// left in this window (HTTP 429, with Retry-After).
	CodeRateLimited = "RATE_LIMITED"
	// CodePersistedQueryNotInList: safelist mode, and the document or hash
	// is not registered.
	CodePersistedQueryNotInList = "PERSISTED_QUERY_NOT_IN_LIST"
	// CodePersistedQueryNotSupp: a persisted query was sent but APQ is off.
	CodePersistedQueryNotSupp = "PERSISTED_QUERY_NOT_SUPPORTED"
	// CodeBadRequest: the HTTP request is not a GraphQL request (malformed
	// JSON, no query, parameters of the wrong type).
	CodeBadRequest = "BAD_REQUEST"
	// CodeCSRFHeaderRequired: a request a browser could send from another
	// site without a preflight (see preventCSRF).
	CodeCSRFHeaderRequired = "CSRF_HEADER_REQUIRED"
	// CodeSubscriptionsNotSupported: a WebSocket upgrade (graphql-ws and
	// the like): there are no subscriptions, and no WebSocket transport.
	CodeSubscriptionsNotSupported = "SUBSCRIPTIONS_NOT_SUPPORTED"
	// CodeMethodNotAllowed: a mutation over GET, or a method other than GET
	// and POST (HTTP 405 with Allow).
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	// CodeUnsupportedMediaType: a POST body that is not application/json.
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// CodeNotAcceptable: Accept allows no JSON media type.
	CodeNotAcceptable = "NOT_ACCEPTABLE"
	// CodeRequestTooLarge: the body is over max_body_bytes.
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
	// CodeIntrospectionDisabled: __schema or __type asked of a server with
	// introspection off.
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
)

// The response media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// statusPair is the HTTP status of a request error under each response
// media type.
type statusPair struct {
	// legacy is the status under application/json. GraphQL over HTTP asks
	// for 200 on any well-formed request there, because older clients read
	// errors only from 200 bodies.
	legacy int
	// graphQLResponse is the status under
	// application/graphql-response+json, where a response without data is
	// always 4xx or 5xx.
	graphQLResponse int
}

// requestStatus is the one table of HTTP statuses for requests that end
// before execution. A response with data (even data with field errors) is
// always 200. Validation failures are 400 under the new media type, as the
// graphql-http audit (74FF) still expects; the current spec draft says 422:
// when the audit follows, only this table changes.
var requestStatus = map[string]statusPair{
	CodeParseFailed:               {http.StatusOK, http.StatusBadRequest},
	CodeValidationFailed:          {http.StatusOK, http.StatusBadRequest},
	CodeDepthLimitExceeded:        {http.StatusOK, http.StatusBadRequest},
	CodeComplexityLimit:           {http.StatusOK, http.StatusBadRequest},
	CodeTokenLimitExceeded:        {http.StatusOK, http.StatusBadRequest},
	CodeAliasLimitExceeded:        {http.StatusOK, http.StatusBadRequest},
	CodeRootFieldLimitExceeded:    {http.StatusOK, http.StatusBadRequest},
	CodeSelectionLimitExceeded:    {http.StatusOK, http.StatusBadRequest},
	CodeIntrospectionDisabled:     {http.StatusOK, http.StatusBadRequest},
	CodePersistedQueryMissing:     {http.StatusOK, http.StatusBadRequest},
	CodePersistedQueryNotInList:   {http.StatusOK, http.StatusBadRequest},
	CodePersistedQueryNotSupp:     {http.StatusOK, http.StatusBadRequest},
	codeBadUserInput:              {http.StatusOK, http.StatusBadRequest},
	CodeBadRequest:                {http.StatusBadRequest, http.StatusBadRequest},
	CodeCSRFHeaderRequired:        {http.StatusBadRequest, http.StatusBadRequest},
	CodeSubscriptionsNotSupported: {http.StatusBadRequest, http.StatusBadRequest},
	codeUnauthenticated:           {http.StatusUnauthorized, http.StatusUnauthorized},
	CodeMethodNotAllowed:          {http.StatusMethodNotAllowed, http.StatusMethodNotAllowed},
	CodeNotAcceptable:             {http.StatusNotAcceptable, http.StatusNotAcceptable},
	CodeRequestTooLarge:           {http.StatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge},
	CodeUnsupportedMediaType:      {http.StatusUnsupportedMediaType, http.StatusUnsupportedMediaType},
	CodeRateLimited:               {http.StatusTooManyRequests, http.StatusTooManyRequests},
	codeInternal:                  {http.StatusInternalServerError, http.StatusInternalServerError},
}

// statusOf returns the status of a request error with the given code; an
// unlisted code is treated as a validation failure.
func statusOf(media, code string) int {
	p, ok := requestStatus[code]
	if !ok {
		p = requestStatus[CodeValidationFailed]
	}
	if media == mediaGraphQLResponse {
		return p.graphQLResponse
	}
	return p.legacy
}

// statusOfErrors returns the status of a list of request errors: the
// highest of their statuses, so that the most serious one decides.
func statusOfErrors(media string, errs gqlerror.List) int {
	status := 0
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		status = max(status, statusOf(media, code))
	}
	if status == 0 {
		status = statusOf(media, CodeValidationFailed)
	}
	return status
}

// requestErrorBody is a response to a request error: errors and
// extensions, and no data entry, as GraphQL over HTTP asks.
type requestErrorBody struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeRequestError answers a request that failed before execution.
func writeRequestError(w http.ResponseWriter, media string, errs gqlerror.List, ext map[string]any) {
	status := statusOfErrors(media, errs)
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", "POST")
	}
	writeBody(w, media, status, requestErrorBody{Errors: errs, Extensions: ext})
}

// requestError is a single request error with its code.
func requestError(code, msg string) gqlerror.List {
	return gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}
}

func writeBody(w http.ResponseWriter, media string, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(requestErrorBody{Errors: requestError(codeInternal, "internal error")})
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
