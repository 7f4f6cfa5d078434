import { mockServices } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import type { TriggerRequest } from '../engine/PipelineEngine';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import type { WebhookTrigger } from './GithubWebhookHandler';
import { WebhookPipelineTrigger } from './WebhookPipelineTrigger';

/** The test repositories are local folders: allowed for tests only, never from config. */
const localRepositories = GitRemotePolicy.create({
  allowLocalRepositories: true,
});

const job = `jobs:
  build:
    steps:
      - run: echo build
`;

const FILES: Record<string, string> = {
  '.comet/main.yaml': `name: main
on:
  push:
    branches: [main]
${job}`,
  '.comet/release.yaml': `name: release
on:
  push:
    tags: ['v*']
${job}`,
  '.comet/review.yaml': `name: review
on:
  pull_request:
    branches: [main]
${job}`,
  '.comet/needs-param.yaml': `name: needs-param
on:
  push:
    branches: [main]
${job}`,
  '.comet/broken.yaml': `name: broken
on:
  push: {}
jobs:
  build:
    needs: [build]
    steps:
      - run: echo never
`,
};

// Each tick reads pipeline files from real git repositories, slow on a loaded machine
jest.setTimeout(60_000);

describe('WebhookPipelineTrigger', () => {
  let tmp: string;
  let repo: string;
  let plain: string;
  let commit: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-webhook-trigger-'));
    repo = path.join(tmp, 'repo');
    commit = makeGitRepository(repo, FILES);
    plain = path.join(tmp, 'plain');
    makeGitRepository(plain, { 'README.md': 'no pipelines here\n' });
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function create(
    options: {
      failTrigger?: (request: TriggerRequest) => Error | undefined;
      source?: Pick<GitPipelineSource, 'readFile'>;
    } = {},
  ) {
    const triggered: Array<{ request: TriggerRequest; deliveryId?: string }> =
      [];
    const failures: Array<Record<string, unknown>> = [];
    const logger = mockServices.logger.mock();
    const component = (name: string, slug: string, annotations: object) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        annotations: { 'github.com/project-slug': slug, ...annotations },
      },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
    });
    const webhookTrigger = WebhookPipelineTrigger.create({
      catalog: catalogServiceMock({
        entities: [
          component('demo', 'acme/demo', {
            'backstage.io/source-location': `url:file://${repo}`,
            'comet.dev/pipelines': Object.keys(FILES)
              .concat('.comet/missing.yaml')
              .join(','),
          }),
          // Names no file and its repository has no default file: not Comet's business
          component('plain', 'acme/demo', {
            'backstage.io/source-location': `url:file://${plain}`,
          }),
          component('elsewhere', 'acme/other', {
            'backstage.io/source-location': `url:file://${repo}`,
            'comet.dev/pipelines': '.comet/main.yaml',
          }),
        ],
      }),
      auth: mockServices.auth(),
      source:
        options.source ??
        GitPipelineSource.create({ remotePolicy: localRepositories }),
      service: {
        validate: (text, file) =>
          parsePipeline(text, { file, stepTypes: [], secrets: [] }),
        triggerFromEvent: async (request, audit) => {
          const error = options.failTrigger?.(request);
          if (error) throw error;
          triggered.push({ request, deliveryId: audit?.deliveryId });
          return {} as any;
        },
        recordFailedTrigger: async (request, audit) => {
          failures.push({ ...request, deliveryId: audit?.deliveryId });
          return {} as any;
        },
      },
      logger,
    });
    return { webhookTrigger, triggered, failures, logger };
  }

  const push = (ref: string, refType: 'branch' | 'tag'): WebhookTrigger => ({
    repository: 'acme/demo',
    event: 'push',
    ref,
    refType,
    commitSha: commit,
    sender: 'octocat',
  });

  it('starts the pipelines a branch push asks for and records those that cannot start', async () => {
    const { webhookTrigger, triggered, failures } = create({
      failTrigger: request =>
        request.pipelinePath === '.comet/needs-param.yaml'
          ? new InputError('Parameter version is required')
          : undefined,
    });
    await webhookTrigger.trigger(push('main', 'branch'), { deliveryId: 'd-1' });

    expect(triggered).toEqual([
      {
        request: expect.objectContaining({
          entityRef: 'component:default/demo',
          entityName: 'demo',
          repositoryUrl: `file://${repo}`,
          pipelinePath: '.comet/main.yaml',
          commitSha: commit,
          branch: 'main',
          trigger: { type: 'push', actor: 'github:octocat' },
        }),
        deliveryId: 'd-1',
      },
    ]);
    expect(triggered[0].request.definition.name).toBe('main');
    expect(
      failures.map(f => [f.pipelinePath, f.commitSha, f.branch, f.deliveryId]),
    ).toEqual([
      ['.comet/needs-param.yaml', commit, 'main', 'd-1'],
      ['.comet/broken.yaml', commit, 'main', 'd-1'],
      ['.comet/missing.yaml', commit, 'main', 'd-1'],
    ]);
    expect(failures[0].reason).toBe(
      '.comet/needs-param.yaml cannot start: Parameter version is required',
    );
    expect(failures[1].reason).toMatch(
      /^\.comet\/broken\.yaml is invalid:\n\.comet\/broken\.yaml:\d+:\d+: /,
    );
    expect(failures[2].reason).toMatch(/^Cannot read \.comet\/missing\.yaml: /);
    expect(failures[2].trigger).toEqual({
      type: 'push',
      actor: 'github:octocat',
    });
  });

  it('starts a tag push only for pipelines that want the tag', async () => {
    const { webhookTrigger, triggered } = create();
    await webhookTrigger.trigger(push('v1.2.0', 'tag'), { deliveryId: 'd-2' });
    expect(triggered.map(t => t.request.pipelinePath)).toEqual([
      '.comet/release.yaml',
    ]);
  });

  it('starts a pull request by its base branch and links the pull request', async () => {
    const { webhookTrigger, triggered } = create();
    const pullRequest = {
      number: 17,
      title: 'Greet louder',
      url: 'https://github.com/acme/demo/pull/17',
    };
    await webhookTrigger.trigger(
      {
        repository: 'acme/demo',
        event: 'pull_request',
        ref: 'feature/loud',
        refType: 'branch',
        baseBranch: 'main',
        commitSha: commit,
        sender: 'octocat',
        pullRequest,
      },
      { deliveryId: 'd-3' },
    );
    expect(triggered.map(t => [t.request.pipelinePath, t.request])).toEqual([
      [
        '.comet/review.yaml',
        expect.objectContaining({
          branch: 'feature/loud',
          trigger: {
            type: 'pull_request',
            actor: 'github:octocat',
            pullRequest,
          },
        }),
      ],
    ]);
    // Same repository: the file's jobs as they are, no gate, secrets as scoped
    expect(triggered[0].request.definition.jobs.map(j => j.id)).toEqual([
      'build',
    ]);
  });

  it("gates a fork's pull request behind the owners' approval and marks it untrusted", async () => {
    // The files as the repository has them, without git: this is about the run's shape
    const { webhookTrigger, triggered } = create({
      source: {
        readFile: async ({ filePath }) => {
          if (!FILES[filePath]) throw new Error(`no ${filePath}`);
          return { text: FILES[filePath], commit } as any;
        },
      },
    });
    const pullRequest = {
      number: 18,
      url: 'https://github.com/acme/demo/pull/18',
    };
    await webhookTrigger.trigger(
      {
        repository: 'acme/demo',
        event: 'pull_request',
        ref: 'patch-1',
        refType: 'branch',
        baseBranch: 'main',
        commitSha: commit,
        sender: 'mallory',
        pullRequest,
        fork: 'mallory/demo',
      },
      { deliveryId: 'd-fork' },
    );
    expect(triggered).toHaveLength(1);
    const { request } = triggered[0];
    expect(request.trigger).toEqual({
      type: 'pull_request',
      actor: 'github:mallory',
      pullRequest,
      untrusted:
        'Pull request #18 on acme/demo comes from the fork mallory/demo',
    });
    const [gate, build] = request.definition.jobs;
    expect(gate).toMatchObject({
      id: '_untrusted-approval',
      steps: [],
      approval: {
        approvers: ['group:default/team-a'],
        description: expect.stringContaining(
          'Pull request #18 on acme/demo comes from the fork mallory/demo',
        ),
      },
    });
    expect(build).toMatchObject({
      id: 'build',
      needs: ['_untrusted-approval'],
    });
  });

  it('says so when no entity has the repository', async () => {
    const { webhookTrigger, triggered, failures, logger } = create();
    await webhookTrigger.trigger(
      { ...push('main', 'branch'), repository: 'acme/unknown' },
      { deliveryId: 'd-4' },
    );
    expect([...triggered, ...failures]).toEqual([]);
    expect(logger.info).toHaveBeenCalledWith(
      'GitHub push on acme/unknown: no entity has github.com/project-slug: acme/unknown',
    );
  });

  it('fails the delivery when a run cannot be stored, after trying the other pipelines', async () => {
    const { webhookTrigger, failures, logger } = create({
      failTrigger: () => new Error('database is down'),
    });
    await expect(
      webhookTrigger.trigger(push('main', 'branch'), { deliveryId: 'd-5' }),
    ).rejects.toThrow(
      '2 pipeline(s) could not be triggered: .comet/main.yaml of component:default/demo: Error: database is down; .comet/needs-param.yaml of component:default/demo: Error: database is down',
    );
    // The files a redelivery cannot fix are still recorded
    expect(failures.map(f => f.pipelinePath)).toEqual([
      '.comet/broken.yaml',
      '.comet/missing.yaml',
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      'Cannot trigger .comet/main.yaml of component:default/demo: Error: database is down',
    );
  });
});
