package flickrtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file verifies OAuth 1.0a requests (RFC 5849) the way a server does.
// It deliberately shares no code with the client's signer: parameters are
// collected from the raw query, the raw form body and the Authorization
// header, and encoded with a different technique, so that a bug in one
// cannot hide behind the same bug in the other.

// param is one decoded request parameter. Order and repetition are kept,
// as the signature covers every occurrence.
type param struct{ k, v string }

type params []param

// get returns the first value of k.
func (ps params) get(k string) string {
	for _, p := range ps {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

func (ps params) has(k string) bool {
	for _, p := range ps {
		if p.k == k {
			return true
		}
	}
	return false
}

// maxForm bounds a request body the simulator reads.
const maxForm = 1 << 20

// readParams collects the parameters of r: query string, a form-encoded
// body, and the oauth_* members of an "Authorization: OAuth" header.
func readParams(r *http.Request) (params, error) {
	ps, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxForm))
		if err != nil {
			return nil, err
		}
		body, err := parseForm(string(b))
		if err != nil {
			return nil, err
		}
		ps = append(ps, body...)
	}
	if h := r.Header.Get("Authorization"); len(h) > 6 && strings.EqualFold(h[:6], "OAuth ") {
		for _, part := range strings.Split(h[6:], ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k == "realm" {
				continue
			}
			k, err1 := url.PathUnescape(k)
			v, err2 := url.PathUnescape(strings.Trim(v, `"`))
			if err1 != nil || err2 != nil {
				return nil, errors.New("bad Authorization header")
			}
			ps = append(ps, param{k, v})
		}
	}
	return ps, nil
}

// parseForm splits an application/x-www-form-urlencoded string.
func parseForm(s string) (params, error) {
	var ps params
	for _, pair := range strings.Split(s, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errors.New("bad form encoding")
		}
		ps = append(ps, param{k, v})
	}
	return ps, nil
}

// rfc3986 percent-encodes s as RFC 5849 §3.6 requires. url.QueryEscape
// leaves exactly the unreserved characters alone except that it writes a
// space as "+"; a literal "+" comes out as %2B, so every "+" left is a space.
func rfc3986(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// signatureBase builds the base string for r with the given parameters.
func signatureBase(r *http.Request, ps params) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[scheme])
	uri := scheme + "://" + host + r.URL.EscapedPath()

	enc := make([][2]string, 0, len(ps))
	for _, p := range ps {
		if p.k == "oauth_signature" || p.k == "realm" {
			continue
		}
		enc = append(enc, [2]string{rfc3986(p.k), rfc3986(p.v)})
	}
	// Sorted by encoded name, then by encoded value (RFC 5849 §3.4.1.3.2).
	// Joining "k=v" first and sorting the strings would be wrong: "=" sorts
	// after "-", ".", "%" and digits, so "a-b" would precede "a".
	sort.Slice(enc, func(i, j int) bool {
		if enc[i][0] != enc[j][0] {
			return enc[i][0] < enc[j][0]
		}
		return enc[i][1] < enc[j][1]
	})
	pairs := make([]string, len(enc))
	for i, kv := range enc {
		pairs[i] = kv[0] + "=" + kv[1]
	}
	return strings.ToUpper(r.Method) + "&" + rfc3986(uri) + "&" + rfc3986(strings.Join(pairs, "&"))
}

func hmacSHA1(key, msg string) []byte {
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// authFailure is why a request was not authenticated: a Flickr error code
// (REST) or an OAuth problem (raw text, HTTP 401). debug is the base string
// Flickr echoes with signature_invalid.
type authFailure struct {
	code    int
	msg     string
	problem string
	debug   string
}

// verified is an authenticated request: the application and, when the
// request carried one, the token's secret and owner.
type verified struct {
	consumerKey string
	token       string
}

// verify checks the API key, the OAuth signature, the timestamp and the
// nonce of a request. tokenSecret looks up the secret of the request's
// oauth_token and whether that token belongs to the application; it is
// s.tokens for REST calls and s.requests for access_token. It must be called
// with s.mu held.
func (s *Simulator) verify(r *http.Request, ps params, tokenSecret func(token, consumerKey string) (string, bool)) (verified, *authFailure) {
	key := ps.get("oauth_consumer_key")
	if apiKey := ps.get("api_key"); key == "" {
		key = apiKey
	} else if apiKey != "" && apiKey != key {
		return verified{}, &authFailure{code: 100, msg: "Invalid API Key (Key mismatch)", problem: "consumer_key_rejected"}
	}
	if key == "" {
		return verified{}, &authFailure{code: 100, msg: "Invalid API Key (Key has invalid format)", problem: "parameter_absent"}
	}
	secret, ok := s.apps[key]
	if !ok {
		return verified{}, &authFailure{code: 100, msg: "Invalid API Key (Key not found)", problem: "consumer_key_unknown"}
	}
	v := verified{consumerKey: key}
	sig := ps.get("oauth_signature")
	if sig == "" {
		if ps.has("oauth_token") || ps.has("auth_token") {
			return verified{}, &authFailure{code: 97, msg: "Missing signature", problem: "parameter_absent"}
		}
		return v, nil // an unsigned call with the key alone: no user
	}
	if m := ps.get("oauth_signature_method"); m != "HMAC-SHA1" {
		return verified{}, &authFailure{code: 96, msg: "Invalid signature", problem: "signature_method_rejected"}
	}
	if ver := ps.get("oauth_version"); ver != "" && ver != "1.0" {
		return verified{}, &authFailure{code: 96, msg: "Invalid signature", problem: "version_rejected"}
	}
	ts, err := strconv.ParseInt(ps.get("oauth_timestamp"), 10, 64)
	nonce := ps.get("oauth_nonce")
	if err != nil || nonce == "" {
		return verified{}, &authFailure{problem: "parameter_absent"}
	}
	now := s.now()
	if d := now.Sub(time.Unix(ts, 0)); d > s.MaxSkew || d < -s.MaxSkew {
		return verified{}, &authFailure{problem: "timestamp_refused"}
	}
	tokSecret := ""
	if tok := ps.get("oauth_token"); tok != "" {
		sec, ok := tokenSecret(tok, key)
		if !ok {
			return verified{}, &authFailure{code: 98, msg: "Invalid auth token", problem: "token_rejected"}
		}
		tokSecret, v.token = sec, tok
	}
	base := signatureBase(r, ps)
	want := hmacSHA1(rfc3986(secret)+"&"+rfc3986(tokSecret), base)
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, want) {
		return verified{}, &authFailure{code: 96, msg: "Invalid signature", problem: "signature_invalid", debug: base}
	}
	// Only a correctly signed request consumes its nonce, so that a forged
	// request cannot burn a legitimate client's nonce.
	nk := key + "\x00" + v.token + "\x00" + strconv.FormatInt(ts, 10) + "\x00" + nonce
	if _, seen := s.nonces[nk]; seen {
		return verified{}, &authFailure{problem: "nonce_used"}
	}
	s.nonces[nk] = now
	for k, at := range s.nonces {
		if now.Sub(at) > 2*s.MaxSkew {
			delete(s.nonces, k)
		}
	}
	return v, nil
}

// writeProblem answers an OAuth problem the way Flickr's OAuth layer does:
// HTTP 401 with a form-encoded body, outside any REST envelope.
func writeProblem(w http.ResponseWriter, f *authFailure) {
	problem := f.problem
	if problem == "" {
		problem = "signature_invalid"
	}
	body := "oauth_problem=" + url.QueryEscape(problem) // first, as Flickr writes it
	if f.debug != "" {
		body += "&debug_sbs=" + url.QueryEscape(f.debug)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = io.WriteString(w, body)
}

// requestToken is a temporary credential of the OAuth flow.
type requestToken struct {
	token, secret string
	consumerKey   string
	callback      string
	created       time.Time
	// Set by Authorize.
	verifier string
	userID   string
	perms    Perm
}

// requestTokenTTL is how long a request token may wait for authorization
// and exchange.
const requestTokenTTL = time.Hour

func (s *Simulator) serveRequestToken(w http.ResponseWriter, r *http.Request) {
	ps, err := readParams(r)
	if err != nil {
		writeProblem(w, &authFailure{problem: "parameter_rejected"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ps.has("oauth_token") {
		writeProblem(w, &authFailure{problem: "parameter_rejected"})
		return
	}
	v, f := s.verify(r, ps, func(string, string) (string, bool) { return "", false })
	if f == nil && !ps.has("oauth_signature") {
		f = &authFailure{problem: "parameter_absent"}
	}
	if f != nil {
		writeProblem(w, f)
		return
	}
	callback := ps.get("oauth_callback")
	if callback == "" {
		writeProblem(w, &authFailure{problem: "parameter_absent"})
		return
	}
	rt := &requestToken{
		token:       newID("72157", 8) + "-" + newID("", 8),
		secret:      newID("", 8),
		consumerKey: v.consumerKey,
		callback:    callback,
		created:     s.now(),
	}
	s.requests[rt.token] = rt
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, url.Values{
		"oauth_callback_confirmed": {"true"},
		"oauth_token":              {rt.token},
		"oauth_token_secret":       {rt.secret},
	}.Encode())
}

// AutoApprove makes GET /services/oauth/authorize approve every request as
// userID (the signed-in user of a browser), redirecting to the callback with
// the verifier. Empty turns it off: the page then answers 403.
func (s *Simulator) AutoApprove(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.approver = userID
}

// ErrUnknownRequestToken is returned by Authorize for a request token that
// was never issued, was already exchanged or has expired.
var ErrUnknownRequestToken = errors.New("flickrtest: unknown request token")

// Authorize is the user granting perms to the request token's application,
// as the authorize page does; it returns the verifier the application needs
// for access_token.
func (s *Simulator) Authorize(requestToken, userID string, perms Perm) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authorize(requestToken, userID, perms)
}

func (s *Simulator) authorize(requestToken, userID string, perms Perm) (string, error) {
	rt, ok := s.requests[requestToken]
	if !ok || s.now().Sub(rt.created) > requestTokenTTL {
		return "", ErrUnknownRequestToken
	}
	if _, ok := s.users[userID]; !ok {
		return "", errors.New("flickrtest: unknown user " + userID)
	}
	if perms < PermRead || perms > PermDelete {
		return "", errors.New("flickrtest: invalid permission")
	}
	rt.userID, rt.perms = userID, perms
	rt.verifier = newID("", 8)
	return rt.verifier, nil
}

func (s *Simulator) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	perms, ok := ParsePerm(q.Get("perms"))
	if !ok {
		http.Error(w, "Oops! Flickr doesn't recognise the permission set.", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.approver == "" {
		http.Error(w, "Sign in to Flickr to authorize this application.", http.StatusForbidden)
		return
	}
	token := q.Get("oauth_token")
	verifier, err := s.authorize(token, s.approver, perms)
	if err != nil {
		http.Error(w, "Invalid or expired request token.", http.StatusBadRequest)
		return
	}
	cb := s.requests[token].callback
	if cb == "oob" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "Your verification code is "+verifier+"\n")
		return
	}
	u, err := url.Parse(cb)
	if err != nil {
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	cq := u.Query()
	cq.Set("oauth_token", token)
	cq.Set("oauth_verifier", verifier)
	u.RawQuery = cq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Simulator) serveAccessToken(w http.ResponseWriter, r *http.Request) {
	ps, err := readParams(r)
	if err != nil {
		writeProblem(w, &authFailure{problem: "parameter_rejected"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ps.has("oauth_token") || !ps.has("oauth_signature") {
		writeProblem(w, &authFailure{problem: "parameter_absent"})
		return
	}
	v, f := s.verify(r, ps, func(token, key string) (string, bool) {
		rt, ok := s.requests[token]
		if !ok || rt.consumerKey != key || s.now().Sub(rt.created) > requestTokenTTL {
			return "", false
		}
		return rt.secret, true
	})
	if f != nil {
		writeProblem(w, f)
		return
	}
	rt := s.requests[v.token]
	if rt.verifier == "" || !hmac.Equal([]byte(ps.get("oauth_verifier")), []byte(rt.verifier)) {
		writeProblem(w, &authFailure{problem: "permission_denied"})
		return
	}
	delete(s.requests, v.token) // a request token is exchanged once
	u := s.users[rt.userID]
	at := &Token{
		Token:       newID("72157", 8) + "-" + newID("", 8),
		Secret:      newID("", 8),
		ConsumerKey: rt.consumerKey,
		UserID:      rt.userID,
		Perms:       rt.perms,
	}
	s.tokens[at.Token] = at
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, url.Values{
		"fullname":           {u.Realname},
		"oauth_token":        {at.Token},
		"oauth_token_secret": {at.Secret},
		"user_nsid":          {u.NSID},
		"username":           {u.Username},
	}.Encode())
}
