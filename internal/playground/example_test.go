package playground_test

import (
	"net/http"

	"github.com/groupgraph/groupgraph/internal/playground"
)

// A sandbox mounts the playground under /playground with the viewer's token
// preset and the example operations opened as tabs; the same mux serves
// POST /graphql. The page and its assets answer on both patterns.
func ExampleHandler() {
	mux := http.NewServeMux()
	h := playground.Handler(playground.Options{
		Path:     "/playground",
		Title:    "groupgraph sandbox",
		Endpoint: "/graphql",
		Headers:  map[string]string{"Authorization": "Bearer sandbox-token"},
		Tabs: []playground.Tab{
			{Name: "My memberships", Query: "query MyMemberships {\n  viewer { id }\n}\n"},
			{
				Name:      "Leave a group",
				Query:     "mutation LeaveGroup($id: ID!) {\n  leaveGroup(input: {groupId: $id}) { clientMutationId }\n}\n",
				Variables: `{"id": "R3JvdXA6MQ=="}`,
			},
		},
	})
	mux.Handle("/playground", h)
	mux.Handle("/playground/", h)
}
