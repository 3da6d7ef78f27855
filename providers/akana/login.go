package akana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// LoginResult is a new session and the user it belongs to.
type LoginResult struct {
	// UserID is the Akana user id ("{uuid}.{tenant}"), the login response's
	// userFDN.
	UserID string
	// UserName is the user's display name (userName).
	UserName string
	// AvatarURL is the user's avatar, when the platform sent one.
	AvatarURL string
	// Credentials hold the session: Token is the AtmoAuthToken cookie,
	// Secret the CSRF token ("" when CSRF protection is off), Expiry the
	// session's end.
	Credentials providers.Credentials
}

// Account is the linked account for the session, with groupgraph's link id.
func (r *LoginResult) Account(linkID string) providers.Account {
	return providers.Account{
		ID:          linkID,
		Provider:    providers.Akana,
		UserID:      r.UserID,
		DisplayName: r.UserName,
		Credentials: r.Credentials,
	}
}

// Login opens a session with the user's email and password
// (POST /api/login), for account linking. The password is sent once and
// neither kept nor put into any error. Rejected credentials are
// ErrUnauthenticated; a login the platform holds back for a step only its
// web UI offers (a password change, a legal agreement, challenge
// questions) is ErrForbidden.
//
//meta:operation POST /api/login
func (c *Client) Login(ctx context.Context, email, password string) (*LoginResult, error) {
	const op = "login"
	if email == "" || password == "" {
		return nil, fmt.Errorf("akana %s: %w: email and password are required", op, providers.ErrInvalid)
	}
	body, err := json.Marshal(struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}{email, password})
	if err != nil {
		return nil, fmt.Errorf("akana %s: %w: cannot encode the credentials", op, providers.ErrInternal)
	}
	resp, err := c.send(ctx, request{op: op, method: http.MethodPost, path: "login", body: body, contentType: "application/json"}, nil)
	if err != nil {
		return nil, err
	}
	resp.secrets = append(resp.secrets, password)
	if !resp.ok() {
		apiErr := resp.apiError()
		if resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			return nil, fmt.Errorf("akana %s: %w: the email or password was rejected: %w", op, providers.ErrUnauthenticated, apiErr)
		}
		return nil, classify(op, apiErr)
	}
	var lr loginResponse
	if err := checkJSON(resp.header.Get("Content-Type")); err == nil && len(resp.body) > 0 {
		if json.Unmarshal(resp.body, &lr) != nil {
			return nil, fmt.Errorf("akana %s: %w: %v", op, providers.ErrUnavailable, errUndecodable)
		}
	}
	creds, ok := c.sessionFrom(resp, lr, providers.Credentials{})
	if !ok {
		if lr.LoginState != "" {
			return nil, fmt.Errorf("akana %s: %w: the platform needs a step in its web UI before the user can sign in (login state %q)", op, providers.ErrForbidden, sanitize(lr.LoginState, resp.secrets))
		}
		return nil, fmt.Errorf("akana %s: %w: the platform set no session cookie", op, providers.ErrUnavailable)
	}
	if lr.UserFDN == "" {
		return nil, fmt.Errorf("akana %s: %w: the login response names no user", op, providers.ErrUnavailable)
	}
	return &LoginResult{UserID: lr.UserFDN, UserName: lr.UserName, AvatarURL: lr.AvatarURL, Credentials: creds}, nil
}

// sessionFrom reads the session a login or renewal set: the AtmoAuthToken
// and Csrf-Token cookies, and the end of the session from the cookie's
// Expires or Max-Age, the body's authTokenValidUntil, or else the default
// lifetime. prev supplies what a renewal may leave out (the CSRF token). ok
// is false when no session cookie was set.
func (c *Client) sessionFrom(resp *response, lr loginResponse, prev providers.Credentials) (creds providers.Credentials, ok bool) {
	creds = prev
	now := c.now()
	var auth *http.Cookie
	for _, ck := range (&http.Response{Header: resp.header}).Cookies() {
		switch ck.Name {
		case AuthCookieName(c.tenant):
			auth = ck
		case CSRFCookieName(c.tenant):
			creds.Secret = ck.Value
		}
	}
	if auth == nil || auth.Value == "" || auth.MaxAge < 0 {
		return providers.Credentials{}, false
	}
	creds.Token = auth.Value
	switch {
	case !auth.Expires.IsZero():
		creds.Expiry = auth.Expires.UTC()
	case auth.MaxAge > 0:
		creds.Expiry = now.Add(time.Duration(auth.MaxAge) * time.Second).UTC()
	case !lr.validUntil().IsZero():
		creds.Expiry = lr.validUntil()
	default:
		creds.Expiry = now.Add(DefaultSessionTTL).UTC()
	}
	return creds, true
}

// session is what the client knows of one account's session. Its
// credentials replace the account's once renewed; turn admits one renewal
// at a time (a one-slot semaphore rather than a mutex, so that waiting
// respects the caller's context).
type session struct {
	turn chan struct{}

	mu    sync.Mutex
	creds providers.Credentials
}

// sessionKey identifies an account: its link and its platform user.
func sessionKey(acct providers.Account) string { return acct.ID + "\x00" + acct.UserID }

// session returns the account's session state, creating it from the
// account's credentials.
func (c *Client) session(acct providers.Account) *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[sessionKey(acct)]
	if !ok {
		s = &session{turn: make(chan struct{}, 1), creds: acct.Credentials}
		c.sessions[sessionKey(acct)] = s
	}
	return s
}

// current returns the credentials to use for acct: the renewed ones the
// client holds, unless the account brings newer ones (it was linked
// again), which then replace them.
func (s *session) current(acct providers.Account) providers.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := acct.Credentials
	if in.Token != "" && in.Token != s.creds.Token && (s.creds.Token == "" || in.Expiry.After(s.creds.Expiry)) {
		s.creds = in
	}
	return s.creds
}

func (s *session) get() providers.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds
}

func (s *session) set(c providers.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = c
}

// errExpired is the failure of a session that ended: only a new login
// helps.
func errExpired(op string) error {
	return fmt.Errorf("akana %s: %w: the session expired; %s", op, providers.ErrUnauthenticated, relinkHint)
}

// fresh returns the account's credentials, renewed first when the session
// ends within RenewBefore. A session without a known end is used as it is
// (a 401 then triggers the renewal).
func (c *Client) fresh(ctx context.Context, op string, acct providers.Account, s *session) (providers.Credentials, error) {
	creds := s.current(acct)
	if creds.Token == "" {
		return providers.Credentials{}, fmt.Errorf("akana %s: %w: no Akana session is stored; link the Akana account", op, providers.ErrUnauthenticated)
	}
	if creds.Expiry.IsZero() {
		return creds, nil
	}
	now := c.now()
	if !now.Before(creds.Expiry) {
		return providers.Credentials{}, errExpired(op)
	}
	if creds.Expiry.Sub(now) > c.renewBefore {
		return creds, nil
	}
	return c.renew(ctx, op, acct, s, creds, false)
}

// renew replaces the session stale with a renewed one, single-flight: a
// caller that waited while another renewed gets that renewal rather than
// making its own, unless force asks for a renewal regardless (after a
// membership change, when the token's embedded groups are out of date).
// The sink is told about the new credentials; its failure does not fail
// the call, since the client keeps the credentials itself.
func (c *Client) renew(ctx context.Context, op string, acct providers.Account, s *session, stale providers.Credentials, force bool) (providers.Credentials, error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return providers.Credentials{}, providers.TransportError("akana "+op, ctx.Err())
	}
	defer func() { <-s.turn }()
	cur := s.get()
	if !force && cur.Token != stale.Token {
		return cur, nil
	}
	if !cur.Expiry.IsZero() && !c.now().Before(cur.Expiry) {
		return providers.Credentials{}, errExpired(op)
	}
	next, err := c.renewToken(ctx, cur)
	if err != nil {
		return providers.Credentials{}, err
	}
	s.set(next)
	if c.sink != nil {
		renewed := acct
		renewed.Credentials = next
		_ = c.sink.CredentialsRenewed(ctx, renewed, next)
	}
	return next, nil
}

// renewToken asks the platform for a renewed session
// (POST /api/login/renewToken with the cookie and the CSRF header). The
// platform refuses to renew a session that has ended: a 401 or 403 here is
// ErrUnauthenticated with the relink advice.
//
//meta:operation POST /api/login/renewToken
func (c *Client) renewToken(ctx context.Context, cur providers.Credentials) (providers.Credentials, error) {
	const op = "login.renewToken"
	resp, err := c.send(ctx, request{op: op, method: http.MethodPost, path: "login/renewToken", contentType: "application/json", body: []byte("{}")}, &cur)
	if err != nil {
		return providers.Credentials{}, err
	}
	if !resp.ok() {
		apiErr := resp.apiError()
		if resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			return providers.Credentials{}, fmt.Errorf("akana %s: %w: %s: %w", op, providers.ErrUnauthenticated, relinkHint, apiErr)
		}
		return providers.Credentials{}, classify(op, apiErr)
	}
	var lr loginResponse
	if checkJSON(resp.header.Get("Content-Type")) == nil && len(resp.body) > 0 {
		// The body only adds authTokenValidUntil; a body that does not
		// decode costs nothing but that.
		if err := json.Unmarshal(resp.body, &lr); err != nil {
			lr = loginResponse{}
		}
	}
	next, ok := c.sessionFrom(resp, lr, cur)
	if !ok {
		return providers.Credentials{}, fmt.Errorf("akana %s: %w: %w", op, providers.ErrUnavailable, errors.New("the platform set no renewed session cookie"))
	}
	return next, nil
}
