// Package akana is groupgraph's client for the Akana API Platform (formerly
// SOA Software Community Manager): the groups a user belongs to
// (GET /api/users/{UserID}/groups, an RSS channel in JSON), group details
// (GET /api/groups/{GroupID}) and member removal
// (DELETE /api/groups/{GroupID}/members/{UserID}), adapted to
// providers.Provider.
//
// # Sessions
//
// Akana authenticates with a session cookie, AtmoAuthToken_{tenant}, that a
// login (POST /api/login, email and password) sets, plus a CSRF token
// (cookie Csrf-Token_{tenant}, echoed in the X-Csrf-Token_{tenant} header of
// every write) when the platform's CSRF protection is on. A linked account
// stores the cookie in Credentials.Token, the CSRF token in
// Credentials.Secret ("" when CSRF is off) and the session's end in
// Credentials.Expiry; the password is used once, by Login, and never kept.
//
// Sessions last 30 minutes by default. The client renews one
// (POST /api/login/renewToken) when it is within Config.RenewBefore of its
// end, after every membership change (the platform embeds the user's groups
// in the token), and once when a call is refused with 401, which it then
// retries once. Renewals are single-flight per account, the client keeps
// using the renewed session for that account, and Config.Sink is told so the
// store can keep it. A session that has already ended cannot be renewed:
// calls fail with providers.ErrUnauthenticated and a message asking to
// relink the account.
//
// # Errors
//
// Every failure wraps one providers error kind and, where the platform
// answered, an *APIError carrying the HTTP status and the platform's fault
// (JSON faultcode/faultstring, or a text/plain message):
//
//	400          ErrInvalid
//	401          ErrUnauthenticated, after one renewal and retry
//	             (on a leave, a 401 that survives the renewal is ErrForbidden)
//	403          ErrForbidden
//	404          ErrNotFound
//	405          ErrInternal
//	429          ErrRateLimited
//	other 4xx    ErrInvalid
//	5xx          ErrUnavailable
//	bad body     ErrUnavailable (HTML pages, truncated or mistyped JSON,
//	             a body over 4 MiB, an unexpected content type)
//	transport    ErrTimeout or ErrUnavailable (providers.TransportError)
//
// The client does not retry, rate-limit or cache beyond the one renewal and
// retry above: a resilience layer wraps its http.Client and the Provider.
package akana

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Defaults of Config.
const (
	// DefaultRenewBefore is how long before its end a session is renewed.
	DefaultRenewBefore = 5 * time.Minute
	// DefaultTimeout is the timeout of the http.Client made when
	// Config.HTTPClient is nil.
	DefaultTimeout = 10 * time.Second
	// DefaultConcurrency bounds GroupsByID's parallel detail requests.
	DefaultConcurrency = 4
	// DefaultSessionTTL is the platform's default session lifetime, used
	// when a login or renewal does not say when the session ends.
	DefaultSessionTTL = 30 * time.Minute
)

// maxBody bounds every response body the client reads; a larger one is
// ErrUnavailable rather than a memory problem.
const maxBody = 4 << 20

// Config configures a Client.
type Config struct {
	// BaseURL is the platform's address, https://{hostname}. The API is
	// under /api; a BaseURL that already ends in /api is accepted too.
	BaseURL string
	// Tenant is the platform's tenant id (fedmemberid), e.g.
	// "acmepaymentscorp". It names the cookies and the CSRF header.
	Tenant string
	// HTTPClient sends the requests; nil means a new client with
	// DefaultTimeout. Resilience layers wrap its Transport. The client uses
	// a shallow copy that follows redirects only to the same scheme and host
	// (providers.PlatformHTTPClient).
	HTTPClient *http.Client
	// RenewBefore is how long before its end a session is renewed; zero
	// means DefaultRenewBefore.
	RenewBefore time.Duration
	// Sink, when set, is told about every renewed session.
	Sink providers.CredentialSink
	// Clock returns the current time; nil means time.Now. Tests inject the
	// simulator's clock.
	Clock func() time.Time
	// Concurrency bounds GroupsByID's parallel requests; zero means
	// DefaultConcurrency.
	Concurrency int
	// Logger receives, at debug level, the body of every failed call,
	// redacted (providers.LogUpstreamBody); nil logs nothing.
	Logger *slog.Logger
}

// Client talks to one Akana deployment. It implements providers.Provider
// and is safe for concurrent use.
type Client struct {
	api         *url.URL // BaseURL + "/api/"
	tenant      string
	http        *http.Client
	renewBefore time.Duration
	sink        providers.CredentialSink
	now         func() time.Time
	concurrency int
	log         *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
}

var _ providers.Provider = (*Client)(nil)

// New returns a Client for the deployment cfg names. It fails when BaseURL
// is not an absolute http(s) URL or Tenant is empty or not a valid cookie
// name part.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("akana: %w: base URL must be an absolute http(s) URL", providers.ErrInvalid)
	}
	if cfg.Tenant == "" || strings.ContainsFunc(cfg.Tenant, func(r rune) bool {
		return !(r == '.' || r == '-' || r == '_' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'))
	}) {
		return nil, fmt.Errorf("akana: %w: tenant must be a non-empty id of letters, digits, '.', '-' or '_'", providers.ErrInvalid)
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/api") + "/api/"
	u.RawPath = ""
	c := &Client{
		api:         u,
		tenant:      cfg.Tenant,
		http:        cfg.HTTPClient,
		renewBefore: cfg.RenewBefore,
		sink:        cfg.Sink,
		now:         cfg.Clock,
		log:         cfg.Logger,
		concurrency: cfg.Concurrency,
		sessions:    map[string]*session{},
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	c.http = providers.PlatformHTTPClient(c.http)
	if c.renewBefore <= 0 {
		c.renewBefore = DefaultRenewBefore
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.concurrency <= 0 {
		c.concurrency = DefaultConcurrency
	}
	return c, nil
}

// Kind is providers.Akana.
func (c *Client) Kind() providers.Kind { return providers.Akana }

// Capabilities: leave is supported (for leaders and administrators),
// group details are one request per group, and the platform has no list
// of joinable groups.
func (c *Client) Capabilities() providers.Capabilities {
	return providers.Capabilities{Leave: true, BatchGroupDetails: false, VisibleGroups: false, DetailConcurrency: c.concurrency,
		ListFields: listFields, DetailFields: detailFields}
}

// listFields are what an item of the user's group channel carries: its
// details come whole with it.
var listFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldURL, providers.FieldIconURL, providers.FieldVisibility,
)

// detailFields are what GET /api/groups/{GroupID} carries.
var detailFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldURL, providers.FieldIconURL, providers.FieldMemberCount,
	providers.FieldVisibility, providers.FieldCreatedAt, providers.FieldOwner,
)

// AuthCookieName is the session cookie's name for tenant.
func AuthCookieName(tenant string) string { return "AtmoAuthToken_" + tenant }

// CSRFCookieName is the CSRF token cookie's name for tenant.
func CSRFCookieName(tenant string) string { return "Csrf-Token_" + tenant }

// CSRFHeaderName is the header that echoes the CSRF token on writes.
func CSRFHeaderName(tenant string) string { return "X-Csrf-Token_" + tenant }

// request is one API call.
type request struct {
	op          string // names the call in errors: "users.groups"
	method      string
	path        string // below /api/, already escaped
	accept      string
	body        []byte
	contentType string
}

// response is a read, size-bounded answer.
type response struct {
	status int
	header http.Header
	body   []byte
	// secrets are the credentials the request carried, for redaction.
	secrets []string
	// wait is the Retry-After advice of the answer, 0 without one.
	wait time.Duration
}

// send performs r with creds (none for login) and reads the answer.
func (c *Client) send(ctx context.Context, r request, creds *providers.Credentials) (*response, error) {
	op := "akana " + r.op
	rel, err := url.Parse(r.path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: malformed request path", op, providers.ErrInvalid)
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.api.ResolveReference(rel).String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: cannot build the request", op, providers.ErrInvalid)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	var secrets []string
	if creds != nil {
		req.AddCookie(&http.Cookie{Name: AuthCookieName(c.tenant), Value: creds.Token})
		secrets = append(secrets, creds.Token)
		if creds.Secret != "" {
			// The CSRF cookie goes back as the platform set it, and its value
			// in the header proves the request came from the session holder.
			// The platform wants the header on writes by default and on reads
			// too when ReadRequestCSRFSupport is on; it is sent on every
			// request, as the platform's own tools do, so either setting
			// works.
			req.AddCookie(&http.Cookie{Name: CSRFCookieName(c.tenant), Value: creds.Secret})
			req.Header.Set(CSRFHeaderName(c.tenant), creds.Secret)
			secrets = append(secrets, creds.Secret)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, providers.TransportError(op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, providers.TransportError(op, err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("%s: %w: response body larger than %d bytes", op, providers.ErrUnavailable, maxBody)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		providers.LogUpstreamBody(ctx, c.log, providers.Akana, r.op, resp.StatusCode, b, secrets...)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b, secrets: secrets,
		wait: providers.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())}, nil
}

// ok reports a 2xx status.
func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// apiError decodes a failed response's body.
func (r *response) apiError() *APIError {
	e := decodeAPIError(r.status, r.header.Get("Content-Type"), r.body, r.secrets...)
	e.Wait = r.wait
	return e
}

// call sends r for acct with a session that is not about to end, and when
// the platform answers 401 renews the session once and retries once. It
// returns the last response whatever its status; the caller classifies it.
func (c *Client) call(ctx context.Context, acct providers.Account, r request) (*response, error) {
	s := c.session(acct)
	creds, err := c.fresh(ctx, r.op, acct, s)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, r, &creds)
	if err != nil || resp.status != http.StatusUnauthorized {
		return resp, err
	}
	creds, err = c.renew(ctx, r.op, acct, s, creds, false)
	if err != nil {
		return nil, err
	}
	return c.send(ctx, r, &creds)
}

// getJSON GETs path for acct and hands a 2xx JSON body to decode. A
// non-2xx answer is classified; a body that is not JSON, or that decode
// rejects, is ErrUnavailable.
func (c *Client) getJSON(ctx context.Context, acct providers.Account, op, path string, decode func([]byte) error) error {
	resp, err := c.call(ctx, acct, request{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return err
	}
	if !resp.ok() {
		return classify(op, resp.apiError())
	}
	if err := checkJSON(resp.header.Get("Content-Type")); err != nil {
		providers.LogUpstreamBody(ctx, c.log, providers.Akana, op, resp.status, resp.body, resp.secrets...)
		return fmt.Errorf("akana %s: %w: %v", op, providers.ErrUnavailable, err)
	}
	if err := decode(resp.body); err != nil {
		providers.LogUpstreamBody(ctx, c.log, providers.Akana, op, resp.status, resp.body, resp.secrets...)
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return classify(op, apiErr)
		}
		return fmt.Errorf("akana %s: %w: %v", op, providers.ErrUnavailable, errUndecodable)
	}
	return nil
}

// resolve turns a link the platform sent (absolute, or relative to the API
// base, like "../acmepaymentscorp#/groups/…/details") into an absolute
// http(s) URL with a host; anything else (javascript:, "https:",
// garbage) is dropped.
func (c *Client) resolve(link string) *string {
	link = strings.TrimSpace(link)
	if link == "" {
		return nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil
	}
	abs := c.api.ResolveReference(u)
	if (abs.Scheme != "https" && abs.Scheme != "http") || abs.Host == "" {
		return nil
	}
	s := abs.String()
	return &s
}
