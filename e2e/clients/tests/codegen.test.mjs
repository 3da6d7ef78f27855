// graphql-codegen with the README's codegen.ts: generate from schema/ and
// operations/, compile the output and a consumer with `tsc --strict`, show
// that strict mode refuses an unchecked nullable field, then run the
// compiled consumer against the sandbox.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLClient } from 'graphql-request';
import { clientsDir, rawQuery, startSandbox } from '../lib/sandbox.mjs';

const run = promisify(execFile);
const bin = (name) => join(clientsDir, 'node_modules', '.bin', name);

// tsc runs the compiler and returns its exit code and output.
async function tsc(...args) {
  try {
    const { stdout } = await run(bin('tsc'), args, { cwd: clientsDir });
    return { code: 0, out: stdout };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

let sandbox;
before(async () => { sandbox = await startSandbox(); });
after(async () => { await sandbox?.stop(); });

describe('graphql-codegen output under tsc --strict', () => {
  test('graphql-codegen generates schema types and typed documents', { timeout: 120_000 }, async () => {
    rmSync(join(clientsDir, 'generated'), { recursive: true, force: true });
    await run(bin('graphql-codegen'), ['--config', 'codegen.ts'], { cwd: clientsDir });
    const ops = readFileSync(join(clientsDir, 'generated', 'graphql.ts'), 'utf8');
    assert.match(ops, /export const MembershipsDocument = .* as unknown as DocumentNode<MembershipsQuery, MembershipsQueryVariables>/);
    const schema = readFileSync(join(clientsDir, 'generated', 'schema.ts'), 'utf8');
    assert.match(schema, /export type Viewer = (Node & )?\{/);
  });

  test('tsc --strict --noEmit accepts the output and a typed consumer', { timeout: 120_000 }, async () => {
    const r = await tsc('-p', 'tsconfig.json', '--strict', '--noEmit');
    assert.equal(r.code, 0, r.out);
  });

  test('tsc --strict refuses an unchecked read of a nullable field', { timeout: 120_000 }, async () => {
    const r = await tsc('-p', 'tsconfig.violation.json', '--strict', '--noEmit');
    assert.notEqual(r.code, 0);
    const errors = r.out.split('\n').filter((l) => / error TS\d+/.test(l));
    assert.deepEqual(errors, [
      "typescript/strict-violation.ts(8,10): error TS18047: 'data.viewer.memberships' is possibly 'null'.",
    ]);
  });

  test('the compiled consumer runs against the sandbox with graphql-request and Apollo Client', { timeout: 120_000 }, async () => {
    const r = await tsc('-p', 'tsconfig.json', '--strict');
    assert.equal(r.code, 0, r.out);
    const consumer = await import(pathToFileURL(join(clientsDir, 'generated', 'js', 'typescript', 'consumer.js')));
    const headers = { authorization: `Bearer ${sandbox.token}` };
    const want = await rawQuery(sandbox, '{ viewer { memberships(first: 100) { totalCount nodes { group { id name description } } } } }');
    const expected = {
      viewer: 'sandbox',
      total: want.viewer.memberships.totalCount,
      providers: ['AKANA', 'FLICKR', 'PAGESEEDER', 'UPCOMING'],
      detailTypes: ['AkanaGroupDetails', 'FlickrGroupDetails', 'PageSeederGroupDetails', 'UpcomingGroupDetails'],
    };
    const gr = new GraphQLClient(sandbox.url, { headers });
    assert.deepEqual(await consumer.withGraphQLRequest(gr), expected);
    const apollo = new ApolloClient({ link: new HttpLink({ uri: sandbox.url, headers }), cache: new InMemoryCache() });
    assert.deepEqual(await consumer.withApollo(apollo), expected);
    const central = want.viewer.memberships.nodes.find((n) => n.group.name === 'FlickrCentral').group;
    assert.equal(await consumer.groupDescription(gr, central.id), central.description);
  });
});
