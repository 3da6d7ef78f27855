// graphql-request against the sandbox with the README's setup
// (setup/graphql-request.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gql } from 'graphql-request';
import { createGraphQLRequestClient } from '../setup/graphql-request.mjs';
import { graphqlRequests, rawQuery, recordingFetch, startSandbox } from '../lib/sandbox.mjs';

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

describe('graphql-request with the README setup', () => {
  test('a memberships query with variables returns every platform', async () => {
    const rec = recordingFetch();
    const client = createGraphQLRequestClient({ url: sandbox.url, token: sandbox.token, fetch: rec.fetch });
    const data = await client.request(gql`
      query Memberships($first: Int!, $order: MembershipOrder) {
        viewer { name memberships(first: $first, orderBy: $order) { totalCount incompleteProviders nodes { id provider group { name } } } }
      }
    `, { first: 100, order: { field: 'PROVIDER' } });
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 100, orderBy: {field: PROVIDER}) { totalCount nodes { id } } } }');
    assert.equal(data.viewer.name, 'sandbox');
    assert.equal(data.viewer.memberships.totalCount, want.viewer.memberships.totalCount);
    assert.deepEqual(data.viewer.memberships.incompleteProviders, []);
    assert.deepEqual(data.viewer.memberships.nodes.map((n) => n.id), want.viewer.memberships.nodes.map((n) => n.id));
    assert.deepEqual([...new Set(data.viewer.memberships.nodes.map((n) => n.provider))].sort(),
      ['AKANA', 'FLICKR', 'PAGESEEDER', 'UPCOMING']);
    const [req] = graphqlRequests(rec.requests);
    assert.equal(req.method, 'POST');
    assert.equal(req.status, 200);
  });

  test('leaveGroup runs and a refusal comes back in the payload errors', async () => {
    await sandbox.reset();
    const client = createGraphQLRequestClient({ url: sandbox.url, token: sandbox.token });
    const list = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { nodes { viewerCanLeave inherited group { id name } } } } }');
    const leavable = list.viewer.memberships.nodes.find((m) => m.group.name === 'ACME Payments API Council');
    const inherited = list.viewer.memberships.nodes.find((m) => m.inherited);
    assert.ok(leavable && inherited, 'the sandbox has a leavable and an inherited membership');
    const LEAVE = gql`
      mutation Leave($groupId: ID!) {
        leaveGroup(input: { groupId: $groupId, clientMutationId: "gr" }) { clientMutationId membership { status } errors { code } }
      }
    `;
    const ok = await client.request(LEAVE, { groupId: leavable.group.id });
    assert.deepEqual(ok.leaveGroup, { clientMutationId: 'gr', membership: { status: 'REMOVED' }, errors: [] });
    const refused = await client.request(LEAVE, { groupId: inherited.group.id });
    assert.deepEqual(refused.leaveGroup.errors, [{ code: 'INHERITED_MEMBERSHIP' }]);
    await sandbox.reset();
  });
});
