import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type {
  GithubWebhookHandler,
  WebhookResult,
} from './GithubWebhookHandler';
import type { LiveLogStream } from './LiveLogStream';
import { principalKey } from '../limits/principalKey';
import { PipelinesService } from './PipelinesService';

const runStatus = z.enum([
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
]);

const listQuery = z.object({
  entityRef: z.string().optional(),
  scope: z.enum(['owned', 'all']).optional(),
  pipeline: z.string().optional(),
  branch: z.string().optional(),
  status: runStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().optional(),
});

const ciRunsQuery = z.object({
  entityRef: z.string({
    required_error:
      'entityRef is required, e.g. component:default/payments-api',
  }),
  provider: z.string().optional(),
  pipeline: z.string().optional(),
  branch: z.string().optional(),
  status: runStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().optional(),
});

const triggerBody = z.object({
  entityRef: z.string({ required_error: 'entityRef is required' }),
  pipelinePath: z.string().optional(),
  branch: z.string().optional(),
  params: z.record(z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const decisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
});

/** `?entityRef=` alone: the routes that answer for one entity. */
const entityQuery = z.object({
  entityRef: z.string({ required_error: 'entityRef is required' }),
});

const validateBody = z.object({
  yaml: z.string({
    required_error: 'yaml is required: the pipeline file text',
  }),
  file: z.string().optional(),
  /** With an entity, secrets its scope refuses the entity are issues too. */
  entityRef: z.string().optional(),
});

/**
 * The request body, or 'too large' as soon as more than `maxBytes` arrived: then reading
 * stops, and what came is dropped.
 */
function readBodyUpTo(
  req: express.Request,
  maxBytes: number,
): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: Buffer | 'too large' | Error) => {
      if (settled) return;
      settled = true;
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        chunks.length = 0;
        settle('too large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle(Buffer.concat(chunks)));
    req.on('error', settle);
    req.on('close', () =>
      settle(
        new Error('The webhook request was aborted while its body was read'),
      ),
    );
  });
}

export async function createRouter(options: {
  service: PipelinesService;
  httpAuth: HttpAuthService;
  logger: LoggerService;
  webhooks: GithubWebhookHandler;
  liveLogStream: LiveLogStream;
}): Promise<express.Router> {
  const { service, httpAuth, webhooks, liveLogStream } = options;
  const router = Router();

  // The GitHub webhook needs the raw body for its signature, so it comes before express.json.
  // Anyone may post here, so nothing is read while webhooks are off, a declared length over
  // the limit is refused before reading, and reading stops at the limit.
  router.post('/webhooks/github', async (req, res) => {
    const send = (result: WebhookResult) =>
      res.status(result.status).json(result.body);
    if (!webhooks.enabled) {
      res.setHeader('connection', 'close');
      send(webhooks.disabledResult());
      return;
    }
    const declaredLength = Number(req.header('content-length'));
    if (declaredLength > webhooks.maxBodyBytes) {
      res.setHeader('connection', 'close');
      send(webhooks.tooLargeResult());
      return;
    }
    const contentEncoding = req.header('content-encoding');
    if (contentEncoding && contentEncoding !== 'identity') {
      res.setHeader('connection', 'close');
      send({
        status: 415,
        body: { error: `Content-Encoding ${contentEncoding} is not accepted` },
      });
      return;
    }
    const body = await readBodyUpTo(req, webhooks.maxBodyBytes);
    if (body === 'too large') {
      // Stop here rather than read (even to discard) the rest: the connection closes
      res.setHeader('connection', 'close');
      send(webhooks.tooLargeResult());
      return;
    }
    send(
      await webhooks.handle({
        body,
        event: req.header('x-github-event'),
        deliveryId: req.header('x-github-delivery'),
        signature: req.header('x-hub-signature-256'),
      }),
    );
  });

  router.use(express.json({ limit: '2mb' }));

  router.get('/runs', async (req, res) => {
    const { entityRef, scope, ...query } = parseInput(
      listQuery,
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    if (entityRef !== undefined && scope !== undefined) {
      throw new InputError(
        'Invalid query: pass either entityRef (one entity) or scope (owned or all), not both',
      );
    }
    // Without an entity: runs across every entity the caller may see, theirs by default.
    res.json(
      entityRef === undefined
        ? await service.listRunsAcrossEntities(credentials, {
            scope: scope ?? 'owned',
            ...query,
          })
        : await service.listRuns(credentials, { entityRef, ...query }),
    );
  });

  router.post('/runs', async (req, res) => {
    const body = parseInput(triggerBody, req.body, 'request body');
    const credentials = await httpAuth.credentials(req);
    res
      .status(201)
      .json(await service.trigger(credentials, body, { request: req }));
  });

  router.get('/runs/:runId', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    res.json(await service.getRun(credentials, req.params.runId));
  });

  router.get('/runs/:runId/logs', async (req, res) => {
    const query = parseInput(
      z.object({
        after: z.coerce.number().int().min(-1).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).optional(),
        jobRunId: z.string().optional(),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    const { lines } = await service.getLogs(credentials, req.params.runId, {
      afterSeq: query.after,
      limit: query.limit,
      jobRunId: query.jobRunId,
    });
    if (req.query.format === 'text') {
      res.type('text/plain').send(lines.map(l => l.text).join('\n'));
      return;
    }
    res.json({
      lines,
      nextAfter: lines.length ? lines[lines.length - 1].seq : query.after,
    });
  });

  // Live log: Server-Sent Events (see LiveLogStream), resumed after `Last-Event-ID` or `?after=`.
  router.get('/runs/:runId/logs/stream', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const resumeFrom = req.header('last-event-id') ?? req.query.after;
    const afterSeq = resumeFrom !== undefined ? Number(resumeFrom) : -1;
    if (!Number.isInteger(afterSeq)) {
      throw new InputError(
        `Invalid cursor ${JSON.stringify(resumeFrom)}; expected a line number`,
      );
    }
    const { runId } = req.params;
    await service.getRun(credentials, runId); // permission and visibility, once
    const clientGone = new AbortController();
    req.on('close', () => clientGone.abort());
    await liveLogStream.stream({
      runId,
      afterSeq,
      reader: service.uncheckedReader(runId),
      response: res,
      signal: clientGone.signal,
      // For pipelines.limits.maxLiveStreamsPerUser
      viewer: principalKey(credentials),
    });
  });

  router.get('/runs/:runId/artifacts', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    res.json({
      artifacts: await service.listArtifacts(credentials, req.params.runId),
    });
  });

  router.get('/runs/:runId/artifacts/:jobRunId/*', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const filePath = (req.params as Record<string, string>)[0];
    const file = await service.readArtifact(
      credentials,
      req.params.runId,
      req.params.jobRunId,
      filePath,
    );
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(file.size));
    res.setHeader(
      'content-disposition',
      `attachment; filename="${filePath.split('/').pop()!.replace(/"/g, '')}"`,
    );
    file.stream.pipe(res);
  });

  // Runs of every CI/CD provider on the entity, in one list
  router.get('/ci-runs', async (req, res) => {
    const query = parseInput(ciRunsQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.listAllRuns(credentials, query));
  });

  // The newest Comet run of each pipeline of the entity, for the overview card
  router.get('/latest-runs', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.latestRuns(credentials, entityRef));
  });

  router.post('/runs/:runId/cancel', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.cancel(credentials, req.params.runId, { request: req }),
    );
  });

  router.post('/runs/:runId/rerun', async (req, res) => {
    const body = parseInput(
      z.object({ failedOnly: z.boolean().optional() }),
      req.body ?? {},
      'request body',
    );
    const credentials = await httpAuth.credentials(req);
    res.status(201).json(
      await service.rerun(credentials, req.params.runId, body, {
        request: req,
      }),
    );
  });

  router.post('/runs/:runId/jobs/:jobRunId/decision', async (req, res) => {
    const body = parseInput(decisionBody, req.body, 'request body');
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.decide(
        credentials,
        { runId: req.params.runId, jobRunId: req.params.jobRunId, ...body },
        { request: req },
      ),
    );
  });

  router.get('/pipelines', async (req, res) => {
    const { entityRef } = parseInput(entityQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.listPipelines(credentials, entityRef));
  });

  router.post('/validate', async (req, res) => {
    const body = parseInput(validateBody, req.body, 'request body');
    const credentials = await httpAuth.credentials(req);
    const result = body.entityRef
      ? await service.validateForEntity(credentials, {
          text: body.yaml,
          file: body.file,
          entityRef: body.entityRef,
        })
      : service.validate(body.yaml, body.file);
    // The step types it knows go with every answer: the editor completes `uses:` from them
    const stepTypes = service.stepTypeIds();
    res.json(
      result.ok
        ? { ok: true, issues: [], pipeline: result.pipeline, stepTypes }
        : { ok: false, issues: result.issues, stepTypes },
    );
  });

  // Per pipeline: durations, success rate and time to recovery over the last N finished runs
  router.get('/stats', async (req, res) => {
    const query = parseInput(
      entityQuery.extend({
        pipeline: z.string().optional(),
        last: z.coerce.number().int().min(1).max(100).optional(),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req);
    res.json(await service.stats(credentials, query));
  });

  return router;
}
