import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { renderPlaywrightProject } from './render';
import { parseTestSuiteDefinition } from './schema';

/**
 * Runs an exported project with the real Playwright Test and Chromium: the web server from
 * the suite starts the app, every step kind runs, the secret comes from the environment.
 */

const CHROMIUM = '/usr/lib/chromium/chromium';
const PLAYWRIGHT_TEST_DIR = path.dirname(
  require.resolve('@playwright/test/package.json'),
);

const APP_SERVER = `
const http = require('node:http');
const page = \`<!doctype html><html><head><title>Shop</title>
<style>body { font: 16px sans-serif; } * { transition: none; }</style></head><body>
<h1>Checkout</h1>
<img alt="Logo" width="10" height="10" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<label>Email <input id="email"></label>
<label>Password <input id="password" type="password"></label>
<label>Colour <select id="colour" multiple><option>red</option><option>blue</option><option>green</option></select></label>
<label><input type="checkbox" id="agree"> I agree</label>
<label><input type="checkbox" id="news" checked> Newsletter</label>
<label>Invoice <input type="file" id="invoice"></label>
<label>Quantity <input id="qty" value="1"></label>
<span title="Error" hidden>Error</span>
<p data-test="status">Waiting</p>
<div data-test="spinner">Loading</div>
<button>Pay now</button>
<script>
  setTimeout(() => document.querySelector('[data-test=spinner]').remove(), 200);
  document.querySelector('#qty').addEventListener('keydown', e => {
    if (e.key === 'Enter') e.target.value = '2';
  });
  document.querySelector('button').addEventListener('click', () => {
    const ok =
      document.querySelector('#email').value === 'a@b.c' &&
      document.querySelector('#password').value === 'It\\\\'s s3cret' &&
      [...document.querySelector('#colour').selectedOptions].map(o => o.value).join() === 'red,blue' &&
      document.querySelector('#agree').checked && !document.querySelector('#news').checked &&
      document.querySelector('#invoice').files[0]?.name === 'invoice.txt';
    document.querySelector('[data-test=status]').textContent = ok ? 'Paid: all fields ok' : 'Wrong input';
    history.pushState({}, '', '/done?step=1');
  });
</script></body></html>\`;
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  // Playwright Test refuses to start when it sees Jest's variables.
  const { JEST_WORKER_ID: _jestWorker, ...parentEnv } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(PLAYWRIGHT_TEST_DIR, 'cli.js'), ...args],
      {
        cwd,
        env: { ...parentEnv, CI: '1', ...env },
      },
    );
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    child.once('error', reject);
    child.once('close', code => resolve({ code, output }));
  });
}

describe('an exported project', () => {
  let repoDir: string;

  beforeAll(() => {
    repoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-export-'));
  });
  afterAll(() => {
    fs.rmSync(repoDir, { recursive: true, force: true });
  });

  it('runs with Playwright Test: a passing test passes and a failing one fails on its step', async () => {
    const port = await freePort();
    const target = (kind: 'label', value: string) => ({
      locator: { kind, value },
    });
    const suite = parseTestSuiteDefinition({
      name: 'shop-checkout',
      title: 'Shop checkout',
      baseUrl: `http://127.0.0.1:${port}`,
      webServer: {
        command: 'node server.js',
        port,
        cwd: 'app',
        env: { PORT: String(port) },
      },
      project: 'Desktop Chrome',
      stepTimeoutMs: 5000,
      testIdAttribute: 'data-test',
      secrets: ['PASSWORD'],
      tests: [
        {
          id: 'pays',
          name: 'Pays',
          steps: [
            { id: 's1', action: 'navigate', url: '/' },
            {
              id: 's2',
              action: 'waitFor',
              target: { locator: { kind: 'testId', value: 'spinner' } },
              state: 'detached',
            },
            {
              id: 's3',
              action: 'fill',
              target: target('label', 'Email'),
              value: 'a@b.c',
            },
            {
              id: 's4',
              action: 'fill',
              target: target('label', 'Password'),
              secret: 'PASSWORD',
            },
            {
              id: 's5',
              action: 'select',
              target: target('label', 'Colour'),
              values: ['red', 'blue'],
            },
            {
              id: 's6',
              action: 'check',
              target: target('label', 'I agree'),
              checked: true,
            },
            {
              id: 's7',
              action: 'check',
              target: target('label', 'Newsletter'),
              checked: false,
            },
            {
              id: 's8',
              action: 'upload',
              target: target('label', 'Invoice'),
              files: ['invoice.txt'],
            },
            {
              id: 's9',
              action: 'press',
              target: target('label', 'Quantity'),
              key: 'Enter',
            },
            { id: 's10', action: 'press', key: 'Tab' },
            {
              id: 's11',
              action: 'assertValue',
              target: target('label', 'Quantity'),
              value: '2',
            },
            {
              id: 's12',
              action: 'assertChecked',
              target: target('label', 'I agree'),
              checked: true,
            },
            {
              id: 's13',
              action: 'assertChecked',
              target: target('label', 'Newsletter'),
              checked: false,
            },
            {
              id: 's14',
              action: 'assertVisible',
              target: { locator: { kind: 'altText', value: 'Logo' } },
              visible: true,
            },
            {
              id: 's15',
              action: 'assertVisible',
              target: { locator: { kind: 'title', value: 'Error' } },
              visible: false,
            },
            {
              id: 's16',
              action: 'click',
              target: {
                locator: {
                  kind: 'role',
                  role: 'button',
                  name: 'Pay now',
                  exact: true,
                },
                fallbacks: [{ kind: 'css', value: 'button' }],
              },
            },
            {
              id: 's17',
              action: 'assertText',
              target: { locator: { kind: 'testId', value: 'status' } },
              text: 'Paid: all fields ok',
              match: 'exact',
            },
            {
              id: 's18',
              action: 'assertText',
              target: { locator: { kind: 'text', value: 'Paid' } },
              text: 'fields ok',
              match: 'contains',
            },
            {
              id: 's19',
              action: 'assertUrl',
              url: '/done?step=1',
              match: 'contains',
            },
            {
              id: 's20',
              action: 'assertUrl',
              url: `/done?step=1`,
              match: 'exact',
            },
            {
              id: 's21',
              action: 'assertScreenshot',
              name: 'heading',
              target: {
                locator: { kind: 'role', role: 'heading', name: 'Checkout' },
              },
              threshold: 0.2,
            },
          ],
        },
        {
          id: 'wrong-email',
          name: 'Refuses a wrong email',
          steps: [
            { id: 's1', action: 'navigate', url: '/' },
            {
              id: 's2',
              action: 'fill',
              target: target('label', 'Email'),
              value: 'x@y.z',
            },
            {
              id: 's3',
              action: 'click',
              target: {
                locator: { kind: 'role', role: 'button', name: 'Pay now' },
              },
            },
            {
              id: 's4',
              action: 'assertText',
              target: { locator: { kind: 'testId', value: 'status' } },
              text: 'Paid: all fields ok',
              match: 'exact',
            },
          ],
        },
      ],
    });

    fs.mkdirSync(path.join(repoDir, 'app'));
    fs.writeFileSync(path.join(repoDir, 'app', 'server.js'), APP_SERVER);
    const projectDir = path.join(repoDir, 'e2e');
    for (const file of renderPlaywrightProject(suite)) {
      fs.mkdirSync(path.dirname(path.join(projectDir, file.path)), {
        recursive: true,
      });
      fs.writeFileSync(path.join(projectDir, file.path), file.content);
    }
    fs.mkdirSync(path.join(projectDir, 'files'));
    fs.writeFileSync(path.join(projectDir, 'files', 'invoice.txt'), 'invoice');
    fs.mkdirSync(path.join(projectDir, 'node_modules', '@playwright'), {
      recursive: true,
    });
    fs.symlinkSync(
      PLAYWRIGHT_TEST_DIR,
      path.join(projectDir, 'node_modules', '@playwright', 'test'),
    );
    // Debian's Chromium instead of a downloaded one, and no video (that needs Playwright's
    // own ffmpeg build); everything else is the exported config.
    fs.writeFileSync(
      path.join(projectDir, 'local.config.ts'),
      `import config from './playwright.config';\nexport default { ...config, use: { ...config.use, video: 'off', launchOptions: { executablePath: ${JSON.stringify(
        CHROMIUM,
      )} } } };\n`,
    );
    const env = { COMET_SECRET_PASSWORD: "It's s3cret" };

    // The first run records the screenshot baseline; the second compares with it. The second
    // test is meant to fail: it shows that the assertions do check the page.
    const args = ['test', '--config', 'local.config.ts', '--reporter', 'list'];
    const record = await run([...args, '--update-snapshots'], projectDir, env);
    expect(record.output).toContain('1 failed');
    const result = await run(args, projectDir, env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/✓ .* › Shop checkout › Pays \(/);
    expect(result.output).toMatch(
      /✘ .* › Shop checkout › Refuses a wrong email \(/,
    );
    expect(result.output).toContain('1 passed');
    expect(result.output).toContain(
      'Expect test id "status" to have text "Paid: all fields ok"',
    );
    expect(result.output).toContain('Wrong input');
    // The visual check compared with the baseline the first run wrote.
    expect(
      fs.existsSync(
        path.join(
          projectDir,
          'tests',
          'shop-checkout.spec.ts-snapshots',
          'heading-Desktop-Chrome-linux.png',
        ),
      ),
    ).toBe(true);
    // A trace per test, as the config asks.
    const results = fs
      .readdirSync(path.join(projectDir, 'test-results'), { recursive: true })
      .map(String);
    expect(results.filter(file => file.endsWith('trace.zip'))).toHaveLength(2);
  }, 180_000);
});
