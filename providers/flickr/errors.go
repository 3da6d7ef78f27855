package flickr

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// APIError is what Flickr said when a call failed: a stat=fail envelope
// (Code and Message), a raw OAuth problem report (OAuthProblem), or an HTTP
// status that was not 200 (StatusCode). Its text never contains a
// credential: upstream messages are scrubbed of the request's secrets and
// shortened before they are kept.
type APIError struct {
	// Method is the Flickr method or OAuth endpoint called, e.g.
	// "flickr.groups.leave" or "oauth/access_token".
	Method string
	// Code is Flickr's error code from a stat=fail envelope, 0 otherwise.
	Code int
	// Message is groupgraph's own short description of what was wrong
	// with the response ("HTML page instead of an API response"), never
	// text from the response.
	Message string
	// Upstream is the message of Flickr's stat=fail envelope, scrubbed of
	// the request's secrets. Error never shows it (upstream text goes to
	// the debug log only); it is kept for callers that inspect the error.
	Upstream string
	// OAuthProblem is the oauth_problem value of a raw OAuth error body.
	OAuthProblem string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Wait is how long the response's Retry-After asked callers to wait
	// before trying again; 0 without one.
	Wait time.Duration
}

// Error describes the failure without any credential.
func (e *APIError) Error() string {
	switch {
	case e.Code != 0:
		if m := genericMeanings[e.Code]; m != "" {
			return fmt.Sprintf("flickr error %d: %s", e.Code, m)
		}
		return fmt.Sprintf("flickr error %d", e.Code)
	case e.OAuthProblem != "":
		return "flickr oauth_problem " + e.OAuthProblem
	case e.StatusCode != 0 && e.StatusCode != 200:
		if e.Message != "" {
			return fmt.Sprintf("flickr HTTP %d: %s", e.StatusCode, e.Message)
		}
		return fmt.Sprintf("flickr HTTP %d", e.StatusCode)
	}
	return "flickr: " + e.Message
}

// genericMeanings are the documented meanings of Flickr's generic error
// codes (providers.md §1.8), the fixed text an error message shows in place
// of what Flickr wrote. The method-specific codes below 95 mean different
// things per method and are shown as numbers.
var genericMeanings = map[int]string{
	95: "SSL is required", 96: "invalid signature", 97: "missing signature",
	98: "invalid auth token", 99: "insufficient permissions", 100: "invalid API key",
	105: "service currently unavailable", 106: "write operation failed",
	111: "format not found", 112: "method not found", 114: "invalid SOAP envelope",
	115: "invalid XML-RPC method call", 116: "bad URL found",
}

// ProviderCode is Flickr's error number, the oauth_problem value, or the HTTP
// status, in that order of preference; it implements providers.CodedError.
func (e *APIError) ProviderCode() string {
	switch {
	case e.Code != 0:
		return strconv.Itoa(e.Code)
	case e.OAuthProblem != "":
		return e.OAuthProblem
	case e.StatusCode != 0:
		return strconv.Itoa(e.StatusCode)
	}
	return ""
}

// RetryAfter is the platform's Retry-After advice; it implements
// providers.RetryAfterError.
func (e *APIError) RetryAfter() time.Duration { return e.Wait }

var (
	_ providers.CodedError      = (*APIError)(nil)
	_ providers.RetryAfterError = (*APIError)(nil)
)

// Method-specific codes reuse the same small numbers with different meanings,
// so they are mapped per method (providers.md §1.8); the generic codes 95 and
// up mean the same everywhere.
var methodCodes = map[string]map[int]error{
	methodTestLogin: {},
	// 1: User not found.
	methodGetGroups: {1: providers.ErrNotFound},
	// 1: Group not found (or not visible to the caller); 2: Group is private
	// (listed only in an older method-info dump, so treated alike).
	methodGetInfo: {1: providers.ErrNotFound, 2: providers.ErrNotFound},
	// 1: Required arguments missing ("the group_id doesn't exist"), 2: Group
	// does not exist, 3: Account is not in that group.
	methodLeave: {1: providers.ErrNotFound, 2: providers.ErrNotFound, 3: providers.ErrNotMember},
}

// genericCodes are Flickr's codes shared by every method.
var genericCodes = map[int]error{
	// SSL is required: the configured base URL is not https, an operator
	// mistake rather than a passing condition.
	95:  providers.ErrInternal,
	96:  providers.ErrUnauthenticated, // invalid signature
	97:  providers.ErrUnauthenticated, // missing signature
	98:  providers.ErrUnauthenticated, // login failed / invalid auth token
	99:  providers.ErrForbidden,       // not logged in / insufficient permissions (leave needs delete)
	100: providers.ErrUnauthenticated, // invalid API key
	105: providers.ErrUnavailable,     // service currently unavailable
	106: providers.ErrUnavailable,     // write operation failed (temporary)
	111: providers.ErrInternal,        // format not found: our request is wrong
	112: providers.ErrInternal,        // method not found
	114: providers.ErrInternal,        // invalid SOAP envelope
	115: providers.ErrInternal,        // invalid XML-RPC call
	116: providers.ErrInternal,        // bad URL found in an argument
}

// codeKind classifies a stat=fail code of method. A code Flickr has not
// documented for the method is treated as a passing failure of the platform:
// it is most likely a new throttling or maintenance code (providers.md,
// Unknowns), and reporting it as unavailable lets callers try later.
func codeKind(method string, code int) error {
	if k, ok := methodCodes[method][code]; ok {
		return k
	}
	if k, ok := genericCodes[code]; ok {
		return k
	}
	return providers.ErrUnavailable
}

// oauthProblemKind classifies the oauth_problem values of the OAuth
// extension (the "Problem Reporting" draft Flickr follows). Problems that
// relinking cures are ErrUnauthenticated; a replayed nonce passes with a new
// one; the others mean groupgraph built a bad request or its clock is off.
// knownOAuthProblems are the problem names of the OAuth problem reporting
// extension; an error carries one of them as its code, or "unrecognised",
// never another word the body chose.
var knownOAuthProblems = map[string]bool{
	"version_rejected": true, "parameter_absent": true, "parameter_rejected": true, "timestamp_refused": true,
	"nonce_used": true, "signature_method_rejected": true, "signature_invalid": true, "consumer_key_unknown": true,
	"consumer_key_rejected": true, "consumer_key_refused": true, "token_used": true, "token_expired": true,
	"token_revoked": true, "token_rejected": true, "additional_authorization_required": true,
	"permission_unknown": true, "permission_denied": true, "user_refused": true,
}

func oauthProblemKind(problem string) error {
	switch problem {
	case "nonce_used":
		return providers.ErrUnavailable
	case "timestamp_refused", "parameter_absent", "parameter_rejected",
		"signature_method_rejected", "version_rejected", "additional_authorization_required":
		return providers.ErrInternal
	}
	// signature_invalid, token_rejected, token_expired, token_revoked,
	// token_used, consumer_key_unknown, consumer_key_rejected,
	// permission_denied, permission_unknown, user_refused and anything new.
	return providers.ErrUnauthenticated
}

// statusKind classifies an HTTP status that came without a Flickr envelope.
func statusKind(status int) error {
	switch {
	case status == 429:
		return providers.ErrRateLimited
	case status == 401 || status == 403:
		return providers.ErrUnauthenticated
	case status == 408 || status == 504:
		return providers.ErrTimeout
	}
	return providers.ErrUnavailable
}

// classified wraps kind and apiErr for op, the one place errors get their
// shape: "flickr groups.leave: not a member: flickr error 3: …".
func classified(op string, kind error, apiErr *APIError) error {
	return fmt.Errorf("flickr %s: %w: %w", op, kind, apiErr)
}

// opName shortens "flickr.groups.leave" to "groups.leave" for messages.
func opName(method string) string { return strings.TrimPrefix(method, "flickr.") }

// maxMessage bounds how much of an upstream message is kept.
const maxMessage = 200

// scrub removes every secret from an upstream message and bounds its length,
// so that a hostile or echoing upstream cannot make a credential reach an
// error string.
func scrub(msg string, secrets ...string) string {
	msg = providers.Redact(msg, secrets...)
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !validCut(msg, cut) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return strings.TrimSpace(msg)
}

// validCut reports whether cutting s at i keeps UTF-8 sequences whole.
func validCut(s string, i int) bool { return i == len(s) || s[i] < 0x80 || s[i] >= 0xC0 }
