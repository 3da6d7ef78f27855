package providers

// Field names a field of a Group, or of a platform's Details, that a
// platform's calls may or may not carry. Each platform declares, in its
// Capabilities, which fields its list call (Memberships) and its detail
// call (GroupsByID) supply, so that a caller asks the detail call only for
// what it can answer.
type Field uint8

// The fields of Group that a list call may leave out.
const (
	FieldDescription Field = iota
	FieldURL
	FieldIconURL
	FieldMemberCount
	FieldTopicCount
	FieldPoolCount
	FieldVisibility
	FieldJoinPolicy
	FieldAgeRestricted
	FieldCreatedAt
	FieldOwner // Group.OwnerID

	// FlickrDetails.
	FieldFlickrPrivacy
	FieldFlickrPathAlias
	FieldFlickrLang
	FieldFlickrPoolModerated
	FieldFlickrRules
	FieldFlickrThrottle // count and mode
	// FieldFlickrThrottleRemaining is the caller's own remaining pool
	// allowance: it depends on who asked.
	FieldFlickrThrottleRemaining
	FieldFlickrRestrictions
	FieldFlickrRoles
	// FieldFlickrViewerFlags are ViewerIsMember, ViewerIsModerator and
	// ViewerIsAdmin: they depend on who asked.
	FieldFlickrViewerFlags

	// PageSeederDetails.
	FieldPageSeederOwner
	FieldPageSeederTitle
	FieldPageSeederAccess
	FieldPageSeederVisibleTo
	FieldPageSeederTemplate
	FieldPageSeederEditURLs
	FieldPageSeederCommenting
	FieldPageSeederModeration
	FieldPageSeederRegistration
	FieldPageSeederDefaultRole
	FieldPageSeederDefaultNotify
	FieldPageSeederIndexVersion
	FieldPageSeederDetailsType
	FieldPageSeederRelatedURL
	FieldPageSeederMessage

	numFields
)

// Fields is a set of Field.
type Fields uint64

// AllFields holds every Field.
const AllFields Fields = 1<<numFields - 1

// FieldsOf returns the set of fs.
func FieldsOf(fs ...Field) Fields {
	var s Fields
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in s.
func (s Fields) Has(f Field) bool { return s&(1<<f) != 0 }

// Union returns the fields in s or in t.
func (s Fields) Union(t Fields) Fields { return s | t }

// Without returns the fields of s that are not in t.
func (s Fields) Without(t Fields) Fields { return s &^ t }

// DetailOnly returns the fields that c's detail call may supply and its
// list call never does: the only fields worth a detail call when a group
// from the list lacks them. A field the list call carries and a group's
// list entry lacks is one the platform has no value for; its detail call,
// asked about the same group, would not have one either.
func (c Capabilities) DetailOnly() Fields { return c.DetailFields.Without(c.ListFields) }
