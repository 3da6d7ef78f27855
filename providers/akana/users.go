package akana

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/groupgraph/groupgraph/providers"
)

// Whoami returns the account's Akana user (GET /api/users/{UserID}). The
// platform answers only for the session's own user (or a site admin), so a
// success also proves the session belongs to acct.UserID.
//
//meta:operation GET /api/users/{UserID}
func (c *Client) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	const op = "users.get"
	if !validID(acct.UserID) {
		return providers.User{}, fmt.Errorf("akana %s: %w: the account has no user id", op, providers.ErrInvalid)
	}
	var u userDetails
	err := c.getJSON(ctx, acct, op, "users/"+url.PathEscape(acct.UserID), func(b []byte) error {
		return json.Unmarshal(b, &u)
	})
	if err != nil {
		return providers.User{}, err
	}
	id := u.UserID
	if id == "" {
		id = acct.UserID
	}
	user := providers.User{Provider: providers.Akana, ID: id, Username: u.UserName, Name: u.Name}
	if p := c.resolve(u.AvatarURL); p != nil {
		user.AvatarURL = *p
	}
	if user.Name == "" {
		user.Name = acct.DisplayName
	}
	return user, nil
}

// Memberships lists the account's groups (GET /api/users/{UserID}/groups),
// an RSS channel whose items carry the group in title, description, guid
// and Image, and the membership in categories selected by domain. Items
// whose resource type is present and not "group" are skipped, as the
// platform's own portal does; unknown roles, states and visibilities are
// kept raw and never an error.
//
//meta:operation GET /api/users/{UserID}/groups
func (c *Client) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	const op = "users.groups"
	if !validID(acct.UserID) {
		return nil, fmt.Errorf("akana %s: %w: the account has no user id", op, providers.ErrInvalid)
	}
	var ch *channel
	err := c.getJSON(ctx, acct, op, "users/"+url.PathEscape(acct.UserID)+"/groups", func(b []byte) error {
		var err error
		ch, err = decodeChannel(b)
		if err != nil {
			return err
		}
		if ch.FaultCode != "" || ch.FaultString != "" {
			// A fault in a 200 is still a failure the platform reported.
			return &APIError{Status: 200, FaultCode: sanitize(ch.FaultCode, nil), FaultString: sanitize(ch.FaultString, nil)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.memberships(acct.UserID, ch), nil
}

// memberships converts a decoded groups feed.
func (c *Client) memberships(userID string, ch *channel) []providers.Membership {
	out := make([]providers.Membership, 0, len(ch.Channel.Items))
	for _, it := range ch.Channel.Items {
		m, ok := c.membership(userID, it)
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// membership converts one feed item; ok is false for an item that is not a
// group or has no id.
func (c *Client) membership(userID string, it item) (providers.Membership, bool) {
	id := strings.TrimSpace(it.GUID.Value)
	if id == "" {
		return providers.Membership{}, false
	}
	cats := indexCategories(it.Category)
	resType, _ := cats.get(DomainResourceType)
	if resType = strings.TrimSpace(resType); resType != "" && !strings.EqualFold(resType, "group") {
		// Another kind of resource; a blank type is unknown, and the
		// groups feed lists groups.
		return providers.Membership{}, false
	}
	visName, _ := cats.get(DomainVisibility)
	roleRaw, _ := cats.get(DomainRole)
	stateRaw, _ := cats.get(DomainStatus)

	g := providers.Group{
		Provider:   providers.Akana,
		ID:         id,
		Name:       strings.TrimSpace(it.Title),
		Visibility: Visibility(visName),
		URL:        c.resolve(it.Image.Link),
		IconURL:    c.resolve(it.Image.URL),
		Details: &providers.AkanaDetails{
			ResourceType:   resType,
			VisibilityName: visName,
			Categories:     cats.all,
			AvatarURL:      it.Image.URL,
			DetailsLink:    it.Image.Link,
		},
	}
	if g.Name == "" {
		g.Name = id
	}
	if d := strings.TrimSpace(it.Description); d != "" {
		g.Description = &d
	}
	role, status := Role(roleRaw), Status(stateRaw)
	return providers.Membership{
		Provider:       providers.Akana,
		UserID:         userID,
		Group:          g,
		Role:           role,
		ProviderRole:   roleRaw,
		Status:         status,
		ProviderStatus: stateRaw,
		Leavable:       leavable(role) && status != providers.StatusRemoved,
	}, true
}
