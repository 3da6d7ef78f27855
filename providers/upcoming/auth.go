package upcoming

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

// Token is an Upcoming authorization: the token, which authenticated methods
// take as a plain parameter (there is no request signing), and the user it
// acts for. Credentials redacts itself when printed, so a Token can be
// logged.
type Token struct {
	// Credentials.Token is the token; the other fields are unused.
	Credentials providers.Credentials
	// User is the token's owner. Username is the login ("getluky") and Name
	// the display name ("Gordon Luk").
	User providers.User
}

// Account is the linked account for t, ready for the store to add its own ID
// and persist.
func (t Token) Account() providers.Account {
	return providers.Account{
		Provider:    providers.Upcoming,
		UserID:      t.User.ID,
		DisplayName: t.User.Name,
		Credentials: t.Credentials,
	}
}

// GetToken exchanges a frob for a token: the last step of the frob flow.
// The user approves the application on the platform, which redirects to the
// application's callback with a frob (or shows the frob to paste when no
// callback is registered); the linking flow then calls GetToken with it.
// A frob that is unknown, expired or issued to another api_key is
// ErrUnauthenticated: the user has to approve again.
//
// Upcoming API docs: http://upcoming.yahoo.com/services/api/token_auth.php
//
//meta:operation GET auth.getToken
func (c *Client) GetToken(ctx context.Context, frob string) (Token, error) {
	const op = "upcoming auth.getToken"
	if strings.TrimSpace(frob) == "" {
		return Token{}, fmt.Errorf("%s: %w: empty frob", op, providers.ErrInvalid)
	}
	env, err := c.do(ctx, http.MethodGet, "auth.getToken", url.Values{"frob": {frob}})
	if err != nil {
		return Token{}, err
	}
	return c.readToken(op, env, "")
}

// CheckToken returns the authorization a saved token stands for; the
// platform recommends calling it before using a stored token. A token that
// is unknown, expired or revoked is ErrUnauthenticated.
//
// Upcoming API docs: http://upcoming.yahoo.com/services/api/token_auth.php
//
//meta:operation GET auth.checkToken
func (c *Client) CheckToken(ctx context.Context, tok string) (Token, error) {
	const op = "upcoming auth.checkToken"
	if tok == "" {
		return Token{}, fmt.Errorf("%s: %w: the account has no token", op, providers.ErrUnauthenticated)
	}
	env, err := c.do(ctx, http.MethodGet, "auth.checkToken", url.Values{"token": {tok}})
	if err != nil {
		return Token{}, err
	}
	return c.readToken(op, env, tok)
}

// Whoami returns the user the account's token belongs to (auth.checkToken).
func (c *Client) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	tok, err := token("upcoming auth.checkToken", acct)
	if err != nil {
		return providers.User{}, err
	}
	t, err := c.CheckToken(ctx, tok)
	if err != nil {
		return providers.User{}, err
	}
	return t.User, nil
}

// readToken reads the <token/> element of auth.getToken and auth.checkToken.
//
// The documentation's XML example has user_username="getluky"
// user_name="Gordon Luk", and its JSON example swaps the two. The client
// follows the XML, where each attribute's name matches its meaning, in both
// formats: user_username is the login and user_name the display name; the
// simulator sends them that way. A server that really swaps them in JSON
// shows the login as the name, which is cosmetic: the user id, which is what
// identifies the account, is unaffected.
//
// auth.checkToken echoes the token; auth.getToken is where it comes from.
// When checking, the token asked about is kept (sent says which): a server
// that echoes nothing still proves the token by answering ok.
func (c *Client) readToken(op string, env *envelope, sent string) (Token, error) {
	if len(env.Tokens) == 0 {
		return Token{}, c.fail(op, strings.TrimPrefix(op, "upcoming "), providers.ErrUnavailable, http.StatusOK, "no token element in response", "", nil)
	}
	el := env.Tokens[0]
	tok := el["token"]
	if sent != "" {
		tok = sent
	}
	id, ok := parseInt(el["user_id"])
	if tok == "" || !ok || id <= 0 {
		return Token{}, c.fail(op, strings.TrimPrefix(op, "upcoming "), providers.ErrUnavailable, http.StatusOK, "token element without token or user_id", "", nil)
	}
	userID := fmt.Sprint(id)
	return Token{
		Credentials: providers.Credentials{Token: tok},
		User: providers.User{
			Provider:   providers.Upcoming,
			ID:         userID,
			Username:   el["user_username"],
			Name:       el["user_name"],
			ProfileURL: c.site + "user/" + userID + "/",
		},
	}, nil
}
