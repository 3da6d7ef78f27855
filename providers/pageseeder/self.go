package pageseeder

import (
	"context"
	"fmt"
	"net/http"

	"github.com/groupgraph/groupgraph/providers"
)

// Whoami returns the member the account's token belongs to.
//
// PageSeeder API docs: https://dev.pageseeder.com/api/web_services/services/self-GET.html
//
//meta:operation GET /self
func (c *Client) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	var s wireSelf
	if err := c.call(ctx, acct, svcSelf, http.MethodGet, "/self", nil, &s); err != nil {
		return providers.User{}, err
	}
	m := s.member()
	if m.ID == "" {
		return providers.User{}, fmt.Errorf("%s: %w: %w", svcSelf.op(), providers.ErrUnavailable, &APIError{Service: string(svcSelf), Status: http.StatusOK, Message: "the answer names no member"})
	}
	return m.toUser(), nil
}
