// Apollo Client's persisted-queries link with useGETForHashedQueries, as
// the README sets it up, against the sandbox's default CSRF rules: the
// first query goes out as a GET with the hash alone, the server asks for
// the document, Apollo sends it once by POST, and every later client asks
// by GET with the hash alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gql } from '@apollo/client';
import { createApolloClient } from '../setup/apollo.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { graphqlRequests, rawQuery, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { possibleTypes } = loadSchema(join(repoRoot, 'schema'));
const QUERY = gql`
  query PersistedMemberships($first: Int!) {
    viewer { name memberships(first: $first) { totalCount edges { cursor node { id group { id name } } } } }
  }
`;

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

describe('Apollo Client persisted queries over GET', () => {
  test('the first query registers its document once; later ones are a GET with the hash alone', { timeout: 60_000 }, async () => {
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 5) { totalCount nodes { id } } } }');
    const rec = recordingFetch({ keepResponses: true });
    const opts = { uri: sandbox.url, token: sandbox.token, possibleTypes, fetch: rec.fetch, persistedQueries: true };

    const first = await createApolloClient(opts).query({ query: QUERY, variables: { first: 5 } });
    assert.equal(first.error, undefined);
    assert.deepEqual(first.data.viewer.memberships.edges.map((e) => e.node.id), want.viewer.memberships.nodes.map((n) => n.id));

    // A fresh client (an empty cache, as after a page load) asks again.
    const second = await createApolloClient(opts).query({ query: QUERY, variables: { first: 5 } });
    assert.equal(second.error, undefined);
    assert.deepEqual(second.data, first.data);

    const wire = graphqlRequests(rec.requests);
    assert.deepEqual(wire.map((r) => r.method), ['GET', 'POST', 'GET'], 'hash by GET, the document once by POST, then hash by GET');
    // The miss is a request error: 400 under application/graphql-response+json,
    // which Apollo asks for first.
    assert.deepEqual(wire.map((r) => r.status), [400, 200, 200]);
    assert.match(wire[0].contentType, /^application\/graphql-response\+json/);
    const miss = JSON.parse(await wire[0].responseText);
    assert.deepEqual(miss.errors.map((e) => e.extensions.code), ['PERSISTED_QUERY_NOT_FOUND']);
    for (const get of [wire[0], wire[2]]) {
      assert.equal(get.url.searchParams.get('query'), null, 'a hashed GET carries no document');
      const ext = JSON.parse(get.url.searchParams.get('extensions'));
      assert.match(ext.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
      assert.equal(get.headers['apollo-require-preflight'], undefined, 'Apollo adds no CSRF header of its own');
    }
    const post = JSON.parse(wire[1].body);
    assert.ok(post.query.includes('PersistedMemberships'));
  });

  test('a mutation through the persisted-queries link runs as a POST', { timeout: 60_000 }, async () => {
    await sandbox.reset();
    const rec = recordingFetch();
    const apollo = createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes, fetch: rec.fetch, persistedQueries: true });
    const list = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { nodes { group { id name } } } } }');
    const group = list.viewer.memberships.nodes.find((m) => m.group.name === 'ACME Payments API Council').group;
    const res = await apollo.mutate({
      mutation: gql`mutation PersistedLeave($groupId: ID!) { leaveGroup(input: { groupId: $groupId }) { membership { id status } errors { code } } }`,
      variables: { groupId: group.id },
    });
    assert.deepEqual(res.data.leaveGroup.errors, []);
    assert.equal(res.data.leaveGroup.membership.status, 'REMOVED');
    assert.ok(graphqlRequests(rec.requests).every((r) => r.method === 'POST'));
    await sandbox.reset();
  });
});
