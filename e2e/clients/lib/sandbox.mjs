// The groupgraph sandbox for the client tests: each test file starts its own
// (`groupgraph -sandbox -listen 127.0.0.1:0`), so files run in parallel
// without sharing state, reads the URL and token the sandbox prints, and
// stops it at the end.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const clientsDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoRoot = dirname(dirname(clientsDir));

let builtBinary;

// groupgraphBinary is $GROUPGRAPH_BIN (run.sh builds it once for every
// file), or a binary built here from the repository.
function groupgraphBinary() {
  if (process.env.GROUPGRAPH_BIN) return process.env.GROUPGRAPH_BIN;
  if (!builtBinary) {
    builtBinary = join(mkdtempSync(join(tmpdir(), 'groupgraph-clients-')), 'groupgraph');
    execFileSync('go', ['build', '-o', builtBinary, '.'], { cwd: repoRoot, stdio: 'inherit' });
  }
  return builtBinary;
}

// startSandbox starts a sandbox with extra flags and resolves once it has
// printed its address and token; it rejects with the server's output when
// the process exits first.
export function startSandbox(extraArgs = []) {
  const child = spawn(groupgraphBinary(), ['-sandbox', '-listen', '127.0.0.1:0', ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s) => { err += s; });
  return new Promise((resolve, reject) => {
    const onExit = (code, signal) =>
      reject(new Error(`groupgraph -sandbox exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.stdout.setEncoding('utf8').on('data', (s) => {
      out += s;
      const listening = /listening on (http:\/\/[^\s]+)\/graphql/.exec(out);
      const token = /Token:\s+(ggp_\w+)/.exec(out);
      if (!listening || !token) return;
      child.off('exit', onExit);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const origin = listening[1];
      resolve({
        origin,
        url: `${origin}/graphql`,
        token: token[1],
        // reset restores the seed data (POST /sandbox/reset).
        async reset() {
          const res = await fetch(`${origin}/sandbox/reset`, { method: 'POST' });
          if (!res.ok) throw new Error(`sandbox reset: HTTP ${res.status}: ${await res.text()}`);
        },
        stop() {
          if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
          return new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          });
        },
        serverLog: () => err,
      });
    });
  });
}

// recordingFetch wraps fetch and keeps every request a client sent, with the
// method, URL, headers, body and the response's status and content type, so
// that tests can assert what went over the wire.
//
// With keepResponses, each entry also gets responseText, a promise of the
// response body as the client received it (the body is teed, so the
// client still streams it).
export function recordingFetch({ keepResponses = false } = {}) {
  const requests = [];
  const wrapped = async (input, init = {}) => {
    const req = new Request(input, init);
    const entry = {
      method: req.method,
      url: new URL(req.url),
      headers: Object.fromEntries(req.headers),
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.clone().text(),
    };
    requests.push(entry);
    const res = await fetch(req);
    entry.status = res.status;
    entry.contentType = res.headers.get('content-type');
    if (!keepResponses || !res.body) return res;
    const [forClient, forRecord] = res.body.tee();
    entry.responseText = new Response(forRecord).text();
    return new Response(forClient, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: wrapped, requests };
}

// graphqlRequests keeps the requests to the GraphQL endpoint only.
export function graphqlRequests(requests) {
  return requests.filter((r) => r.url.pathname === '/graphql');
}

// operationName returns the operation a recorded request carried, in its
// body (POST) or its URL (GET).
export function operationName(r) {
  if (r.method === 'GET') return r.url.searchParams.get('operationName');
  try { return JSON.parse(r.body).operationName; } catch { return undefined; }
}

// rawQuery asks the sandbox directly, as a JSON POST, for the expected
// values the clients' results are compared with.
export async function rawQuery(sandbox, query, variables = {}) {
  const res = await fetch(sandbox.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) throw new Error(`rawQuery: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body.data;
}

// nextValue resolves with the first value an observable (Apollo's
// ObservableQuery, an rxjs Observable) emits that satisfies pred, and
// rejects on its error.
export function nextValue(observable, pred) {
  return new Promise((resolve, reject) => {
    const sub = observable.subscribe({
      next(v) {
        if (pred(v)) {
          queueMicrotask(() => sub.unsubscribe());
          resolve(v);
        }
      },
      error: reject,
    });
  });
}

// multipartParts splits a multipart/mixed body (incremental delivery) into
// the JSON payloads of its parts, in order.
export function multipartParts(contentType, text) {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return text
    .split(`--${boundary}`)
    .map((part) => part.replace(/^\r?\n/, ''))
    .filter((part) => part.trim() !== '' && part.trim() !== '--')
    .map((part) => {
      // Headers, a blank line, the JSON; a part may have no headers.
      const blank = part.search(/\r?\n\r?\n/);
      return JSON.parse((part.trimStart().startsWith('{') || blank < 0 ? part : part.slice(blank)).trim());
    });
}
