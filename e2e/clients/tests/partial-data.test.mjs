// Partial data: with one platform failing (the sandbox's Flickr fails every
// request), a memberships query answers the other platforms' memberships and
// an error naming the platform. Each client's default throws the data away;
// the README's setup (errorPolicy 'all') keeps it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { ClientError, GraphQLClient } from 'graphql-request';
import { createApolloClient } from '../setup/apollo.mjs';
import { createGraphQLRequestClient } from '../setup/graphql-request.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { possibleTypes } = loadSchema(join(repoRoot, 'schema'));
const QUERY = 'query Partial { viewer { memberships(first: 100) { totalCount incompleteProviders nodes { id provider } } } }';

let sandbox;
before(async () => { sandbox = await startSandbox(['-sandbox-faults', 'flickr=1']); });
after(async () => { await sandbox?.stop(); });

function assertPartial(memberships) {
  assert.deepEqual(memberships.incompleteProviders, ['FLICKR']);
  assert.ok(memberships.nodes.length > 0, 'the other platforms answered');
  assert.deepEqual([...new Set(memberships.nodes.map((n) => n.provider))].sort(), ['AKANA', 'PAGESEEDER', 'UPCOMING']);
}

function assertFlickrError(errors) {
  assert.ok(errors.some((e) => e.extensions?.code === 'PROVIDER_UNAVAILABLE' && e.extensions?.provider === 'FLICKR'),
    `an error names Flickr: ${JSON.stringify(errors)}`);
}

describe('partial data when one platform fails', () => {
  test('Apollo Client: the default errorPolicy drops the data; errorPolicy all keeps data and errors', { timeout: 60_000 }, async () => {
    const plain = new ApolloClient({
      link: new HttpLink({ uri: sandbox.url, headers: { authorization: `Bearer ${sandbox.token}` } }),
      cache: new InMemoryCache(),
    });
    await assert.rejects(plain.query({ query: gql(QUERY) }), (err) => {
      assert.ok(CombinedGraphQLErrors.is(err));
      assertFlickrError(err.errors);
      return true;
    });

    const apollo = createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes });
    const res = await apollo.query({ query: gql(QUERY) });
    assertPartial(res.data.viewer.memberships);
    assert.ok(CombinedGraphQLErrors.is(res.error));
    assertFlickrError(res.error.errors);
  });

  test('graphql-request: the default throws; errorPolicy all returns the data, rawRequest the errors too', { timeout: 60_000 }, async () => {
    const plain = new GraphQLClient(sandbox.url, { headers: { authorization: `Bearer ${sandbox.token}` } });
    await assert.rejects(plain.request(QUERY), (err) => {
      assert.ok(err instanceof ClientError);
      assertFlickrError(err.response.errors);
      return true;
    });

    const client = createGraphQLRequestClient({ url: sandbox.url, token: sandbox.token });
    assertPartial((await client.request(QUERY)).viewer.memberships);
    const raw = await client.rawRequest(QUERY);
    assertPartial(raw.data.viewer.memberships);
    assertFlickrError(raw.errors);
  });
});
