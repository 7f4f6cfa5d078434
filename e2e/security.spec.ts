import { APIRequestContext, expect, Page, test } from '@playwright/test';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * The attacks of docs/security.md against the started portal, each asserting the secure
 * answer: requests go through Node's http module where Playwright's request context would
 * normalise or buffer what the attack depends on (a `%2E%2E` path, a body still being sent).
 */

type Run = {
  runId: string;
  entityRef: string;
  status: string;
  jobs: Array<{
    jobRunId: string;
    jobId: string;
    status: string;
    approval?: { approvers?: string[]; decision?: string };
  }>;
};

const FINISHED = ['succeeded', 'failed', 'cancelled', 'skipped'];

async function guestToken(request: APIRequestContext): Promise<string> {
  const response = await request.get(
    '/api/auth/guest/refresh?env=development',
    {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    },
  );
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).backstageIdentity.token;
}

async function trigger(
  request: APIRequestContext,
  token: string,
  body: { entityRef: string; pipelinePath?: string; params?: object },
): Promise<Run> {
  const response = await request.post('/api/pipelines/runs', {
    headers: { authorization: `Bearer ${token}` },
    data: body,
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

async function getRun(
  request: APIRequestContext,
  token: string,
  runId: string,
): Promise<Run> {
  const response = await request.get(`/api/pipelines/runs/${runId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}

/** Waits until `accept` holds for the run, and returns the run then. */
async function waitForRun(
  request: APIRequestContext,
  token: string,
  runId: string,
  accept: (run: Run) => boolean,
  what: string,
): Promise<Run> {
  let last: Run | undefined;
  await expect
    .poll(
      async () => {
        last = await getRun(request, token, runId);
        return accept(last) ? 'yes' : `${last.status}: ${jobStates(last)}`;
      },
      { message: `run ${runId}: ${what}`, timeout: 150_000, intervals: [500] },
    )
    .toBe('yes');
  return last!;
}

const jobStates = (run: Run) =>
  run.jobs.map(job => `${job.jobRunId}=${job.status}`).join(', ');

/** A GET whose path is sent exactly as written (no dot-segment normalisation). */
function rawGet(
  baseURL: string,
  rawPath: string,
  token: string,
): Promise<{ status: number; body: string }> {
  const base = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: 'GET',
        path: rawPath,
        headers: { authorization: `Bearer ${token}` },
      },
      res => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', chunk => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts a POST that declares (or streams, chunked) `totalBytes`, sends at most `sendBytes` of
 * it, 64 KiB at a time as the socket takes them, then waits for an answer without sending
 * more. A server that reads the whole body before answering never answers (`timed out`).
 * Raw TCP, because Node's HTTP client drops an answer that arrives while it is still writing.
 */
function postPartially(
  url: string,
  options: {
    totalBytes: number;
    sendBytes: number;
    declareLength: boolean;
    timeoutMs?: number;
  },
): Promise<{ status: number | 'timed out'; body: string; bytesSent: number }> {
  const target = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let received = '';
    const socket = net.connect(Number(target.port), target.hostname);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve({
        status: statusLine ? Number(statusLine[1]) : 'timed out',
        body: received.slice(received.indexOf('\r\n\r\n') + 4),
        bytesSent,
      });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 20_000);
    socket.setEncoding('latin1');
    socket.on('data', data => {
      received += data;
      // The whole answer is in once its declared length arrived
      const head = received.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(received);
      if (
        head >= 0 &&
        length &&
        received.length >= head + 4 + Number(length[1])
      ) {
        finish();
      }
    });
    socket.on('end', finish);
    // A reset after the answer (the server closed on the unread body) is not a failure
    socket.on('error', error => (received ? finish() : reject(error)));
    socket.on('connect', () => {
      socket.write(
        [
          `POST ${target.pathname} HTTP/1.1`,
          `Host: ${target.host}`,
          'Content-Type: application/json',
          'X-GitHub-Event: push',
          `X-GitHub-Delivery: e2e-${Date.now()}`,
          `X-Hub-Signature-256: sha256=${'0'.repeat(64)}`,
          options.declareLength
            ? `Content-Length: ${options.totalBytes}`
            : 'Transfer-Encoding: chunked',
          '',
          '',
        ].join('\r\n'),
      );
      // One chunk per turn of the event loop, after its reads: an answer that arrived stops
      // the sending before a write into a connection the server closed fails
      const sendMore = () => {
        if (received || bytesSent >= options.sendBytes || socket.destroyed) {
          return;
        }
        bytesSent += chunk.length;
        const framed = options.declareLength
          ? chunk
          : Buffer.concat([
              Buffer.from(`${chunk.length.toString(16)}\r\n`),
              chunk,
              Buffer.from('\r\n'),
            ]);
        if (socket.write(framed)) {
          setImmediate(sendMore);
        } else {
          socket.once('drain', () => setImmediate(sendMore));
        }
      };
      // A server that decides on the headers answers now, before any of the body is sent
      setTimeout(sendMore, 1_000);
    });
  });
}

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Pipelines', exact: true }),
  ).toBeVisible();
}

test.describe('Security', () => {
  test('an artifact path that climbs out of its run is a 404', async ({
    request,
    baseURL,
  }) => {
    test.setTimeout(240_000);
    const token = await guestToken(request);
    const entityRef = 'component:default/storefront-web';
    const [readable, other] = await Promise.all([
      trigger(request, token, { entityRef, params: { sleepSeconds: 0 } }),
      trigger(request, token, { entityRef, params: { sleepSeconds: 0 } }),
    ]);
    for (const run of [readable, other]) {
      await waitForRun(
        request,
        token,
        run.runId,
        r => FINISHED.includes(r.status),
        'finishes',
      );
    }
    const listed = await request.get(
      `/api/pipelines/runs/${other.runId}/artifacts`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const { artifacts } = (await listed.json()) as {
      artifacts: Array<{ jobRunId: string; path: string }>;
    };
    expect(artifacts.length, 'the other run kept an artifact').toBeGreaterThan(
      0,
    );
    const [artifact] = artifacts;
    const filePath = artifact.path.split('/').map(encodeURIComponent).join('/');

    // The artifact is there: its own URL serves it
    const direct = await rawGet(
      baseURL!,
      `/api/pipelines/runs/${other.runId}/artifacts/${artifact.jobRunId}/${filePath}`,
      token,
    );
    expect(direct.status).toBe(200);

    // …and no path from the readable run reaches it
    for (const climb of [
      `%2E%2E/${other.runId}/${artifact.jobRunId}/${filePath}`,
      `%2e%2e/${other.runId}/${artifact.jobRunId}/${filePath}`,
      `${artifact.jobRunId}/..%2F..%2F${other.runId}%2F${artifact.jobRunId}%2F${filePath}`,
      `${artifact.jobRunId}/%2E%2E/%2E%2E/${other.runId}/${artifact.jobRunId}/${filePath}`,
      `%252E%252E/${other.runId}/${artifact.jobRunId}/${filePath}`,
    ]) {
      const attempt = await rawGet(
        baseURL!,
        `/api/pipelines/runs/${readable.runId}/artifacts/${climb}`,
        token,
      );
      expect(attempt.status, climb).toBe(404);
    }
  });

  for (const declareLength of [true, false]) {
    test(`a 20 MB GitHub webhook ${
      declareLength ? 'with its Content-Length' : 'sent chunked'
    } is refused before it is read`, async ({ baseURL }) => {
      const totalBytes = 20 * 1024 * 1024;
      // Enough to pass the default 1 MiB cap of a streamed body, far from all of it
      const sendBytes = 4 * 1024 * 1024;
      // A reset that beat the answer to the client proves only that the server stopped
      // reading, so it is tried again for the answer itself
      let answer: Awaited<ReturnType<typeof postPartially>> | undefined;
      for (let attempt = 1; !answer; attempt++) {
        try {
          answer = await postPartially(
            `${baseURL}/api/pipelines/webhooks/github`,
            { totalBytes, sendBytes, declareLength },
          );
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (attempt >= 5 || !['EPIPE', 'ECONNRESET'].includes(code!)) {
            throw error;
          }
        }
      }
      // 413 when webhooks are on (over pipelines.github.webhookMaxBytes), 503 when they are
      // off; both while 16 MB and more were never sent
      expect([413, 503], answer.body).toContain(answer.status);
      expect(answer.bytesSent).toBeLessThanOrEqual(sendBytes);
      expect(JSON.parse(answer.body).error).toMatch(
        /larger than \d+ bytes|webhooks are off/,
      );
      test.info().annotations.push({
        type: 'refused',
        description: `${answer.status} after ${answer.bytesSent} of ${totalBytes} bytes`,
      });
    });
  }

  test('a YAML alias bomb in a pipeline file is a validation issue, not a 500', async ({
    request,
  }) => {
    const token = await guestToken(request);
    // Nine levels of nine aliases each: 9^9 strings once expanded
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++) {
      const alias = `*${names[i - 1]}`;
      levels.push(
        `${names[i]}: &${names[i]} [${Array(9).fill(alias).join(', ')}]`,
      );
    }
    const yaml = [
      'name: bomb',
      'on:',
      '  manual: {}',
      'jobs:',
      '  gate:',
      '    steps:',
      '      - uses: sonarqube/quality-gate',
      '        with:',
      ...levels.map(line => `          ${line}`),
      '          projectKey: *i',
    ].join('\n');
    const started = Date.now();
    const response = await request.post('/api/pipelines/validate', {
      headers: { authorization: `Bearer ${token}` },
      data: { yaml, file: '.comet/bomb.yaml' },
    });
    expect(response.status(), await response.text()).toBe(200);
    const result = await response.json();
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: '.comet/bomb.yaml',
          message: expect.stringMatching(/Too many YAML aliases/),
        }),
      ]),
    );
    // Refused, not expanded: the answer comes while the portal is still responsive
    expect(Date.now() - started).toBeLessThan(10_000);
    const health = await request.get('/.backstage/health/v1/liveness');
    expect(health.ok()).toBe(true);
  });

  test("a run step sees neither the backend's environment nor the portal's data", async ({
    request,
  }) => {
    test.setTimeout(240_000);
    const token = await guestToken(request);
    const portalRoot = path.resolve(__dirname, '..');
    const run = await trigger(request, token, {
      entityRef: 'component:default/e2e-security-probe',
      pipelinePath: '.comet/security-probe.yaml',
      params: { portalRoot },
    });
    const finished = await waitForRun(
      request,
      token,
      run.runId,
      r => FINISHED.includes(r.status),
      'finishes',
    );
    const logs = await request.get(
      `/api/pipelines/runs/${run.runId}/logs?format=text&limit=10000`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const text = await logs.text();
    const probe = text
      .split('\n')
      .filter(line => line.includes('probe: '))
      .map(line => line.slice(line.indexOf('probe: ')));
    // The probe ran to its end: an empty log is not a pass
    expect(probe, text.slice(-3000)).toContain('probe: done');
    expect(finished.status).toBe('succeeded');
    expect(probe).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^probe: foreign variables in \/proc\/\S*\/environ: 0\b/,
        ),
      ]),
    );
    for (const line of probe.filter(l => l.includes('foreign variables'))) {
      expect(line, 'another process environment').toMatch(/: 0\b/);
    }
    expect(probe).toContain('probe: sqlite files visible: 0');
    expect(probe).toContain('probe: checkout visible: no');
    const entries = probe.find(l =>
      l.startsWith('probe: data folder entries:'),
    );
    expect(entries).toBeDefined();
    expect(entries).not.toMatch(
      /sqlite|frontend-build\.log|\.config-check-stamp/,
    );
  });

  test('the guest cannot approve a gate of a run it triggered itself', async ({
    request,
  }) => {
    test.setTimeout(240_000);
    const token = await guestToken(request);
    const run = await trigger(request, token, {
      entityRef: 'component:default/ledger-worker',
      pipelinePath: '.comet/release.yaml',
      params: { version: '9.9.9-e2e', simulateFailure: false },
    });
    try {
      const waiting = await waitForRun(
        request,
        token,
        run.runId,
        r => r.jobs.some(job => job.approval && job.status === 'waiting'),
        'waits for its approval',
      );
      const gate = waiting.jobs.find(job => job.approval)!;
      const decision = await request.post(
        `/api/pipelines/runs/${run.runId}/jobs/${encodeURIComponent(
          gate.jobRunId,
        )}/decision`,
        {
          headers: { authorization: `Bearer ${token}` },
          data: { decision: 'approve', comment: 'self-approval' },
        },
      );
      const body = await decision.text();
      expect(decision.status(), body).toBe(403);
      expect(JSON.parse(body).error.message).toBe(
        `user:default/guest triggered run ${run.runId}, so cannot decide its gate ${gate.jobRunId}: someone else among its approvers must`,
      );
      // Still waiting: the refusal decided nothing
      const after = await getRun(request, token, run.runId);
      const gateAfter = after.jobs.find(job => job.jobRunId === gate.jobRunId)!;
      expect(gateAfter.status).toBe('waiting');
      expect(gateAfter.approval?.decision).toBeUndefined();
    } finally {
      await request.post(`/api/pipelines/runs/${run.runId}/cancel`, {
        headers: { authorization: `Bearer ${token}` },
      });
    }
  });

  test("the pages connect only to the portal's own origin", async ({
    page,
    request,
  }) => {
    const response = await request.get('/');
    const csp = response.headers()['content-security-policy'] ?? '';
    const connectSrc = csp
      .split(';')
      .map(directive => directive.trim())
      .find(directive => directive.startsWith('connect-src'));
    expect(connectSrc).toBe("connect-src 'self'");

    const violations: string[] = [];
    page.on('console', message => {
      if (/Content Security Policy/i.test(message.text())) {
        violations.push(message.text());
      }
    });
    const sockets: string[] = [];
    page.on('websocket', socket => sockets.push(socket.url()));
    await signIn(page);
    await page.goto('/catalog/default/component/storefront-web');
    await page
      .getByRole('link', { name: 'CI/CD', exact: true })
      .or(page.getByRole('tab', { name: 'CI/CD' }))
      .click();
    await expect(
      page.getByRole('table', { name: /^Pipeline runs of/ }),
    ).toBeVisible();
    expect(violations).toEqual([]);
    // The signals WebSocket (live updates) is same-origin, which 'self' allows
    const origin = new URL(page.url()).host;
    for (const socket of sockets) {
      expect(new URL(socket).host).toBe(origin);
    }
  });

  test('with guest sign-in on, the portal answers on loopback only', async ({
    baseURL,
  }) => {
    const port = Number(new URL(baseURL!).port);
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find(
        address => address && !address.internal && address.family === 'IPv4',
      );
    test.skip(!external, 'this machine has no non-loopback IPv4 address');
    const outcome = await new Promise<string>(resolve => {
      const req = http.get(
        {
          host: external!.address,
          port,
          path: '/.backstage/health/v1/liveness',
          timeout: 5_000,
        },
        res => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('timed out');
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve(error.code ?? 'error'),
      );
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});
