package pageseeder

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/groupgraph/groupgraph/providers"
)

// service names a PageSeeder service (or the OAuth token endpoint). Error ids
// are interpreted per service: PageSeeder's generators reuse ids with
// different meanings.
type service string

// The services the client calls, and unsubscribe, whose meaning of 0x102A is
// the reason codes are mapped per service.
const (
	svcSelf          service = "self"
	svcMemberships   service = "memberships"
	svcVisibleGroups service = "visiblegroups"
	svcGroup         service = "group"
	svcMembership    service = "membership"
	svcDeregister    service = "deregister"
	svcUnsubscribe   service = "unsubscribe"
	svcToken         service = "oauth token"
)

func (s service) op() string { return "pageseeder " + string(s) }

// APIError is what PageSeeder said about a failed call: the HTTP status and,
// when the body carried one, the <error id> envelope (or an OAuth2 error for
// the token endpoint). It never holds credentials: the message is stripped of
// the secrets the request carried, and the envelope's <request> (the service
// URL) is not kept.
type APIError struct {
	// Service is the service called, e.g. "visiblegroups".
	Service string
	// Status is the HTTP status code.
	Status int
	// Code is the error id in PageSeeder's documented 0x form ("0x0202"), or
	// the OAuth2 error ("invalid_grant"); empty when the body had none.
	Code string
	// Message is groupgraph's description of what was wrong with an answer
	// it could not use, never text from the answer.
	Message string
	// Upstream is the <message> of PageSeeder's error envelope (or the
	// OAuth2 error_description), shortened and stripped of secrets. Error
	// never shows it: upstream text goes to the debug log only.
	Upstream string
	// Wait is how long the response's Retry-After asked callers to wait
	// before trying again; 0 without one.
	Wait time.Duration
}

// Error describes the failure without any credential.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pageseeder %s: HTTP %d", e.Service, e.Status)
	if e.Code != "" {
		b.WriteString(" error " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// ProviderCode is the error id ("0x102A"), the OAuth2 error, or the HTTP
// status when the body carried no code.
func (e *APIError) ProviderCode() string {
	if e.Code != "" {
		return e.Code
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

// withRetryAfter records in err's *APIError the wait h's Retry-After asks
// for, and returns err.
func withRetryAfter(err error, h http.Header, now time.Time) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Wait = providers.ParseRetryAfter(h.Get("Retry-After"), now)
	}
	return err
}

// classify turns a failed response into one error wrapping its kind and an
// *APIError.
func classify(svc service, status int, body []byte, secrets []string) error {
	apiErr := &APIError{Service: string(svc), Status: status}
	var code uint32
	var hasCode bool
	env, ok := parseEnvelope(body)
	if svc == svcToken {
		if ok {
			apiErr.Upstream = safeMessage(env.message, secrets)
			apiErr.Code = oauthErrorCode(env.id)
		}
		return fmt.Errorf("%s: %w: %w", svc.op(), oauthKind(status, apiErr.Code), apiErr)
	}
	if ok {
		apiErr.Upstream = safeMessage(env.message, secrets)
		if n, ok := parseCode(env.id); ok {
			code, hasCode = n, true
			apiErr.Code = formatCode(n)
		}
	}
	kind := kindOf(svc, status, code, hasCode)
	return fmt.Errorf("%s: %w: %w", svc.op(), kind, apiErr)
}

// oauthErrorCode is the OAuth2 error of a token endpoint answer when it is
// one RFC 6749 defines, "unrecognised" for any other word: the code is shown
// to clients, and an unknown one could be any text the body chose.
func oauthErrorCode(id string) string {
	switch id {
	case "":
		return ""
	case "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
		"unsupported_grant_type", "invalid_scope", "access_denied", "server_error", "temporarily_unavailable":
		return id
	}
	return "unrecognised"
}

// kindOf is the error mapping. A 401 is always an authentication failure;
// otherwise a known id decides (the service's own ids first, then the
// framework's core ids); otherwise the HTTP status does.
func kindOf(svc service, status int, code uint32, hasCode bool) error {
	if status == http.StatusUnauthorized {
		return providers.ErrUnauthenticated
	}
	if hasCode {
		if k := serviceCodeKind(svc, code); k != nil {
			return k
		}
		if k := coreCodeKind(code); k != nil {
			return k
		}
	}
	return statusKind(status)
}

// serviceCodeKind maps the ids a service documents. The same id can mean
// different things in two services (0x102A), so the service comes first.
func serviceCodeKind(svc service, code uint32) error {
	switch svc {
	case svcVisibleGroups:
		if code == 0x102A { // "The member not found"
			return providers.ErrNotFound
		}
	case svcMembership, svcDeregister:
		// The membership services share EditMembership's ids. The
		// deregister page's error list was not retrievable; the membership
		// GET's ids are the documented reading.
		switch code {
		case 0x0106, 0x0107: // no matching member / group
			return providers.ErrNotFound
		case 0x1022: // the member does not belong to the group
			return providers.ErrNotMember
		case 0x6004: // member details not configured properly: a server problem
			return providers.ErrUnavailable
		}
	case svcUnsubscribe:
		switch code {
		case 0x102A, 0x102B: // the e-mailed unsubscribe token is invalid / expired
			return providers.ErrInvalid
		}
	}
	return nil
}

// coreCodeKind maps the framework's ids, which mean the same in every
// service. 0x02xx ids are bit sets of failed requirements (0x0206 = member
// and group missing), so any missing instance means not found.
func coreCodeKind(code uint32) error {
	switch {
	case code == 0x0103: // bad tunnel: the client used the wrong method
		return providers.ErrInternal
	case code == 0x0201: // missing parameter: the client built a bad request
		return providers.ErrInternal
	case code&^0xFF == 0x0200 && code&0x0E != 0: // missing group, member or URI instance
		return providers.ErrNotFound
	case code&^0xFF == 0x0200:
		return providers.ErrInvalid
	}
	return nil
}

// oauthKind maps the token endpoint's OAuth2 errors (RFC 6749 §5.2).
func oauthKind(status int, code string) error {
	switch code {
	case "invalid_grant": // the refresh token or code was revoked, expired or used
		return providers.ErrUnauthenticated
	case "invalid_scope":
		return providers.ErrInvalid
	case "invalid_client", "unauthorized_client", "invalid_request", "unsupported_grant_type":
		// groupgraph's client registration or request is wrong: relinking
		// the account would not help.
		return providers.ErrInternal
	}
	return statusKind(status)
}

// statusKind is the fallback when no id decides.
func statusKind(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return providers.ErrUnauthenticated
	case status == http.StatusForbidden:
		return providers.ErrForbidden
	case status == http.StatusNotFound || status == http.StatusGone:
		return providers.ErrNotFound
	case status == http.StatusTooManyRequests:
		return providers.ErrRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return providers.ErrTimeout
	case status == http.StatusMethodNotAllowed:
		return providers.ErrInternal
	case status >= 400 && status < 500:
		return providers.ErrInvalid
	}
	// 5xx, and a 2xx/3xx that carried an error envelope or was not usable.
	return providers.ErrUnavailable
}

// envelope is a decoded <error> envelope.
type envelope struct {
	id      string
	message string
}

// xmlEnvelope is the documented error body:
// <error id="0202"><request>…</request><message>…</message></error>.
type xmlEnvelope struct {
	XMLName xml.Name `xml:"error"`
	ID      string   `xml:"id,attr"`
	Message string   `xml:"message"`
}

// parseEnvelope reads an XML or JSON error body; ok is false when the body is
// neither (an HTML error page, text, nothing).
//
// PageSeeder documents only the XML envelope. Its JSON reading, by the
// platform's XML-to-JSON rule (the root's attributes and children become the
// object's members), is {"id":"0202","request":"…","message":"…"}; the
// wrapped form {"error":{"id":…,"message":…}} is accepted as well, and so is
// an OAuth2 error ({"error":"invalid_grant","error_description":…}).
func parseEnvelope(body []byte) (envelope, bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return envelope{}, false
	}
	switch b[0] {
	case '<':
		var x xmlEnvelope
		if err := xml.Unmarshal(b, &x); err != nil {
			return envelope{}, false
		}
		return envelope{id: x.ID, message: x.Message}, true
	case '{':
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return envelope{}, false
		}
		if e, ok := raw["error"]; ok {
			var oauth string
			if json.Unmarshal(e, &oauth) == nil {
				var desc string
				_ = json.Unmarshal(raw["error_description"], &desc)
				return envelope{id: oauth, message: desc}, true
			}
			return flatEnvelope(e)
		}
		return flatEnvelope(b)
	}
	return envelope{}, false
}

// flatEnvelope reads {"id":…,"message":…}; the id may be a string or a
// number.
func flatEnvelope(b []byte) (envelope, bool) {
	var j struct {
		ID      flexString `json:"id"`
		Message flexString `json:"message"`
	}
	if err := json.Unmarshal(b, &j); err != nil || (j.ID == "" && j.Message == "") {
		return envelope{}, false
	}
	return envelope{id: string(j.ID), message: string(j.Message)}, true
}

// looksLikeXMLError spots an error envelope served with a 2xx status.
func looksLikeXMLError(body []byte) bool {
	b := bytes.TrimSpace(body)
	if bytes.HasPrefix(b, []byte("<?xml")) {
		if i := bytes.Index(b, []byte("?>")); i >= 0 {
			b = bytes.TrimSpace(b[i+2:])
		}
	}
	return bytes.HasPrefix(b, []byte("<error"))
}

// parseCode reads an error id with or without its 0x prefix ("0202",
// "0x0202", "0x102A"). Ids are hexadecimal.
func parseCode(id string) (uint32, bool) {
	s := strings.TrimSpace(id)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" || len(s) > 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// formatCode writes an id the way PageSeeder's documentation does: 0x0202.
func formatCode(n uint32) string { return fmt.Sprintf("0x%04X", n) }

// safeMessage makes an upstream message fit for an error string: without
// the request's secrets, without control characters, and short.
func safeMessage(msg string, secrets []string) string {
	msg = providers.Redact(msg, secrets...)
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg)
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	return msg
}
