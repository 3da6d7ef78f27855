// Usage: node audit.mjs <graphql-endpoint-url> [--json out.json] [--html out.html]
// Runs the graphql-http GraphQL-over-HTTP server audits against an endpoint.
// Every request carries X-GraphQL-Client, the header groupgraph's CSRF
// prevention asks of GET and non-JSON POST requests, as a browser client
// would send it.
// Exit code: 1 if any MUST audit errors, else 0.
import { auditServer, renderAuditResultsToHTML } from 'graphql-http';
import { writeFile } from 'node:fs/promises';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <url> [--json file] [--html file]');
  process.exit(2);
}
const arg = (k) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : undefined; };

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('X-GraphQL-Client', 'graphql-http-audit');
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const rows = [];
for (const r of results) {
  counts[r.status]++;
  if (r.status !== 'ok') {
    let body = '';
    try { body = (await r.response.text()).slice(0, 160).replace(/\s+/g, ' '); } catch {}
    rows.push({ id: r.id, status: r.status, name: r.name, reason: r.reason,
                http: `${r.response.status} ${r.response.headers.get('content-type') ?? ''}`, body });
  }
}
console.log(`${url}: total=${results.length} ok=${counts.ok} notice=${counts.notice} warn=${counts.warn} error=${counts.error}`);
for (const r of rows) console.log(`[${r.status}] ${r.id} ${r.name}\n    reason: ${r.reason}\n    got: HTTP ${r.http} body: ${r.body}`);
if (arg('--json')) await writeFile(arg('--json'), JSON.stringify({ url, counts, failures: rows }, null, 2));
if (arg('--html')) await writeFile(arg('--html'), await renderAuditResultsToHTML(results));
process.exit(counts.error > 0 ? 1 : 0);
