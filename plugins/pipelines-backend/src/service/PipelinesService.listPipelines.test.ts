import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import express from 'express';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import type { GithubWebhookHandler } from './GithubWebhookHandler';
import type { LiveLogStream } from './LiveLogStream';
import { PipelinesService } from './PipelinesService';
import { createRouter } from './router';

// Reads the files from a real git repository, slow on a loaded machine
jest.setTimeout(60_000);

const VALID = 'name: ci\njobs:\n  build:\n    steps:\n      - run: echo hi\n';
const BROKEN = 'name: nightly\njobs:\n  build:\n    stpes: []\n';

describe('GET /pipelines', () => {
  let tmp: string;
  let repo: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-list-pipelines-'));
    repo = path.join(tmp, 'repo');
    makeGitRepository(repo, {
      '.comet/pipeline.yaml': VALID,
      '.comet/nightly.yaml': BROKEN,
    });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function createApp() {
    const service = new PipelinesService({
      store: {},
      providers: [],
      catalog: {
        getEntityByRef: async (ref: string) =>
          ref === 'component:default/a'
            ? {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: {
                  name: 'a',
                  namespace: 'default',
                  annotations: {
                    'backstage.io/source-location': `url:file://${repo}`,
                    'comet.dev/pipelines':
                      '.comet/pipeline.yaml,.comet/nightly.yaml,.comet/missing.yaml',
                  },
                },
              }
            : undefined,
      },
      permissions: {
        authorizeConditional: async (requests: unknown[]) =>
          requests.map(() => ({ result: AuthorizeResult.ALLOW })),
      },
      source: GitPipelineSource.create({
        // Local folders: allowed for tests only, never from config
        remotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
      }),
      stepTypes: () => [],
      secretNames: () => [],
      readAccessCacheMs: 0,
    } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
    const router = await createRouter({
      service,
      httpAuth: mockServices.httpAuth(),
      logger: mockServices.logger.mock(),
      webhooks: {} as GithubWebhookHandler,
      liveLogStream: {} as LiveLogStream,
    });
    return express().use(router);
  }

  it("returns each file's text at its commit, parsed or with its problems, for the editor", async () => {
    const res = await request(await createApp())
      .get('/pipelines')
      .query({ entityRef: 'component:default/a' })
      .set('authorization', mockCredentials.user.header('user:default/alice'));
    expect(res.status).toBe(200);
    const [valid, broken, missing] = res.body.pipelines;
    expect(valid).toMatchObject({
      path: '.comet/pipeline.yaml',
      text: VALID,
      definition: { name: 'ci' },
    });
    expect(valid.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(broken).toMatchObject({ path: '.comet/nightly.yaml', text: BROKEN });
    expect(broken.commit).toBe(valid.commit);
    expect(broken.issues.map((i: { message: string }) => i.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/stpes/)]),
    );
    // A file the repository does not have: its problem, and no text to open
    expect(missing.path).toBe('.comet/missing.yaml');
    expect(missing.text).toBeUndefined();
    expect(missing.issues[0].message).toMatch(/missing\.yaml/);
  });
});
