package graph_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/groupgraph/groupgraph/graph"
	"github.com/groupgraph/groupgraph/internal/auth"
	"github.com/groupgraph/groupgraph/providers"
)

// twoViewers serves the fixture's platforms to its viewer (token) and to a
// second viewer (otherToken), so that tests can ask as either.
func twoViewers(t *testing.T) (*fixture, string) {
	t.Helper()
	f := newFixture(t, 0)
	other := &providers.Viewer{ID: "v2", Name: "bob", Accounts: f.viewer.Accounts[:1]}
	h := graph.NewHandler(graph.HandlerConfig{Registry: f.registry, MaxBodyBytes: 4096})
	f.handler = auth.Middleware(auth.NewStatic(map[string]*providers.Viewer{token: f.viewer, "other-token": other}), h)
	return f, "other-token"
}

type viewerIDs struct {
	Viewer struct {
		ID       string
		Accounts []struct{ ID string }
	}
}

func (f *fixture) viewerIDs(t *testing.T, bearer string) viewerIDs {
	t.Helper()
	var d viewerIDs
	f.raw(http.MethodPost, "/graphql", "application/json", bearer,
		[]byte(`{"query":"{ viewer { id accounts { id } } }"}`)).mustSucceed(t).decode(t, &d)
	return d
}

// Viewer and LinkedAccount are Nodes, so that normalized caches (Apollo's
// InMemoryCache, urql's Graphcache, Relay's store) keep one Viewer per
// person and merge every query of it rather than overwrite one another.
func TestViewerAndLinkedAccountAreNodes(t *testing.T) {
	f, otherToken := twoViewers(t)
	mine := f.viewerIDs(t, token)
	theirs := f.viewerIDs(t, otherToken)
	nodeQuery := `query($id: ID!) { node(id: $id) { __typename id ... on Viewer { name } ... on LinkedAccount { provider } } }`

	t.Run("the viewer's ID fetches the viewer", func(t *testing.T) {
		var d struct {
			Node struct {
				Typename string `json:"__typename"`
				ID, Name string
			}
		}
		f.post(nodeQuery, map[string]any{"id": mine.Viewer.ID}).mustSucceed(t).decode(t, &d)
		if d.Node.Typename != "Viewer" || d.Node.ID != mine.Viewer.ID || d.Node.Name != "alice" {
			t.Fatalf("node = %+v", d.Node)
		}
	})
	t.Run("every linked account's ID fetches that account", func(t *testing.T) {
		if len(mine.Viewer.Accounts) != 3 {
			t.Fatalf("accounts = %+v", mine.Viewer.Accounts)
		}
		for _, a := range mine.Viewer.Accounts {
			var d struct {
				Node struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			f.post(nodeQuery, map[string]any{"id": a.ID}).mustSucceed(t).decode(t, &d)
			if d.Node.Typename != "LinkedAccount" || d.Node.ID != a.ID {
				t.Errorf("node(%s) = %+v", a.ID, d.Node)
			}
		}
	})
	t.Run("the viewer's ID is the same in every query and on every server", func(t *testing.T) {
		again := newFixture(t, 0).viewerIDs(t, token)
		if again.Viewer.ID != mine.Viewer.ID {
			t.Errorf("viewer id changed: %s, then %s", mine.Viewer.ID, again.Viewer.ID)
		}
	})
	t.Run("two viewers have different IDs", func(t *testing.T) {
		if theirs.Viewer.ID == mine.Viewer.ID {
			t.Errorf("both viewers are %s", mine.Viewer.ID)
		}
	})
	t.Run("the viewer's ID does not contain groupgraph's identifier of the viewer", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(mine.Viewer.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "v1") || strings.Contains(string(raw), "alice") {
			t.Errorf("the ID %q carries the viewer's identifier or name", raw)
		}
	})
	for _, tc := range []struct{ name, id string }{
		{"another viewer's ID", theirs.Viewer.ID},
		{"another viewer's linked account", encodeRaw("gg1:flickr:LinkedAccount:acct-elsewhere")},
		{"a made-up viewer ID", encodeRaw("gg1::Viewer:00000000000000000000000000000000")},
	} {
		t.Run(tc.name+" is NOT_FOUND", func(t *testing.T) {
			r := f.post(nodeQuery, map[string]any{"id": tc.id})
			var d struct{ Node *struct{ ID string } }
			r.decode(t, &d)
			if d.Node != nil || len(r.Errors) != 1 || r.code(0) != "NOT_FOUND" {
				t.Fatalf("node = %+v, errors %+v", d.Node, r.Errors)
			}
		})
	}
	t.Run("a viewer ID naming a platform is malformed", func(t *testing.T) {
		r := f.post(nodeQuery, map[string]any{"id": encodeRaw("gg1:flickr:Viewer:00")})
		if len(r.Errors) != 1 || r.code(0) != "BAD_USER_INPUT" {
			t.Fatalf("errors %+v", r.Errors)
		}
	})
}
