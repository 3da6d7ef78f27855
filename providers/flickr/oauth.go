package flickr

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

// signer signs requests with OAuth 1.0a HMAC-SHA1 (RFC 5849 §3.4), the only
// method Flickr supports.
type signer struct {
	consumerKey, consumerSecret string
	token, tokenSecret          string
}

func (c *Client) signer(token, tokenSecret string) signer {
	return signer{consumerKey: c.consumerKey, consumerSecret: c.consumerSec, token: token, tokenSecret: tokenSecret}
}

// sign adds the oauth_* protocol parameters and the signature to params,
// which already hold every other parameter of the request (query and form
// body alike). Sending them as parameters rather than in an Authorization
// header is what Flickr documents.
func (s signer) sign(httpMethod, endpoint string, params url.Values, nonce string, timestamp int64) {
	params.Set("oauth_consumer_key", s.consumerKey)
	params.Set("oauth_nonce", nonce)
	params.Set("oauth_signature_method", "HMAC-SHA1")
	params.Set("oauth_timestamp", strconv.FormatInt(timestamp, 10))
	params.Set("oauth_version", "1.0")
	if s.token != "" {
		params.Set("oauth_token", s.token)
	}
	params.Del("oauth_signature")
	params.Set("oauth_signature", s.signature(baseString(httpMethod, endpoint, params)))
}

// signature is base64(HMAC-SHA1(key, base)) with key
// encode(consumer secret) & encode(token secret) (RFC 5849 §3.4.2).
func (s signer) signature(base string) string {
	mac := hmac.New(sha1.New, []byte(percentEncode(s.consumerSecret)+"&"+percentEncode(s.tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// baseString is the signature base string of RFC 5849 §3.4.1: the method,
// the base string URI and the normalized parameters, each percent-encoded
// and joined by "&". oauth_signature itself is excluded.
func baseString(httpMethod, endpoint string, params url.Values) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	for k, vs := range params {
		if k == "oauth_signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var norm strings.Builder
	for i, p := range pairs {
		if i > 0 {
			norm.WriteByte('&')
		}
		norm.WriteString(p.k)
		norm.WriteByte('=')
		norm.WriteString(p.v)
	}
	return strings.ToUpper(httpMethod) + "&" + percentEncode(baseURI(endpoint)) + "&" + percentEncode(norm.String())
}

// baseURI is the base string URI of RFC 5849 §3.4.1.2: lower-case scheme
// and host, the port only when it is not the scheme's default, the path,
// no query or fragment.
func baseURI(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// percentEncode encodes s per RFC 3986 as RFC 5849 §3.6 requires: every
// byte but the unreserved characters ALPHA, DIGIT, "-", ".", "_", "~"
// becomes %XX with upper-case hex.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// RequestToken is a temporary credential from the first leg of the OAuth
// flow. Keep the secret until the user comes back with a verifier.
type RequestToken struct {
	Token  string
	Secret string
	// CallbackConfirmed is Flickr's oauth_callback_confirmed: the callback
	// was accepted (OAuth 1.0a).
	CallbackConfirmed bool
}

// String redacts the token so that %v cannot leak it.
func (RequestToken) String() string { return "flickr.RequestToken{redacted}" }

// AccessToken is the result of the OAuth flow: the account's credentials
// and who they belong to.
type AccessToken struct {
	Token    string
	Secret   string
	UserNSID string
	Username string
	Fullname string
}

// String names the user and redacts the credentials.
func (t AccessToken) String() string {
	return "flickr.AccessToken{user " + t.UserNSID + ", credentials redacted}"
}

// Account returns the linked account the token stands for, to be stored with
// groupgraph's own link id.
func (t AccessToken) Account(id string) providers.Account {
	name := t.Fullname
	if name == "" {
		name = t.Username
	}
	return providers.Account{
		ID:          id,
		Provider:    providers.Flickr,
		UserID:      t.UserNSID,
		DisplayName: name,
		Credentials: providers.Credentials{Token: t.Token, Secret: t.Secret},
	}
}

// Perms are the permission levels a user can grant (providers.md §1.2).
// Leaving a group needs PermsDelete.
const (
	PermsRead   = "read"
	PermsWrite  = "write"
	PermsDelete = "delete"
)

// RequestToken starts account linking: it asks Flickr for a request token
// that will send the user back to callbackURL ("oob" to show the verifier
// instead).
//
// Flickr docs: https://www.flickr.com/services/api/auth.oauth.html
func (c *Client) RequestToken(ctx context.Context, callbackURL string) (RequestToken, error) {
	params := url.Values{"oauth_callback": {callbackURL}}
	q, err := c.oauthCall(ctx, "request_token", params, signer{consumerKey: c.consumerKey, consumerSecret: c.consumerSec})
	if err != nil {
		return RequestToken{}, err
	}
	rt := RequestToken{Token: q.Get("oauth_token"), Secret: q.Get("oauth_token_secret"), CallbackConfirmed: q.Get("oauth_callback_confirmed") == "true"}
	if rt.Token == "" {
		return RequestToken{}, classified("oauth/request_token", providers.ErrUnavailable, &APIError{Method: "oauth/request_token", Message: "response without oauth_token"})
	}
	return rt, nil
}

// AuthorizeURL is where to send the user to grant perms (PermsDelete, which
// leaving groups needs, when empty) for the request token. The URL is not
// signed.
func (c *Client) AuthorizeURL(requestToken, perms string) string {
	if perms == "" {
		perms = PermsDelete
	}
	return c.oauthURL + "/authorize?" + url.Values{"oauth_token": {requestToken}, "perms": {perms}}.Encode()
}

// AccessToken finishes account linking: it exchanges the authorized request
// token and the verifier the user came back with for the account's access
// token.
func (c *Client) AccessToken(ctx context.Context, rt RequestToken, verifier string) (AccessToken, error) {
	params := url.Values{"oauth_verifier": {verifier}}
	q, err := c.oauthCall(ctx, "access_token", params, c.signer(rt.Token, rt.Secret))
	if err != nil {
		return AccessToken{}, err
	}
	at := AccessToken{
		Token:    q.Get("oauth_token"),
		Secret:   q.Get("oauth_token_secret"),
		UserNSID: q.Get("user_nsid"),
		Username: q.Get("username"),
		Fullname: q.Get("fullname"),
	}
	if at.Token == "" || at.UserNSID == "" {
		return AccessToken{}, classified("oauth/access_token", providers.ErrUnavailable, &APIError{Method: "oauth/access_token", Message: "response without oauth_token or user_nsid"})
	}
	return at, nil
}

// oauthCall calls an OAuth endpoint with GET and returns its form-encoded
// answer.
func (c *Client) oauthCall(ctx context.Context, endpoint string, params url.Values, s signer) (url.Values, error) {
	op := "oauth/" + endpoint
	u := c.oauthURL + "/" + endpoint
	s.sign(http.MethodGet, u, params, c.nonce(), c.now().Unix())
	body, status, wait, err := c.send(ctx, http.MethodGet, u, params)
	if err != nil {
		return nil, c.wrapSendError(op, op, err)
	}
	if p := oauthProblem(body); p != "" {
		return nil, classified(op, oauthProblemKind(p), &APIError{Method: op, OAuthProblem: p, StatusCode: status})
	}
	if status != http.StatusOK {
		return nil, classified(op, statusKind(status), &APIError{Method: op, StatusCode: status, Wait: wait})
	}
	q, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil {
		return nil, classified(op, providers.ErrUnavailable, &APIError{Method: op, StatusCode: status, Message: "response is not form-encoded"})
	}
	return q, nil
}
