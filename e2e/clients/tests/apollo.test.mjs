// Apollo Client 4 against the sandbox, with the README's setup
// (setup/apollo.mjs): pagination with relayStylePagination, refetching a
// node by id, leaveGroup updating the normalized cache, partial data.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gql } from '@apollo/client';
import { createApolloClient, leaveGroupUpdate } from '../setup/apollo.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { graphqlRequests, nextValue, operationName, rawQuery, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { possibleTypes } = loadSchema(join(repoRoot, 'schema'));

const MEMBERSHIPS = gql`
  query Memberships($first: Int!, $after: String) {
    viewer {
      id
      name
      memberships(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id role status group { id provider name memberCount } } }
      }
    }
  }
`;

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

function client(rec = recordingFetch()) {
  return { rec, client: createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes, fetch: rec.fetch }) };
}

describe('Apollo Client with the README setup', () => {
  beforeEach(async () => { await sandbox.reset(); });

  test('relayStylePagination merges every page of memberships into one cached list', { timeout: 60_000 }, async () => {
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { totalCount nodes { id } } } }');
    const { client: apollo, rec } = client();
    const obs = apollo.watchQuery({ query: MEMBERSHIPS, variables: { first: 10 } });
    const sub = obs.subscribe(() => {});
    try {
      let page = (await nextValue(obs, (r) => r.dataState === 'complete')).data.viewer.memberships;
      let pages = 1;
      while (page.pageInfo.hasNextPage) {
        const more = await obs.fetchMore({ variables: { after: page.pageInfo.endCursor } });
        page = more.data.viewer.memberships;
        pages++;
      }
      // The watcher's last emission is the merged list.
      const total = want.viewer.memberships.totalCount;
      const merged = (await nextValue(obs, (r) => r.data?.viewer.memberships.edges.length === total)).data.viewer.memberships;
      assert.equal(merged.totalCount, want.viewer.memberships.totalCount);
      assert.deepEqual(merged.edges.map((e) => e.node.id), want.viewer.memberships.nodes.map((n) => n.id),
        'the merged list has every membership once, in the server order');
      assert.equal(merged.pageInfo.hasNextPage, false);
      assert.equal(pages, Math.ceil(want.viewer.memberships.totalCount / 10));
      assert.equal(graphqlRequests(rec.requests).length, pages, 'one request per page');
      // A second watcher of the first page's variables reads the merged
      // list from the cache, without a request.
      const cached = apollo.readQuery({ query: MEMBERSHIPS, variables: { first: 10 } });
      assert.equal(cached.viewer.memberships.edges.length, total);
    } finally {
      sub.unsubscribe();
    }
  });

  test('node(id:) refetches a group into the same normalized entity the list holds', { timeout: 60_000 }, async () => {
    const { client: apollo, rec } = client();
    const list = await apollo.query({ query: MEMBERSHIPS, variables: { first: 100 } });
    const group = list.data.viewer.memberships.edges.map((e) => e.node.group).find((g) => g.name === 'FlickrCentral');
    assert.ok(group, 'FlickrCentral is among the sandbox memberships');
    const want = await rawQuery(sandbox, 'query($id: ID!) { node(id: $id) { ... on Group { description memberCount } } }', { id: group.id });
    assert.ok(want.node.description, 'the seed group has a description');

    const NODE = gql`
      query GroupNode($id: ID!) {
        node(id: $id) { ...NodeId ... on Group { name description memberCount } }
      }
      fragment NodeId on Node { id }
    `;
    const refetched = await apollo.query({ query: NODE, variables: { id: group.id } });
    assert.equal(refetched.data.node.__typename, 'Group');
    assert.equal(refetched.data.node.id, group.id, 'the fragment on the Node interface matched (possibleTypes)');
    assert.equal(refetched.data.node.description, want.node.description);

    // One entity: the list's fields and the refetched ones side by side.
    const entity = apollo.cache.readFragment({
      id: apollo.cache.identify({ __typename: 'Group', id: group.id }),
      fragment: gql`fragment G on Group { id provider name description memberCount }`,
    });
    assert.deepEqual(entity, {
      __typename: 'Group', id: group.id, provider: 'FLICKR', name: 'FlickrCentral',
      description: want.node.description, memberCount: want.node.memberCount,
    });
    // Asked again, node(id:) is answered from the cache.
    const before = graphqlRequests(rec.requests).length;
    const again = await apollo.query({ query: NODE, variables: { id: group.id } });
    assert.equal(again.data.node.description, want.node.description);
    assert.equal(graphqlRequests(rec.requests).length, before, 'no request for a cached node');
  });

  const LEAVE = gql`
    mutation Leave($groupId: ID!) {
      leaveGroup(input: { groupId: $groupId, clientMutationId: "leave" }) {
        clientMutationId groupDeleted
        membership { id status }
        group { id memberCount }
        errors { code message }
      }
    }
  `;

  // watchMemberships watches the first 100 memberships and returns the
  // membership of ACME Payments API Council, which the sandbox viewer may
  // leave, and a way to wait for a later result.
  async function watchMemberships(apollo) {
    const obs = apollo.watchQuery({ query: MEMBERSHIPS, variables: { first: 100 } });
    const first = (await nextValue(obs, (r) => r.dataState === 'complete')).data.viewer.memberships;
    const target = first.edges.map((e) => e.node).find((m) => m.group.name === 'ACME Payments API Council');
    assert.ok(target, 'the sandbox viewer administers ACME Payments API Council on Akana');
    assert.equal(target.status, 'ACTIVE');
    assert.equal(typeof target.group.memberCount, 'number');
    return { obs, first, target };
  }

  test('leaveGroup updates the cached membership and group in place, with no refetch', { timeout: 60_000 }, async () => {
    const { client: apollo, rec } = client();
    const { obs, target } = await watchMemberships(apollo);
    const updated = nextValue(obs, (r) =>
      r.data?.viewer.memberships.edges.find((e) => e.node.id === target.id)?.node.status === 'REMOVED');
    const res = await apollo.mutate({ mutation: LEAVE, variables: { groupId: target.group.id } });
    assert.deepEqual(res.data.leaveGroup.errors, []);
    const m = (await updated).data.viewer.memberships.edges.find((e) => e.node.id === target.id).node;
    assert.equal(m.group.memberCount, target.group.memberCount - 1);
    assert.deepEqual(graphqlRequests(rec.requests).map(operationName), ['Memberships', 'Leave'], 'the list was not refetched');
  });

  test("leaveGroup with the README's update drops the membership from the cached list", { timeout: 60_000 }, async () => {
    const { client: apollo, rec } = client();
    const { obs, first, target } = await watchMemberships(apollo);
    const dropped = nextValue(obs, (r) => r.data && !r.data.viewer.memberships.edges.some((e) => e.node.id === target.id));
    const res = await apollo.mutate({ mutation: LEAVE, variables: { groupId: target.group.id }, update: leaveGroupUpdate });
    assert.deepEqual(res.data.leaveGroup.errors, []);
    const list = (await dropped).data.viewer.memberships;
    assert.equal(list.edges.length, first.edges.length - 1);
    assert.equal(list.totalCount, first.totalCount - 1);
    const server = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { nodes { id } } } }');
    assert.deepEqual(list.edges.map((e) => e.node.id), server.viewer.memberships.nodes.map((n) => n.id),
      'the cached list is what the server now lists');
    assert.deepEqual(graphqlRequests(rec.requests).map(operationName), ['Memberships', 'Leave'], 'the list was not refetched');
  });
});
