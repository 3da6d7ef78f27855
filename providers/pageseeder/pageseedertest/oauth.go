package pageseedertest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/groupgraph/groupgraph/providers"
)

// codeTTL is how long an authorization code may wait to be exchanged.
const codeTTL = 10 * time.Minute

// newSecret returns a random token.
func newSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// IssueToken creates an access token and a refresh token for member through
// client, as if the member had completed the authorization-code flow, and
// returns them as an account's credentials.
func (s *Server) IssueToken(member int64, client string) providers.Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issue(member, client, true)
}

// issue creates tokens. Callers hold s.mu.
func (s *Server) issue(member int64, client string, withRefresh bool) providers.Credentials {
	now := s.now()
	c := providers.Credentials{Token: newSecret(), Expiry: now.Add(s.accessTTL)}
	s.access[c.Token] = grant{member: member, client: client, expires: c.Expiry}
	if withRefresh {
		c.RefreshToken = newSecret()
		s.refresh[c.RefreshToken] = grant{member: member, client: client, expires: now.Add(s.refreshTTL)}
	}
	return c
}

// RevokeTokens invalidates every access and refresh token of member, as an
// administrator resetting the member's sessions would.
func (s *Server) RevokeTokens(member int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t, g := range s.access {
		if g.member == member {
			delete(s.access, t)
		}
	}
	for t, g := range s.refresh {
		if g.member == member {
			delete(s.refresh, t)
		}
	}
}

// AuthorizeAs makes GET /ps/oauth/authorize approve requests as member, as
// if that member were signed in and clicked "allow". Zero signs out: the
// endpoint then refuses.
func (s *Server) AuthorizeAs(member int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorizeAs = member
}

// Approve records member's approval of an authorization request and returns
// the authorization code the authorize endpoint would send back. challenge
// is the PKCE S256 challenge; it is required.
func (s *Server) Approve(member int64, clientID, redirectURI, challenge string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.approve(member, clientID, redirectURI, challenge)
}

// approve checks and records an authorization. Callers hold s.mu.
func (s *Server) approve(member int64, clientID, redirectURI, challenge string) (string, error) {
	c, ok := s.clients[clientID]
	if !ok || c.Grant != "authorization_code" {
		return "", errors.New("unknown client or not an authorization-code client")
	}
	if c.RedirectURL != "" && redirectURI != c.RedirectURL {
		return "", errors.New("redirect_uri does not match the client's registration")
	}
	if _, ok := s.members[member]; !ok {
		return "", errors.New("unknown member")
	}
	if challenge == "" {
		return "", errors.New("a PKCE code_challenge is required")
	}
	code := newSecret()
	s.codes[code] = &authCode{
		grant:     grant{member: member, client: clientID, expires: s.now().Add(codeTTL)},
		redirect:  redirectURI,
		challenge: challenge,
	}
	return code, nil
}

// authorize serves GET /ps/oauth/authorize: for the signed-in member (see
// AuthorizeAs) it approves the request and redirects to redirect_uri with
// code and state. Errors about the client or redirect are shown, not
// redirected, as RFC 6749 §4.1.2.1 requires.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	member := s.authorizeAs
	client, known := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	if !known {
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		redirect = client.RedirectURL
	}
	target, err := url.Parse(redirect)
	if err != nil || !target.IsAbs() {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	fail := func(code string) {
		v := target.Query()
		v.Set("error", code)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		target.RawQuery = v.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request")
		return
	case member == 0:
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	code, err := s.approve(member, client.ID, q.Get("redirect_uri"), q.Get("code_challenge"))
	s.mu.Unlock()
	if err != nil {
		http.Error(w, "authorization refused", http.StatusBadRequest)
		return
	}
	v := target.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// tokenError answers an OAuth2 error (RFC 6749 §5.2).
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="PageSeeder"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// token serves POST /ps/oauth/token: authorization_code (with PKCE S256),
// refresh_token and client_credentials. Clients authenticate with
// client_id/client_secret in the form or with HTTP Basic. Refresh tokens
// rotate: each is good for one refresh, which is the documented reading the
// simulator picks (PageSeeder does not say).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	client, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	now := s.now()
	var creds providers.Credentials
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		if client.Grant != gt {
			tokenError(w, http.StatusBadRequest, "unauthorized_client", "grant not allowed for this client")
			return
		}
		code := r.PostForm.Get("code")
		ac, ok := s.codes[code]
		delete(s.codes, code) // single use, even when the exchange fails
		switch {
		case !ok || ac.client != id || !now.Before(ac.expires):
			tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid or expired authorization code")
			return
		case ac.redirect != "" && r.PostForm.Get("redirect_uri") != ac.redirect:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
			return
		case !pkceMatches(r.PostForm.Get("code_verifier"), ac.challenge):
			tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the challenge")
			return
		}
		creds = s.issue(ac.member, id, true)
	case "refresh_token":
		if client.Grant != "authorization_code" {
			tokenError(w, http.StatusBadRequest, "unauthorized_client", "grant not allowed for this client")
			return
		}
		rt := r.PostForm.Get("refresh_token")
		g, ok := s.refresh[rt]
		if !ok || g.client != id || !now.Before(g.expires) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "invalid or expired refresh token")
			return
		}
		delete(s.refresh, rt)
		creds = s.issue(g.member, id, true)
	case "client_credentials":
		if client.Grant != gt {
			tokenError(w, http.StatusBadRequest, "unauthorized_client", "grant not allowed for this client")
			return
		}
		if _, ok := s.members[client.Member]; !ok {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the client acts for no member")
			return
		}
		creds = s.issue(client.Member, id, false)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant type")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	resp := map[string]any{
		"access_token": creds.Token,
		"token_type":   "bearer",
		"expires_in":   int64(s.accessTTL / time.Second),
		"scope":        "openid profile email",
	}
	if creds.RefreshToken != "" {
		resp["refresh_token"] = creds.RefreshToken
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// pkceMatches verifies an S256 code verifier (RFC 7636 §4.6).
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// bearer authenticates a service request: it returns the member the bearer
// token stands for, or answers 401 itself and returns ok=false.
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) (int64, bool) {
	h := r.Header.Get("Authorization")
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found {
		tok, found = strings.CutPrefix(h, "bearer ")
	}
	s.mu.Lock()
	g, ok := s.access[strings.TrimSpace(tok)]
	valid := found && ok && s.now().Before(g.expires)
	s.mu.Unlock()
	if !valid {
		desc := "invalid_token"
		if !found {
			desc = "invalid_request"
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="PageSeeder", error=%q`, desc))
		s.writeError(w, r, http.StatusUnauthorized, "", "Authentication required")
		return 0, false
	}
	return g.member, true
}
