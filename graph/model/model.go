// Package model holds the GraphQL types gqlgen generates (inputs, payloads,
// enums), Node and the User view. The types that hold groups and
// memberships live in package graph, beside the views they hold.
package model

// Node is any object with a global ID: a *graph.Group, a *graph.Membership,
// a *User, a *LinkedAccount or a *providers.Viewer.
type Node any
