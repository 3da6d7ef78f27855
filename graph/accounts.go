package graph

import (
	"context"

	"github.com/groupgraph/groupgraph/graph/model"
	"github.com/groupgraph/groupgraph/providers"
)

// Accounts is what the GraphQL layer needs of the linked-account vault. It
// keeps graph free of the store: the server injects an implementation.
type Accounts interface {
	// Linked describes the viewer's linked accounts, with their status and
	// link time, in providers.Kinds order.
	Linked(ctx context.Context, v *providers.Viewer) ([]providers.AccountInfo, error)
	// Unlink removes the viewer's account with the given groupgraph ID. An
	// account that does not exist or is not the viewer's is an error
	// wrapping providers.ErrNotFound.
	Unlink(ctx context.Context, v *providers.Viewer, accountID string) error
	// LinkAkana logs in to Akana with the credentials and links the
	// resulting session to the viewer. The password is used once and kept
	// nowhere.
	LinkAkana(ctx context.Context, v *providers.Viewer, email, password string) (providers.AccountInfo, error)
}

// typeLinkedAccount is the global ID type of a LinkedAccount.
const typeLinkedAccount = "LinkedAccount"

func linkedAccountModel(a providers.AccountInfo) *model.LinkedAccount {
	status := model.AccountStatusActive
	if a.NeedsRelink {
		status = model.AccountStatusNeedsRelink
	}
	out := &model.LinkedAccount{
		ID:       encodeID(a.Provider, typeLinkedAccount, a.ID),
		Provider: a.Provider,
		User:     userView(&providers.User{Provider: a.Provider, ID: a.UserID, Name: a.DisplayName}),
		Status:   status,
	}
	if !a.LinkedAt.IsZero() {
		t := a.LinkedAt.UTC()
		out.LinkedAt = &t
	}
	return out
}

// viewerAccounts lists the viewer's linked accounts: from the vault when the
// server has one, otherwise from the viewer itself (static development
// viewers), all ACTIVE.
func (r *Resolver) viewerAccounts(ctx context.Context, v *providers.Viewer) ([]*model.LinkedAccount, error) {
	if r.Accounts == nil {
		return linkedAccounts(v), nil
	}
	infos, err := r.Accounts.Linked(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make([]*model.LinkedAccount, 0, len(infos))
	for _, a := range infos {
		out = append(out, linkedAccountModel(a))
	}
	return out, nil
}

var errNoVault = userError(codeNotSupported, "this server keeps no linked accounts (no store is configured)")

// linkAkanaAccount links the viewer's Akana account.
func (r *Resolver) linkAkanaAccount(ctx context.Context, in model.LinkAkanaAccountInput) (*model.LinkAccountPayload, error) {
	v, err := viewerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.Accounts == nil {
		return nil, errNoVault
	}
	a, err := r.Accounts.LinkAkana(ctx, v, in.Email, in.Password)
	if err != nil {
		if providers.KindOf(err) != nil {
			return nil, &providers.ProviderError{Provider: providers.Akana, Err: err}
		}
		return nil, err
	}
	return &model.LinkAccountPayload{ClientMutationID: in.ClientMutationID, Account: linkedAccountModel(a)}, nil
}

// unlinkAccount removes one of the viewer's linked accounts.
func (r *Resolver) unlinkAccount(ctx context.Context, in model.UnlinkAccountInput) (*model.UnlinkAccountPayload, error) {
	v, err := viewerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if r.Accounts == nil {
		return nil, errNoVault
	}
	id, err := decodeID(in.AccountID)
	if err != nil {
		return nil, err
	}
	if id.Type != typeLinkedAccount {
		return nil, userError(codeBadUserInput, "accountId names a "+id.Type+", not a LinkedAccount")
	}
	if err := r.Accounts.Unlink(ctx, v, id.Native); err != nil {
		if providers.KindOf(err) == providers.ErrNotFound {
			return nil, userError(codeNotFound, "no such linked account")
		}
		return nil, err
	}
	return &model.UnlinkAccountPayload{ClientMutationID: in.ClientMutationID, UnlinkedAccountID: in.AccountID, Provider: id.Provider}, nil
}
