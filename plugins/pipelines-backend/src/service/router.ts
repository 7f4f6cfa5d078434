import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  PipelineLogLine,
  TERMINAL_RUN_STATUSES,
} from '@internal/plugin-pipelines-common';
import type { LiveLogBus } from '../engine/LiveLogBus';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import type { GithubWebhookHandler } from './GithubWebhookHandler';
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
});

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.');
    throw new InputError(
      `Invalid ${where}${field ? ` field "${field}"` : ''}: ${issue.message}`,
    );
  }
  return result.data;
}

export async function createRouter(options: {
  service: PipelinesService;
  httpAuth: HttpAuthService;
  logger: LoggerService;
  webhooks: GithubWebhookHandler;
  liveLogs: LiveLogBus;
}): Promise<express.Router> {
  const { service, httpAuth, webhooks, liveLogs } = options;
  const router = Router();

  // The GitHub webhook needs the raw body for its signature, so it comes before express.json.
  router.post(
    '/webhooks/github',
    express.raw({ type: '*/*', limit: '25mb' }),
    async (req, res) => {
      const result = await webhooks.handle({
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        event: req.header('x-github-event'),
        deliveryId: req.header('x-github-delivery'),
        signature: req.header('x-hub-signature-256'),
      });
      res.status(result.status).json(result.body);
    },
  );

  router.use(express.json({ limit: '2mb' }));

  router.get('/runs', async (req, res) => {
    const { entityRef, scope, ...query } = parse(listQuery, req.query, 'query');
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
    const body = parse(triggerBody, req.body, 'request body');
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
    const query = parse(
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

  // Live log: Server-Sent Events. Each line's `id` is its seq, so a reconnecting client
  // (Last-Event-ID, or ?after=) resumes exactly after the last line it saw. Lines stored on
  // this replica arrive through the live bus at once; the database fills any gap and brings
  // lines written by other replicas.
  router.get('/runs/:runId/logs/stream', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const resumeFrom = req.header('last-event-id') ?? req.query.after;
    let after = resumeFrom !== undefined ? Number(resumeFrom) : -1;
    if (!Number.isInteger(after)) {
      throw new InputError(
        `Invalid cursor ${JSON.stringify(resumeFrom)}; expected a line number`,
      );
    }
    const { runId } = req.params;
    await service.getRun(credentials, runId); // permission and visibility, once
    const reader = service.uncheckedReader(runId);
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      // no-transform: the backend's compression middleware would otherwise gzip the stream
      // and hold every event back until the response ends.
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let closed = false;
    let wake: (() => void) | undefined;
    const live: PipelineLogLine[] = [];
    const unsubscribe = liveLogs.subscribe(runId, lines => {
      live.push(...lines);
      wake?.();
    });
    req.on('close', () => {
      closed = true;
      wake?.();
    });
    const send = (line: PipelineLogLine) => {
      res.write(
        `id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`,
      );
      after = line.seq;
    };
    const catchUp = async () => {
      // Stops as soon as the client has gone, not after reading the rest of a long log.
      while (!closed) {
        const lines = await reader.lines(after, 2000);
        lines.forEach(send);
        if (lines.length < 2000) return;
      }
    };
    // Resolves on new live lines, on disconnect, or after a second.
    const nextWake = () =>
      new Promise<void>(resolve => {
        const timer = setTimeout(done, 1000);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    let lastStatus = '';
    let lastCheck = 0;
    try {
      await catchUp();
      while (!closed) {
        // Live lines, as long as they follow on; a gap means lines we have not seen yet.
        while (live.length && !closed) {
          const line = live.shift()!;
          if (line.seq <= after) continue;
          if (line.seq !== after + 1) {
            live.length = 0;
            await catchUp();
            break;
          }
          send(line);
        }
        if (Date.now() - lastCheck >= 1000) {
          lastCheck = Date.now();
          const run = await reader.run();
          if (!run) break;
          const status = JSON.stringify(
            run.jobs.map(j => [
              j.jobRunId,
              j.status,
              j.steps.map(st => st.status),
            ]),
          );
          if (status !== lastStatus) {
            res.write(`event: run\ndata: ${JSON.stringify(run)}\n\n`);
            lastStatus = status;
          }
          if (TERMINAL_RUN_STATUSES.includes(run.status)) {
            await catchUp();
            res.write(
              `event: end\ndata: ${JSON.stringify({ status: run.status })}\n\n`,
            );
            break;
          }
          await catchUp();
        }
        if (!live.length && !closed) {
          await nextWake();
        }
      }
    } finally {
      unsubscribe();
      res.end();
    }
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
    const query = parse(ciRunsQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.listAllRuns(credentials, query));
  });

  // The newest Comet run of each pipeline of the entity, for the overview card
  router.get('/latest-runs', async (req, res) => {
    const { entityRef } = parse(entityQuery, req.query, 'query');
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
    const body = parse(
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
    const body = parse(decisionBody, req.body, 'request body');
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
    const { entityRef } = parse(entityQuery, req.query, 'query');
    const credentials = await httpAuth.credentials(req);
    res.json(await service.listPipelines(credentials, entityRef));
  });

  router.post('/validate', async (req, res) => {
    const body = parse(validateBody, req.body, 'request body');
    await httpAuth.credentials(req);
    const result = service.validate(body.yaml, body.file);
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
    const query = parse(
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
