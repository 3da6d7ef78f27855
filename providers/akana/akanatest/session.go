package akanatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// session is one issued AtmoAuthToken. Like the platform's token it
// carries the user's groups as they were when it was issued.
type session struct {
	id      string // TokenID
	token   string // the cookie value
	userID  string
	csrf    string // "" with CSRF off
	expires time.Time
	groups  map[string]Role // approved memberships at issue time
}

// openLocked issues a session for u; csrf keeps an existing CSRF token
// across a renewal ("" makes a new one). s.mu must be held.
func (s *Server) openLocked(u *User, csrf string) *session {
	now := s.now()
	for id, old := range s.sessions {
		if !now.Before(old.expires) {
			delete(s.sessions, id) // ended: the map does not grow forever
		}
	}
	sess := &session{
		id:      randomHex(16),
		userID:  u.ID,
		expires: now.Add(s.ttl).Truncate(time.Second),
		groups:  map[string]Role{},
	}
	if s.csrf {
		sess.csrf = csrf
		if sess.csrf == "" {
			sess.csrf = randomHex(20)
		}
	}
	for gid, ms := range s.members {
		if m, ok := ms[u.ID]; ok && m.state == StateApproved {
			sess.groups[gid] = m.role
		}
	}
	uuid := strings.TrimSuffix(u.ID, "."+s.tenant)
	// The platform's token format: comma-separated key=value pairs, signed,
	// URL-encoded into the cookie.
	payload := fmt.Sprintf("TokenID=%s,claimed_id=urn:atmosphere:user:%s:%s,issueTime=%d,expirationTime=%d,UserName=%s,UserFDN=%s,AttributesIncluded=false",
		sess.id, s.tenant, uuid, now.UnixMilli(), sess.expires.UnixMilli(), url.QueryEscape(u.UserName), u.ID)
	sess.token = url.QueryEscape(payload + ",sig=" + s.sign(payload))
	s.sessions[sess.id] = sess
	return sess
}

func (s *Server) sign(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// refusal is why a request is not authenticated, for the 401 body.
type refusal string

const (
	noCookie     refusal = "Unauthorized: login required"
	badToken     refusal = "Unauthorized: invalid authentication token"
	expiredToken refusal = "Unauthorized: authentication token expired"
	badCSRF      refusal = "Unauthorized: missing or invalid CSRF token"
)

// authenticateLocked verifies the session cookie (signature, issue, end)
// and, when write (or ReadCSRF) asks for it, the CSRF header. s.mu must be
// held.
func (s *Server) authenticateLocked(r *http.Request, write bool) (*session, *User, refusal) {
	ck, err := r.Cookie("AtmoAuthToken_" + s.tenant)
	if err != nil || ck.Value == "" {
		return nil, nil, noCookie
	}
	raw, err := url.QueryUnescape(ck.Value)
	if err != nil {
		return nil, nil, badToken
	}
	i := strings.LastIndex(raw, ",sig=")
	if i < 0 || !hmac.Equal([]byte(raw[i+len(",sig="):]), []byte(s.sign(raw[:i]))) {
		return nil, nil, badToken
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(raw[:i], ",") {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	// The end is signed into the token, so it is checked before the
	// lookup: an ended session says so even once it has been forgotten.
	if ms, err := strconv.ParseInt(fields["expirationTime"], 10, 64); err != nil || !s.now().Before(time.UnixMilli(ms)) {
		return nil, nil, expiredToken
	}
	sess, ok := s.sessions[fields["TokenID"]]
	if !ok || sess.token != ck.Value {
		return nil, nil, badToken // revoked, or from another simulator
	}
	u, ok := s.users[sess.userID]
	if !ok {
		return nil, nil, badToken
	}
	if sess.csrf != "" && (write || s.readCSRF) {
		got := r.Header.Get("X-Csrf-Token_" + s.tenant)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
			return nil, nil, badCSRF
		}
	}
	return sess, u, ""
}

// setSessionCookies sets the cookies of sess, as login and renewal do.
func (s *Server) setSessionCookies(w http.ResponseWriter, sess *session) {
	maxAge := int(sess.expires.Sub(s.now()) / time.Second)
	http.SetCookie(w, &http.Cookie{
		Name: "AtmoAuthToken_" + s.tenant, Value: sess.token, Path: "/",
		Expires: sess.expires, MaxAge: maxAge, HttpOnly: true, Secure: true,
	})
	if sess.csrf != "" {
		// Not HttpOnly: the portal's script copies it into the header.
		http.SetCookie(w, &http.Cookie{
			Name: "Csrf-Token_" + s.tenant, Value: sess.csrf, Path: "/",
			Expires: sess.expires, MaxAge: maxAge, Secure: true,
		})
	}
}
