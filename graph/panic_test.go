package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/providers"
	"github.com/groupgraph/groupgraph/providers/providertest"
)

// panickingLists is a platform whose membership list call panics, as a
// decoder bug would, with a message that must not reach a client.
type panickingLists struct{ *providertest.Memory }

func (panickingLists) Memberships(context.Context, providers.Account) ([]providers.Membership, error) {
	panic("decoder bug near s3cret-credential")
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A platform call that panics fails the fields that needed it with a
// masked INTERNAL error, logged with its detail, wherever the query asks
// for it: the server neither crashes nor leaves other fields waiting.
func TestAPanickingPlatformFailsItsFieldsOnly(t *testing.T) {
	mem := providertest.NewMemory(providers.Flickr)
	mem.AddUser(providers.User{ID: "me"})
	mem.AddGroup(providers.Group{ID: "g1", Name: "One"})
	mem.Join("g1", "me", providers.RoleMember, t0)
	viewer := &providers.Viewer{ID: "v1", Accounts: []providers.Account{{ID: "a1", Provider: providers.Flickr, UserID: "me"}}}
	logs := &lockedBuffer{}
	h := graph.NewHandler(graph.HandlerConfig{
		Registry: providers.NewRegistry(panickingLists{mem}),
		Logger:   slog.New(slog.NewJSONHandler(logs, nil)),
	})
	f := &fixture{t: t, handler: auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: viewer}), h)}
	membership := base64.RawURLEncoding.EncodeToString([]byte("gg1:flickr:Membership:me/g1"))

	cases := []struct {
		name   string
		query  string
		errors int
	}{
		{"the merged list", `{ viewer { memberships { totalCount } } }`, 1},
		{"a membership among nodes", `query($m: ID!) { nodes(ids: [$m, $m]) { id } }`, 2},
		{"the list and a node needing the same call", `query($m: ID!) { viewer { memberships { totalCount } } node(id: $m) { id } }`, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(tc.query, map[string]any{"m": membership})
			if r.Status != 200 || len(r.Errors) != tc.errors {
				t.Fatalf("status %d, errors %+v; want 200 and %d errors", r.Status, r.Errors, tc.errors)
			}
			for i, e := range r.Errors {
				if r.code(i) != "INTERNAL" || strings.Contains(e.Message, "s3cret") || strings.Contains(e.Message, "decoder bug") {
					t.Errorf("error %d: code %q, message %q; want a masked INTERNAL error", i, r.code(i), e.Message)
				}
			}
		})
	}
	if !strings.Contains(logs.String(), "decoder bug") {
		t.Errorf("the panic's detail is not logged: %s", logs.String())
	}
}
