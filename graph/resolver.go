// Package graph is groupgraph's GraphQL adapter: the resolvers gqlgen calls,
// the conversion of domain values, the error presenter and the HTTP handler.
// It knows the domain (package providers) and nothing of any platform.
package graph

import "github.com/groupgraph/groupgraph/providers"

// Resolver is the root resolver. Its dependencies are domain interfaces only;
// request-scoped state (the viewer, the loaders) comes through the context.
type Resolver struct {
	Registry *providers.Registry
	// Accounts is the linked-account vault; nil on a server without a
	// store, where viewer.accounts lists the viewer's own accounts and the
	// account mutations answer NOT_SUPPORTED.
	Accounts Accounts
}
