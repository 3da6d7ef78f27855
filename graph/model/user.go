package model

import "github.com/groupgraph/groupgraph/providers"

// User is a user as the API serves it: the platform's user and its global
// ID, which package graph encodes. Its fields are plain reads, so gqlgen
// resolves them without a goroutine each.
type User struct {
	u  *providers.User
	id string
}

// NewUser pairs u with its global ID.
func NewUser(u *providers.User, globalID string) *User { return &User{u: u, id: globalID} }

// IsNode marks the type as a Node.
func (*User) IsNode() {}

// GlobalID is the opaque global ID.
func (u *User) GlobalID() string { return u.id }

// Provider is the user's platform.
func (u *User) Provider() providers.Kind { return u.u.Provider }

// ProviderID is the platform's own ID of the user.
func (u *User) ProviderID() string { return u.u.ID }

// Username is the login or screen name, nil when unknown.
func (u *User) Username() *string { return known(u.u.Username) }

// Name is the display name, nil when unknown.
func (u *User) Name() *string { return known(u.u.Name) }

// ProfileURL is the user's profile page, nil when unknown.
func (u *User) ProfileURL() *string { return known(u.u.ProfileURL) }

// AvatarURL is the user's avatar, nil when unknown.
func (u *User) AvatarURL() *string { return known(u.u.AvatarURL) }

func known(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
