/*
 * The quality-gate step inside real pipeline runs: the pipelines plugin with its engine, local
 * executor and database, a real git repository, and the SonarQube fake on an ephemeral port
 * reporting a passing, a failing and a pending analysis of the run's commit.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
// The step is tested inside the real pipelines plugin, not a stand-in
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import {
  GitHttpServer,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pipelinesModuleSonarqube from './index';

jest.setTimeout(120_000);

const TOKEN = 'squ_pipeline_step_token_for_tests';

const FILES: Record<string, string> = {
  'package.json': '{"name":"demo","version":"1.0.0"}\n',
  // The entity's own project (from its annotation)
  '.comet/quality.yaml': `
name: quality
jobs:
  gate:
    steps:
      - run: echo analysed
      - uses: sonarqube/quality-gate
        with:
          timeoutSeconds: 30
          pollSeconds: 2
`,
  '.comet/strict.yaml': `
name: strict
jobs:
  gate:
    steps:
      - uses: sonarqube/quality-gate
        with:
          projectKey: comet-examples_ledger-worker
          timeoutSeconds: 30
          pollSeconds: 2
  deploy:
    needs: [gate]
    steps:
      - run: echo deploying
`,
  '.comet/never.yaml': `
name: never
jobs:
  gate:
    steps:
      - uses: sonarqube/quality-gate
        with:
          projectKey: comet-examples_storefront-web
          timeoutSeconds: 1
          pollSeconds: 2
`,
  '.comet/unknown.yaml': `
name: unknown
jobs:
  gate:
    steps:
      - uses: sonarqube/quality-gate
        with:
          projectKey: no-such-project
          timeoutSeconds: 5
          pollSeconds: 2
`,
};

function makeRepository(dir: string, files: Record<string, string> = FILES) {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
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
  git('commit', '--quiet', '-m', 'init');
  return git('rev-parse', 'HEAD');
}

describe('sonarqube/quality-gate in a real pipeline run', () => {
  let tmp: string;
  let commit: string;
  let exampleRepo: string;
  let fake: SonarQubeFake;
  let gitServer: GitHttpServer;
  let server: any;
  let stopBackend: () => Promise<void>;
  const entityRef = 'component:default/payments-api';
  const gateChecks = 'component:default/gate-checks';
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-sonar-step-'));
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    commit = makeRepository(repo);
    // The example project with its quality-gate pipeline, its SonarQube host pointed at the fake
    exampleRepo = path.join(tmp, 'example');
    fs.cpSync(
      path.resolve(__dirname, '../../../examples/projects/product-catalog'),
      exampleRepo,
      { recursive: true },
    );

    fake = await SonarQubeFake.start({
      contextPath: '/sonar',
      tokens: [{ token: TOKEN, type: 'global-analysis' }],
    });
    const baseUrl = fake.url;
    // Steps run in the sandbox, where the fake on the backend host's loopback is
    // host.comet.internal, reachable because pipelines.sandbox.allowedEgress names it
    const fakePort = new URL(baseUrl).port;
    const properties = path.join(exampleRepo, 'sonar-project.properties');
    fs.writeFileSync(
      properties,
      fs
        .readFileSync(properties, 'utf8')
        .replace(
          /^sonar\.host\.url=.*$/m,
          `sonar.host.url=${baseUrl.replace(
            /\/\/[^/]+/,
            `//host.comet.internal:${fakePort}`,
          )}`,
        ),
    );
    makeRepository(exampleRepo, {});
    // Served over HTTP as a git host would; `pipelines.git.allowedHosts` allows it
    gitServer = await startGitHttpServer({ root: tmp });

    const backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        pipelinesModuleSonarqube,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
        mockServices.rootConfig.factory({
          data: {
            pipelines: {
              dataDir: path.join(tmp, 'data'),
              git: { allowedHosts: [gitServer.host] },
              sandbox: { allowedEgress: [`host.comet.internal:${fakePort}`] },
              heartbeatSeconds: 1,
              killGracePeriodSeconds: 1,
            },
            sonarqube: {
              instances: [{ name: 'default', baseUrl, apiKey: TOKEN }],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'payments-api',
                namespace: 'default',
                annotations: {
                  'backstage.io/source-location': `url:${gitServer.url(
                    'repo',
                  )}`,
                  'comet.dev/pipelines': Object.keys(FILES)
                    .filter(f => f.startsWith('.comet/'))
                    .join(','),
                  'sonarqube.org/project-key': 'comet-examples_payments-api',
                },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
            {
              // The step checks only the entity's own projects: these name other ones
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'gate-checks',
                namespace: 'default',
                annotations: {
                  'backstage.io/source-location': `url:${gitServer.url(
                    'repo',
                  )}`,
                  'comet.dev/pipelines': Object.keys(FILES)
                    .filter(f => f.startsWith('.comet/'))
                    .join(','),
                  'sonarqube.org/project-key':
                    'comet-examples_ledger-worker,comet-examples_storefront-web,no-such-project',
                },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'product-catalog',
                namespace: 'default',
                annotations: {
                  'backstage.io/source-location': `url:${gitServer.url(
                    'example',
                  )}`,
                  'comet.dev/pipelines': '.comet/quality.yaml',
                  'sonarqube.org/project-key': 'comet-examples_product-catalog',
                },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
          ],
        }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => {
    await stopBackend?.();
    await fake.close();
    await gitServer?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function logOf(runId: string) {
    const logs = await request(server)
      .get(`/api/pipelines/runs/${runId}/logs?limit=10000`)
      .set('Authorization', user);
    return (logs.body.lines as Array<{ text: string }>)
      .map(l => l.text)
      .join('\n');
  }

  async function run(
    pipelinePath: string,
    options: {
      entity?: string;
      params?: Record<string, string>;
      /** Called once when the run's log first contains `when.text`. */
      when?: { text: string; then: () => void };
    } = {},
  ) {
    let pending = options.when;
    const res = await request(server)
      .post('/api/pipelines/runs')
      .set('Authorization', user)
      .send({
        entityRef: options.entity ?? entityRef,
        pipelinePath,
        params: options.params,
      });
    expect(res.status).toBe(201);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const got = await request(server)
        .get(`/api/pipelines/runs/${res.body.runId}`)
        .set('Authorization', user);
      const current = got.body as PipelineRun;
      if (pending && (await logOf(current.runId)).includes(pending.text)) {
        pending.then();
        pending = undefined;
      }
      if (['succeeded', 'failed', 'cancelled'].includes(current.status)) {
        const logs = await request(server)
          .get(`/api/pipelines/runs/${current.runId}/logs?limit=10000`)
          .set('Authorization', user);
        return {
          run: current,
          log: (logs.body.lines as Array<{ text: string }>)
            .map(l => l.text)
            .join('\n'),
        };
      }
      if (Date.now() > deadline)
        throw new Error(`run stuck: ${current.status}`);
      await new Promise(r => setTimeout(r, 200));
    }
  }

  it('lists the step type to the validator', async () => {
    const res = await request(server)
      .post('/api/pipelines/validate')
      .set('Authorization', user)
      .send({
        yaml: 'name: x\njobs:\n  a:\n    steps:\n      - uses: sonarqube/quality-gat\n',
      });
    expect(res.body.issues[0].message).toBe(
      'Unknown step type "sonarqube/quality-gat"; available: sonarqube/quality-gate',
    );
  });

  it('waits for a pending analysis of the commit and passes on a passing gate', async () => {
    // Published while the step polls, and pending in the compute engine for a while
    const { run: result, log } = await run('.comet/quality.yaml', {
      when: {
        text: 'No analysis of this commit yet',
        then: () =>
          fake.publishAnalysis({
            projectKey: 'comet-examples_payments-api',
            revision: commit,
            gate: 'OK',
            // Longer than one poll (2 s, the least pollSeconds), so the step sees it queued
            pendingMs: 4000,
          }),
      },
    });
    expect(result.status).toBe('succeeded');
    expect(log).toContain(
      `Waiting for the SonarQube analysis of commit ${commit.slice(
        0,
        12,
      )} of project comet-examples_payments-api (the main branch) on instance "default"`,
    );
    expect(log).toMatch(
      /Analysis queued in SonarQube's compute engine \(task \S+ PENDING\)/,
    );
    expect(log).toMatch(/Quality gate of comet-examples_payments-api: OK/);
    expect(log).toContain('✔ OK       new_coverage 84.2 (fails when < 80)');
    expect(log).toContain('Quality gate passed');
    expect(log).not.toContain(TOKEN);
    // The gate's report, in the run API's answer
    expect(result.reports).toEqual([
      {
        jobRunId: expect.any(String),
        jobName: expect.any(String),
        stepIndex: expect.any(Number),
        stepName: expect.any(String),
        kind: 'sonarqube.quality-gate',
        title: 'SonarQube gate of comet-examples_payments-api',
        status: 'passed',
        summary: 'All 4 conditions passed',
        url: expect.stringMatching(
          /\/dashboard\?id=comet-examples_payments-api$/,
        ),
        data: {
          projectKey: 'comet-examples_payments-api',
          gate: 'OK',
          conditions: 4,
          failedConditions: 0,
        },
        reportedAt: expect.any(String),
      },
    ]);
  });

  it('fails the job, and skips what needs it, on a failing gate', async () => {
    fake.publishAnalysis({
      projectKey: 'comet-examples_ledger-worker',
      revision: commit,
      gate: 'ERROR',
    });
    const { run: result, log } = await run('.comet/strict.yaml', {
      entity: gateChecks,
    });
    expect(result.status).toBe('failed');
    const gate = result.jobs.find(j => j.jobRunId === 'gate')!;
    expect(gate.status).toBe('failed');
    expect(gate.steps[0].error).toBe(
      'Quality gate failed: comet-examples_ledger-worker (new_coverage 42.3 < 80, new_reliability_rating 3 > 1)',
    );
    expect(result.jobs.find(j => j.jobRunId === 'deploy')!.status).not.toBe(
      'succeeded',
    );
    expect(result.reports).toMatchObject([
      {
        jobRunId: 'gate',
        kind: 'sonarqube.quality-gate',
        status: 'failed',
        summary:
          '2 of 4 conditions failed: new_coverage 42.3 < 80, new_reliability_rating 3 > 1',
      },
    ]);
    expect(log).toContain('✘ ERROR    new_coverage 42.3 (fails when < 80)');
    expect(log).toContain(
      '✔ OK       new_duplicated_lines_density 1.2 (fails when > 3)',
    );
  });

  it('fails with the timeout when the commit is never analysed', async () => {
    const { run: result } = await run('.comet/never.yaml', {
      entity: gateChecks,
    });
    expect(result.status).toBe('failed');
    expect(result.jobs[0].steps[0].error).toBe(
      `No SonarQube analysis of commit ${commit.slice(
        0,
        12,
      )} for project comet-examples_storefront-web (the main branch, instance "default") within the step's 1 s timeout: run the scanner on this commit before this step, or raise timeoutSeconds (api/project_analyses/search has no analysis with revision ${commit})`,
    );
  });

  it('fails at once, naming instance and path, for an unknown project', async () => {
    const { run: result } = await run('.comet/unknown.yaml', {
      entity: gateChecks,
    });
    expect(result.status).toBe('failed');
    expect(result.jobs[0].steps[0].error).toBe(
      `SonarQube instance "default": GET api/ce/component for project "no-such-project": not found (404): Component key 'no-such-project' not found`,
    );
  });

  it("fails at once for a project that is not the entity's", async () => {
    fake.resetCalls();
    const { run: result } = await run('.comet/strict.yaml');
    expect(result.status).toBe('failed');
    expect(result.jobs[0].steps[0].error).toBe(
      `sonarqube/quality-gate checks only the projects of the run's entity: "comet-examples_ledger-worker" is not in the annotation sonarqube.org/project-key of ${entityRef} ("comet-examples_payments-api"); add it there`,
    );
    expect(fake.calls).toEqual([]);
  });

  it('runs the example quality-gate pipeline: scanner, gate, deploy only when it passes', async () => {
    const passed = await run('.comet/quality.yaml', {
      entity: 'component:default/product-catalog',
    });
    expect(passed.run.status).toBe('succeeded');
    expect(passed.run.jobs.map(j => [j.jobRunId, j.status])).toEqual([
      ['analyse', 'succeeded'],
      ['quality-gate', 'succeeded'],
      ['deploy', 'succeeded'],
    ]);
    expect(passed.log).toMatch(
      /Analysis queued as compute engine task \S+ \(the fake reports gate OK\)/,
    );
    expect(passed.log).toContain('Quality gate passed');

    const failed = await run('.comet/quality.yaml', {
      entity: 'component:default/product-catalog',
      params: { gate: 'ERROR' },
    });
    expect(failed.run.status).toBe('failed');
    const gate = failed.run.jobs.find(j => j.jobRunId === 'quality-gate')!;
    expect(gate.steps[0].error).toMatch(
      /^Quality gate failed: comet-examples_product-catalog \(new_coverage 42\.3 < 80/,
    );
    expect(failed.run.jobs.find(j => j.jobRunId === 'deploy')!.status).not.toBe(
      'succeeded',
    );
  });
});
