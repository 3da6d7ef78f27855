package graph

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/groupgraph/groupgraph/internal/dependency"
	"github.com/groupgraph/groupgraph/providers"
)

// The error codes clients see in extensions.code. The README documents each;
// this list and that table change together.
const (
	codeUnauthenticated       = "UNAUTHENTICATED"
	codeForbidden             = "FORBIDDEN"
	codeNotFound              = "NOT_FOUND"
	codeBadUserInput          = "BAD_USER_INPUT"
	codeProviderUnavailable   = "PROVIDER_UNAVAILABLE"
	codeProviderTimeout       = "PROVIDER_TIMEOUT"
	codeProviderRateLimited   = "PROVIDER_RATE_LIMITED"
	codeProviderAuthFailed    = "PROVIDER_AUTH_FAILED"
	codeNotSupported          = "NOT_SUPPORTED"
	codeInternal              = "INTERNAL"
	codeStoreUnavailable      = "STORE_UNAVAILABLE"
	codeRedisUnavailable      = "REDIS_UNAVAILABLE"
	CodeDepthLimitExceeded    = "DEPTH_LIMIT_EXCEEDED"
	CodeComplexityLimit       = "COMPLEXITY_LIMIT_EXCEEDED"
	CodePersistedQueryMissing = "PERSISTED_QUERY_NOT_FOUND"
)

// kindCodes maps each domain error kind to its code. One table, so that a
// new kind cannot be forgotten in one place and handled in another.
var kindCodes = map[error]string{
	providers.ErrNotFound:        codeNotFound,
	providers.ErrNotMember:       codeNotFound,
	providers.ErrForbidden:       codeForbidden,
	providers.ErrUnauthenticated: codeProviderAuthFailed,
	providers.ErrRateLimited:     codeProviderRateLimited,
	providers.ErrUnavailable:     codeProviderUnavailable,
	providers.ErrTimeout:         codeProviderTimeout,
	providers.ErrInvalid:         codeBadUserInput,
	providers.ErrUnsupported:     codeNotSupported,
	providers.ErrInherited:       codeBadUserInput,
	providers.ErrNotLinked:       codeForbidden,
	providers.ErrInternal:        codeInternal,
}

// codedError is an error raised by the GraphQL layer itself, with its code.
type codedError struct {
	code string
	msg  string
}

func (e *codedError) Error() string { return e.msg }

func userError(code, msg string) error { return &codedError{code: code, msg: msg} }

var errUnauthenticated = userError(codeUnauthenticated, "authentication required: send Authorization: Bearer <token>")

// PresentError is the server's one error presenter. It gives every error a
// code from the catalogue, the platform it came from, and the platform's own
// code, and masks anything unclassified as INTERNAL so that no internal
// detail reaches a client.
func PresentError(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		// Parser, validation and extension errors (complexity, APQ) are
		// already client-safe; give them a code if they lack one.
		out := *gqlErr
		out.Message = cutMessage(out.Message, maxMessageBytes)
		if out.Extensions == nil || out.Extensions["code"] == nil {
			out.Extensions = withCode(out.Extensions, codeBadUserInput)
		}
		return &out
	}
	out := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr != nil && gqlErr.Err != nil {
		// A resolver's error wrapped with its path: classify the error
		// itself, whose text does not repeat the path.
		err = gqlErr.Err
	}
	code, msg := classify(err)
	out.Message = msg
	out.Extensions = withCode(out.Extensions, code)
	if p := providers.ProviderOf(err); p != "" {
		out.Extensions["provider"] = strings.ToUpper(string(p))
		if pc := providers.ProviderCode(err); pc != "" {
			out.Extensions["providerCode"] = pc
		}
	}
	if code == codeStoreUnavailable || code == codeRedisUnavailable {
		// The dependency is tried again at most a pause after it failed.
		out.Extensions["retryAfter"] = int((dependency.DefaultPause + time.Second - 1) / time.Second)
	}
	if wait := providers.RetryAfter(err); wait > 0 && (code == codeProviderRateLimited || code == codeProviderUnavailable) {
		// Whole seconds, rounded up, as HTTP's Retry-After: the platform's
		// own advice, or when groupgraph's call budget refills.
		out.Extensions["retryAfter"] = int((wait + time.Second - 1) / time.Second)
	}
	return out
}

func withCode(ext map[string]any, code string) map[string]any {
	if ext == nil {
		ext = map[string]any{}
	}
	ext["code"] = code
	return ext
}

// classify returns the code and the client-safe message of err.
func classify(err error) (code, msg string) {
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code, ce.msg
	}
	// Before the platforms' kinds: a dependency's timeout wraps
	// context.DeadlineExceeded, which is no platform's timeout.
	var de *dependency.Error
	if errors.As(err, &de) {
		if de.Dependency == "store" {
			return codeStoreUnavailable, "groupgraph's store is unavailable; try again shortly"
		}
		return codeRedisUnavailable, "groupgraph's Redis is unavailable; try again shortly"
	}
	if kind := providers.KindOf(err); kind != nil && kind != providers.ErrInternal {
		// Providers guarantee their messages carry no secrets.
		return kindCodes[kind], err.Error()
	}
	// Our own failures, a platform's included (a request we built wrongly,
	// a panic), are masked: the handler logs their detail.
	return codeInternal, "internal error"
}

// maxMessageBytes bounds the message of a parse or validation error. They
// quote the document (an unexpected token, an unknown field's name), and
// one name may be as long as the body: a hundred errors of such a name
// would be a hundred times the request.
const maxMessageBytes = 1024

// cutMessage cuts s to at most n bytes on a rune boundary, marking the cut.
func cutMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
