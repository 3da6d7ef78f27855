package accounts_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/groupgraph/groupgraph/internal/accounts"
	"github.com/groupgraph/groupgraph/internal/store"
	"github.com/groupgraph/groupgraph/internal/store/storetest"
	"github.com/groupgraph/groupgraph/providers"
)

// fake is a provider whose answers the test sets.
type fake struct {
	providers.Provider
	err error
}

func (f *fake) Kind() providers.Kind { return providers.Flickr }

func (f *fake) Memberships(context.Context, providers.Account) ([]providers.Membership, error) {
	return nil, f.err
}

func (f *fake) LeaveGroup(context.Context, providers.Account, string, providers.LeaveOptions) (providers.LeaveResult, error) {
	return providers.LeaveResult{}, f.err
}

func TestDecorate(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{Keyring: storetest.Keyring(t, "k1")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := st.CreateViewer(ctx, "alice")
	acct, err := st.UpsertAccount(ctx, v.ID, providers.Account{Provider: providers.Flickr, UserID: "1@N00", Credentials: providers.Credentials{Token: "t", Secret: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx = providers.NewContextWithViewer(ctx, &providers.Viewer{ID: v.ID, Accounts: []providers.Account{acct}})
	f := &fake{}
	p := accounts.Decorate(f, st, nil, nil)
	status := func() store.AccountStatus {
		las, err := st.LinkedAccounts(ctx, v.ID)
		if err != nil || len(las) != 1 {
			t.Fatalf("linked accounts: %v %v", las, err)
		}
		return las[0].Status
	}

	t.Run("rejected credentials mark the account NEEDS_RELINK", func(t *testing.T) {
		f.err = fmt.Errorf("flickr: %w", providers.ErrUnauthenticated)
		_, _ = p.Memberships(ctx, acct)
		if got := status(); got != store.StatusNeedsRelink {
			t.Errorf("status = %s", got)
		}
	})
	t.Run("a failure that says nothing about the credentials changes nothing", func(t *testing.T) {
		f.err = fmt.Errorf("flickr: %w", providers.ErrUnavailable)
		_, _ = p.Memberships(ctx, acct)
		if got := status(); got != store.StatusNeedsRelink {
			t.Errorf("status = %s", got)
		}
	})
	t.Run("a later success marks it ACTIVE again", func(t *testing.T) {
		f.err = nil
		_, _ = p.Memberships(ctx, acct)
		if got := status(); got != store.StatusActive {
			t.Errorf("status = %s", got)
		}
	})
	t.Run("every leave outcome is audited", func(t *testing.T) {
		for _, err := range []error{nil, fmt.Errorf("x: %w", providers.ErrNotMember), fmt.Errorf("x: %w", providers.ErrUnavailable)} {
			f.err = err
			_, _ = p.LeaveGroup(ctx, acct, "42@N01", providers.LeaveOptions{})
		}
		entries, err := st.ListAudit(ctx, v.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if e.Provider != providers.Flickr || e.GroupID != "42@N01" {
				t.Errorf("entry %+v", e)
			}
			got = append(got, e.Outcome)
		}
		want := []string{"PROVIDER_UNAVAILABLE", "NOT_A_MEMBER", "OK"} // newest first
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("outcomes = %v, want %v", got, want)
		}
	})
}
