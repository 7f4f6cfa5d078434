import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import type { TriggerRequest } from '../engine/PipelineEngine';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import { ScheduledPipelines } from './ScheduledPipelines';

/** The test repositories are local folders: allowed for tests only, never from config. */
const localRepositories = GitRemotePolicy.create({
  allowLocalRepositories: true,
});

// Each tick reads pipeline files from real git repositories, slow on a loaded machine
jest.setTimeout(60_000);

describe('ScheduledPipelines', () => {
  let tmp: string;
  let repo: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-schedule-'));
    repo = path.join(tmp, 'repo');
    const files: Record<string, string> = {
      '.comet/nightly.yaml': `name: nightly
on:
  schedule:
    - cron: '30 3 * * *'
jobs:
  build:
    steps:
      - run: echo nightly
`,
      '.comet/hourly.yaml': `name: hourly
on:
  manual: {}
  schedule:
    - cron: '0 * * * *'
jobs:
  build:
    steps:
      - run: echo hourly
`,
      '.comet/manual.yaml': `name: manual
jobs:
  build:
    steps:
      - run: echo manual
`,
      '.comet/broken.yaml': `name: broken
on:
  schedule:
    - cron: '* * * * *'
jobs:
  build:
    needs: [build]
    steps:
      - run: echo never
`,
    };
    makeGitRepository(repo, files);
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function create() {
    const triggered: TriggerRequest[] = [];
    const warnings: string[] = [];
    const logger = mockServices.logger.mock();
    logger.warn.mockImplementation((message: string) => {
      warnings.push(message);
    });
    const scheduled = new ScheduledPipelines({
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'scheduled',
              annotations: {
                'backstage.io/source-location': `url:file://${repo}`,
                'comet.dev/pipelines':
                  '.comet/nightly.yaml,.comet/hourly.yaml,.comet/manual.yaml,.comet/broken.yaml,.comet/missing.yaml',
              },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
          },
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'no-source',
              annotations: { 'comet.dev/pipelines': '.comet/hourly.yaml' },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
          },
        ],
      }),
      auth: mockServices.auth(),
      source: GitPipelineSource.create({ remotePolicy: localRepositories }),
      trigger: async request => {
        triggered.push(request);
      },
      logger,
      validate: (text, file) =>
        parsePipeline(text, { file, stepTypes: [], secrets: [] }),
    });
    return { scheduled, triggered, warnings };
  }

  it('starts exactly the pipelines whose cron matches the minute', async () => {
    const { scheduled, triggered, warnings } = create();
    expect(await scheduled.tick(new Date('2026-11-26T03:30:42Z'))).toEqual([
      'component:default/scheduled .comet/nightly.yaml',
    ]);
    expect(triggered).toHaveLength(1);
    expect(triggered[0]).toMatchObject({
      entityRef: 'component:default/scheduled',
      pipelinePath: '.comet/nightly.yaml',
      trigger: { type: 'schedule' },
    });
    expect(triggered[0].commitSha).toMatch(/^[0-9a-f]{40}$/);
    // The missing file is reported, the invalid one (cyclic needs) never runs.
    expect(warnings.join('\n')).toMatch(/\.comet\/missing\.yaml/);

    expect(await scheduled.tick(new Date('2026-11-26T04:00:05Z'))).toEqual([
      'component:default/scheduled .comet/hourly.yaml',
    ]);
    expect(await scheduled.tick(new Date('2026-11-26T04:01:00Z'))).toEqual([]);
  });
});

describe('ScheduledPipelines with the default pipeline file', () => {
  let tmp: string;

  function makeRepo(name: string, files: Record<string, string>) {
    const repo = path.join(tmp, name);
    makeGitRepository(repo, files);
    return repo;
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-schedule-default-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('schedules an entity that has only backstage.io/source-location', async () => {
    const withDefault = makeRepo('with-default', {
      '.comet/pipeline.yaml': `name: nightly-default
on:
  schedule:
    - cron: '15 2 * * *'
jobs:
  build:
    steps:
      - run: echo nightly
`,
    });
    const withoutPipelines = makeRepo('without', {
      'README.md': 'no pipelines here\n',
    });
    const component = (name: string, repo: string) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        annotations: { 'backstage.io/source-location': `url:file://${repo}` },
      },
      spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
    });
    const triggered: TriggerRequest[] = [];
    const logger = mockServices.logger.mock();
    let reads = 0;
    const source = GitPipelineSource.create({
      remotePolicy: localRepositories,
    });
    const failures: unknown[] = [];
    const scheduled = new ScheduledPipelines({
      recordFailure: async request => {
        failures.push(request);
      },
      catalog: catalogServiceMock({
        entities: [
          component('defaulted', withDefault),
          component('plain', withoutPipelines),
          component('unreachable', '/nonexistent/comet-repo'),
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'nothing' },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
          },
        ],
      }),
      auth: mockServices.auth(),
      source: {
        readFile: options => {
          reads++;
          return source.readFile(options);
        },
      },
      trigger: async request => {
        triggered.push(request);
      },
      logger,
      validate: (text, file) =>
        parsePipeline(text, { file, stepTypes: [], secrets: [] }),
    });

    expect(await scheduled.tick(new Date('2026-11-26T02:15:10Z'))).toEqual([
      'component:default/defaulted .comet/pipeline.yaml',
    ]);
    expect(triggered).toEqual([
      expect.objectContaining({
        entityRef: 'component:default/defaulted',
        entityName: 'defaulted',
        pipelinePath: '.comet/pipeline.yaml',
        repositoryUrl: `file://${withDefault}`,
        trigger: { type: 'schedule' },
      }),
    ]);
    // A repository without the default file, or one not reachable from here, is not an error
    // worth a failed run or a warning every minute (the entity names no pipeline file, it may
    // not use Comet's pipelines), and is not fetched again until the file cache expires.
    expect(logger.warn).not.toHaveBeenCalled();
    expect(failures).toEqual([]);
    expect(reads).toBe(3);
    expect(await scheduled.tick(new Date('2026-11-26T02:16:00Z'))).toEqual([]);
    expect(reads).toBe(3);
  });

  it('records a failed run for an invalid or unreadable file once, not every minute', async () => {
    const repo = makeRepo('invalid', {
      '.comet/ci.yaml': `name: ci
on:
  schedule:
    - cron: '* * * * *'
jobs:
  build:
    needs: [build]
    steps:
      - run: echo never
`,
    });
    const failures: Array<Record<string, unknown>> = [];
    const triggered: TriggerRequest[] = [];
    const scheduled = new ScheduledPipelines({
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name: 'invalid',
              annotations: {
                'backstage.io/source-location': `url:file://${repo}`,
                'comet.dev/pipelines': '.comet/ci.yaml,.comet/gone.yaml',
              },
            },
            spec: { type: 'service', owner: 'team-a', lifecycle: 'prod' },
          },
        ],
      }),
      auth: mockServices.auth(),
      source: GitPipelineSource.create({ remotePolicy: localRepositories }),
      trigger: async request => {
        triggered.push(request);
      },
      recordFailure: async request => {
        failures.push(request);
      },
      logger: mockServices.logger.mock(),
      validate: (text, file) =>
        parsePipeline(text, { file, stepTypes: [], secrets: [] }),
    });
    await scheduled.tick(new Date('2026-11-26T02:15:00Z'));
    await scheduled.tick(new Date('2026-11-26T02:16:00Z'));
    expect(triggered).toEqual([]);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      entityRef: 'component:default/invalid',
      pipelinePath: '.comet/ci.yaml',
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      trigger: { type: 'schedule' },
    });
    expect(failures[0].reason).toMatch(
      /^\.comet\/ci\.yaml is invalid:\n\.comet\/ci\.yaml:7:\d+: .*build.*\(at jobs\.build\.needs/,
    );
    expect(failures[1]).toMatchObject({
      pipelinePath: '.comet/gone.yaml',
      reason: expect.stringMatching(/^Cannot read \.comet\/gone\.yaml: /),
    });
  });
});
