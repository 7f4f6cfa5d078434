/*
 * Reliability of the pipeline queue with two backend replicas on one PostgreSQL: a replica
 * killed with SIGKILL mid-run has its job taken over by the other, and the step never runs
 * twice at once; a replica stopped with SIGTERM stops claiming, gives running steps a grace
 * period, then cancels them and records why.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  CometProcess,
  dropTestDatabases,
  eventually,
  freePort,
} from './CometProcess';

jest.setTimeout(240_000);

const POSTGRES_URL =
  process.env.COMET_TEST_POSTGRES_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

describe('two replicas on PostgreSQL', () => {
  const prefix = `comet_replicas_${Date.now()}_`;
  const token = `replicas-${Math.random()
    .toString(36)
    .slice(2)}-token-0123456789`;
  let tmp: string;
  // Steps run sandboxed, with no file of the host writable: they report each start and end to
  // this server on the host (host.comet.internal through the egress proxy), which stamps them
  let marker: http.Server;
  const marks: Array<{ kind: string; id: string; at: bigint }> = [];
  const replicas: CometProcess[] = [];
  const ports: number[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-replicas-'));
    marker = http.createServer((req, res) => {
      const [, kind, id] = (req.url ?? '').split('/');
      marks.push({ kind, id, at: process.hrtime.bigint() });
      res.end('ok');
    });
    await new Promise<void>(resolve =>
      marker.listen(0, '127.0.0.1', () => resolve()),
    );
    const markerPort = (marker.address() as AddressInfo).port;
    // Served by each replica as an example repository (allowed by default, no file:// URLs)
    const repo = path.join(tmp, 'projects', 'replica-demo');
    fs.mkdirSync(path.join(repo, '.comet'), { recursive: true });
    fs.writeFileSync(
      path.join(repo, '.comet', 'work.yaml'),
      `name: work
params:
  seconds:
    type: number
    default: 8
jobs:
  work:
    retry: 2
    env:
      MARKER_URL: http://host.comet.internal:${markerPort}
    steps:
      - name: Work
        run: |
          ID=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')
          node .comet/mark.js start "$ID"
          echo "working for \${{ params.seconds }} s"
          sleep \${{ params.seconds }}
          node .comet/mark.js end "$ID"
          echo finished
`,
    );
    fs.writeFileSync(
      path.join(repo, '.comet', 'mark.js'),
      `fetch(process.env.MARKER_URL + '/' + process.argv[2] + '/' + process.argv[3], {
  method: 'POST',
}).then(
  r => process.exit(r.ok ? 0 : 1),
  e => {
    console.error(e);
    process.exit(1);
  },
);
`,
    );
    const env = {
      PATH: process.env.PATH,
      HOME: tmp,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    execFileSync('git', ['init', '--quiet', '--initial-branch=main'], {
      cwd: repo,
      env,
    });
    execFileSync('git', ['add', '.'], { cwd: repo, env });
    execFileSync('git', ['commit', '--quiet', '-m', 'work'], {
      cwd: repo,
      env,
    });
    fs.writeFileSync(
      path.join(tmp, 'entity.yaml'),
      `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: replica-demo
  annotations:
    backstage.io/source-location: url:http://localhost:7007/api/example-repos/replica-demo.git
    comet.dev/pipelines: .comet/work.yaml
spec:
  type: service
  lifecycle: experimental
  owner: payments-team
`,
    );
    for (const name of ['a', 'b']) {
      const port = await freePort();
      ports.push(port);
      const replica = CometProcess.start({
        overrides: [
          'app:',
          `  baseUrl: http://localhost:${port}`,
          'backend:',
          `  baseUrl: http://localhost:${port}`,
          '  listen:',
          `    port: ${port}`,
          '  database:',
          '    client: pg',
          `    connection: ${POSTGRES_URL}`,
          `    prefix: ${prefix}`,
          '  auth:',
          '    externalAccess:',
          '      - type: static',
          '        options:',
          `          token: ${token}`,
          '          subject: replicas-test',
          // The test's static token may start runs (static tokens only read by default)
          'permission:',
          '  comet:',
          '    services:',
          '      replicas-test: [pipelines.run.create]',
          'catalog:',
          '  locations:',
          '    - type: file',
          `      target: ${path.join(tmp, 'entity.yaml')}`,
          'comet:',
          '  exampleRepos:',
          `    sourceDir: ${path.join(tmp, 'projects')}`,
          `    targetDir: ${path.join(tmp, `git-${name}`)}`,
          'pipelines:',
          // Each replica fetches the example repository from itself
          '  gitUrlRewrites:',
          '    - from: http://localhost:7007/api/example-repos/',
          `      to: http://localhost:${port}/api/example-repos/`,
          `  dataDir: ${path.join(tmp, `data-${name}`)}`,
          '  concurrency: 1',
          '  leaseSeconds: 3',
          '  heartbeatSeconds: 1',
          '  shutdownGraceSeconds: 2',
          '  killGracePeriodSeconds: 1',
          '  sandbox:',
          `    allowedEgress: ['host.comet.internal:${markerPort}']`,
        ].join('\n'),
      });
      replicas.push(replica);
      // One at a time, so the two do not race through the first migrations
      await replica.ready();
    }
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await dropTestDatabases(POSTGRES_URL, prefix);
    marker?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const api = (port: number, pathname: string, init?: RequestInit) =>
    fetch(`http://localhost:${port}/api/pipelines${pathname}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init?.headers ?? {}),
      },
    });

  async function trigger(port: number, seconds: number) {
    return eventually(async () => {
      const response = await api(port, '/runs', {
        method: 'POST',
        body: JSON.stringify({
          entityRef: 'component:default/replica-demo',
          params: { seconds },
        }),
      });
      if (response.status === 404) return undefined; // the catalog has not ingested it yet
      if (response.status !== 201) {
        throw new Error(
          `trigger answered ${response.status}: ${await response.text()}`,
        );
      }
      return (await response.json()) as { runId: string };
    }, 60_000);
  }

  async function logOf(port: number, runId: string) {
    const response = await api(port, `/runs/${runId}/logs?limit=10000`);
    const body = await response.json();
    return (body.lines as Array<{ text: string }>).map(l => l.text).join('\n');
  }

  it('takes over the job of a replica killed with SIGKILL, and never runs the step twice at once', async () => {
    const { runId } = await trigger(ports[0], 8);
    // Which replica claimed the job? Its worker id starts with the process id.
    const workerPid = await eventually(async () => {
      const match = /started on worker (\d+)-/.exec(
        await logOf(ports[0], runId),
      );
      return match ? Number(match[1]) : undefined;
    }, 30_000);
    await eventually(async () => (marks.length > 0 ? true : undefined), 30_000);
    const victim = replicas.findIndex(r => r.child.pid === workerPid);
    expect(victim).toBeGreaterThanOrEqual(0);
    const survivor = 1 - victim;
    process.kill(workerPid, 'SIGKILL');

    const run = await eventually(async () => {
      const response = await api(ports[survivor], `/runs/${runId}`);
      const body = await response.json();
      return ['succeeded', 'failed', 'cancelled'].includes(body.status)
        ? body
        : undefined;
    }, 90_000);
    expect(run.status).toBe('succeeded');
    expect(run.jobs[0].attempt).toBe(2);
    const log = await logOf(ports[survivor], runId);
    expect(log).toContain('stopped heartbeating');
    expect(log).toContain('finished');

    // The killed attempt never finished (its step was killed with its backend), and the second
    // attempt started only after that.
    await new Promise(r => setTimeout(r, 9_000));
    const starts = marks.filter(m => m.kind === 'start');
    const ends = marks.filter(m => m.kind === 'end');
    expect(starts).toHaveLength(2);
    expect(ends).toHaveLength(1);
    expect(starts[0].id).not.toBe(starts[1].id);
    expect(ends[0].id).toBe(starts[1].id);
    expect(starts[1].at).toBeGreaterThan(starts[0].at);
    replicas[victim] = replicas[survivor];
  });

  it('on SIGTERM stops claiming, waits a grace period, then cancels the running step and says why', async () => {
    const replica = replicas[0];
    const port = ports[replicas.indexOf(replica) === 0 ? 0 : 1];
    const livePort = await eventually(async () => {
      for (const candidate of ports) {
        const ok = await fetch(
          `http://localhost:${candidate}/.backstage/health/v1/readiness`,
        )
          .then(r => r.ok)
          .catch(() => false);
        if (ok) return candidate;
      }
      return undefined;
    });
    expect([port, livePort]).toContain(livePort);
    const { runId } = await trigger(livePort, 60);
    await eventually(async () =>
      (await logOf(livePort, runId)).includes('working for 60 s')
        ? true
        : undefined,
    );
    const started = Date.now();
    replica.child.kill('SIGTERM');
    const code = await replica.exit(60_000);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);

    const client = new Client({
      connectionString: POSTGRES_URL.replace(/\/[^/]*$/, `/${prefix}pipelines`),
    });
    await client.connect();
    const { rows } = await client.query(
      'SELECT state, error FROM pipeline_jobs WHERE run_id = $1',
      [runId],
    );
    const lines = await client.query(
      'SELECT lines FROM pipeline_log_chunks WHERE run_id = $1 ORDER BY first_seq',
      [runId],
    );
    await client.end();
    expect(rows[0].state).toBe('cancelled');
    expect(rows[0].error).toMatch(/shut down before the job finished/);
    const texts = lines.rows.flatMap(r =>
      (JSON.parse(r.lines) as string[][]).map(line => line[3]),
    );
    expect(texts).toContain('working for 60 s');
    expect(texts).not.toContain('finished');
  });
});
