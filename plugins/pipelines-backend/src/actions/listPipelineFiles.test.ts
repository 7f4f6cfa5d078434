import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod/v3';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import { PipelinesService } from '../service/PipelinesService';
import { registerActions } from './registerActions';

// Reads a real git repository, slow on a loaded machine
jest.setTimeout(60_000);

type Registered = Parameters<ActionsRegistryService['register']>[0];

const ALICE = mockCredentials.user('user:default/alice');

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
  };
}

describe('pipelines:list-pipeline-files', () => {
  let tmp: string;
  let repo: string;
  let commit: string;
  let entities: Entity[];
  const permissionRequests: string[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-list-files-'));
    repo = path.join(tmp, 'repo');
    commit = makeGitRepository(repo, {
      '.comet/pipeline.yaml': 'name: Build and test\njobs: {}\n',
      '.comet/release.yml': "name: 'Release'\n",
      '.comet/anonymous.yaml': 'jobs: {}\n',
      '.comet/readme.md': '# not a pipeline\n',
      'deploy/prod.yaml': 'name: Production\n',
    });
    entities = [
      component('payments-api', {
        'backstage.io/source-location': `url:file://${repo}/`,
        'comet.dev/pipelines': '.comet/pipeline.yaml, deploy/prod.yaml',
      }),
      component('no-source', { 'comet.dev/pipelines': '.comet/pipeline.yaml' }),
    ];
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function action(decision: AuthorizeResult = AuthorizeResult.ALLOW) {
    const service = new PipelinesService({
      catalog: {
        getEntityByRef: async (ref: string) =>
          entities.find(e => `component:default/${e.metadata.name}` === ref),
      },
      permissions: {
        authorizeConditional: async (
          requests: Array<{ permission: { name: string } }>,
        ) =>
          requests.map(r => {
            permissionRequests.push(r.permission.name);
            return { result: decision };
          }),
      },
      source: GitPipelineSource.create({
        // Local folders: allowed for tests only, never from config
        remotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
      }),
      stepTypes: () => [],
      secretNames: () => [],
      readAccessCacheMs: 0,
    } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
    const actions: Registered[] = [];
    registerActions(
      { register: (a: Registered) => actions.push(a) } as any,
      service,
    );
    const registered = actions.find(a => a.name === 'list-pipeline-files')!;
    return {
      registered,
      invoke: async (input: Record<string, unknown>) =>
        (
          await registered.action({
            input: registered.schema.input(z).parse(input),
            credentials: ALICE,
            logger: {},
          } as any)
        ).output,
    };
  }

  it("lists the entity's pipeline files with their names at its default branch, as the caller may read its runs", async () => {
    permissionRequests.length = 0;
    const { invoke, registered } = action();
    const output = await invoke({
      entityRef: 'component:default/payments-api',
    });
    expect(output).toEqual({
      repositoryUrl: `file://${repo}`,
      ref: 'HEAD',
      commit,
      files: [
        { path: '.comet/anonymous.yaml' },
        { path: '.comet/pipeline.yaml', name: 'Build and test' },
        { path: '.comet/release.yml', name: 'Release' },
        // Outside .comet/: listed because comet.dev/pipelines names it
        { path: 'deploy/prod.yaml', name: 'Production' },
      ],
    });
    expect(registered.schema.output(z).parse(output)).toEqual(output);
    expect(permissionRequests).toEqual(['pipelines.run.read']);
    await expect(
      invoke({ entityRef: 'component:default/payments-api', ref: 'main' }),
    ).resolves.toEqual({ ...output, ref: 'main' });
    // Paths about to be declared: listed when they exist as files
    const asked = await invoke({
      entityRef: 'component:default/payments-api',
      paths: ['.comet/readme.md', 'deploy', 'deploy/staging.yaml'],
    });
    expect(asked.files.map((f: { path: string }) => f.path)).toEqual([
      '.comet/anonymous.yaml',
      '.comet/pipeline.yaml',
      '.comet/readme.md',
      '.comet/release.yml',
      'deploy/prod.yaml',
    ]);
  });

  it('says what is wrong: an unknown entity, one without a source location, a ref, a refusal', async () => {
    const { invoke } = action();
    await expect(
      invoke({ entityRef: 'component:default/nowhere' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('component:default/nowhere'),
    });
    await expect(
      invoke({ entityRef: 'component:default/no-source' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'component:default/no-source has no backstage.io/source-location annotation, so Comet cannot list its pipeline files',
    });
    await expect(
      invoke({ entityRef: 'component:default/payments-api', ref: '-x' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: 'Invalid git ref "-x"',
    });
    await expect(
      invoke({ entityRef: 'component:default/payments-api', ref: 'gone' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/^Cannot fetch gone from /),
    });
    await expect(
      action(AuthorizeResult.DENY).invoke({
        entityRef: 'component:default/payments-api',
      }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });
});
