package pageseeder

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// renewal is a token the client obtained for an account, and the access
// token it replaced, so that later calls presenting the stale credentials
// use the new ones until the store catches up.
type renewal struct {
	from  string // the access token the caller held
	creds providers.Credentials
}

// flight is one refresh in progress; concurrent callers for the same
// account wait for it instead of spending the refresh token twice.
type flight struct {
	done  chan struct{}
	creds providers.Credentials
	err   error
}

// accountKey identifies a linked account for the renewal cache.
func accountKey(acct providers.Account) string {
	return acct.ID + "\x00" + acct.UserID
}

// credentials returns the credentials to use for acct: the ones it carries,
// unless the client has since renewed them.
func (c *Client) credentials(acct providers.Account) providers.Credentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.renewed[accountKey(acct)]
	if ok && (acct.Credentials.Token == r.from || acct.Credentials.Token == r.creds.Token) {
		return r.creds
	}
	return acct.Credentials
}

// expired reports whether creds' access token has expired (or is about to).
// A zero Expiry means the token's lifetime is unknown: it is used until the
// server rejects it.
func (c *Client) expired(creds providers.Credentials) bool {
	return !creds.Expiry.IsZero() && !c.now().Add(expiryLeeway).Before(creds.Expiry)
}

// refresh renews acct's token once, however many calls need it at the same
// time. stale is the token the caller found expired or rejected: if another
// call has already replaced it, its replacement is returned without a new
// refresh.
func (c *Client) refresh(ctx context.Context, acct providers.Account, stale providers.Credentials) (providers.Credentials, error) {
	key := accountKey(acct)
	c.mu.Lock()
	if r, ok := c.renewed[key]; ok && r.creds.Token != stale.Token && (acct.Credentials.Token == r.from || acct.Credentials.Token == r.creds.Token) && !c.expired(r.creds) {
		c.mu.Unlock()
		return r.creds, nil
	}
	if f, ok := c.flights[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.creds, f.err
		case <-ctx.Done():
			return providers.Credentials{}, providers.TransportError(svcToken.op(), ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	// The refresh keeps the caller's deadline but not its cancellation: the
	// platform rotates the refresh token as soon as it gets the request, so
	// an answer abandoned because the caller gave up would leave the account
	// with a spent refresh token, to be linked again.
	ctx, cancel := detach(ctx)
	defer cancel()
	f.creds, f.err = c.refreshToken(ctx, stale.RefreshToken)

	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil {
		c.renewed[key] = renewal{from: acct.Credentials.Token, creds: f.creds}
	}
	c.mu.Unlock()
	close(f.done)

	if f.err == nil && c.sink != nil {
		renewed := acct
		renewed.Credentials = f.creds
		// The sink failing does not fail the call: the client keeps the
		// new token for the account either way (providers.CredentialSink).
		_ = c.sink.CredentialsRenewed(ctx, renewed, f.creds)
	}
	return f.creds, f.err
}

// detach returns a context with ctx's values and deadline that its
// cancellation does not end.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return d, func() {}
}

// refreshToken spends a refresh token at the token endpoint. A server that
// does not rotate refresh tokens sends none back; the old one stays valid.
func (c *Client) refreshToken(ctx context.Context, refreshToken string) (providers.Credentials, error) {
	creds, err := c.token(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}, refreshToken)
	if err != nil {
		return providers.Credentials{}, err
	}
	if creds.RefreshToken == "" {
		creds.RefreshToken = refreshToken
	}
	return creds, nil
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string     `json:"access_token"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    flexString `json:"expires_in"`
	RefreshToken string     `json:"refresh_token"`
	Scope        string     `json:"scope"`
}

// token posts a grant to the token endpoint. The client authenticates with
// client_id and client_secret in the form, as PageSeeder's own clients do.
// secret is the grant's own secret (code, refresh token), redacted from
// messages.
func (c *Client) token(ctx context.Context, form url.Values, secret string) (providers.Credentials, error) {
	op := svcToken.op()
	form.Set("client_id", c.clientID)
	if c.clientSecret != "" {
		form.Set("client_secret", c.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return providers.Credentials{}, fmt.Errorf("%s: %w: cannot build the request", op, providers.ErrInternal)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return providers.Credentials{}, providers.TransportError(op, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return providers.Credentials{}, fmt.Errorf("%s: %w: %w", op, providers.ErrUnavailable, &APIError{Service: string(svcToken), Status: resp.StatusCode, Message: "response body over 4 MiB"})
		}
		return providers.Credentials{}, providers.TransportError(op, err)
	}
	secrets := []string{secret, c.clientSecret}
	if resp.StatusCode != http.StatusOK {
		providers.LogUpstreamBody(ctx, c.log, providers.PageSeeder, string(svcToken), resp.StatusCode, body, secrets...)
		return providers.Credentials{}, withRetryAfter(classify(svcToken, resp.StatusCode, body, secrets), resp.Header, c.now())
	}
	var tr tokenResponse
	if err := decodeJSON(body, &tr); err != nil {
		return providers.Credentials{}, fmt.Errorf("%s: %w: %w", op, providers.ErrUnavailable, &APIError{Service: string(svcToken), Status: resp.StatusCode, Message: "undecodable response: " + err.Error()})
	}
	if tr.AccessToken == "" || (tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer")) {
		return providers.Credentials{}, fmt.Errorf("%s: %w: %w", op, providers.ErrUnavailable, &APIError{Service: string(svcToken), Status: resp.StatusCode, Message: "no bearer access token in the response"})
	}
	creds := providers.Credentials{Token: tr.AccessToken, RefreshToken: tr.RefreshToken}
	if secs, err := parseSeconds(string(tr.ExpiresIn)); err == nil && secs > 0 {
		creds.Expiry = c.now().Add(time.Duration(secs) * time.Second)
	}
	return creds, nil
}

func parseSeconds(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// NewVerifier returns a fresh PKCE code verifier (RFC 7636): 32 random bytes,
// base64url-encoded. Keep it with the state until the member comes back.
func NewVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// S256Challenge is the PKCE S256 challenge of a verifier.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthCodeURL is the authorize URL to send a member to when linking their
// account: the authorization-code flow with state (checked by the caller
// when the member returns) and a PKCE S256 challenge derived from verifier
// (see NewVerifier; pass the same verifier to Exchange).
func (c *Client) AuthCodeURL(state, verifier string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.clientID},
		"state":                 {state},
		"code_challenge":        {S256Challenge(verifier)},
		"code_challenge_method": {"S256"},
	}
	if c.redirectURL != "" {
		q.Set("redirect_uri", c.redirectURL)
	}
	if len(c.scopes) > 0 {
		q.Set("scope", strings.Join(c.scopes, " "))
	}
	sep := "?"
	if strings.Contains(c.authorizeURL, "?") {
		sep = "&"
	}
	return c.authorizeURL + sep + q.Encode()
}

// Exchange completes account linking: it trades the authorization code the
// member came back with (and the PKCE verifier) for tokens, then asks /self
// who the member is. The returned Account has Provider, UserID, DisplayName
// and Credentials set; the caller assigns its own ID and stores it.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (providers.Account, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"code_verifier": {verifier},
	}
	if c.redirectURL != "" {
		form.Set("redirect_uri", c.redirectURL)
	}
	creds, err := c.token(ctx, form, code)
	if err != nil {
		return providers.Account{}, err
	}
	return c.accountFor(ctx, creds)
}

// ClientCredentials obtains a token for the member a client-credentials
// client acts for (a PageSeeder administrator configures which) and returns
// that member's Account. Such tokens carry no refresh token: when one
// expires, call ClientCredentials again.
func (c *Client) ClientCredentials(ctx context.Context) (providers.Account, error) {
	creds, err := c.token(ctx, url.Values{"grant_type": {"client_credentials"}}, "")
	if err != nil {
		return providers.Account{}, err
	}
	return c.accountFor(ctx, creds)
}

// accountFor builds the Account whose credentials are creds.
func (c *Client) accountFor(ctx context.Context, creds providers.Credentials) (providers.Account, error) {
	acct := providers.Account{Provider: providers.PageSeeder, Credentials: creds}
	u, err := c.Whoami(ctx, acct)
	if err != nil {
		return providers.Account{}, err
	}
	acct.UserID, acct.DisplayName = u.ID, u.Name
	return acct, nil
}
