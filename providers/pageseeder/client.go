package pageseeder

import (
	"bytes"
	"context"
	"encoding/json"
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

// DefaultServicePrefix is where a PageSeeder server mounts its services: the
// site prefix /ps followed by /service.
const DefaultServicePrefix = "/ps/service"

// maxBody bounds every response body read. PageSeeder answers are small; a
// larger one is a broken or hostile upstream, not data worth holding.
const maxBody = 4 << 20

// defaultTimeout applies when the caller gives no *http.Client, so that a
// silent server cannot hold a request forever.
const defaultTimeout = 10 * time.Second

// expiryLeeway renews a token slightly before its stated expiry, so that a
// token does not die between the check and the server's own check.
const expiryLeeway = 10 * time.Second

// Config configures a Client. BaseURL is required; ClientID and ClientSecret
// are required for token refresh and account linking.
type Config struct {
	// BaseURL is the PageSeeder server, e.g. https://ps.example.com. Each
	// customer runs its own server.
	BaseURL string
	// ServicePrefix is the path of the services under BaseURL;
	// DefaultServicePrefix when empty.
	ServicePrefix string
	// TokenURL and AuthorizeURL are the OAuth2 endpoints; when empty they are
	// {BaseURL}/ps/oauth/token and {BaseURL}/ps/oauth/authorize.
	TokenURL     string
	AuthorizeURL string
	// ClientID and ClientSecret identify groupgraph's OAuth client, registered
	// on the server by an administrator.
	ClientID     string
	ClientSecret string
	// RedirectURL is where the authorize endpoint sends the member back to
	// when linking an account (must match the client's registration).
	RedirectURL string
	// Scopes are requested when linking; empty requests the server's
	// defaults. PageSeeder knows only openid, profile and email.
	Scopes []string
	// HTTPClient sends every request; nil means a new client with a 10 s
	// timeout. Pass one to wrap its transport (resilience, telemetry). The
	// client uses a shallow copy that follows redirects only to the same
	// scheme and host (providers.PlatformHTTPClient).
	HTTPClient *http.Client
	// Credentials is told when the client refreshes an account's token, so
	// that the store can keep it. May be nil.
	Credentials providers.CredentialSink
	// Clock returns the current time; nil means time.Now. Tests inject one
	// to expire tokens.
	Clock func() time.Time
	// Logger receives, at debug level, the body of every failed call,
	// redacted (providers.LogUpstreamBody); nil logs nothing.
	Logger *slog.Logger
}

// Client is a PageSeeder client. It implements providers.Provider and is safe
// for concurrent use.
type Client struct {
	service      *url.URL // BaseURL + ServicePrefix
	tokenURL     string
	authorizeURL string
	clientID     string
	clientSecret string
	redirectURL  string
	scopes       []string
	http         *http.Client
	sink         providers.CredentialSink
	now          func() time.Time
	log          *slog.Logger

	mu      sync.Mutex
	renewed map[string]renewal // by accountKey
	flights map[string]*flight // refreshes in progress, by accountKey
}

var _ providers.Provider = (*Client)(nil)

// New returns a Client for the server cfg names.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("pageseeder: %w: base URL must be an absolute http(s) URL", providers.ErrInvalid)
	}
	prefix := cfg.ServicePrefix
	if prefix == "" {
		prefix = DefaultServicePrefix
	}
	prefix = "/" + strings.Trim(prefix, "/")
	service := *base
	service.Path = strings.TrimRight(base.Path, "/") + prefix
	service.RawQuery, service.Fragment = "", ""

	c := &Client{
		service:      &service,
		tokenURL:     cfg.TokenURL,
		authorizeURL: cfg.AuthorizeURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		redirectURL:  cfg.RedirectURL,
		scopes:       append([]string(nil), cfg.Scopes...),
		http:         cfg.HTTPClient,
		sink:         cfg.Credentials,
		now:          cfg.Clock,
		log:          cfg.Logger,
		renewed:      map[string]renewal{},
		flights:      map[string]*flight{},
	}
	root := base.Scheme + "://" + base.Host + strings.TrimRight(base.Path, "/")
	if c.tokenURL == "" {
		c.tokenURL = root + "/ps/oauth/token"
	}
	if c.authorizeURL == "" {
		c.authorizeURL = root + "/ps/oauth/authorize"
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: defaultTimeout}
	}
	c.http = providers.PlatformHTTPClient(c.http)
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Kind reports providers.PageSeeder.
func (c *Client) Kind() providers.Kind { return providers.PageSeeder }

// Capabilities: PageSeeder lists visible groups and lets a member deregister
// themself; group details are one call per group.
func (c *Client) Capabilities() providers.Capabilities {
	return providers.Capabilities{VisibleGroups: true, Leave: true, BatchGroupDetails: false, DetailConcurrency: detailConcurrency,
		ListFields: listFields, DetailFields: detailFields}
}

// listFields are what the basic group representation of a memberships list
// carries.
var listFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldPageSeederOwner, providers.FieldPageSeederTitle,
	providers.FieldPageSeederAccess, providers.FieldPageSeederRelatedURL,
)

// detailFields are what the extended representation of GET /groups/{group}
// carries. PageSeeder keeps no member or topic counts, no creation date
// and no owning member on a group.
var detailFields = providers.FieldsOf(
	providers.FieldDescription, providers.FieldVisibility, providers.FieldJoinPolicy,
	providers.FieldPageSeederOwner, providers.FieldPageSeederTitle, providers.FieldPageSeederAccess,
	providers.FieldPageSeederVisibleTo, providers.FieldPageSeederTemplate, providers.FieldPageSeederEditURLs,
	providers.FieldPageSeederCommenting, providers.FieldPageSeederModeration, providers.FieldPageSeederRegistration,
	providers.FieldPageSeederDefaultRole, providers.FieldPageSeederDefaultNotify, providers.FieldPageSeederIndexVersion,
	providers.FieldPageSeederDetailsType, providers.FieldPageSeederRelatedURL, providers.FieldPageSeederMessage,
)

// call sends one service request for acct and decodes the JSON answer into
// v (nil: the body is not needed). It renews an expired token first, and on a
// 401 renews once and retries once; that is the only retry the client does.
func (c *Client) call(ctx context.Context, acct providers.Account, svc service, method, path string, q url.Values, v any) error {
	creds := c.credentials(acct)
	refreshed := false
	if c.expired(creds) && creds.RefreshToken != "" {
		fresh, err := c.refresh(ctx, acct, creds)
		if err != nil {
			return err
		}
		creds, refreshed = fresh, true
	}
	status, err := c.send(ctx, svc, method, path, q, creds, v)
	if status == http.StatusUnauthorized && !refreshed && creds.RefreshToken != "" {
		fresh, rerr := c.refresh(ctx, acct, creds)
		if rerr != nil {
			return rerr
		}
		_, err = c.send(ctx, svc, method, path, q, fresh, v)
	}
	return err
}

// send makes one HTTP request and classifies its outcome. It returns the HTTP
// status (0 when none arrived) so that call can decide to renew.
func (c *Client) send(ctx context.Context, svc service, method, path string, q url.Values, creds providers.Credentials, v any) (int, error) {
	op := svc.op()
	u, err := url.Parse(c.service.String() + path)
	if err != nil {
		return 0, fmt.Errorf("%s: %w: cannot build the request URL", op, providers.ErrInternal)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w: cannot build the request", op, providers.ErrInternal)
	}
	req.Header.Set("Accept", "application/json")
	if creds.Token != "" {
		req.Header.Set("Authorization", "Bearer "+creds.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, providers.TransportError(op, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return resp.StatusCode, fmt.Errorf("%s: %w: %w", op, providers.ErrUnavailable, &APIError{Service: string(svc), Status: resp.StatusCode, Message: "response body over 4 MiB"})
		}
		return resp.StatusCode, providers.TransportError(op, err)
	}
	secrets := []string{creds.Token, creds.RefreshToken, c.clientSecret}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || looksLikeXMLError(body) {
		providers.LogUpstreamBody(ctx, c.log, providers.PageSeeder, string(svc), resp.StatusCode, body, secrets...)
		return resp.StatusCode, withRetryAfter(classify(svc, resp.StatusCode, body, secrets), resp.Header, c.now())
	}
	if v == nil {
		return resp.StatusCode, nil
	}
	if o, ok := v.(*bestEffort); ok {
		// The write is done; an answer that cannot be read does not undo it.
		_ = decodeJSON(body, o.v)
		return resp.StatusCode, nil
	}
	if err := decodeJSON(body, v); err != nil {
		providers.LogUpstreamBody(ctx, c.log, providers.PageSeeder, string(svc), resp.StatusCode, body, secrets...)
		return resp.StatusCode, fmt.Errorf("%s: %w: %w", op, providers.ErrUnavailable, &APIError{Service: string(svc), Status: resp.StatusCode, Message: "undecodable response: " + err.Error()})
	}
	return resp.StatusCode, nil
}

// bestEffort marks a decode target whose answer is optional: PageSeeder does
// not document the body of every write (deregister), so it is read when it
// is there and usable, and ignored otherwise.
type bestEffort struct{ v any }

// pathf builds a service path, escaping every argument as one path segment,
// so that an ID can never step outside its segment.
func pathf(format string, args ...string) string {
	escaped := make([]any, len(args))
	for i, a := range args {
		escaped[i] = url.PathEscape(a)
	}
	return fmt.Sprintf(format, escaped...)
}

var errTooLarge = errors.New("body too large")

// readBody reads at most maxBody bytes; more is errTooLarge.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, errTooLarge
	}
	return b, nil
}

// decodeJSON decodes one JSON value and refuses anything after it, so that a
// concatenation of documents is not half-read as success.
//
// A body that is exactly one valid JSON value (the usual answer) is decoded
// in place by json.Unmarshal, which is what a json.Decoder would do with it
// after copying it into a buffer of its own. Only a body json.Unmarshal
// finds a syntax error in goes through the Decoder, whose rules decide such
// bodies: what may follow the object, and how truncation is reported.
func decodeJSON(b []byte, v any) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	// Unmarshal checks the whole input before it decodes anything, and no
	// decode target of this package reports a syntax error of its own, so a
	// syntax error means v is untouched.
	err := json.Unmarshal(trimmed, v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		if err != nil {
			return safeJSONError(err)
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return safeJSONError(err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// safeJSONError describes a decode failure without echoing the body.
func safeJSONError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("field %q has the wrong type (%s)", te.Field, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("truncated JSON")
	}
	return errors.New("malformed JSON")
}
