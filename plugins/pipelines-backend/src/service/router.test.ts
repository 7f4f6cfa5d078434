import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import express from 'express';
import request from 'supertest';
import type { GithubWebhookHandler } from './GithubWebhookHandler';
import { makePipelineRun } from '../testing/pipelineRun';
import type { LiveLogStream } from './LiveLogStream';
import { PipelinesService } from './PipelinesService';
import { createRouter } from './router';

const STATUS_OF_ERROR: Record<string, number> = {
  InputError: 400,
  NotAllowedError: 403,
  NotFoundError: 404,
};

function latestRun(pipeline: string, number: number): PipelineRun {
  return makePipelineRun({
    runId: `${pipeline}-${number}`,
    entityRef: 'component:default/a',
    pipeline,
    number,
    status: 'succeeded',
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}

async function createApp(options: { allow: boolean }) {
  const catalogCalls: Array<{ ref: string; credentials: unknown }> = [];
  const permissionCalls: Array<{
    requests: Array<{ permission: { name: string }; resourceRef?: string }>;
    credentials: BackstageCredentials;
  }> = [];
  const storeCalls: string[] = [];
  const service = new PipelinesService({
    store: {
      latestRunPerPipeline: async (entityRef: string) => {
        storeCalls.push(entityRef);
        return [latestRun('ci', 60), latestRun('nightly', 1)];
      },
    },
    providers: [],
    catalog: {
      getEntityByRef: async (
        ref: string,
        { credentials }: { credentials: unknown },
      ) => {
        catalogCalls.push({ ref, credentials });
        // The catalog resolves a short ref to the full one
        return ref === 'component:a' || ref === 'component:default/a'
          ? {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'a', namespace: 'default' },
            }
          : undefined;
      },
    },
    permissions: {
      // One decision per permission, which the service evaluates against the entity it read
      authorizeConditional: async (
        requests: Array<{
          permission: { name: string };
          resourceRef?: string;
        }>,
        { credentials }: { credentials: BackstageCredentials },
      ) => {
        permissionCalls.push({ requests, credentials });
        return requests.map(() => ({
          result: options.allow ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
        }));
      },
    },
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
  const app = express().use(router);
  // What the backend's error middleware does with Backstage errors
  app.use(
    (
      error: Error,
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      res
        .status(STATUS_OF_ERROR[error.name] ?? 500)
        .json({ error: { name: error.name, message: error.message } });
    },
  );
  return { app, catalogCalls, permissionCalls, storeCalls };
}

describe('GET /latest-runs', () => {
  it('looks the entity up as the caller, checks pipelines.run.read on it and returns the latest run per pipeline', async () => {
    const { app, catalogCalls, permissionCalls, storeCalls } = await createApp({
      allow: true,
    });
    const res = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:a' })
      .set('authorization', mockCredentials.user.header('user:default/alice'));
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r: PipelineRun) => r.runId)).toEqual([
      'ci-60',
      'nightly-1',
    ]);
    expect(catalogCalls).toEqual([
      {
        ref: 'component:a',
        credentials: mockCredentials.user('user:default/alice'),
      },
    ]);
    expect(permissionCalls).toHaveLength(1);
    // Decided per permission (no resourceRef): the decision applies to the entity read above
    expect(permissionCalls[0].requests).toEqual([
      {
        permission: expect.objectContaining({ name: 'pipelines.run.read' }),
      },
    ]);
    expect(permissionCalls[0].credentials).toEqual(
      mockCredentials.user('user:default/alice'),
    );
    // The store is asked with the full ref of the entity the catalog returned
    expect(storeCalls).toEqual(['component:default/a']);
  });

  it('refuses without pipelines.run.read, reading nothing', async () => {
    const { app, storeCalls } = await createApp({ allow: false });
    const res = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:default/a' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /not allowed to pipelines.run.read on component:default\/a/,
    );
    expect(storeCalls).toEqual([]);
  });

  it('answers 404 for an entity the caller cannot see, and 400 without entityRef', async () => {
    const { app, storeCalls } = await createApp({ allow: true });
    const hidden = await request(app)
      .get('/latest-runs')
      .query({ entityRef: 'component:default/hidden' });
    expect(hidden.status).toBe(404);
    const missing = await request(app).get('/latest-runs');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/entityRef is required/);
    expect(storeCalls).toEqual([]);
  });
});
