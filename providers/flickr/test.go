package flickr

import (
	"context"
	"net/http"

	"github.com/groupgraph/groupgraph/providers"
)

// Flickr method names.
const (
	methodTestLogin = "flickr.test.login"
	methodGetGroups = "flickr.people.getGroups"
	methodGetInfo   = "flickr.groups.getInfo"
	methodLeave     = "flickr.groups.leave"
)

type testLoginResponse struct {
	User struct {
		ID       flexString `json:"id"`
		Username flexString `json:"username"`
	} `json:"user"`
}

// Whoami returns the user acct's token belongs to, with flickr.test.login
// (read permission). The user's name is the account's display name when
// the link recorded one (test.login only returns the username).
//
// Flickr docs: https://www.flickr.com/services/api/flickr.test.login.html
func (c *Client) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	var r testLoginResponse
	if err := c.call(ctx, http.MethodGet, methodTestLogin, acct, nil, &r); err != nil {
		return providers.User{}, err
	}
	if r.User.ID == "" {
		return providers.User{}, classified(opName(methodTestLogin), providers.ErrUnavailable,
			&APIError{Method: methodTestLogin, Message: "response without a user id", StatusCode: http.StatusOK})
	}
	name := acct.DisplayName
	if name == "" || acct.UserID != string(r.User.ID) {
		name = plainName(r.User.Username)
	}
	return providers.User{
		Provider:   providers.Flickr,
		ID:         string(r.User.ID),
		Username:   plainName(r.User.Username),
		Name:       name,
		ProfileURL: "https://www.flickr.com/photos/" + string(r.User.ID) + "/",
	}, nil
}
