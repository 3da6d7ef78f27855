// The README's "Clients" section shows the suite's own setup: every code
// block in it is part of a setup file the other tests use, and the versions
// it names are the ones package.json pins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { clientsDir, repoRoot } from '../lib/sandbox.mjs';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const start = readme.indexOf('\n## Clients\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const pkg = JSON.parse(readFileSync(join(clientsDir, 'package.json'), 'utf8'));

test('the README has a Clients section', () => {
  assert.ok(start >= 0);
  for (const h of ['### Apollo Client', '### graphql-request', '### urql with Graphcache', '### Relay', '### graphql-codegen']) {
    assert.ok(section.includes(`\n${h}\n`), h);
  }
});

test('every code block of the Clients section is in a setup file the suite runs', () => {
  const files = [
    ...readdirSync(join(clientsDir, 'setup')).map((f) => join('setup', f)),
    'codegen.ts',
    'relay.config.json',
  ].map((f) => ({ f, text: readFileSync(join(clientsDir, f), 'utf8') }));
  const blocks = [...section.matchAll(/```(js|ts|json)\n([\s\S]*?)```/g)].map((m) => m[2]);
  assert.ok(blocks.length >= 5, `found ${blocks.length} blocks`);
  for (const block of blocks) {
    assert.ok(files.some(({ text }) => text.includes(block)),
      `this README block is not in any of ${files.map((x) => x.f).join(', ')}:\n${block}`);
  }
});

test('every dependency is pinned exactly, and the README names the pinned versions', () => {
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
  const named = [...section.matchAll(/`(@?[\w./-]+)`(?: and `(@?[\w./-]+)`)? (\d+\.\d+\.\d+)/g)]
    .flatMap((m) => [[m[1], m[3]], ...(m[2] ? [[m[2], m[3]]] : [])]);
  assert.ok(named.length >= 8, `the README names ${named.length} versions`);
  for (const [name, version] of named) {
    assert.equal(pkg.dependencies[name], version, `README: ${name} ${version}`);
  }
  for (const client of ['@apollo/client', 'graphql-request', '@urql/core', '@urql/exchange-graphcache', 'relay-compiler', 'relay-runtime', '@graphql-codegen/cli', 'typescript']) {
    assert.ok(named.some(([n]) => n === client), `the README names the version of ${client}`);
  }
});
