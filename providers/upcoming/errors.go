package upcoming

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/groupgraph/groupgraph/providers"
)

// APIError is what the Upcoming gateway said when a call failed: the HTTP
// status, which carries the error class on this platform, and the
// <error msg="…"/> text, which tells the classes that share a status apart.
// Message is sanitized: credentials the client sent are redacted and its
// length is bounded, so an APIError is always safe to show.
type APIError struct {
	// Method is the API method, e.g. "group.leave".
	Method string
	// StatusCode is the HTTP status of the answer (200 when the envelope
	// said stat="fail" under a success status).
	StatusCode int
	// Message is groupgraph's description of what was wrong with a body
	// that could not be read, never text from the body.
	Message string
	// Upstream is the platform's error@msg, sanitized. It tells apart the
	// classes that share a status, but Error never shows it: upstream text
	// goes to the debug log only.
	Upstream string
	// Wait is how long the response's Retry-After asked callers to wait
	// before trying again; 0 without one.
	Wait time.Duration
}

// Error reports the status and message. The method name is left to the
// wrapping error, which already starts with it.
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Message)
}

// ProviderCode is the HTTP status as text: Upcoming has no error numbers,
// its documentation lists errors by status.
func (e *APIError) ProviderCode() string { return strconv.Itoa(e.StatusCode) }

// RetryAfter is the platform's Retry-After advice; it implements
// providers.RetryAfterError.
func (e *APIError) RetryAfter() time.Duration { return e.Wait }

var (
	_ providers.CodedError      = (*APIError)(nil)
	_ providers.RetryAfterError = (*APIError)(nil)
)

// classify maps a failed call to its domain kind. The status decides where
// it is unambiguous; otherwise the documented messages do, because the same
// condition has different statuses per method (a bad api_key is 404 on
// group.getInfo and group.getMyGroups but 409 on group.join and group.leave)
// and different conditions share a status (404 is a bad key or an
// ill-formed group_id; 409 is a bad key, a bad group or "not a member").
//
//	status / message                                  kind
//	301 (group merged; getInfo follows it first)      ErrNotFound
//	429                                               ErrRateLimited
//	5xx, "temporarily unavailable"                    ErrUnavailable
//	"api_key", "authentication", "token", "frob",
//	"user_id" (the token's user)                      ErrUnauthenticated
//	"not a member"                                    ErrNotMember
//	"banned"                                          ErrForbidden
//	"already a member"                                ErrInvalid
//	"improperly formatted", "non-numeric"             ErrInvalid
//	"group_id", other "group" messages                ErrNotFound
//	"method", 400, 405, 411, 413, 414                 ErrInternal (a request this client built wrongly)
//	401, 403 otherwise                                ErrUnauthenticated
//	404 otherwise                                     ErrNotFound
//	409 otherwise                                     ErrInvalid
//	anything else (2xx stat="fail", other 3xx/4xx)    ErrUnavailable
func classify(status int, msg string) error {
	switch {
	case status == http.StatusMovedPermanently:
		return providers.ErrNotFound
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status >= 500:
		return providers.ErrUnavailable
	}
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("temporarily unavailable"):
		return providers.ErrUnavailable
	case has("api_key", "api key"):
		return providers.ErrUnauthenticated
	case has("not a member"):
		return providers.ErrNotMember
	case has("banned"):
		return providers.ErrForbidden
	case has("already a member"):
		return providers.ErrInvalid
	case has("authentication", "token", "frob", "user_id"):
		return providers.ErrUnauthenticated
	case has("improperly formatted", "non-numeric"):
		return providers.ErrInvalid
	case has("group"):
		return providers.ErrNotFound
	case has("method"):
		return providers.ErrInternal
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return providers.ErrUnauthenticated
	case http.StatusNotFound:
		return providers.ErrNotFound
	case http.StatusConflict:
		return providers.ErrInvalid
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusLengthRequired,
		http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong:
		return providers.ErrInternal
	}
	return providers.ErrUnavailable
}

// maxMessage bounds the platform text kept in an error.
const maxMessage = 200

// longHex finds token-shaped runs (Upcoming tokens are 40 hex digits) so that
// a server echoing some other credential back still cannot leak it.
var longHex = regexp.MustCompile(`[0-9A-Fa-f]{24,}`)

// sanitize makes upstream text safe for an error string: the given secrets
// and anything token-shaped are redacted, control characters become spaces,
// and the result is cut to maxMessage runes.
func sanitize(msg string, secrets ...string) string {
	msg = providers.Redact(msg, secrets...)
	msg = longHex.ReplaceAllString(msg, "[redacted]")
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, msg)
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage]) + "…"
	}
	return msg
}
