import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createRouter } from '../service/router';
import type { GithubWebhookHandler } from '../service/GithubWebhookHandler';
import type { LiveLogStream } from '../service/LiveLogStream';
import { PipelinesService } from '../service/PipelinesService';
import { SecretScopes } from './SecretScopes';

const STATUS_OF_ERROR: Record<string, number> = {
  InputError: 400,
  NotAllowedError: 403,
  NotFoundError: 404,
};

const PIPELINE = `name: ci
on:
  manual: {}
jobs:
  build:
    env:
      TOKEN: \${{ secrets.TEAM }}
    steps:
      - run: echo build
  deploy:
    needs: [approve]
    env:
      TOKEN: \${{ secrets.PROD }}
    steps:
      - run: echo deploy
  approve:
    approval:
      description: Ship it?
`;

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: {
      'backstage.io/source-location': 'url:https://git.example/payments.git',
      'comet.dev/pipelines': '.comet/pipeline.yaml',
    },
  },
  spec: { owner: 'group:default/payments' },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/payments' }],
};

async function createApp(secrets: SecretScopes) {
  const reads: Array<{ ref?: string }> = [];
  const triggered: Array<{ branch?: string; commitSha?: string }> = [];
  const service = new PipelinesService({
    store: {},
    providers: [],
    engine: {
      trigger: async (req: { branch?: string; commitSha?: string }) => {
        triggered.push(req);
        return { runId: 'run-1' };
      },
    },
    source: {
      readFile: async (options: { ref?: string }) => {
        reads.push({ ref: options.ref });
        return { text: PIPELINE, commit: 'c'.repeat(40) };
      },
    },
    catalog: {
      getEntityByRef: async (ref: string) =>
        ref === 'component:default/payments-api' ? entity : undefined,
    },
    permissions: {
      authorizeConditional: async (requests: unknown[]) =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    },
    auditor: mockServices.auditor.mock(),
    stepTypes: () => [],
    secretNames: () => secrets.names(),
    secretScopes: secrets,
    readAccessCacheMs: 0,
  } as unknown as ConstructorParameters<typeof PipelinesService>[0]);
  const router = await createRouter({
    service,
    httpAuth: mockServices.httpAuth(),
    logger: mockServices.logger.mock(),
    webhooks: {} as GithubWebhookHandler,
    liveLogStream: {} as LiveLogStream,
  });
  const app = express()
    .use(router)
    .use(
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
  return { app, reads, triggered };
}

const unscoped = SecretScopes.unscoped({ TEAM: 'team-value', PROD: 'prod' });
const alice = mockCredentials.user.header('user:default/alice');

describe('POST /runs (manual runs) and refs', () => {
  it.each(['refs/pull/1/head', 'refs/pull/1/merge', 'a'.repeat(40)])(
    'refuses %s with a 400 naming the branch field, reading nothing',
    async branch => {
      const { app, reads, triggered } = await createApp(unscoped);
      const res = await request(app)
        .post('/runs')
        .set('authorization', alice)
        .send({ entityRef: 'component:default/payments-api', branch });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^branch: /);
      expect(res.body.error.message).toContain(
        'a manual run takes refs/heads/*, refs/tags/* or a plain branch or tag name',
      );
      expect(reads).toEqual([]);
      expect(triggered).toEqual([]);
    },
  );

  it('builds a plain branch name by its full ref and shows the name', async () => {
    const { app, reads, triggered } = await createApp(unscoped);
    const res = await request(app)
      .post('/runs')
      .set('authorization', alice)
      .send({ entityRef: 'component:default/payments-api', branch: 'main' });
    expect(res.status).toBe(201);
    expect(reads).toEqual([{ ref: 'refs/heads/main' }]);
    expect(triggered.map(t => [t.branch, t.commitSha])).toEqual([
      ['main', 'c'.repeat(40)],
    ]);
  });

  it('builds refs/tags/* as the tag', async () => {
    const { app, reads, triggered } = await createApp(unscoped);
    const res = await request(app)
      .post('/runs')
      .set('authorization', alice)
      .send({
        entityRef: 'component:default/payments-api',
        branch: 'refs/tags/v1.2.0',
      });
    expect(res.status).toBe(201);
    expect(reads).toEqual([{ ref: 'refs/tags/v1.2.0' }]);
    expect(triggered[0].branch).toBe('v1.2.0');
  });
});

describe('POST /validate with an entity', () => {
  const scoped = new SecretScopes([
    { name: 'TEAM', value: 'team-value', owners: ['group:default/web'] },
    {
      name: 'PROD',
      value: 'prod-value',
      owners: ['group:default/payments'],
      environments: ['production'],
    },
  ]);

  it("reports each secret the entity's scope refuses, at its job, without values", async () => {
    const { app } = await createApp(scoped);
    const res = await request(app)
      .post('/validate')
      .set('authorization', alice)
      .send({
        yaml: PIPELINE,
        file: '.comet/pipeline.yaml',
        entityRef: 'component:default/payments-api',
      });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.issues).toEqual([
      {
        message:
          'Job "build" cannot have its secret: secret "TEAM" is only for entities owned by group:default/web, not for component:default/payments-api, whose owners are group:default/payments',
        path: 'jobs.build',
        file: '.comet/pipeline.yaml',
      },
      {
        message:
          'Job "deploy" cannot have its secret: secret "PROD" is only for jobs after an approved gate of environment production, and this job waits for no approved gate with an environment',
        path: 'jobs.deploy',
        file: '.comet/pipeline.yaml',
      },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/-value/);
  });

  it('accepts the file when every secret is in scope, and validates without an entity as before', async () => {
    const { app } = await createApp(unscoped);
    const withEntity = await request(app)
      .post('/validate')
      .set('authorization', alice)
      .send({ yaml: PIPELINE, entityRef: 'component:default/payments-api' });
    expect(withEntity.body.ok).toBe(true);
    const { app: scopedApp } = await createApp(scoped);
    const withoutEntity = await request(scopedApp)
      .post('/validate')
      .set('authorization', alice)
      .send({ yaml: PIPELINE });
    expect(withoutEntity.body.ok).toBe(true);
  });

  it('answers 404 for an entity the caller cannot see', async () => {
    const { app } = await createApp(scoped);
    const res = await request(app)
      .post('/validate')
      .set('authorization', alice)
      .send({ yaml: PIPELINE, entityRef: 'component:default/hidden' });
    expect(res.status).toBe(404);
  });
});
