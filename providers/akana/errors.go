package akana

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/groupgraph/groupgraph/providers"
)

// APIError is a failure the Akana platform reported: the HTTP status and,
// when the body carried one, the fault the platform sent, either as JSON
// ({"faultcode": …, "faultstring": …}) or as a plain-text message.
//
// Its text never contains the session cookie or CSRF token: the client
// redacts them from every message the platform echoes back.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// FaultCode and FaultString are the JSON fault's fields, when the body
	// was one, sanitised. Error shows neither: the code is the error's
	// ProviderCode, and the string is the platform's own text.
	FaultCode   string
	FaultString string
	// Message is groupgraph's description of a body it could not read
	// ("HTML error page"), never text from the body.
	Message string
	// Upstream is a short, sanitised excerpt of a text/plain body. Error
	// never shows it: upstream text, which can repeat the request (a 401's
	// debug_sbs signature base string), goes to the debug log only.
	Upstream string
	// Wait is how long the response's Retry-After asked callers to wait
	// before trying again; 0 without one.
	Wait time.Duration
}

// Error describes the failure without any credential.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.Status)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// ProviderCode is the fault code when the platform sent one, otherwise the
// HTTP status as text: Akana documents no error-code catalogue, so the status
// is the most precise code there is.
func (e *APIError) ProviderCode() string {
	if e.FaultCode != "" {
		return e.FaultCode
	}
	return strconv.Itoa(e.Status)
}

// RetryAfter is the platform's Retry-After advice; it implements
// providers.RetryAfterError.
func (e *APIError) RetryAfter() time.Duration { return e.Wait }

var (
	_ providers.CodedError      = (*APIError)(nil)
	_ providers.RetryAfterError = (*APIError)(nil)
)

// maxMessage bounds how much of an error body goes into an error message.
const maxMessage = 200

// decodeAPIError builds the APIError of a non-2xx response. It never fails:
// a body it cannot read is described rather than decoded. secrets are
// removed from anything copied out of the body, in case the platform (or
// something in front of it) echoes the request back.
func decodeAPIError(status int, contentType string, body []byte, secrets ...string) *APIError {
	e := &APIError{Status: status}
	media := mediaType(contentType)
	trimmed := strings.TrimSpace(string(body))
	switch {
	case isJSON(media) || (media == "" && strings.HasPrefix(trimmed, "{")):
		if f, err := decodeFault(body); err == nil && (f.Code != "" || f.String != "") {
			e.FaultCode = sanitize(f.Code, secrets)
			e.FaultString = sanitize(f.String, secrets)
		} else if trimmed != "" {
			e.Message = "undecodable JSON error body"
		}
	case media == "text/html" || strings.HasPrefix(strings.ToLower(trimmed), "<!doctype html") || strings.HasPrefix(strings.ToLower(trimmed), "<html"):
		e.Message = "HTML error page"
	case media == "text/plain" || media == "":
		e.Upstream = sanitize(trimmed, secrets)
	default:
		e.Message = "error body of type " + sanitize(media, nil)
	}
	return e
}

// sanitize makes upstream text safe to put into an error message: secrets
// redacted, control characters flattened, length bounded.
func sanitize(s string, secrets []string) string {
	s = providers.Redact(s, secrets...)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxMessage {
		s = string(r[:maxMessage]) + "…"
	}
	return s
}

// kindOf is the error kind of an HTTP status, the mapping documented in
// the package doc. 401 is the caller's to handle first (renew, retry), so
// here it is only the final verdict.
func kindOf(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return providers.ErrInvalid
	case status == http.StatusUnauthorized:
		return providers.ErrUnauthenticated
	case status == http.StatusForbidden:
		return providers.ErrForbidden
	case status == http.StatusNotFound:
		return providers.ErrNotFound
	case status == http.StatusMethodNotAllowed:
		// The platform answers a verb it does not take with 404 or 405;
		// either way the request groupgraph built is wrong.
		return providers.ErrInternal
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status >= 500:
		return providers.ErrUnavailable
	case status >= 400:
		return providers.ErrInvalid
	default:
		// 1xx/3xx: a redirect the http.Client did not follow (a login page)
		// or something stranger; either way no usable answer.
		return providers.ErrUnavailable
	}
}

// relinkHint is the advice every ErrUnauthenticated carries: the platform
// no longer accepts the session, and only a new login makes one.
const relinkHint = "the Akana session is no longer valid; relink the Akana account (log in again)"

// leaveHint explains a refused leave: Akana reserves member removal to
// those with Modify rights on the group.
const leaveHint = "Akana lets only a group leader or administrator remove members; ask a leader of the group to remove you"

// classify wraps apiErr in the kind its status maps to, for op.
func classify(op string, apiErr *APIError) error {
	kind := kindOf(apiErr.Status)
	if errors.Is(kind, providers.ErrUnauthenticated) {
		return fmt.Errorf("akana %s: %w: %s: %w", op, kind, relinkHint, apiErr)
	}
	return fmt.Errorf("akana %s: %w: %w", op, kind, apiErr)
}
