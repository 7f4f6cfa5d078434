/*
 * Traceability inside real pipeline runs: the pipelines plugin with its engine, executor and
 * database, this module, the Jira backend plugin, a real git repository served over HTTP, and
 * the Jira fake on an ephemeral port.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
// The Jira tab's side of the links is served by the real Jira backend
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import jiraPlugin from '@internal/plugin-jira-backend';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import { adfToMarkdown, type AdfDoc } from '@internal/plugin-jira-node';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
// The module is tested inside the real pipelines plugin, not a stand-in
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import {
  GitHttpServer,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pipelinesModuleJira from './index';

jest.setTimeout(180_000);

const PIPELINE = `
name: ci
params:
  fail:
    type: boolean
    default: false
jobs:
  test:
    name: Unit tests
    steps:
      - name: run the tests
        run: |
          echo "connecting with password=hunter2-not-masked-by-the-engine"
          for i in 1 2 3; do echo "test line $i"; done
          if [ "\${{ params.fail }}" = "true" ]; then echo "1 test failed"; exit 1; fi
          echo "all green"
`;

function makeRepository(dir: string, message: string) {
  fs.mkdirSync(path.join(dir, '.comet'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.comet/ci.yaml'), PIPELINE);
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@example.com',
  };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env }).toString().trim();
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('commit', '--quiet', '-m', message);
  return git('rev-parse', 'HEAD');
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

describe('Jira traceability in real pipeline runs', () => {
  let tmp: string;
  let fake: JiraFake;
  let gitServer: GitHttpServer;
  let server: any;
  let stopBackend: () => Promise<void>;
  const entityRef = 'component:default/payments-api';
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-jira-module-'));
    fake = await JiraFake.start({ example: true });
    makeRepository(
      path.join(tmp, 'repo'),
      'PAY-1 Refund in full\n\nAlso touches SHOP-1 and PAY-99999, which do not count',
    );
    gitServer = await startGitHttpServer({ root: tmp });
    const component = (name: string, annotations: Record<string, string>) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        namespace: 'default',
        annotations: {
          'backstage.io/source-location': `url:${gitServer.url('repo')}`,
          'comet.dev/pipelines': '.comet/ci.yaml',
          ...annotations,
        },
      },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
    });
    const backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        pipelinesModuleJira,
        jiraPlugin,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://portal.example.com' },
            pipelines: {
              dataDir: path.join(tmp, 'data'),
              git: { allowedHosts: [gitServer.host] },
              heartbeatSeconds: 1,
              killGracePeriodSeconds: 1,
            },
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl: fake.url,
                  product: 'cloud',
                  email: JIRA_FAKE_DEMO_EMAIL,
                  apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', {
              'jira/project-key': 'PAY',
              'comet.dev/jira-bug-on-failure': 'true',
            }),
            // Links issues, files no bug
            component('quiet', { 'jira/project-key': 'PAY' }),
            // Names only other pipelines
            component('other-pipelines', {
              'jira/project-key': 'PAY',
              'comet.dev/jira-bug-on-failure': 'release, deploy',
            }),
            component('no-jira', {}),
          ],
        }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => {
    await stopBackend?.();
    await fake?.close();
    await gitServer?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function run(entity: string, fail: boolean): Promise<PipelineRun> {
    const res = await request(server)
      .post('/api/pipelines/runs')
      .set('Authorization', user)
      .send({
        entityRef: entity,
        pipelinePath: '.comet/ci.yaml',
        params: { fail },
      });
    expect(res.status).toBe(201);
    return until(`run ${res.body.runId} to finish`, async () => {
      const got = await request(server)
        .get(`/api/pipelines/runs/${res.body.runId}`)
        .set('Authorization', user);
      const current = got.body as PipelineRun;
      return ['succeeded', 'failed', 'cancelled'].includes(current.status)
        ? current
        : undefined;
    });
  }

  const getRun = async (runId: string) =>
    (
      await request(server)
        .get(`/api/pipelines/runs/${runId}`)
        .set('Authorization', user)
    ).body as PipelineRun;

  const bugs = () =>
    [...fake.state.issues.values()].filter(issue =>
      issue.labels.includes('comet'),
    );
  const text = (body: unknown) =>
    typeof body === 'string' ? body : adfToMarkdown(body as AdfDoc);

  it('links the issues a commit names, files one bug per failure, and comments when green', async () => {
    const pay1 = fake.state.issue('PAY-1')!;
    const first = await run(entityRef, true);
    expect(first.status).toBe('failed');
    expect(first.commit?.message).toMatch(/^PAY-1 Refund in full/);

    // The run page lists PAY-1, the only key of the entity's project that exists
    const linked = await until('the run to link PAY-1', async () => {
      const current = await getRun(first.runId);
      return current.links.length > 0 ? current : undefined;
    });
    expect(linked.links).toEqual([
      { title: `PAY-1: ${pay1.summary}`, url: `${fake.url}/browse/PAY-1` },
    ]);

    // One bug, with the run link, the failing step and a masked log excerpt
    const [bug] = await until('a bug', () =>
      bugs().length > 0 ? bugs() : undefined,
    );
    expect(bug.projectKey).toBe('PAY');
    expect(bug.summary).toBe(
      '[Comet] payments-api: pipeline ci fails at Unit tests › run the tests',
    );
    const description = text(bug.description);
    expect(description).toContain(
      `http://portal.example.com/pipelines/runs/${first.runId}`,
    );
    expect(description).toContain(
      'Failing step:** run the tests (exit code 1)',
    );
    expect(description).toContain('1 test failed');
    expect(description).toContain('password=***');
    expect(description).not.toContain('hunter2');
    expect(bug.labels).toEqual(
      expect.arrayContaining([
        'comet',
        expect.stringMatching(/^comet-failure-[0-9a-f]{12}$/),
        expect.stringMatching(/^comet-pipeline-[0-9a-f]{10}$/),
      ]),
    );

    // The same failure again: no second bug, a comment on the open one
    const second = await run(entityRef, true);
    await until('a "failed again" comment', () =>
      bug.comments.some(c =>
        text(c.body).includes(`comet:failed:${second.runId}`),
      )
        ? true
        : undefined,
    );
    expect(bugs()).toHaveLength(1);
    expect(text(bug.comments[0].body)).toMatch(/^Failed again in Comet run/);

    // Green: one comment on the open bug, and only once
    const green = await run(entityRef, false);
    expect(green.status).toBe('succeeded');
    await until('a "green again" comment', () =>
      bug.comments.some(c =>
        text(c.body).includes(`comet:green:${green.runId}`),
      )
        ? true
        : undefined,
    );
    const greenAgain = await run(entityRef, false);
    // The Jira tab shows the latest run of PAY-1: the last green one
    const issues = await until(
      'the Jira tab to show the latest run',
      async () => {
        const res = await request(server)
          .get('/api/jira/entity/issues')
          .query({ entityRef, limit: 100 })
          .set('Authorization', user);
        const latest = res.body.linkedRuns?.['PAY-1'];
        return latest?.runId === greenAgain.runId &&
          latest.status === 'succeeded'
          ? res.body
          : undefined;
      },
    );
    expect(issues.linkedRuns['PAY-1']).toEqual({
      runId: greenAgain.runId,
      entityRef,
      pipeline: 'ci',
      runNumber: greenAgain.number,
      status: 'succeeded',
      path: `/pipelines/runs/${greenAgain.runId}`,
      updatedAt: expect.any(String),
    });
    expect(Object.keys(issues.linkedRuns)).toEqual(['PAY-1']);
    expect(
      bug.comments.filter(c => text(c.body).includes('comet:green:')),
    ).toHaveLength(1);

    // Closed, then failing the same way: a new bug
    // Closed in Jira (the fake's Done status)
    bug.statusId = '10001';
    await run(entityRef, true);
    await until('a second bug', () => (bugs().length === 2 ? true : undefined));
  });

  it('files no bug without the annotation or for pipelines it does not name, but still links', async () => {
    const before = bugs().length;
    const quiet = await run('component:default/quiet', true);
    const other = await run('component:default/other-pipelines', true);
    for (const r of [quiet, other]) {
      await until('the run to link PAY-1', async () =>
        (await getRun(r.runId)).links.length === 1 ? true : undefined,
      );
    }
    const none = await run('component:default/no-jira', true);
    expect((await getRun(none.runId)).links).toEqual([]);
    expect(bugs()).toHaveLength(before);
  });
});
