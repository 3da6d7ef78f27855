// Package upcoming is groupgraph's client for the Upcoming API (the Yahoo!
// Upcoming REST gateway, "?method=group.getMyGroups&api_key=…&token=…"),
// adapted to the providers domain.
//
// Yahoo closed the public service in 2013; the client targets self-hosted or
// archival deployments of the same interface, so the gateway URL is
// configuration, and the simulator in upcomingtest is the reference server.
//
// The client asks for JSON (format=json, the {"rsp": {...}} envelope) and
// reads XML just as well, for servers that ignore format. Failures are
// classified once into the providers error kinds (see classify), wrapping a
// typed *APIError. The client never retries, caches or rate-limits: a
// resilience layer wraps its http.Client or the Provider.
package upcoming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// Defaults applied by New to a zero Config field.
const (
	// DefaultBaseURL is the historical public gateway.
	DefaultBaseURL = "http://upcoming.yahooapis.com/services/rest/"
	// DefaultSiteURL is the historical web site, used to build group page
	// URLs (<site>group/<id>/, the form the gateway's own 301 message uses).
	DefaultSiteURL = "http://upcoming.yahoo.com/"
	// DefaultMaxBatch is how many group ids one group.getInfo call carries.
	// The documentation sets no limit; 50 numeric ids keep the GET URL far
	// below the 2–8 KiB that proxies and servers commonly accept.
	DefaultMaxBatch = 50
	// DefaultTimeout bounds each request when Config.HTTPClient is nil.
	DefaultTimeout = 10 * time.Second
	// maxBody is the most the client reads of any answer; more is treated as
	// a broken upstream (ErrUnavailable) rather than buffered.
	maxBody = 4 << 20
)

// Config configures a Client. Only APIKey is required.
type Config struct {
	// BaseURL is the REST gateway. Default DefaultBaseURL.
	BaseURL string
	// SiteURL is the web site that group page URLs point to. Default
	// DefaultSiteURL.
	SiteURL string
	// APIKey is the application's api_key.
	APIKey string
	// Location is the zone of the gateway's zoneless timestamps
	// ("2006-08-11 13:38:44"). The documentation does not name one; default
	// UTC.
	Location *time.Location
	// MaxBatch is how many ids one group.getInfo call carries; GroupsByID
	// splits larger requests. Default DefaultMaxBatch.
	MaxBatch int
	// XML makes the client omit format=json and read the default XML output,
	// for servers whose JSON output is broken. Answers are read in whichever
	// format they come in either way.
	XML bool
	// HTTPClient sends the requests. Default: a client with DefaultTimeout.
	// The client uses a shallow copy (providers.PlatformHTTPClient) that does
	// not follow redirects: a 301 is the gateway's "group merged" answer, and
	// following a redirect would send the api_key and token to another URL.
	HTTPClient *http.Client
	// Logger receives, at debug level, the body of every failed call,
	// redacted (providers.LogUpstreamBody); nil logs nothing.
	Logger *slog.Logger
}

// Client is the Upcoming provider. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	site     string
	apiKey   string
	loc      *time.Location
	maxBatch int
	xml      bool
	hc       *http.Client
	log      *slog.Logger
}

var _ providers.Provider = (*Client)(nil)

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("upcoming: %w: an api_key is required", providers.ErrInvalid)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("upcoming: %w: base URL must be an absolute http(s) URL", providers.ErrInvalid)
	}
	if base.RawQuery != "" || base.User != nil {
		return nil, fmt.Errorf("upcoming: %w: base URL must carry no query or user info; credentials go in api_key", providers.ErrInvalid)
	}
	if cfg.SiteURL == "" {
		cfg.SiteURL = DefaultSiteURL
	}
	if !strings.HasSuffix(cfg.SiteURL, "/") {
		cfg.SiteURL += "/"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxBatch < 0 {
		return nil, fmt.Errorf("upcoming: %w: max batch must not be negative", providers.ErrInvalid)
	}
	if cfg.MaxBatch == 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	hc := &http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		hc = cfg.HTTPClient
	}
	hc = providers.PlatformHTTPClient(hc)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		base:     base,
		site:     cfg.SiteURL,
		apiKey:   cfg.APIKey,
		loc:      cfg.Location,
		maxBatch: cfg.MaxBatch,
		xml:      cfg.XML,
		hc:       hc,
		log:      cfg.Logger,
	}, nil
}

// Kind reports providers.Upcoming.
func (c *Client) Kind() providers.Kind { return providers.Upcoming }

// Capabilities: Upcoming can leave groups and fetch many groups' details in
// one call; it has no "groups I could join" listing and no photo pool.
//
// group.getInfo answers with the element group.getMyGroups lists, so its
// detail call carries nothing the list call does not: a group's details
// never need loading.
func (c *Client) Capabilities() providers.Capabilities {
	return providers.Capabilities{Leave: true, BatchGroupDetails: true, MaxBatch: c.maxBatch,
		ListFields: groupFields, DetailFields: groupFields}
}

// groupFields are what a <group/> element carries, in either call.
var groupFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldURL, providers.FieldMemberCount, providers.FieldTopicCount,
	providers.FieldVisibility, providers.FieldJoinPolicy, providers.FieldCreatedAt, providers.FieldOwner,
)

// do calls one API method and returns its success envelope, or an error
// classified into a providers kind that wraps an *APIError (or the
// transport's error). GET methods carry their arguments in the query; POST
// methods in a form body, as the documentation's curl example does.
func (c *Client) do(ctx context.Context, httpMethod, method string, params url.Values) (*envelope, error) {
	op := "upcoming " + method
	q := url.Values{}
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("method", method)
	q.Set("api_key", c.apiKey)
	if !c.xml {
		q.Set("format", "json")
	}
	u := *c.base
	var body io.Reader
	if httpMethod == http.MethodPost {
		body = strings.NewReader(q.Encode())
	} else {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, httpMethod, u.String(), body)
	if err != nil {
		// Only a malformed base URL gets here, and New has checked it.
		return nil, fmt.Errorf("%s: %w: cannot build request", op, providers.ErrInternal)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json, text/xml;q=0.9, */*;q=0.1")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, providers.TransportError(op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, providers.TransportError(op, err)
	}
	if len(raw) > maxBody {
		return nil, c.fail(op, method, providers.ErrUnavailable, resp.StatusCode, "response larger than 4 MiB", "", params)
	}
	env, decErr := decodeEnvelope(resp.Header.Get("Content-Type"), raw)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || decErr != nil || env.Stat != "ok" {
		providers.LogUpstreamBody(ctx, c.log, providers.Upcoming, method, resp.StatusCode, raw, c.secrets(params)...)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := ""
		if decErr == nil {
			msg = env.Message
		}
		err := c.fail(op, method, classify(resp.StatusCode, msg), resp.StatusCode, "", msg, params)
		apiError(err).Wait = providers.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return nil, err
	}
	if decErr != nil {
		return nil, c.fail(op, method, providers.ErrUnavailable, resp.StatusCode, decErr.Error(), "", params)
	}
	switch env.Stat {
	case "ok":
		return env, nil
	case "fail":
		return nil, c.fail(op, method, classify(resp.StatusCode, env.Message), resp.StatusCode, "", env.Message, params)
	}
	return nil, c.fail(op, method, providers.ErrUnavailable, resp.StatusCode, "unknown stat in response", "", params)
}

// fail builds the classified error of a call: own is groupgraph's
// description of what was wrong, upstream the platform's error@msg, which
// only classifies and is kept (with every credential the call sent
// redacted) but never shown by Error.
func (c *Client) fail(op, method string, kind error, status int, own, upstream string, params url.Values) error {
	apiErr := &APIError{Method: method, StatusCode: status, Message: own, Upstream: sanitize(upstream, c.secrets(params)...)}
	return fmt.Errorf("%s: %w: %w", op, kind, apiErr)
}

// secrets are the credentials a call sends, which nothing it logs or
// returns may repeat.
func (c *Client) secrets(params url.Values) []string {
	return []string{c.apiKey, params.Get("token"), params.Get("frob")}
}

// token returns the account's token, or ErrUnauthenticated without asking
// the platform when there is none: every method the provider calls needs one.
func token(op string, acct providers.Account) (string, error) {
	if acct.Credentials.Token == "" {
		return "", fmt.Errorf("%s: %w: the account has no token", op, providers.ErrUnauthenticated)
	}
	return acct.Credentials.Token, nil
}

// apiError returns the *APIError inside err, or nil.
func apiError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}
