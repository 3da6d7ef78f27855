// relay-compiler + relay-runtime against a sandbox that runs only the
// compiler's persisted documents (-safelist=true with the compiler's
// manifest under -safelist-manifests): connection pagination, a
// @refetchable fragment's node(id:) refetch and a leaveGroup mutation that
// updates the store and removes the edge.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { printSchema } from 'graphql';
import { commitMutation, createOperationDescriptor, fetchQuery } from 'relay-runtime';
import { createRelayEnvironment } from '../setup/relay.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { clientsDir, graphqlRequests, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const run = promisify(execFile);
const relayDir = join(clientsDir, 'relay');
const manifest = join(relayDir, 'persisted-queries.json');
let sandbox;
let MembershipsQuery;
let GroupRefetchQuery;
let LeaveMutation;
let ViewerAccountsQuery;

before(async () => {
  // What the README says to do: one schema file, an empty manifest the
  // compiler fills, then relay-compiler.
  writeFileSync(join(relayDir, 'schema.graphql'), printSchema(loadSchema(join(repoRoot, 'schema')).schema));
  writeFileSync(manifest, '{}\n');
  await run(join(clientsDir, 'node_modules', '.bin', 'relay-compiler'), ['--repersist'], { cwd: clientsDir });
  const artifact = async (name) => (await import(pathToFileURL(join(relayDir, '__generated__', `${name}.graphql.js`)))).default;
  MembershipsQuery = await artifact('groupgraphMembershipsQuery');
  GroupRefetchQuery = await artifact('groupgraphGroupRefetchQuery');
  LeaveMutation = await artifact('groupgraphLeaveMutation');
  ViewerAccountsQuery = await artifact('groupgraphViewerAccountsQuery');
  sandbox = await startSandbox(['-safelist=true', '-safelist-manifests', manifest]);
});
after(async () => { await sandbox?.stop(); });

function environment() {
  const rec = recordingFetch();
  return { rec, env: createRelayEnvironment({ url: sandbox.url, token: sandbox.token, fetch: rec.fetch }) };
}

// lookup reads a query's data from the store, as a component would.
function lookup(env, query, variables) {
  const snapshot = env.lookup(createOperationDescriptor(query, variables).fragment);
  assert.equal(snapshot.isMissingData, false, 'the store holds everything the query selects');
  return snapshot.data;
}

describe('Relay with persisted queries under the safelist', () => {
  test('every request carries only the persisted id, and a document outside the manifest is refused', { timeout: 60_000 }, async () => {
    const { env, rec } = environment();
    const data = await fetchQuery(env, MembershipsQuery, { first: 5 }).toPromise();
    assert.equal(data.viewer.name, 'sandbox');
    assert.equal(data.viewer.memberships.edges.length, 5);
    const [req] = graphqlRequests(rec.requests);
    const body = JSON.parse(req.body);
    assert.equal(body.query, undefined, 'no document text on the wire');
    assert.equal(body.extensions.persistedQuery.sha256Hash, MembershipsQuery.params.id);
    assert.match(MembershipsQuery.params.id, /^[0-9a-f]{64}$/);

    const refused = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.token}` },
      body: JSON.stringify({ query: '{ viewer { name } }' }),
    }).then((r) => r.json());
    assert.equal(refused.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_IN_LIST');
  });

  test('@connection pagination appends every page to one connection in the store', { timeout: 60_000 }, async () => {
    await sandbox.reset();
    const { env, rec } = environment();
    let page = (await fetchQuery(env, MembershipsQuery, { first: 10 }).toPromise()).viewer.memberships;
    const total = page.totalCount;
    assert.equal(total, 36, 'the sandbox seeds 36 memberships');
    let requests = 1;
    while (page.pageInfo.hasNextPage) {
      page = (await fetchQuery(env, MembershipsQuery, { first: 10, after: page.pageInfo.endCursor }).toPromise()).viewer.memberships;
      requests++;
    }
    assert.equal(graphqlRequests(rec.requests).length, requests);
    const merged = lookup(env, MembershipsQuery, { first: 10 }).viewer.memberships;
    const ids = merged.edges.map((e) => e.node.id);
    assert.equal(ids.length, total);
    assert.equal(new Set(ids).size, total, 'no membership twice');
    assert.deepEqual([...new Set(merged.edges.map((e) => e.node.group.provider))].sort(), ['AKANA', 'FLICKR', 'PAGESEEDER', 'UPCOMING']);
  });

  test("a @refetchable fragment's node(id:) query refetches a group into the record the list holds", { timeout: 60_000 }, async () => {
    const { env } = environment();
    const list = await fetchQuery(env, MembershipsQuery, { first: 100 }).toPromise();
    const source = env.getStore().getSource();
    const central = list.viewer.memberships.edges
      .map((e) => source.get(source.get(e.node.id).group.__ref))
      .find((g) => g?.name === 'FlickrCentral');
    assert.ok(central, 'FlickrCentral is in the store after the list query');
    assert.equal(central.provider, 'FLICKR');
    const refetched = await fetchQuery(env, GroupRefetchQuery, { id: central.id }).toPromise();
    assert.ok(refetched.node, 'node(id:) found the group');
    const record = env.getStore().getSource().get(central.id);
    assert.equal(record.__typename, 'Group');
    assert.equal(record.provider, 'FLICKR', 'the list query wrote this field');
    assert.equal(typeof record.description, 'string', 'the refetch query wrote this one, to the same record');
    assert.ok(record.description.length > 0);
  });

  test('leaveGroup updates the membership record and @deleteEdge removes it from the connection', { timeout: 60_000 }, async () => {
    await sandbox.reset();
    const { env } = environment();
    const list = await fetchQuery(env, MembershipsQuery, { first: 100 }).toPromise();
    const source = env.getStore().getSource();
    const connection = list.viewer.memberships.__id;
    const edges = list.viewer.memberships.edges;
    const target = edges.find((e) => source.get(source.get(e.node.id).group.__ref).name === 'ACME Payments API Council').node;
    const groupId = source.get(target.id).group.__ref;
    const before = source.get(groupId).memberCount;

    const payload = await new Promise((resolve, reject) => {
      commitMutation(env, {
        mutation: LeaveMutation,
        variables: { groupId, connections: [connection] },
        onCompleted: (data, errors) => (errors ? reject(new Error(JSON.stringify(errors))) : resolve(data)),
        onError: reject,
      });
    });
    assert.deepEqual(payload.leaveGroup.errors, []);
    assert.equal(env.getStore().getSource().get(target.id).status, 'REMOVED');
    assert.equal(env.getStore().getSource().get(groupId).memberCount, before - 1);
    const after = lookup(env, MembershipsQuery, { first: 100 }).viewer.memberships.edges;
    assert.equal(after.length, edges.length - 1);
    assert.ok(!after.some((e) => e.node.id === target.id), 'the edge is gone from the connection');
    await sandbox.reset();
  });

  test('two queries on viewer both stay in the store', { timeout: 60_000 }, async () => {
    const { env, rec } = environment();
    const accounts = await fetchQuery(env, ViewerAccountsQuery, {}).toPromise();
    const memberships = await fetchQuery(env, MembershipsQuery, { first: 3 }).toPromise();
    assert.deepEqual(accounts.viewer.accounts.map((a) => a.provider).sort(), ['AKANA', 'FLICKR', 'PAGESEEDER', 'UPCOMING']);
    assert.equal(memberships.viewer.memberships.edges.length, 3);
    assert.deepEqual(lookup(env, ViewerAccountsQuery, {}).viewer.accounts, accounts.viewer.accounts, 'the first query is still whole');
    assert.equal(lookup(env, MembershipsQuery, { first: 3 }).viewer.memberships.edges.length, 3);
    // Relay adds the id: the viewer is one record, keyed by its global id.
    const source = env.getStore().getSource();
    const viewerID = source.get('client:root').viewer.__ref;
    assert.notEqual(viewerID, 'client:root:viewer');
    assert.equal(source.get(viewerID).__typename, 'Viewer');
    assert.equal(source.get(viewerID).id, viewerID);
    // store-or-network answers both from the store.
    await fetchQuery(env, ViewerAccountsQuery, {}, { fetchPolicy: 'store-or-network' }).toPromise();
    assert.equal(graphqlRequests(rec.requests).length, 2);
  });

  test("a platform's failure leaves the others' data in the store (partial data)", { timeout: 60_000 }, async () => {
    const failing = await startSandbox(['-safelist=true', '-safelist-manifests', manifest, '-sandbox-faults', 'flickr=1']);
    try {
      const rec = recordingFetch({ keepResponses: true });
      const env = createRelayEnvironment({ url: failing.url, token: failing.token, fetch: rec.fetch });
      const data = await fetchQuery(env, MembershipsQuery, { first: 100 }).toPromise();
      const providers = new Set(data.viewer.memberships.edges.map((e) => e.node.group.provider));
      assert.deepEqual([...providers].sort(), ['AKANA', 'PAGESEEDER', 'UPCOMING']);
      const body = JSON.parse(await graphqlRequests(rec.requests)[0].responseText);
      assert.ok(body.errors.some((e) => e.extensions.provider === 'FLICKR'), 'the response said Flickr failed');
    } finally {
      await failing.stop();
    }
  });
});
