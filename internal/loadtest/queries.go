package loadtest

// The operations the benchmarks and load scenarios send.
const (
	// MembershipsQuery is the merged memberships query with only the
	// fields every platform's list call returns: no detail call is needed.
	MembershipsQuery = `query Memberships($first: Int = 100) { viewer { memberships(first: $first) {
  totalCount incompleteProviders pageInfo { hasNextPage endCursor }
  nodes { id role status joinedAt viewerCanLeave group { id provider name } } } } }`

	// MembershipsDetailsQuery is the merged memberships query with fields
	// only the platforms' detail calls return, on every platform.
	MembershipsDetailsQuery = `query MembershipsWithDetails($first: Int = 100) { viewer { memberships(first: $first) {
  totalCount incompleteProviders pageInfo { hasNextPage endCursor }
  nodes { id role status joinedAt viewerCanLeave
    group { id provider name description memberCount visibility
      details { __typename
        ... on FlickrGroupDetails { privacy lang rules throttle { count mode } restrictions { photosOk videosOk } }
        ... on UpcomingGroupDetails { moderationLevel eventModeration memberModeration isPrivate }
        ... on PageSeederGroupDetails { type owner access visibleTo template registration message }
        ... on AkanaGroupDetails { resourceType visibilityName avatarUrl detailsLink } } } } } } }`

	// NodeQuery looks one group up by its ID, with its details.
	NodeQuery = `query Node($id: ID!) { node(id: $id) { id ... on Group { provider name description memberCount } } }`

	// LeaveMutation leaves a group.
	LeaveMutation = `mutation Leave($id: ID!) { leaveGroup(input: {groupId: $id}) {
  groupDeleted membership { status } errors { code message } } }`
)
