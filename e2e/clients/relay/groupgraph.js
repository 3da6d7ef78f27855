// The operations of the Relay tests. relay-compiler reads the graphql tags
// here and writes artifacts to __generated__, which the tests import (there
// is no Babel plugin in the suite); relay-runtime never runs this file.
import { graphql } from 'relay-runtime';

export const membershipsQuery = graphql`
  query groupgraphMembershipsQuery($first: Int!, $after: String) {
    viewer {
      name
      memberships(first: $first, after: $after) @connection(key: "groupgraph_memberships") {
        __id
        totalCount
        edges { node { id role status group { provider ...groupgraphGroup_group } } }
      }
    }
  }
`;

export const groupFragment = graphql`
  fragment groupgraphGroup_group on Group @refetchable(queryName: "groupgraphGroupRefetchQuery") {
    name
    memberCount
    description
  }
`;

export const leaveMutation = graphql`
  mutation groupgraphLeaveMutation($groupId: ID!, $connections: [ID!]!) {
    leaveGroup(input: { groupId: $groupId, clientMutationId: "relay" }) {
      clientMutationId
      membership { id @deleteEdge(connections: $connections) status }
      group { id memberCount }
      errors { code }
    }
  }
`;

export const viewerAccountsQuery = graphql`
  query groupgraphViewerAccountsQuery {
    viewer { name accounts { id provider status } }
  }
`;
