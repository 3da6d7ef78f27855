// Apollo Client 4 (core, no React) as the README's "Clients" section sets it
// up for groupgraph. Everything not set here is Apollo's default.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';
import { createHash } from 'node:crypto';

export function createApolloClient({ uri, token, possibleTypes, fetch, persistedQueries = false }) {
  const http = new HttpLink({ uri, fetch, headers: { authorization: `Bearer ${token}` } });
  const apq = new PersistedQueryLink({
    sha256: (document) => createHash('sha256').update(document).digest('hex'),
    useGETForHashedQueries: true,
  });
  return new ApolloClient({
    link: persistedQueries ? ApolloLink.from([apq, http]) : http,
    cache: new InMemoryCache({
      // Interfaces and unions (Node, GroupDetails), generated from the schema.
      possibleTypes,
      typePolicies: {
        // Connections: one cached list per filter and order, pages merged.
        Viewer: {
          fields: {
            memberships: relayStylePagination(['filter', 'orderBy']),
            visibleGroups: relayStylePagination(['providers']),
          },
        },
      },
    }),
    // A platform that fails leaves the other platforms' data: keep it.
    defaultOptions: {
      watchQuery: { errorPolicy: 'all' },
      query: { errorPolicy: 'all' },
      mutate: { errorPolicy: 'all' },
    },
    // @defer over multipart/mixed.
    incrementalHandler: new Defer20220824Handler(),
  });
}

// leaveGroupUpdate is leaveGroup's `update`: a membership the platform
// removed leaves the viewer's cached lists, whose totalCount drops by one;
// the membership's status and the group's memberCount are updated by
// normalization alone.
export function leaveGroupUpdate(cache, { data }) {
  const membership = data?.leaveGroup?.membership;
  if (membership?.status !== 'REMOVED') return;
  const viewer = cache.readQuery({ query: gql`query LeaveGroupViewer { viewer { id } }` })?.viewer;
  if (viewer) {
    cache.modify({
      id: cache.identify(viewer),
      fields: {
        memberships(list, { readField }) {
          const edges = list?.edges?.filter((e) => readField('id', e.node) !== membership.id);
          if (!edges || edges.length === list.edges.length) return list;
          return { ...list, edges, totalCount: list.totalCount - 1 };
        },
      },
    });
  }
  cache.evict({ id: cache.identify(membership) });
  cache.gc();
}
