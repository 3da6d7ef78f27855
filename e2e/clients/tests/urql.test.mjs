// urql with Graphcache (setup/urql.mjs) against the sandbox with urql's
// default transport: queries as GET, mutations as POST.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gql } from '@urql/core';
import { createUrqlClient } from '../setup/urql.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { graphqlRequests, rawQuery, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { introspection } = loadSchema(join(repoRoot, 'schema'));
const MEMBERSHIPS = gql`
  query UrqlMemberships($first: Int!, $after: String) {
    viewer {
      id
      name
      memberships(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id status group { id name memberCount details { __typename ... on FlickrGroupDetails { privacy } } } } }
      }
    }
  }
`;
const LEAVE = gql`
  mutation UrqlLeave($groupId: ID!) {
    leaveGroup(input: { groupId: $groupId }) { membership { id status } group { id memberCount } errors { code } }
  }
`;

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

function client() {
  const rec = recordingFetch();
  return { rec, urql: createUrqlClient({ url: sandbox.url, token: sandbox.token, introspection, fetch: rec.fetch }) };
}

async function query(urql, doc, variables, context) {
  const r = await urql.query(doc, variables, context).toPromise();
  assert.equal(r.error, undefined, r.error?.message);
  return r.data;
}

describe('urql with Graphcache', () => {
  beforeEach(async () => { await sandbox.reset(); });

  test("queries go out as urql's default GET and are accepted", { timeout: 60_000 }, async () => {
    const { urql, rec } = client();
    const data = await query(urql, MEMBERSHIPS, { first: 5 });
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 5) { totalCount nodes { id } } } }');
    assert.equal(data.viewer.name, 'sandbox');
    assert.deepEqual(data.viewer.memberships.edges.map((e) => e.node.id), want.viewer.memberships.nodes.map((n) => n.id));
    const [req] = graphqlRequests(rec.requests);
    assert.equal(req.method, 'GET');
    assert.equal(req.status, 200);
    assert.ok(req.url.searchParams.get('query').includes('UrqlMemberships'));
  });

  test('relayPagination merges every page into one list', { timeout: 60_000 }, async () => {
    const { urql, rec } = client();
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { nodes { id } } } }');
    let data = await query(urql, MEMBERSHIPS, { first: 10 });
    let pages = 1;
    while (data.viewer.memberships.pageInfo.hasNextPage) {
      data = await query(urql, MEMBERSHIPS, { first: 10, after: data.viewer.memberships.pageInfo.endCursor });
      pages++;
    }
    assert.deepEqual(data.viewer.memberships.edges.map((e) => e.node.id), want.viewer.memberships.nodes.map((n) => n.id));
    assert.equal(graphqlRequests(rec.requests).length, pages, 'one request per page');
    const cached = await query(urql, MEMBERSHIPS, { first: 10 }, { requestPolicy: 'cache-only' });
    assert.equal(cached.viewer.memberships.edges.length, want.viewer.memberships.nodes.length);
  });

  test('leaveGroup updates the membership and group in place and the updater drops it from the list', { timeout: 60_000 }, async () => {
    const { urql, rec } = client();
    const before = await query(urql, MEMBERSHIPS, { first: 100 });
    const target = before.viewer.memberships.edges.map((e) => e.node).find((m) => m.group.name === 'ACME Payments API Council');
    assert.ok(target);
    // The group by node(id:) too: that cached query must see the new count.
    const GROUP = gql`query UrqlGroup($id: ID!) { node(id: $id) { id ... on Group { memberCount } } }`;
    assert.equal((await query(urql, GROUP, { id: target.group.id })).node.memberCount, target.group.memberCount);
    const res = await urql.mutation(LEAVE, { groupId: target.group.id }).toPromise();
    assert.equal(res.error, undefined, res.error?.message);
    assert.deepEqual(res.data.leaveGroup.errors, []);

    const after = await query(urql, MEMBERSHIPS, { first: 100 }, { requestPolicy: 'cache-only' });
    const server = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { nodes { id } } } }');
    assert.deepEqual(after.viewer.memberships.edges.map((e) => e.node.id), server.viewer.memberships.nodes.map((n) => n.id));
    const group = await query(urql, GROUP, { id: target.group.id }, { requestPolicy: 'cache-only' });
    assert.equal(group.node.memberCount, target.group.memberCount - 1, 'the payload updated the cached group');
    assert.deepEqual(graphqlRequests(rec.requests).map((r) => r.method), ['GET', 'GET', 'POST'], 'no refetch');
  });
});
