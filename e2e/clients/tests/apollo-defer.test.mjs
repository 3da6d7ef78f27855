// @defer with Apollo Client's Defer20220824Handler (setup/apollo.mjs): the
// server answers over incremental delivery (multipart/mixed), Apollo emits
// the initial payload while the deferred part is on its way, then the
// complete result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gql } from '@apollo/client';
import { createApolloClient } from '../setup/apollo.mjs';
import { loadSchema } from '../setup/schema.mjs';
import { graphqlRequests, multipartParts, rawQuery, recordingFetch, repoRoot, startSandbox } from '../lib/sandbox.mjs';

const { possibleTypes } = loadSchema(join(repoRoot, 'schema'));
const DEFERRED = gql`
  query Deferred {
    viewer {
      name
      ... @defer { memberships(first: 2) { totalCount edges { cursor node { id } } } }
    }
  }
`;

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

describe('Apollo Client and @defer', () => {
  test('the initial and the deferred payload both arrive, over multipart/mixed', { timeout: 60_000 }, async () => {
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 2) { totalCount nodes { id } } } }');
    const rec = recordingFetch({ keepResponses: true });
    const apollo = createApolloClient({ uri: sandbox.url, token: sandbox.token, possibleTypes, fetch: rec.fetch });
    const results = [];
    // Unsubscribed only once the recorded body is read: unsubscribing
    // aborts the request, and with it the recording.
    let sub;
    await new Promise((resolve, reject) => {
      sub = apollo.watchQuery({ query: DEFERRED }).subscribe({
        next(r) {
          results.push(r);
          if (r.dataState === 'complete') resolve();
        },
        error: reject,
      });
    });
    const [req] = graphqlRequests(rec.requests);
    const body = await req.responseText;
    sub.unsubscribe();

    const streaming = results.filter((r) => r.dataState === 'streaming');
    assert.equal(streaming.length, 1, 'one result before the deferred part');
    assert.equal(streaming[0].data.viewer.name, 'sandbox');
    assert.equal(streaming[0].data.viewer.memberships, undefined, 'the deferred field is not there yet');
    const done = results.at(-1);
    assert.equal(done.loading, false);
    assert.equal(done.error, undefined);
    assert.equal(done.data.viewer.name, 'sandbox');
    assert.equal(done.data.viewer.memberships.totalCount, want.viewer.memberships.totalCount);
    assert.deepEqual(done.data.viewer.memberships.edges.map((e) => e.node.id), want.viewer.memberships.nodes.map((n) => n.id));

    assert.match(req.headers.accept, /multipart\/mixed/);
    assert.match(req.contentType, /^multipart\/mixed/);
    const parts = multipartParts(req.contentType, body);
    assert.equal(parts.length, 2, `two payloads on the wire: ${JSON.stringify(parts)}`);
    assert.equal(parts[0].hasNext, true);
    assert.equal(parts[0].data.viewer.name, 'sandbox');
    assert.equal(parts[0].data.viewer.memberships ?? null, null, 'the deferred field is not in the first payload');
    assert.equal(parts[1].hasNext, false);
    assert.equal(parts[1].incremental.length, 1);
    assert.deepEqual(parts[1].incremental[0].path, ['viewer']);
  });
});
