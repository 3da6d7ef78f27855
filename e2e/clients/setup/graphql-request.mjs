// graphql-request as the README's "Clients" section sets it up.
import { GraphQLClient } from 'graphql-request';

export function createGraphQLRequestClient({ url, token, fetch }) {
  return new GraphQLClient(url, {
    fetch,
    headers: { authorization: `Bearer ${token}` },
    // A platform that fails leaves the other platforms' data: keep it
    // (rawRequest also returns the errors).
    errorPolicy: 'all',
  });
}
