// An integration test of the provider with the two plugins it connects and the GitHub fake.
/* eslint-disable @backstage/no-mixed-plugin-imports */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import githubPlugin from '@internal/plugin-github-backend';
import type { GitHubWorkflowRun } from '@internal/plugin-github-common';
import {
  GitHubFake,
  GITHUB_FAKE_DEMO_TOKEN,
} from '@internal/plugin-github-node/testUtils';
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  GitHubPipelineProvider,
  toPipelineRun,
} from './GitHubPipelineProvider';
import pipelinesModuleGithub from './index';

jest.setTimeout(60_000);

const component = (name: string, annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

describe('GitHubPipelineProvider', () => {
  let fake: GitHubFake;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    // The example repository: runs 101 (main, success), 102 (feature/refunds, failure),
    // 103 (main, in progress)
    fake = await GitHubFake.start();
    backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        pipelinesModuleGithub,
        githubPlugin,
        mockServices.rootConfig.factory({
          data: {
            pipelines: {
              dataDir: path.join(
                os.tmpdir(),
                `comet-github-provider-${process.pid}`,
              ),
              worker: { enabled: false },
            },
            integrations: {
              github: [
                {
                  host: 'github.com',
                  apiBaseUrl: fake.url,
                  token: GITHUB_FAKE_DEMO_TOKEN,
                },
              ],
            },
            github: { cache: { ttlSeconds: 0 } },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', {
              'github.com/project-slug': 'comet-examples/payments-api',
            }),
            component('missing-repo', {
              'github.com/project-slug': 'comet-examples/not-there',
            }),
            component('no-github', {}),
          ],
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await fake?.close();
  });

  const ciRuns = (query: Record<string, string | number>) =>
    request(backend.server)
      .get('/api/pipelines/ci-runs')
      .query(query)
      .set('Authorization', mockCredentials.user.header());

  it('lists GitHub Actions runs in the unified CI/CD list, a page at a time, through the github backend', async () => {
    const first = await ciRuns({
      entityRef: 'component:default/payments-api',
      provider: 'github',
      limit: 2,
    }).expect(200);
    expect(first.body.providers).toEqual([
      { id: 'github', title: 'GitHub Actions' },
    ]);
    expect(first.body.errors).toEqual([]);
    expect(
      first.body.runs.map((r: any) => [r.runId, r.status, r.branch]),
    ).toEqual([
      ['github:comet-examples/payments-api#103', 'running', 'main'],
      ['github:comet-examples/payments-api#102', 'failed', 'feature/refunds'],
    ]);
    expect(first.body.runs[1]).toMatchObject({
      provider: 'github',
      entityRef: 'component:default/payments-api',
      pipeline: 'CI',
      number: 2,
      trigger: { type: 'push', actor: 'github:octocat' },
      commit: {
        sha: expect.stringMatching(/^[0-9a-f]{40}$/),
        url: expect.stringMatching(
          /^https:\/\/github\.com\/comet-examples\/payments-api\/commit\//,
        ),
      },
      error: 'GitHub Actions run ended: failure',
      links: [
        {
          title: 'Open in GitHub',
          url: 'https://github.com/comet-examples/payments-api/actions/runs/102',
        },
      ],
    });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await ciRuns({
      entityRef: 'component:default/payments-api',
      provider: 'github',
      limit: 2,
      cursor: first.body.nextCursor,
    }).expect(200);
    expect(second.body.runs.map((r: any) => r.runId)).toEqual([
      'github:comet-examples/payments-api#101',
    ]);
    expect(second.body.runs[0].status).toBe('succeeded');
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('passes the branch and status filters on to GitHub', async () => {
    const res = await ciRuns({
      entityRef: 'component:default/payments-api',
      provider: 'github',
      branch: 'feature/refunds',
      limit: 10,
    }).expect(200);
    expect(res.body.runs.map((r: any) => r.number)).toEqual([2]);
    fake.resetCalls();
    // The github backend accepts the mapped status (it answers 400 to one GitHub does not know)
    const failed = await ciRuns({
      entityRef: 'component:default/payments-api',
      provider: 'github',
      status: 'failed',
      limit: 10,
    }).expect(200);
    expect(failed.body.errors).toEqual([]);
    expect(fake.calls.map(c => c.path)).toContain(
      '/repos/comet-examples/payments-api/actions/runs',
    );
  });

  it('reports a repository GitHub does not show as the provider failing, without the token', async () => {
    const res = await ciRuns({
      entityRef: 'component:default/missing-repo',
      provider: 'github',
      limit: 10,
    }).expect(200);
    expect(res.body.runs).toEqual([]);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        provider: 'github',
        message: expect.stringMatching(
          /comet-examples\/not-there does not exist.*\(404 from the github backend\)$/,
        ),
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(GITHUB_FAKE_DEMO_TOKEN);
  });

  it('applies only to entities with github.com/project-slug, and refuses a bad cursor', async () => {
    const provider = GitHubPipelineProvider.create({
      discovery: mockServices.discovery(),
      auth: mockServices.auth(),
    });
    expect(
      provider.appliesTo({
        entityRef: 'component:default/a',
        annotations: { 'github.com/project-slug': 'o/r' },
      }),
    ).toBe(true);
    expect(
      provider.appliesTo({ entityRef: 'component:default/a', annotations: {} }),
    ).toBe(false);
    await expect(
      provider.listRuns({
        entity: { entityRef: 'component:default/a', annotations: {} },
        credentials: mockCredentials.user(),
        limit: 10,
        cursor: 'abc',
      }),
    ).rejects.toThrow(
      'The cursor "abc" is not a page of GitHub Actions runs (a positive integer)',
    );
  });

  it('maps every GitHub status, conclusion and event', () => {
    const repository = {
      host: 'github.com',
      owner: 'o',
      repo: 'r',
      htmlUrl: 'https://github.com/o/r',
    };
    const base: GitHubWorkflowRun = {
      id: 1,
      name: 'CI',
      workflowId: 1,
      headSha: 'a'.repeat(40),
      event: 'push',
      status: 'completed',
      conclusion: 'success',
      runNumber: 1,
      runAttempt: 1,
      htmlUrl: 'https://github.com/o/r/actions/runs/1',
      createdAt: '2026-12-06T10:00:00Z',
      updatedAt: '2026-12-06T10:02:00Z',
    };
    const map = (over: Partial<GitHubWorkflowRun>) =>
      toPipelineRun({ ...base, ...over }, 'component:default/a', repository);
    expect(map({})).toMatchObject({
      status: 'succeeded',
      startedAt: '2026-12-06T10:00:00Z',
      finishedAt: '2026-12-06T10:02:00Z',
      durationMs: 120_000,
      trigger: { type: 'push' },
    });
    expect(map({ conclusion: 'neutral' }).status).toBe('succeeded');
    expect(map({ conclusion: 'cancelled' }).status).toBe('cancelled');
    expect(map({ conclusion: 'stale' }).status).toBe('skipped');
    expect(map({ conclusion: 'timed_out' })).toMatchObject({
      status: 'failed',
      error: 'GitHub Actions run ended: timed_out',
    });
    expect(map({ conclusion: undefined }).error).toBe(
      'GitHub Actions run ended: failure',
    );
    expect(map({ status: 'waiting', conclusion: undefined })).toMatchObject({
      status: 'waiting',
      finishedAt: undefined,
      durationMs: undefined,
    });
    expect(map({ status: 'requested' }).status).toBe('queued');
    expect(map({ event: 'pull_request_target' }).trigger.type).toBe(
      'pull_request',
    );
    expect(map({ event: 'schedule' }).trigger.type).toBe('schedule');
    expect(map({ event: 'workflow_dispatch' }).trigger.type).toBe('manual');
    expect(map({ runAttempt: 2 }).trigger.type).toBe('rerun');
  });
});
