// urql with Graphcache as the README's "Clients" section sets it up.
// Everything not set here is urql's default, among them preferGetMethod
// ('within-url-limit': queries go out as GET).
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';

export function createUrqlClient({ url, token, introspection, fetch }) {
  return new Client({
    url,
    fetch,
    fetchOptions: { headers: { authorization: `Bearer ${token}` } },
    exchanges: [
      cacheExchange({
        // The schema (an introspection result) lets Graphcache match
        // fragments on interfaces and unions and serve partial data.
        schema: introspection,
        // A group's details have no id of their own: they live in the group.
        keys: {
          FlickrGroupDetails: () => null,
          UpcomingGroupDetails: () => null,
          PageSeederGroupDetails: () => null,
          AkanaGroupDetails: () => null,
        },
        resolvers: {
          Viewer: { memberships: relayPagination(), visibleGroups: relayPagination() },
        },
        updates: {
          Mutation: {
            // A membership the platform removed leaves every cached list;
            // its status and the group's memberCount update by
            // normalization alone.
            leaveGroup(result, _args, cache) {
              const membership = result.leaveGroup?.membership;
              if (membership?.status !== 'REMOVED') return;
              const viewer = cache.resolve('Query', 'viewer');
              for (const field of cache.inspectFields(viewer)) {
                if (field.fieldName !== 'memberships') continue;
                const connection = cache.resolve(viewer, field.fieldKey);
                const edges = cache.resolve(connection, 'edges');
                if (Array.isArray(edges)) {
                  cache.link(connection, 'edges', edges.filter((e) => cache.resolve(cache.resolve(e, 'node'), 'id') !== membership.id));
                }
                const nodes = cache.resolve(connection, 'nodes');
                if (Array.isArray(nodes)) {
                  cache.link(connection, 'nodes', nodes.filter((n) => cache.resolve(n, 'id') !== membership.id));
                }
              }
            },
          },
        },
      }),
      fetchExchange,
    ],
  });
}
