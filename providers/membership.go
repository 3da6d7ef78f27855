package providers

import "time"

// Role is a member's standing in a group, normalized across platforms. The
// platform's own role name is kept beside it (Membership.ProviderRole).
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner     Role = "OWNER"
	RoleAdmin     Role = "ADMIN"
	RoleModerator Role = "MODERATOR"
	RoleMember    Role = "MEMBER"
	RoleGuest     Role = "GUEST"
)

// Status is where a membership stands, normalized across platforms. The
// platform's own status is kept beside it (Membership.ProviderStatus).
type Status string

// Statuses.
const (
	StatusActive  Status = "ACTIVE"
	StatusPending Status = "PENDING"
	StatusInvited Status = "INVITED"
	StatusRemoved Status = "REMOVED"
)

// Membership is one account's membership of one group.
type Membership struct {
	Provider Kind
	// ID is the platform's membership identifier, empty when it has none
	// (PageSeeder memberships inherited through a subgroup).
	ID string
	// UserID is the member's platform user id.
	UserID string
	// Group is the group as the list call described it; Group.Complete says
	// whether details must be loaded for more.
	Group Group

	Role           Role
	ProviderRole   string
	Status         Status
	ProviderStatus string
	// JoinedAt is nil when the platform does not say.
	JoinedAt *time.Time
	// Inherited: the membership comes through membership of another group
	// (a PageSeeder subgroup) and cannot be left on its own.
	Inherited bool
	// InheritedFrom names the group(s) it is inherited through.
	InheritedFrom string
	// Leavable: the account may end this membership through the platform's
	// API (false for inherited memberships, for platforms without leave, and
	// where the platform reserves removal to leaders, as Akana does).
	Leavable bool
}

// LeaveOptions are the optional parts of a leave.
type LeaveOptions struct {
	// DeletePhotos also removes the member's photos from the group's pool
	// (Flickr only; ignored where Capabilities.DeletePhotosOnLeave is false).
	DeletePhotos bool
}

// LeaveResult describes a completed leave.
type LeaveResult struct {
	// Membership is the membership that ended, as it was just before, with
	// Status set to StatusRemoved. Nil when the platform did not say.
	Membership *Membership
	// GroupDeleted: the platform deleted the group because the account was
	// its last member.
	GroupDeleted bool
	// PromotedUserID is the member the platform promoted to administrator
	// because the account was the last one, when the platform says so.
	PromotedUserID string
	// Group is the group as the platform shows it after the leave, when the
	// provider read it to learn what the leave did; nil when it did not
	// (the caller reads it if it needs it) or the group is gone.
	Group *Group
}
