package app

import "github.com/groupgraph/groupgraph/internal/playground"

// exampleTabs are the operations the playground opens with.
var exampleTabs = []playground.Tab{
	{
		Name: "My memberships across platforms, with details",
		Query: `query MyMemberships($first: Int = 50, $after: String) {
  viewer {
    name
    accounts { provider status user { providerId name } }
    memberships(first: $first, after: $after, orderBy: {field: NAME}) {
      totalCount
      incompleteProviders
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        role
        providerRole
        status
        joinedAt
        inherited
        viewerCanLeave
        group {
          id
          provider
          name
          description
          memberCount
          visibility
          iconUrl
          details {
            __typename
            ... on FlickrGroupDetails { privacy throttle { count mode remaining } restrictions { photosOk videosOk } }
            ... on UpcomingGroupDetails { moderationLevel eventModeration memberModeration isPrivate }
            ... on PageSeederGroupDetails { type owner access visibleTo }
            ... on AkanaGroupDetails { resourceType visibilityName avatarUrl detailsLink }
          }
        }
      }
    }
  }
}`,
	},
	{
		Name: "Groups I could join",
		Query: `query VisibleGroups {
  viewer {
    visibleGroups(first: 20) {
      totalCount
      nodes {
        id
        provider
        name
        description
        details { ... on PageSeederGroupDetails { visibleTo registration defaultRole message } }
      }
    }
  }
}`,
	},
	{
		Name: "Leave a group (paste a group id from the first tab)",
		Query: `mutation LeaveGroup($groupId: ID!) {
  leaveGroup(input: {groupId: $groupId, clientMutationId: "playground"}) {
    clientMutationId
    groupDeleted
    membership { status group { name } }
    group { name memberCount viewerMembership { role } }
    errors { code message }
  }
}`,
		Variables: `{ "groupId": "paste a Group id here" }`,
	},
	{
		Name: "Look up any object by its id",
		Query: `query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Group { provider providerId name memberCount }
    ... on Membership { role status group { name } }
    ... on User { provider providerId name }
  }
}`,
		Variables: `{ "id": "paste an id here" }`,
	},
	{
		Name: "What each platform supports",
		Query: `query Platforms {
  providers { provider capabilities { visibleGroups leaveGroup deletePhotosOnLeave batchGroupDetails } }
}`,
	},
}
