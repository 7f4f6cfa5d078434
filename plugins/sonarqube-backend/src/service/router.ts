import { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { SonarQubeService } from './SonarQubeService';
import type { SonarQubeWebhookHandler } from './SonarQubeWebhookHandler';

const entityRef = z.string({
  required_error: 'entityRef is required, e.g. component:default/payments-api',
});
const csv = z
  .string()
  .optional()
  .transform(v =>
    v
      ? v
          .split(',')
          .map(s => s.trim())
          .filter(Boolean)
      : undefined,
  );
const scope = {
  branch: z.string().min(1).max(255).optional(),
  pullRequest: z.string().min(1).max(255).optional(),
};
const projectQuery = z.object({
  entityRef,
  project: z.string().min(1).max(400).optional(),
  ...scope,
});

export async function createRouter(options: {
  service: SonarQubeService;
  httpAuth: HttpAuthService;
  webhooks: SonarQubeWebhookHandler;
}): Promise<express.Router> {
  const { service, httpAuth, webhooks } = options;
  const router = Router();

  // The signature covers the raw body, so the webhook comes before express.json.
  router.post(
    '/webhook',
    express.raw({ type: '*/*', limit: '2mb' }),
    async (req, res) => {
      const result = await webhooks.handle({
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        signature: req.header('x-sonar-webhook-hmac-sha256'),
        instance:
          typeof req.query.instance === 'string'
            ? req.query.instance
            : undefined,
      });
      res.status(result.status).json(result.body);
    },
  );

  router.use(express.json());

  router.get('/summary', async (req, res) => {
    const query = parseInput(
      z.object({ entityRef, ...scope }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.summary(credentials, query));
  });

  router.get('/project', async (req, res) => {
    const query = parseInput(projectQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.projectView(credentials, query));
  });

  router.get('/history', async (req, res) => {
    const query = parseInput(
      projectQuery.extend({ metrics: csv }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.history(credentials, query));
  });

  router.get('/issues', async (req, res) => {
    const query = parseInput(
      projectQuery.extend({
        types: csv.refine(
          v =>
            !v ||
            v.every(t => ['BUG', 'VULNERABILITY', 'CODE_SMELL'].includes(t)),
          'types are BUG, VULNERABILITY and CODE_SMELL',
        ),
        severities: csv.refine(
          v =>
            !v ||
            v.every(s =>
              ['BLOCKER', 'CRITICAL', 'MAJOR', 'MINOR', 'INFO'].includes(s),
            ),
          'severities are BLOCKER, CRITICAL, MAJOR, MINOR and INFO',
        ),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(500).default(25),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.issues(credentials, query));
  });

  router.get('/hotspots', async (req, res) => {
    const query = parseInput(
      projectQuery.extend({
        status: z.enum(['TO_REVIEW', 'REVIEWED']).optional(),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(500).default(25),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.hotspots(credentials, query));
  });

  router.get('/branches', async (req, res) => {
    const query = parseInput(
      z.object({ entityRef, project: z.string().optional() }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.branches(credentials, query));
  });

  router.get('/table', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.table(credentials, query));
  });

  return router;
}
