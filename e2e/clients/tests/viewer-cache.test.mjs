// Viewer and LinkedAccount are Nodes: normalized caches keep every query on
// `viewer` (two different ones both stay readable), and node(id:) fetches
// both again. Apollo's InMemoryCache, urql's Graphcache and Relay's store,
// each with the README's setup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gql } from '@apollo/client';
import { gql as urqlGql } from '@urql/core';
import { createApolloClient } from '../setup/apollo.mjs';
import { createUrqlClient } from '../setup/urql.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { graphqlRequests, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { possibleTypes, introspection } = loadSchema(join(repoRoot, 'schema'));
const ACCOUNTS = 'query ViewerAccounts { viewer { id name accounts { id provider status } } }';
const COUNT = 'query ViewerCount { viewer { id memberships(first: 3) { totalCount edges { cursor node { id } } } } }';

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

describe('two queries on viewer both survive in a normalized cache', () => {
  test('Apollo InMemoryCache keeps both and node(id:) refetches the viewer and an account', { timeout: 60_000 }, async () => {
    const rec = recordingFetch();
    const apollo = createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes, fetch: rec.fetch });
    const a = await apollo.query({ query: gql(ACCOUNTS) });
    const c = await apollo.query({ query: gql(COUNT) });
    assert.equal(a.data.viewer.id, c.data.viewer.id, 'one viewer, one id');
    assert.deepEqual(apollo.readQuery({ query: gql(ACCOUNTS) }), a.data, 'the first query is still in the cache');
    assert.deepEqual(apollo.readQuery({ query: gql(COUNT) }), c.data);
    assert.ok(apollo.cache.extract()[apollo.cache.identify(a.data.viewer)], 'the viewer is a normalized entity');
    const again = await apollo.query({ query: gql(ACCOUNTS) });
    assert.deepEqual(again.data, a.data);
    assert.equal(graphqlRequests(rec.requests).length, 2, 'the third query came from the cache');

    const account = a.data.viewer.accounts.find((x) => x.provider === 'FLICKR');
    const NODES = gql`
      query ViewerNodes($v: ID!, $a: ID!) {
        v: node(id: $v) { id ... on Viewer { name } }
        a: node(id: $a) { id ... on LinkedAccount { provider status } }
      }
    `;
    const nodes = await apollo.query({ query: NODES, variables: { v: a.data.viewer.id, a: account.id } });
    assert.equal(nodes.error, undefined);
    assert.deepEqual(nodes.data.v, { __typename: 'Viewer', id: a.data.viewer.id, name: 'sandbox' });
    assert.deepEqual(nodes.data.a, { __typename: 'LinkedAccount', id: account.id, provider: 'FLICKR', status: account.status });
    assert.equal(apollo.cache.identify(nodes.data.v), apollo.cache.identify(a.data.viewer), 'node(id:) gave the same cached viewer');
    assert.equal(apollo.cache.identify(nodes.data.a), apollo.cache.identify(account));
    assert.deepEqual(apollo.readQuery({ query: gql(ACCOUNTS) }), a.data);
  });

  test("Apollo: without id selected on viewer, the second query replaces the first (why the README says to select it)", { timeout: 60_000 }, async () => {
    const apollo = createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes });
    const noId = (q) => gql(q.replace('viewer { id ', 'viewer { '));
    await apollo.query({ query: noId(ACCOUNTS) });
    await apollo.query({ query: noId(COUNT) });
    assert.equal(apollo.readQuery({ query: noId(ACCOUNTS) }), null, 'the first query is gone');
    assert.notEqual(apollo.readQuery({ query: noId(COUNT) }), null);
  });

  test('urql Graphcache keeps both', { timeout: 60_000 }, async () => {
    const rec = recordingFetch();
    const urql = createUrqlClient({ url: sandbox.url, token: sandbox.token, introspection, fetch: rec.fetch });
    const run = async (q, requestPolicy) => {
      const r = await urql.query(urqlGql(q), {}, requestPolicy && { requestPolicy }).toPromise();
      assert.equal(r.error, undefined, r.error?.message);
      return r.data;
    };
    const a = await run(ACCOUNTS);
    const c = await run(COUNT);
    assert.equal(a.viewer.id, c.viewer.id);
    assert.deepEqual(await run(ACCOUNTS, 'cache-only'), a);
    assert.deepEqual(await run(COUNT, 'cache-only'), c);
    assert.equal(graphqlRequests(rec.requests).length, 2);
  });
});
