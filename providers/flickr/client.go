package flickr

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// Defaults for Config.
const (
	// DefaultBaseURL is Flickr's REST endpoint.
	DefaultBaseURL = "https://api.flickr.com/services/rest"
	// DefaultOAuthURL is the prefix of Flickr's OAuth endpoints
	// (request_token, authorize, access_token).
	DefaultOAuthURL = "https://www.flickr.com/services/oauth"
	// DefaultMaxConcurrency bounds the groups.getInfo calls GroupsByID has
	// in flight for one call: Flickr has no batch call, and the key's budget
	// (3,600 calls an hour) is shared by every user.
	DefaultMaxConcurrency = 4
	// DefaultTimeout is the timeout of the HTTP client New creates when
	// Config.HTTPClient is nil.
	DefaultTimeout = 10 * time.Second
	// MaxBodyBytes is the most of a response body the client reads; a
	// larger body is an ErrUnavailable failure.
	MaxBodyBytes = 4 << 20
)

// Config configures a Client.
type Config struct {
	// BaseURL is the REST endpoint; empty means DefaultBaseURL.
	BaseURL string
	// OAuthURL is the prefix of the OAuth endpoints; empty means
	// DefaultOAuthURL.
	OAuthURL string
	// ConsumerKey and ConsumerSecret are the application's API key and
	// shared secret. The key is required.
	ConsumerKey    string
	ConsumerSecret string
	// HTTPClient sends the requests, so that a resilience layer can wrap its
	// transport. Nil means a new client with DefaultTimeout. The client uses
	// a shallow copy that follows redirects only to the same scheme and host
	// (providers.PlatformHTTPClient).
	HTTPClient *http.Client
	// MaxConcurrency bounds GroupsByID's parallel calls; 0 means
	// DefaultMaxConcurrency.
	MaxConcurrency int
	// Clock returns the current time for OAuth timestamps; nil means
	// time.Now. Tests set it.
	Clock func() time.Time
	// Logger receives, at debug level, the body of every failed call,
	// redacted (providers.LogUpstreamBody); nil logs nothing.
	Logger *slog.Logger
}

// Client is a Flickr client. It implements providers.Provider and is safe for
// concurrent use.
type Client struct {
	baseURL     string
	oauthURL    string
	consumerKey string
	consumerSec string
	httpc       *http.Client
	maxConc     int
	now         func() time.Time
	nonce       func() string
	log         *slog.Logger
}

var _ providers.Provider = (*Client)(nil)

// New returns a Client for cfg. It fails with ErrInvalid when the consumer
// key is missing or a URL is not absolute.
func New(cfg Config) (*Client, error) {
	c := &Client{
		baseURL:     strings.TrimRight(orDefault(cfg.BaseURL, DefaultBaseURL), "?"),
		oauthURL:    strings.TrimRight(orDefault(cfg.OAuthURL, DefaultOAuthURL), "/"),
		consumerKey: cfg.ConsumerKey,
		consumerSec: cfg.ConsumerSecret,
		httpc:       cfg.HTTPClient,
		maxConc:     cfg.MaxConcurrency,
		now:         cfg.Clock,
		nonce:       randomNonce,
		log:         cfg.Logger,
	}
	if c.consumerKey == "" {
		return nil, fmt.Errorf("flickr: %w: a consumer key is required", providers.ErrInvalid)
	}
	for _, u := range []string{c.baseURL, c.oauthURL} {
		p, err := url.Parse(u)
		if err != nil || !p.IsAbs() || p.Host == "" || p.RawQuery != "" {
			return nil, fmt.Errorf("flickr: %w: endpoint URLs must be absolute, without a query", providers.ErrInvalid)
		}
	}
	if c.httpc == nil {
		c.httpc = &http.Client{Timeout: DefaultTimeout}
	}
	c.httpc = providers.PlatformHTTPClient(c.httpc)
	if c.maxConc <= 0 {
		c.maxConc = DefaultMaxConcurrency
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// randomNonce returns 16 random bytes in hex: unique per request, which is
// all OAuth asks of a nonce.
func randomNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Kind is providers.Flickr.
func (c *Client) Kind() providers.Kind { return providers.Flickr }

// Capabilities: Flickr lets members leave (and drop their photos from the
// pool), has no batch detail call and no "groups I may join" listing.
func (c *Client) Capabilities() providers.Capabilities {
	return providers.Capabilities{Leave: true, DeletePhotosOnLeave: true, DetailConcurrency: c.maxConc,
		ListFields: listFields, DetailFields: detailFields,
		ViewerFields: providers.FieldsOf(providers.FieldFlickrThrottleRemaining, providers.FieldFlickrViewerFlags)}
}

// listFields are what people.getGroups with every extra carries (the URLs
// are built from the NSID and the icon attributes).
var listFields = providers.FieldsOf(
	providers.FieldURL, providers.FieldIconURL, providers.FieldMemberCount, providers.FieldPoolCount,
	providers.FieldVisibility, providers.FieldJoinPolicy, providers.FieldAgeRestricted,
	providers.FieldFlickrPrivacy, providers.FieldFlickrThrottle, providers.FieldFlickrRestrictions,
)

// detailFields are what a signed groups.getInfo carries. The owner is
// known only when the caller founded the group (is_founder).
var detailFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldURL, providers.FieldIconURL, providers.FieldMemberCount,
	providers.FieldTopicCount, providers.FieldPoolCount, providers.FieldVisibility, providers.FieldJoinPolicy,
	providers.FieldAgeRestricted, providers.FieldCreatedAt, providers.FieldOwner,
	providers.FieldFlickrPrivacy, providers.FieldFlickrPathAlias, providers.FieldFlickrLang,
	providers.FieldFlickrPoolModerated, providers.FieldFlickrRules, providers.FieldFlickrThrottle,
	providers.FieldFlickrThrottleRemaining, providers.FieldFlickrRestrictions, providers.FieldFlickrRoles,
	providers.FieldFlickrViewerFlags,
)

// VisibleGroups is unsupported: Flickr has no call listing the groups a user
// may join (groups.search is a text search, not a listing).
func (c *Client) VisibleGroups(context.Context, providers.Account) ([]providers.Group, error) {
	return nil, fmt.Errorf("flickr: visible groups: %w", providers.ErrUnsupported)
}

// call invokes a REST method for acct, signed with the account's
// credentials, and decodes the successful response into v (nil to ignore
// it). Write methods go by POST with a form body, reads by GET.
func (c *Client) call(ctx context.Context, httpMethod, method string, acct providers.Account, args url.Values, v any) error {
	params := url.Values{}
	for k, vs := range args {
		params[k] = vs
	}
	params.Set("method", method)
	params.Set("format", "json")
	params.Set("nojsoncallback", "1")
	s := c.signer(acct.Credentials.Token, acct.Credentials.Secret)
	s.sign(httpMethod, c.baseURL, params, c.nonce(), c.now().Unix())

	body, status, wait, err := c.send(ctx, httpMethod, c.baseURL, params)
	op := opName(method)
	if err != nil {
		return c.wrapSendError(op, method, err)
	}
	if p := decodeREST(method, body, v); p != nil {
		secrets := c.secrets(acct, params)
		providers.LogUpstreamBody(ctx, c.log, providers.Flickr, method, status, body, secrets...)
		p.apiErr.StatusCode = status
		p.apiErr.Wait = wait
		if status != http.StatusOK && p.apiErr.Code == 0 && p.apiErr.OAuthProblem == "" {
			// Not Flickr speaking but something in front of it (a proxy's
			// error page): its status says more than its body.
			p.kind = statusKind(status)
			p.apiErr.Message = ""
		}
		p.apiErr.Upstream = scrub(p.apiErr.Upstream, secrets...)
		return classified(op, p.kind, p.apiErr)
	}
	if status != http.StatusOK {
		providers.LogUpstreamBody(ctx, c.log, providers.Flickr, method, status, body, c.secrets(acct, params)...)
		return classified(op, statusKind(status), &APIError{Method: method, StatusCode: status, Wait: wait})
	}
	return nil
}

// errTooLarge marks a body over MaxBodyBytes.
var errTooLarge = errors.New("response body too large")

// wrapSendError classifies a failure to get a response body.
func (c *Client) wrapSendError(op, method string, err error) error {
	if errors.Is(err, errTooLarge) {
		return classified(op, providers.ErrUnavailable, &APIError{Method: method, Message: "response body over 4 MiB"})
	}
	return providers.TransportError("flickr "+op, err)
}

// send makes one request and reads at most MaxBodyBytes of the answer. It
// returns the body, the status and the wait the answer's Retry-After asks
// for (0 without one).
func (c *Client) send(ctx context.Context, httpMethod, endpoint string, params url.Values) ([]byte, int, time.Duration, error) {
	var req *http.Request
	var err error
	if httpMethod == http.MethodPost {
		req, err = http.NewRequestWithContext(ctx, httpMethod, endpoint, strings.NewReader(params.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, httpMethod, endpoint+"?"+params.Encode(), nil)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpc.Do(req)
	if err != nil {
		return nil, 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, resp.StatusCode, 0, err
	}
	if len(body) > MaxBodyBytes {
		return nil, resp.StatusCode, 0, errTooLarge
	}
	return body, resp.StatusCode, providers.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now()), nil
}

// secrets are the values no message may contain for a call: the consumer key
// and secret, the account's token and secret, and the signature.
func (c *Client) secrets(acct providers.Account, params url.Values) []string {
	return []string{c.consumerKey, c.consumerSec, acct.Credentials.Token, acct.Credentials.Secret,
		params.Get("oauth_signature"), params.Get("oauth_token")}
}
