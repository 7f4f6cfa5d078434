import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import type { TriggerRequest } from '../engine/PipelineEngine';
import { ScheduledPipelines } from './ScheduledPipelines';

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
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      fs.writeFileSync(path.join(repo, file), text);
    }
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        env: {
          PATH: process.env.PATH,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '.');
    git('commit', '--quiet', '-m', 'init');
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
      source: GitPipelineSource.create(),
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
