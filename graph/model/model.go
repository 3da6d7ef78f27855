// Package model holds the GraphQL types that are not domain types: the ones
// gqlgen generates (connections, inputs, payloads) and the hand-written
// wrappers below, which pair a platform's details with the group they belong
// to so that a resolver can load what the platform's list call left out.
package model

import "github.com/groupgraph/groupgraph/providers"

// Node is any object with a global ID: *providers.Group,
// *providers.Membership or *providers.User.
type Node any

// FlickrGroupDetails are a Flickr group's details and the group they came
// with.
type FlickrGroupDetails struct {
	*providers.FlickrDetails
	Group *providers.Group
}

// UpcomingGroupDetails are an Upcoming group's details and their group.
type UpcomingGroupDetails struct {
	*providers.UpcomingDetails
	Group *providers.Group
}

// PageSeederGroupDetails are a PageSeeder group's details and their group.
type PageSeederGroupDetails struct {
	*providers.PageSeederDetails
	Group *providers.Group
}

// AkanaGroupDetails are an Akana group's details and their group.
type AkanaGroupDetails struct {
	*providers.AkanaDetails
	Group *providers.Group
}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (FlickrGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (UpcomingGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (PageSeederGroupDetails) IsGroupDetails() {}

// IsGroupDetails marks the type as a member of the GroupDetails union.
func (AkanaGroupDetails) IsGroupDetails() {}
