package app

import (
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/internal/store"
)

func TestJWTSubjectsThatDifferOnlyInSpacesAreNotOneViewer(t *testing.T) {
	ctx := t.Context()
	st, err := store.OpenSQLite(ctx, ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sv := subjectViewers{st}
	alice, err := sv.ViewerForSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	// The store trims viewer names; an identity provider's subjects are
	// opaque and "alice " is someone else, who must not sign in as alice
	// and use her linked accounts.
	for _, sub := range []string{"alice ", " alice", "alice\n", "\talice", "   "} {
		v, err := sv.ViewerForSubject(ctx, sub)
		if err == nil && v.ID == alice.ID {
			t.Errorf("subject %q signs in as the viewer of subject \"alice\"", sub)
		}
		if err == nil && strings.TrimSpace(sub) == "" {
			t.Errorf("subject %q made viewer %q", sub, v.Name)
		}
	}
}
