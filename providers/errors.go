package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The error kinds. Every provider classifies each upstream failure once into
// exactly one of them, wrapping the kind and its own typed API error:
//
//	fmt.Errorf("flickr groups.leave: %w: %w", providers.ErrNotMember, apiErr)
//
// Callers branch with errors.Is; the GraphQL layer maps kinds to error codes.
var (
	// ErrNotFound: the user or group does not exist, or the account may not
	// see it.
	ErrNotFound = errors.New("not found")
	// ErrNotMember: the account is not a member of the group.
	ErrNotMember = errors.New("not a member")
	// ErrForbidden: the credentials are valid but lack the permission (a
	// Flickr token without delete, an Akana member removing themself).
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated: the platform rejected the credentials; the account
	// must be linked again.
	ErrUnauthenticated = errors.New("credentials rejected")
	// ErrRateLimited: the platform, or groupgraph's budget for it, refuses
	// more calls for now.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the platform failed (5xx, a "temporarily unavailable"
	// code, a connection error, a body that cannot be decoded).
	ErrUnavailable = errors.New("unavailable")
	// ErrTimeout: the platform did not answer in time. It is a kind of its
	// own so that clients can tell slow from down.
	ErrTimeout = errors.New("timed out")
	// ErrInvalid: the request was malformed (a bad ID, a bad argument).
	ErrInvalid = errors.New("invalid request")
	// ErrUnsupported: the platform does not offer the operation.
	ErrUnsupported = errors.New("not supported")
	// ErrInherited: the membership is inherited and cannot be left on its own.
	ErrInherited = errors.New("membership is inherited")
	// ErrNotLinked: the viewer has no linked account on the platform.
	ErrNotLinked = errors.New("no linked account")
	// ErrInternal: the platform reported a condition that is groupgraph's
	// own bug (an unknown method, a malformed request it built).
	ErrInternal = errors.New("internal error")
)

// kinds lists the sentinels in the order KindOf tests them.
var kinds = []error{
	ErrTimeout, ErrNotMember, ErrInherited, ErrNotFound, ErrForbidden, ErrUnauthenticated,
	ErrRateLimited, ErrUnavailable, ErrInvalid, ErrUnsupported, ErrNotLinked, ErrInternal,
}

// KindOf returns the sentinel err wraps, or nil when it wraps none (an
// unclassified error, which callers treat as internal). A context deadline
// counts as ErrTimeout and a cancelled context as ErrUnavailable, so that a
// provider that returned the context's error as it was is still classified.
func KindOf(err error) error {
	if err == nil {
		return nil
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrTimeout
	}
	if errors.Is(err, context.Canceled) {
		return ErrUnavailable
	}
	return nil
}

// Retryable reports whether a read that failed with err may be tried again:
// timeouts, unavailability and rate limiting are passing conditions.
func Retryable(err error) bool {
	switch KindOf(err) {
	case ErrTimeout, ErrUnavailable, ErrRateLimited:
		return true
	}
	return false
}

// TransportError classifies an error from sending an HTTP request (dialling,
// TLS, a reset connection, a deadline) as ErrTimeout or ErrUnavailable. op
// names the call for the message, e.g. "flickr people.getGroups". The cause is
// kept for errors.Is but its text is not: a *url.Error's message contains the
// request URL, and URLs can carry credentials.
func TransportError(op string, err error) error {
	kind := ErrUnavailable
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		kind = ErrTimeout
	}
	return &transportError{op: op, kind: kind, cause: err}
}

type transportError struct {
	op    string
	kind  error
	cause error
}

func (e *transportError) Error() string {
	reason := "connection failed"
	switch {
	case e.kind == ErrTimeout:
		reason = "no answer before the deadline"
	case errors.Is(e.cause, context.Canceled):
		reason = "request cancelled"
	case errors.Is(e.cause, ErrProtocolSwitch):
		reason = "answered 101 Switching Protocols"
	case strings.Contains(e.cause.Error(), "reset"):
		reason = "connection reset"
	case strings.Contains(e.cause.Error(), "EOF"):
		reason = "connection closed early"
	}
	return fmt.Sprintf("%s: %v: %s", e.op, e.kind, reason)
}

func (e *transportError) Unwrap() []error { return []error{e.kind, e.cause} }

// CodedError is implemented by the providers' typed API errors, so that
// clients can be shown what the platform itself said
// (extensions.providerCode) without knowing the provider packages.
type CodedError interface {
	error
	// ProviderCode is the platform's own error code as text: a Flickr error
	// number, an HTTP status, a PageSeeder error id.
	ProviderCode() string
}

// ProviderCode returns the platform's error code carried by err, or "".
func ProviderCode(err error) string {
	var ce CodedError
	if errors.As(err, &ce) {
		return ce.ProviderCode()
	}
	return ""
}

// ProviderError is a failure of one platform, as the Registry reports it.
type ProviderError struct {
	Provider Kind
	Err      error
}

func (e *ProviderError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, string(e.Provider)+" ") || strings.HasPrefix(msg, string(e.Provider)+":") {
		return msg // the provider named itself already
	}
	return string(e.Provider) + ": " + msg
}
func (e *ProviderError) Unwrap() error { return e.Err }

// ProviderOf returns the platform an error came from, or "".
func ProviderOf(err error) Kind {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Provider
	}
	return ""
}

// BatchError reports the IDs of a GroupsByID call that failed while others
// succeeded. Failed maps each failed ID to its classified error.
type BatchError struct {
	Failed map[string]error
}

func (e *BatchError) Error() string {
	if len(e.Failed) == 1 {
		for id, err := range e.Failed {
			return fmt.Sprintf("group %s: %v", id, err)
		}
	}
	return fmt.Sprintf("%d groups failed to load", len(e.Failed))
}

// Unwrap returns the individual errors, so errors.Is finds their kinds.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		errs = append(errs, err)
	}
	return errs
}

// RetryAfterError is implemented by API errors that carry the platform's
// advice on when to try again (an HTTP Retry-After header).
type RetryAfterError interface {
	error
	RetryAfter() time.Duration
}

// RetryAfter returns the wait a platform asked for in err, or 0.
func RetryAfter(err error) time.Duration {
	var ra RetryAfterError
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// SameOriginRedirects returns a shallow copy of c (nil: a zero client)
// that follows a redirect only while it stays on the scheme and host of the
// request it started from. A redirect elsewhere is not followed, and the
// caller gets the 3xx response itself: following it would hand another host
// what the request carried (a form with a client secret or a password, the
// platform's own headers, and the URL with its signature as Referer).
func SameOriginRedirects(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if origin := via[0].URL; req.URL.Scheme != origin.Scheme || req.URL.Host != origin.Host {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &cp
}

// maxRedirects is how many same-origin redirects a call follows, as
// net/http does by default.
const maxRedirects = 10

// maxRetryAfter bounds the wait ParseRetryAfter reports: a day is already
// far past any wait a read makes, and the bound keeps absurd advice from
// overflowing a time.Duration.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads an HTTP Retry-After header (RFC 9110 §10.2.3):
// delay-seconds, or an HTTP date, relative to now. It returns 0 when there
// is no usable advice (no header, garbage, a negative number, a date in the
// past) and at most a day when the advice is longer.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		if strings.Trim(v, "0123456789") != "" {
			return 0
		}
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter // all digits: only too large to parse
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), maxRetryAfter)
}

// PlatformHTTPClient returns the copy of c (nil: a zero client) a platform
// client sends its requests with: redirects are followed only on the same
// origin (SameOriginRedirects), and a 101 Switching Protocols answer is
// refused (RefuseProtocolSwitch).
func PlatformHTTPClient(c *http.Client) *http.Client {
	cp := SameOriginRedirects(c)
	cp.Transport = RefuseProtocolSwitch(cp.Transport)
	return cp
}

// ErrProtocolSwitch is the transport error of a 101 Switching Protocols
// answer to a request that asked for no upgrade.
var ErrProtocolSwitch = errors.New("the platform switched protocols")

// RefuseProtocolSwitch wraps rt (nil: http.DefaultTransport) so that a 101
// Switching Protocols answer is an error, its connection closed at once.
// net/http hands such an answer's connection over as the body, and neither
// the client's timeout nor the request's context bounds reading it any
// more: a platform answering 101 and then nothing would hold the call for
// as long as it liked.
func RefuseProtocolSwitch(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if _, ok := rt.(refuseProtocolSwitch); ok {
		return rt
	}
	return refuseProtocolSwitch{rt}
}

type refuseProtocolSwitch struct{ next http.RoundTripper }

func (t refuseProtocolSwitch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		resp.Body.Close()
		return nil, ErrProtocolSwitch
	}
	return resp, err
}

// Redact replaces in msg every secret of at least four bytes, as it is and
// as a URL or a form encodes it, with "[redacted]": a platform that echoes
// the request back quotes it as it went over the wire.
func Redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			msg = strings.ReplaceAll(msg, form, "[redacted]")
		}
	}
	return msg
}
