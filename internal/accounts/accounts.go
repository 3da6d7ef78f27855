// Package accounts connects the platform clients and the GraphQL layer to
// the store's credential vault: a Provider decorator that keeps each linked
// account's status current and audits every leave, and the Service behind
// viewer.accounts, linkAkanaAccount and unlinkAccount.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/providers"
)

// writeTimeout bounds the store writes a provider call triggers; they run
// even when the request that caused them was cancelled, so that an audit
// entry is not lost to an impatient client.
const writeTimeout = 5 * time.Second

// Decorate wraps p so that:
//   - a call the platform answers with ErrUnauthenticated marks the account
//     NEEDS_RELINK, and a later success marks it ACTIVE again;
//   - every LeaveGroup outcome is appended to the store's audit log; a
//     viewer the store does not hold (a static viewer of the configuration
//     file, which has no row to refer to) is audited in the log instead, at
//     info level.
//
// What the account's status is, the decorator learns from statuses, which
// holds it in memory: a call writes to the store only when the status
// changes, and never waits to read it. statuses is shared by every
// platform's decorator and the Service (nil: one of its own). Store failures
// are logged (never with a credential) and do not change the call's result.
func Decorate(p providers.Provider, s store.Store, statuses *Statuses, logger *slog.Logger) providers.Provider {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if statuses == nil {
		statuses = NewStatuses(s, StatusOptions{Logger: logger})
	}
	return &provider{Provider: p, store: s, statuses: statuses, logger: logger}
}

// provider is the decorator; see Decorate.
type provider struct {
	providers.Provider
	store    store.Store
	statuses *Statuses
	logger   *slog.Logger
}

// Whoami implements providers.Provider.
func (p *provider) Whoami(ctx context.Context, acct providers.Account) (providers.User, error) {
	u, err := p.Provider.Whoami(ctx, acct)
	p.observe(ctx, acct, err)
	return u, err
}

// Memberships implements providers.Provider.
func (p *provider) Memberships(ctx context.Context, acct providers.Account) ([]providers.Membership, error) {
	ms, err := p.Provider.Memberships(ctx, acct)
	p.observe(ctx, acct, err)
	return ms, err
}

// GroupsByID implements providers.Provider.
func (p *provider) GroupsByID(ctx context.Context, acct providers.Account, ids []string) (map[string]*providers.Group, error) {
	gs, err := p.Provider.GroupsByID(ctx, acct, ids)
	p.observe(ctx, acct, err)
	return gs, err
}

// VisibleGroups implements providers.Provider.
func (p *provider) VisibleGroups(ctx context.Context, acct providers.Account) ([]providers.Group, error) {
	gs, err := p.Provider.VisibleGroups(ctx, acct)
	if !errors.Is(err, providers.ErrUnsupported) {
		p.observe(ctx, acct, err)
	}
	return gs, err
}

// LeaveGroup implements providers.Provider, and audits the outcome.
func (p *provider) LeaveGroup(ctx context.Context, acct providers.Account, groupID string, opts providers.LeaveOptions) (providers.LeaveResult, error) {
	res, err := p.Provider.LeaveGroup(ctx, acct, groupID, opts)
	p.observe(ctx, acct, err)
	viewerID := ""
	if v := providers.ViewerFromContext(ctx); v != nil {
		viewerID = v.ID
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	_, aerr := p.store.AppendAudit(wctx, store.AuditEntry{
		ViewerID: viewerID, Provider: p.Kind(), GroupID: groupID, Outcome: Outcome(err),
	})
	switch {
	case errors.Is(aerr, store.ErrNotFound):
		p.logger.InfoContext(ctx, "audit: leave", "viewer", viewerID, "provider", p.Kind(), "group", groupID,
			"outcome", Outcome(err), "reason", "the viewer is not in the store")
	case aerr != nil:
		p.logger.ErrorContext(ctx, "audit: recording a leave failed", "provider", p.Kind(), "group", groupID, "error", aerr)
	}
	return res, err
}

// Outcome is the audit log's word for a leave's result: "OK", or the code a
// GraphQL client saw (the leaveGroup payload's error code for expected
// refusals, the error catalogue's code otherwise).
func Outcome(err error) string {
	if err == nil {
		return "OK"
	}
	switch providers.KindOf(err) {
	case providers.ErrNotMember:
		return "NOT_A_MEMBER"
	case providers.ErrNotFound:
		return "GROUP_NOT_FOUND"
	case providers.ErrForbidden, providers.ErrNotLinked:
		return "NOT_PERMITTED"
	case providers.ErrUnsupported:
		return "NOT_SUPPORTED"
	case providers.ErrInherited:
		return "INHERITED_MEMBERSHIP"
	case providers.ErrUnauthenticated:
		return "PROVIDER_AUTH_FAILED"
	case providers.ErrRateLimited:
		return "PROVIDER_RATE_LIMITED"
	case providers.ErrUnavailable:
		return "PROVIDER_UNAVAILABLE"
	case providers.ErrTimeout:
		return "PROVIDER_TIMEOUT"
	case providers.ErrInvalid:
		return "BAD_USER_INPUT"
	}
	return "INTERNAL"
}

// observe updates the account's status from a call's result: rejected
// credentials mean NEEDS_RELINK, a success means they work. Only a change
// is written; an account whose status is not known (one whose viewer's
// statuses are still being read) is not marked ACTIVE. An account the store
// does not hold (a static viewer's) keeps its status in memory only.
func (p *provider) observe(ctx context.Context, acct providers.Account, err error) {
	v := providers.ViewerFromContext(ctx)
	if acct.ID == "" || v == nil || v.ID == "" {
		return
	}
	var want store.AccountStatus
	switch {
	case err == nil:
		want = store.StatusActive
	case errors.Is(err, providers.ErrUnauthenticated):
		want = store.StatusNeedsRelink
	default:
		return // says nothing about the credentials
	}
	st, known := p.statuses.Status(ctx, v.ID, acct.ID)
	if st == want || (!known && want == store.StatusActive) {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	err = p.store.SetAccountStatus(wctx, acct.ID, want)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A static account, or unlinked meanwhile: held in memory only.
	case err != nil:
		p.logger.ErrorContext(ctx, "accounts: recording the account status failed", "provider", p.Kind(), "account", acct.ID, "error", err)
		return
	}
	if want == store.StatusNeedsRelink {
		p.logger.WarnContext(ctx, "accounts: the platform rejected the credentials; the account needs relinking", "provider", p.Kind(), "account", acct.ID)
	}
	p.statuses.Set(v.ID, acct.ID, want)
}

// AkanaLogin logs in to Akana with a user's email and password and returns
// the linked account the session stands for (without a groupgraph ID).
type AkanaLogin func(ctx context.Context, email, password string) (providers.Account, error)

// Service keeps a viewer's linked accounts over the store; it is what the
// GraphQL layer's Accounts interface is wired to.
type Service struct {
	store      store.Store
	akanaLogin AkanaLogin
	logger     *slog.Logger
	statuses   *Statuses
	static     map[string]bool // IDs of the configuration file's viewers
}

// NewService returns the vault service. akanaLogin may be nil when Akana is
// not configured; linkAkanaAccount then answers NOT_SUPPORTED.
func NewService(s store.Store, akanaLogin AkanaLogin, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: s, akanaLogin: akanaLogin, logger: logger}
}

// WithStatuses returns the service telling statuses of every link and
// unlink, so that the decorators sharing it see the change at once.
func (s *Service) WithStatuses(statuses *Statuses) *Service {
	c := *s
	c.statuses = statuses
	return &c
}

// WithStaticViewers returns the service knowing the IDs of the viewers of
// the configuration file, which the store does not hold: their accounts are
// described without asking the store, so that they work while it is down.
func (s *Service) WithStaticViewers(ids ...string) *Service {
	c := *s
	c.static = make(map[string]bool, len(ids))
	for _, id := range ids {
		c.static[id] = true
	}
	return &c
}

// forget drops the viewer's held statuses after a change to its accounts.
func (s *Service) forget(viewerID string) {
	if s.statuses != nil {
		s.statuses.Forget(viewerID)
	}
}

// Linked lists the viewer's linked accounts. A viewer the store does not know (a
// static development viewer) is described from its own accounts.
func (s *Service) Linked(ctx context.Context, v *providers.Viewer) ([]providers.AccountInfo, error) {
	if s.static[v.ID] {
		return s.describe(ctx, v), nil
	}
	if _, err := s.store.ViewerByID(ctx, v.ID); errors.Is(err, store.ErrNotFound) {
		return s.describe(ctx, v), nil
	} else if err != nil {
		return nil, err
	}
	las, err := s.store.LinkedAccounts(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	out := make([]providers.AccountInfo, 0, len(las))
	for _, la := range las {
		out = append(out, info(la))
	}
	return out, nil
}

// describe lists a viewer's accounts from the viewer itself, with the
// statuses held in memory for them.
func (s *Service) describe(ctx context.Context, v *providers.Viewer) []providers.AccountInfo {
	out := make([]providers.AccountInfo, 0, len(v.Accounts))
	for _, a := range v.Accounts {
		info := providers.AccountInfo{ID: a.ID, Provider: a.Provider, UserID: a.UserID, DisplayName: a.DisplayName}
		if s.statuses != nil {
			st, known := s.statuses.Status(ctx, v.ID, a.ID)
			info.NeedsRelink = known && st == store.StatusNeedsRelink
		}
		out = append(out, info)
	}
	return out
}

func info(la store.LinkedAccount) providers.AccountInfo {
	return providers.AccountInfo{
		ID: la.ID, Provider: la.Provider, UserID: la.UserID, DisplayName: la.DisplayName,
		NeedsRelink: la.Status == store.StatusNeedsRelink, LinkedAt: la.LinkedAt,
	}
}

// Unlink removes one of the viewer's linked accounts.
func (s *Service) Unlink(ctx context.Context, v *providers.Viewer, accountID string) error {
	err := s.store.DeleteAccount(ctx, v.ID, accountID)
	s.forget(v.ID)
	if err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "account unlinked", "viewer", v.ID, "account", accountID)
	return nil
}

// LinkAkana logs in, and stores only the
// session the login returned.
func (s *Service) LinkAkana(ctx context.Context, v *providers.Viewer, email, password string) (providers.AccountInfo, error) {
	if s.akanaLogin == nil {
		return providers.AccountInfo{}, fmt.Errorf("%w: Akana is not configured on this server", providers.ErrUnsupported)
	}
	acct, err := s.akanaLogin(ctx, email, password)
	if err != nil {
		return providers.AccountInfo{}, err
	}
	return s.Link(ctx, v.ID, acct)
}

// Link stores acct as the viewer's account on its platform, replacing an
// earlier link there, and describes the stored link. The linking endpoints
// use it too.
func (s *Service) Link(ctx context.Context, viewerID string, acct providers.Account) (providers.AccountInfo, error) {
	stored, err := s.store.UpsertAccount(ctx, viewerID, acct)
	s.forget(viewerID) // even on failure: the write may have landed
	if err != nil {
		return providers.AccountInfo{}, fmt.Errorf("storing the %s account: %w", acct.Provider, err)
	}
	las, err := s.store.LinkedAccounts(ctx, viewerID)
	if err != nil {
		return providers.AccountInfo{}, err
	}
	for _, la := range las {
		if la.ID == stored.ID {
			s.logger.InfoContext(ctx, "account linked", "viewer", viewerID, "provider", acct.Provider, "account", stored.ID)
			return info(la), nil
		}
	}
	return providers.AccountInfo{}, fmt.Errorf("%w: the linked account vanished", store.ErrNotFound)
}
