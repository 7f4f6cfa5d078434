/*
 * Reporting inside real pipeline runs: the pipelines plugin with its engine, executor, database
 * and run-event outbox, this module, a real git repository served over HTTP, and the GitHub
 * fake on an ephemeral port as `integrations.github`.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  GitHubFake,
  GITHUB_FAKE_DEMO_TOKEN,
} from '@internal/plugin-github-node/testUtils';
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
import pipelinesModuleGithub from './index';
import { commentMarker, parseCommentState } from './pullRequestComment';

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
          echo "secret-looking log line"
          if [ "\${{ params.fail }}" = "true" ]; then echo "1 test failed"; exit 1; fi
          echo "all green"
`;

function makeRepository(dir: string) {
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
  git('commit', '--quiet', '-m', 'Refunds');
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

describe('Comet runs reported to GitHub', () => {
  let tmp: string;
  let fake: GitHubFake;
  let gitServer: GitHttpServer;
  let sha: string;
  let server: any;
  let stopBackend: () => Promise<void>;
  const entityRef = 'component:default/payments-api';
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-github-module-'));
    sha = makeRepository(path.join(tmp, 'repo'));
    gitServer = await startGitHttpServer({ root: tmp });
    fake = await GitHubFake.start({
      repos: [{ owner: 'comet-examples', name: 'payments-api' }],
    });
    // GitHub knows the commit Comet builds, and a pull request has it as its head
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const initial = repo.commits.get(repo.refs.get('heads/main')!)!;
    repo.commits.set(sha, { ...initial, sha, message: 'Refunds' });
    fake.state.addPull(repo, {
      number: 7,
      title: 'Refunds',
      head: 'main',
      base: 'release',
      headSha: sha,
    });
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
        pipelinesModuleGithub,
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
            component('no-github', {}),
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
        branch: 'main',
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

  const repo = () => fake.state.repo('comet-examples', 'payments-api')!;
  const comment = () =>
    repo().issueComments.find(c =>
      String(c.body).includes(commentMarker(entityRef)),
    );

  it('sets the commit status as the run goes and comments on the pull request', async () => {
    const failed = await run(entityRef, true);
    expect(failed.status).toBe('failed');
    expect(failed.commit?.sha).toBe(sha);
    expect(failed.branch).toBe('main');
    const url = `http://portal.example.com/pipelines/runs/${failed.runId}`;
    await until('the failure status', () =>
      repo().statuses.some(s => s.state === 'failure' && s.target_url === url)
        ? true
        : undefined,
    );
    const states = repo()
      .statuses.filter(s => s.target_url === url)
      .map(s => s.state);
    expect(states[0]).toBe('pending');
    expect(states.at(-1)).toBe('failure');
    expect(repo().statuses.every(s => s.context === 'comet/ci')).toBe(true);

    const failedComment = await until('the comment to show the failure', () => {
      const state = comment() && parseCommentState(comment()!.body);
      return state?.runs[0]?.status === 'failed' ? comment() : undefined;
    });
    expect(failedComment!.issue_number).toBe(7);
    expect(failedComment!.body).toContain(
      '❌ failed at Unit tests › run the tests',
    );
    expect(failedComment!.body).not.toContain('secret-looking');

    // The run page links the comment
    const links = await until('the run to link the comment', async () => {
      const got = await request(server)
        .get(`/api/pipelines/runs/${failed.runId}`)
        .set('Authorization', user);
      return (got.body as PipelineRun).links.length > 0
        ? (got.body as PipelineRun).links
        : undefined;
    });
    expect(links).toContainEqual({
      title: 'Comet results on pull request #7',
      url: failedComment!.html_url,
    });

    // A green run of the same commit: the same comment, updated in place
    const green = await run(entityRef, false);
    await until('the comment to show the green run', () => {
      const state = comment() && parseCommentState(comment()!.body);
      return state?.runs[0]?.runId === green.runId &&
        state.runs[0].status === 'succeeded'
        ? true
        : undefined;
    });
    expect(
      repo().issueComments.filter(c =>
        String(c.body).includes(commentMarker(entityRef)),
      ),
    ).toHaveLength(1);
    await until('the success status', () =>
      repo().statuses.at(-1)?.state === 'success' ? true : undefined,
    );
  });

  it('reports nothing for an entity without github.com/project-slug', async () => {
    const other = await run('component:default/no-github', false);
    expect(other.status).toBe('succeeded');
    // A run reported after it shows the listener has had its events
    const later = await run(entityRef, false);
    await until('the later run to be reported', () =>
      repo().statuses.some(
        s =>
          s.state === 'success' && String(s.target_url).endsWith(later.runId),
      )
        ? true
        : undefined,
    );
    expect(
      repo().statuses.filter(s => String(s.target_url).endsWith(other.runId)),
    ).toEqual([]);
  });
});
