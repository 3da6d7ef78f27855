package pageseeder

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/groupgraph/groupgraph/providers"
)

// detailConcurrency bounds the GET /groups/{group} calls one GroupsByID
// makes at once: PageSeeder has no batch endpoint, and a customer's server is
// not sized for bursts.
const detailConcurrency = 4

// GroupsByID loads the extended representation of each group, one call per
// distinct ID. Unknown and malformed IDs, and groups the member may not see,
// are absent from the map.
//
// PageSeeder API docs: https://dev.pageseeder.com/api/web_services/services/get-group-GET.html
//
//meta:operation GET /groups/{group}
func (c *Client) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	out := map[string]*providers.Group{}
	seen := map[string]bool{}
	var todo []string
	for _, id := range ids {
		if seen[id] || !numericID(id) {
			continue
		}
		seen[id] = true
		todo = append(todo, id)
	}
	if len(todo) == 0 {
		return out, nil
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]error{}
		sem    = make(chan struct{}, detailConcurrency)
	)
	for _, id := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				mu.Lock()
				failed[id] = providers.TransportError(svcGroup.op(), ctx.Err())
				mu.Unlock()
				return
			}
			g, err := c.group(ctx, acct, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, providers.ErrNotFound), errors.Is(err, providers.ErrForbidden):
				// Absent: the group does not exist, or the member may not
				// see it, which the contract treats alike.
			case err != nil:
				failed[id] = err
			default:
				out[id] = g
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		return out, &providers.BatchError{Failed: failed}
	}
	return out, nil
}

// group loads one group's details.
func (c *Client) group(ctx context.Context, acct providers.Account, id string) (*providers.Group, error) {
	var doc wireGroupDoc
	if err := c.call(ctx, acct, svcGroup, http.MethodGet, pathf("/groups/%s", id), nil, &doc); err != nil {
		return nil, err
	}
	wg := doc.group()
	if wg.ID == "" || wg.Name == "" {
		return nil, fmt.Errorf("%s: %w: %w", svcGroup.op(), providers.ErrUnavailable, &APIError{Service: string(svcGroup), Status: http.StatusOK, Message: "the answer names no group"})
	}
	g := wg.toGroup(true)
	return &g, nil
}

// VisibleGroups lists the groups the account's member can see but has not
// joined: those whose "visible to" setting is public or names a group the
// member belongs to. They come in PageSeeder's extended representation, the
// same as GroupsByID's, so they are Complete.
//
// PageSeeder API docs: https://dev.pageseeder.com/api/web_services/services/list-visible-groups-GET.html
//
//meta:operation GET /members/{member}/visiblegroups
func (c *Client) VisibleGroups(ctx context.Context, acct providers.Account) ([]providers.Group, error) {
	if acct.UserID == "" {
		return nil, fmt.Errorf("%s: %w: the account has no member id", svcVisibleGroups.op(), providers.ErrInvalid)
	}
	var doc wireVisibleGroups
	if err := c.call(ctx, acct, svcVisibleGroups, http.MethodGet, pathf("/members/%s/visiblegroups", acct.UserID), nil, &doc); err != nil {
		return nil, err
	}
	out := make([]providers.Group, 0, len(doc.Groups))
	for _, g := range doc.Groups {
		if g.ID == "" || g.Name == "" {
			continue // nothing a caller could address
		}
		out = append(out, g.toGroup(true))
	}
	return out, nil
}
