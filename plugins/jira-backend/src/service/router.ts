import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { MAX_ATTACHMENT_BYTES, type JiraService } from './JiraService';

const entityRef = z.string({
  required_error: 'entityRef is required, e.g. component:default/payments-api',
});
/** A query parameter given once or repeated (`status=A&status=B`), or comma-separated. */
const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform(v =>
    v === undefined
      ? undefined
      : (Array.isArray(v) ? v : [v])
          .flatMap(s => s.split(','))
          .map(s => s.trim())
          .filter(Boolean),
  );
const limit = z.coerce.number().int().min(1).max(100).optional();
const issueKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]+-\d+$/, 'must be an issue key such as PAY-123');

/** `/api/jira`: see docs/jira.md for every route. */
export async function createRouter(options: {
  service: JiraService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();

  // Attachments are raw bytes, read before the JSON parser
  router.post(
    '/issues/:key/attachments',
    express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES }),
    async (req, res) => {
      const { key } = parseInput(
        z.object({ key: issueKey }),
        req.params,
        'path',
      );
      const query = parseInput(
        z.object({
          entityRef,
          filename: z
            .string({ required_error: 'filename is required' })
            .min(1)
            .max(255),
        }),
        req.query,
        'query',
      );
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const result = await service.attach(credentials, query.entityRef, key, {
        filename: query.filename,
        content: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        contentType: req.header('content-type') ?? undefined,
      });
      res.status(201).json(result);
    },
  );

  router.use(express.json({ limit: '1mb' }));

  // From the pipelines plugin's Jira module: which issues a run names
  router.post('/run-links', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const body = parseInput(
      z.object({
        entityRef: z.string().min(1).max(255),
        runId: z.string().min(1).max(64),
        pipeline: z.string().min(1).max(255),
        runNumber: z.number().int().min(1),
        status: z.string().min(1).max(32),
        path: z
          .string()
          .max(512)
          .regex(
            /^\/[^/\\]/,
            'must be a path in the portal, e.g. /pipelines/runs/<id>',
          ),
        createdAt: z.string().datetime({ offset: true }),
        updatedAt: z.string().datetime({ offset: true }),
        issues: z
          .array(
            z.object({
              instance: z.string().min(1).max(255),
              key: issueKey,
            }),
          )
          .min(1)
          .max(50),
      }),
      req.body,
      'body',
    );
    await service.recordRunLinks(credentials, body);
    res.status(204).end();
  });

  router.get('/entity/overview', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.overview(credentials, query.entityRef));
  });

  router.get('/entity/issues', async (req, res) => {
    const query = parseInput(
      z.object({
        entityRef,
        status: list,
        type: list,
        assignee: list,
        jql: z.string().max(2000).optional(),
        pageToken: z.string().max(4000).optional(),
        limit,
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.issues(credentials, {
        entityRef: query.entityRef,
        filters: {
          status: query.status,
          type: query.type,
          assignee: query.assignee,
          jql: query.jql,
        },
        pageToken: query.pageToken,
        limit: query.limit,
      }),
    );
  });

  router.get('/entity/create-meta', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.createMeta(credentials, query.entityRef));
  });

  router.post('/entity/issues', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const body = parseInput(
      z.object({
        projectKey: z.string().min(1).max(50).optional(),
        issueType: z
          .string({ required_error: 'issueType is required, e.g. Bug' })
          .min(1)
          .max(100),
        summary: z
          .string({ required_error: 'summary is required' })
          .min(1)
          .max(255),
        description: z.string().max(32_000).optional(),
        assignee: z.string().min(1).max(200).optional(),
        labels: z
          .array(
            z.string().min(1).max(255).regex(/^\S+$/, 'a label has no spaces'),
          )
          .max(50)
          .optional(),
        components: z.array(z.string().min(1).max(255)).max(50).optional(),
        customFields: z.record(z.unknown()).optional(),
      }),
      req.body,
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res
      .status(201)
      .json(await service.create(credentials, query.entityRef, body));
  });

  router.get('/entity/sprint', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.activeSprint(credentials, query.entityRef));
  });

  router.get('/entity/versions', async (req, res) => {
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json({
      versions: await service.versions(credentials, query.entityRef),
    });
  });

  router.get('/entity/release-notes', async (req, res) => {
    const query = parseInput(
      z.object({
        entityRef,
        version: z
          .string({ required_error: 'version is required, e.g. 1.5.0' })
          .min(1)
          .max(255),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.releaseNotes(credentials, query.entityRef, query.version),
    );
  });

  router.get('/issues/:key', async (req, res) => {
    const { key } = parseInput(z.object({ key: issueKey }), req.params, 'path');
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.issue(credentials, query.entityRef, key));
  });

  router.get('/issues/:key/transitions', async (req, res) => {
    const { key } = parseInput(z.object({ key: issueKey }), req.params, 'path');
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json({
      transitions: await service.transitions(credentials, query.entityRef, key),
    });
  });

  router.post('/issues/:key/transitions', async (req, res) => {
    const { key } = parseInput(z.object({ key: issueKey }), req.params, 'path');
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const body = parseInput(
      z.object({
        transition: z
          .string({
            required_error: 'transition is required, e.g. "In Progress"',
          })
          .min(1)
          .max(255),
      }),
      req.body,
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(
      await service.transition(
        credentials,
        query.entityRef,
        key,
        body.transition,
      ),
    );
  });

  router.post('/issues/:key/comments', async (req, res) => {
    const { key } = parseInput(z.object({ key: issueKey }), req.params, 'path');
    const query = parseInput(z.object({ entityRef }), req.query, 'query');
    const body = parseInput(
      z.object({
        body: z
          .string({ required_error: 'body is required (Markdown)' })
          .min(1)
          .max(32_000),
      }),
      req.body,
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res
      .status(201)
      .json(
        await service.comment(credentials, query.entityRef, key, body.body),
      );
  });

  router.get('/me/issues', async (req, res) => {
    const query = parseInput(z.object({ limit }), req.query, 'query');
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await service.myIssues(credentials, query.limit));
  });

  router.get('/search', async (req, res) => {
    const query = parseInput(
      z.object({
        jql: z.string({ required_error: 'jql is required' }).min(1).max(4000),
        instance: z.string().max(100).optional(),
        pageToken: z.string().max(4000).optional(),
        limit,
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.search(credentials, query));
  });

  return router;
}
