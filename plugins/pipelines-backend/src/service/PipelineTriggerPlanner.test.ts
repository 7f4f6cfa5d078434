import type { Entity } from '@backstage/catalog-model';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import {
  EntityPipeline,
  PipelineTriggerHandlers,
  PipelineTriggerPlanner,
} from './PipelineTriggerPlanner';

const VALID = `name: build
jobs:
  build:
    steps:
      - run: echo build
`;

const INVALID = `name: cyclic
jobs:
  build:
    needs: [build]
    steps:
      - run: echo never
`;

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, annotations },
  };
}

const planner = PipelineTriggerPlanner.create({
  validate: (text, file) =>
    parsePipeline(text, { file, stepTypes: [], secrets: [] }),
});

/** Handlers that record what the planner told them, reading files from `files`. */
function recording(
  files: Record<string, string | undefined | Error>,
  overrides: Partial<PipelineTriggerHandlers> = {},
) {
  const calls: Array<[string, string, string]> = [];
  const at = (pipeline: EntityPipeline) =>
    `${pipeline.entityRef} ${pipeline.pipelinePath}`;
  const handlers: PipelineTriggerHandlers = {
    readFile: async pipeline => {
      const file = files[`${pipeline.repositoryUrl}#${pipeline.pipelinePath}`];
      if (file instanceof Error || file === undefined) {
        throw file ?? new Error('not found');
      }
      return { text: file, commit: 'c0ffee' };
    },
    onProblem: async (pipeline, problem) => {
      calls.push(['problem', at(pipeline), problem.reason]);
    },
    onValid: async (pipeline, definition, commitSha) => {
      calls.push(['valid', at(pipeline), `${definition.name}@${commitSha}`]);
    },
    onError: (pipeline, error) => {
      calls.push(['error', at(pipeline), String(error)]);
    },
    ...overrides,
  };
  return { handlers, calls };
}

describe('PipelineTriggerPlanner', () => {
  it('lists the pipeline files of entities with a source location', () => {
    expect(
      planner.pipelinesOf([
        component('named', {
          'backstage.io/source-location':
            'url:https://github.com/acme/named/tree/main/',
          'comet.dev/pipelines': '.comet/a.yaml,.comet/b.yaml',
        }),
        component('defaulted', {
          'backstage.io/source-location': 'url:file:///repos/defaulted',
        }),
        component('nowhere', { 'comet.dev/pipelines': '.comet/a.yaml' }),
      ]),
    ).toEqual([
      {
        entityRef: 'component:default/named',
        entityName: 'named',
        repositoryUrl: 'https://github.com/acme/named.git',
        pipelinePath: '.comet/a.yaml',
        declared: true,
      },
      {
        entityRef: 'component:default/named',
        entityName: 'named',
        repositoryUrl: 'https://github.com/acme/named.git',
        pipelinePath: '.comet/b.yaml',
        declared: true,
      },
      {
        entityRef: 'component:default/defaulted',
        entityName: 'defaulted',
        repositoryUrl: 'file:///repos/defaulted',
        pipelinePath: '.comet/pipeline.yaml',
        declared: false,
      },
    ]);
  });

  it('hands each file on as valid, invalid or unreadable', async () => {
    const { handlers, calls } = recording({
      'file:///repos/a#.comet/ok.yaml': VALID,
      'file:///repos/a#.comet/cyclic.yaml': INVALID,
      'file:///repos/a#.comet/gone.yaml': new Error('no such path'),
    });
    await planner.forEachPipeline(
      [
        component('a', {
          'backstage.io/source-location': 'url:file:///repos/a',
          'comet.dev/pipelines':
            '.comet/ok.yaml,.comet/cyclic.yaml,.comet/gone.yaml',
        }),
      ],
      handlers,
    );
    expect(calls).toEqual([
      ['valid', 'component:default/a .comet/ok.yaml', 'build@c0ffee'],
      [
        'problem',
        'component:default/a .comet/cyclic.yaml',
        expect.stringMatching(
          /^\.comet\/cyclic\.yaml is invalid:\n\.comet\/cyclic\.yaml:4:\d+: .*\(at jobs\.build\.needs/,
        ),
      ],
      [
        'problem',
        'component:default/a .comet/gone.yaml',
        'Cannot read .comet/gone.yaml: no such path',
      ],
    ]);
  });

  it('passes over a default file that cannot be read, or that the reader knows is absent', async () => {
    const { handlers, calls } = recording(
      { 'file:///repos/b#.comet/pipeline.yaml': VALID },
      {
        readFile: async pipeline =>
          pipeline.repositoryUrl === 'file:///repos/b'
            ? undefined
            : Promise.reject(new Error('unreachable')),
      },
    );
    await planner.forEachPipeline(
      [
        component('a', {
          'backstage.io/source-location': 'url:file:///repos/a',
        }),
        component('b', {
          'backstage.io/source-location': 'url:file:///repos/b',
        }),
      ],
      handlers,
    );
    expect(calls).toEqual([]);
  });

  it('goes on with the other files when a handler throws', async () => {
    const { handlers, calls } = recording(
      {
        'file:///repos/a#.comet/one.yaml': VALID,
        'file:///repos/a#.comet/two.yaml': VALID,
      },
      {
        onValid: async pipeline => {
          if (pipeline.pipelinePath === '.comet/one.yaml') {
            throw new Error('database is down');
          }
          calls.push(['valid', pipeline.pipelinePath, '']);
        },
      },
    );
    await planner.forEachPipeline(
      [
        component('a', {
          'backstage.io/source-location': 'url:file:///repos/a',
          'comet.dev/pipelines': '.comet/one.yaml,.comet/two.yaml',
        }),
      ],
      handlers,
    );
    expect(calls).toEqual([
      [
        'error',
        'component:default/a .comet/one.yaml',
        'Error: database is down',
      ],
      ['valid', '.comet/two.yaml', ''],
    ]);
  });
});
