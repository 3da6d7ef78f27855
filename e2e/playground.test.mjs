// Drives the GraphQL playground in headless Chromium, as a person would:
// the page must load with no failed request, no request off this machine and
// no console error; a query typed into the editor must return the expected
// text; optionally a second operation (a mutation) must too; the docs pane
// must show the schema. A screenshot is saved as a test artifact either way.
//
// Environment:
//   PLAYGROUND_URL   page to open (required), e.g. http://127.0.0.1:8080/playground
//   QUERY            operation typed into the editor (default "{ __typename }")
//   EXPECT           text the result must contain (default "__typename")
//   EXPECT_ALSO      more texts the result must contain, separated by "|"
//   MUTATION         optional second operation, run after QUERY
//   EXPECT_MUTATION  text its result must contain (default "\"data\"")
//   EXPECT_DOCS      text the docs pane must show (default "Query"; empty skips the check)
//   SCREENSHOT       screenshot path (default test-artifacts/playground.png)
//   CHROMIUM         browser executable (default /usr/bin/chromium)
//   STEP_TIMEOUT_MS  how long each wait may take (default 30000)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = process.env;
const url = env.PLAYGROUND_URL;
const query = env.QUERY || '{ __typename }';
const expected = env.EXPECT || '__typename';
const mutation = env.MUTATION || '';
const expectedMutation = env.EXPECT_MUTATION || '"data"';
const expectedDocs = env.EXPECT_DOCS ?? 'Query';
const screenshot = path.resolve(env.SCREENSHOT || 'test-artifacts/playground.png');
const executablePath = env.CHROMIUM || '/usr/bin/chromium';
const stepTimeout = Number(env.STEP_TIMEOUT_MS || 30000);

// Flags that keep the browser off the network: every hostname but loopback
// fails to resolve, so a page that renders under them has no CDN dependency.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

// isLocal reports whether a request stays on this machine.
function isLocal(raw) {
  const u = new URL(raw);
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// editorValue reads a CodeMirror editor's whole text, including lines
// scrolled out of view, which the DOM does not contain.
function editorValue(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    return el && el.CodeMirror ? el.CodeMirror.getValue() : null;
  }, selector);
}

const queryEditor = '.graphiql-query-editor .CodeMirror';
const responseEditor = '.graphiql-response .CodeMirror';

// run replaces the query editor's text by typing op, runs it, and waits for
// a new result containing want.
async function run(page, op, want) {
  // A fresh tab: GraphiQL keeps a tab's operation name for a moment after
  // its text is replaced, and would send the example tab's name with the
  // typed operation.
  const addTab = page.locator('.graphiql-tab-add');
  if (await addTab.count()) {
    await addTab.first().click();
  }
  const before = await editorValue(page, responseEditor);
  await page.locator(queryEditor).first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // insertText types the text as one input event: no per-key autocompletion
  // popups or auto-closed brackets get in the way.
  await page.keyboard.insertText(op);
  assert.equal(await editorValue(page, queryEditor), op, 'query editor holds the typed operation');
  // GraphiQL takes in an edit a moment after the editor shows it: a run
  // started before that still sends the operation name of the text the
  // editor held before, which the server rejects ("operation … not
  // found"). A person would press run again; so does this.
  for (let attempt = 1; ; attempt++) {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql', { timeout: stepTimeout }),
      page.locator('.graphiql-execute-button').click(),
    ]);
    const body = await res.text();
    if (attempt < 10 && /operation \S+ not found/.test(body) && !/^\s*(query|mutation|subscription)\s/.test(op)) {
      await page.waitForTimeout(200);
      continue;
    }
    break;
  }
  try {
    await page.waitForFunction(
      ([sel, prev, text]) => {
        const el = document.querySelector(sel);
        const v = el && el.CodeMirror ? el.CodeMirror.getValue() : '';
        return v !== prev && v.includes(text);
      },
      [responseEditor, before, want],
      { timeout: stepTimeout },
    );
  } catch (err) {
    const got = await editorValue(page, responseEditor);
    assert.fail(`result of ${JSON.stringify(op)} never contained ${JSON.stringify(want)}; it was:\n${got}`);
  }
  return editorValue(page, responseEditor);
}

test('the playground works offline in a real browser', { timeout: 10 * stepTimeout }, async (t) => {
  assert.ok(url, 'PLAYGROUND_URL must be set');
  const profile = await mkdtemp(path.join(tmpdir(), 'playground-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 800 },
  });
  const problems = [];
  context.on('request', (req) => {
    if (!isLocal(req.url())) problems.push(`request left the machine: ${req.method()} ${req.url()}`);
  });
  context.on('requestfailed', (req) => {
    problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  context.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));

  try {
    await t.test('the page loads under a CSP that forbids other origins', async () => {
      const res = await page.goto(url, { waitUntil: 'load', timeout: stepTimeout });
      assert.equal(res.status(), 200);
      const csp = res.headers()['content-security-policy'] || '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /connect-src 'self'/);
      await page.locator(queryEditor).first().waitFor({ timeout: stepTimeout });
    });

    await t.test('a query typed into the editor returns the expected result', async () => {
      const result = await run(page, query, expected);
      for (const text of (env.EXPECT_ALSO || '').split('|').filter(Boolean)) {
        assert.ok(result.includes(text), `result of the query lacks ${JSON.stringify(text)}:\n${result}`);
      }
    });

    if (mutation) {
      await t.test('a second operation returns its expected result', async () => {
        await run(page, mutation, expectedMutation);
      });
    }

    if (expectedDocs) {
      await t.test('the docs pane shows the schema', async () => {
        const docs = page.locator('.graphiql-doc-explorer');
        if (!(await docs.isVisible())) {
          await page.locator('[aria-label="Show Documentation Explorer"]').click();
        }
        await docs.getByText(expectedDocs, { exact: false }).first().waitFor({ timeout: stepTimeout });
      });
    }

    await t.test('no request failed or left the machine and nothing was logged as an error', () => {
      assert.deepEqual(problems, []);
    });
  } finally {
    await mkdir(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot }).catch((err) => console.error(`screenshot: ${err.message}`));
    console.log(`screenshot saved to ${screenshot}`);
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
