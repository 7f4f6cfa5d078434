import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import { JENKINS_MAX_BUILD_OFFSET } from '@internal/plugin-jenkins-common';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { JenkinsService } from './JenkinsService';

const entityRef = z.string({
  required_error: 'entityRef is required, e.g. component:default/payments-api',
});
const job = z.string({
  required_error:
    'job is required: instance:folder/job, e.g. default:payments/payments-api',
});
const buildQuery = z.object({ entityRef, job });
const buildNumber = z.coerce.number().int().min(1);
const parameterValues = z.record(
  z.union([z.string(), z.number(), z.boolean()]),
);

function numberOf(req: express.Request) {
  return parseInput(buildNumber, req.params.number, 'build number');
}

export async function createRouter(options: {
  service: JenkinsService;
  httpAuth: HttpAuthService;
  logger: LoggerService;
  /** How often the live console asks Jenkins for more text. */
  logPollMs?: number;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const logPollMs = options.logPollMs ?? 1000;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/config', async (req, res) => {
    await httpAuth.credentials(req);
    res.json({
      configured: service.configured,
      instances: service.instanceNames,
    });
  });

  router.get('/entity-jobs', async (req, res) => {
    const query = parseInput(
      z.object({
        entityRef,
        limit: z.coerce.number().int().min(1).max(100).optional(),
        branch: z.string().optional(),
      }),
      req.query,
      'query',
    );
    res.json(
      await service.listEntityJobs(await httpAuth.credentials(req), query),
    );
  });

  router.get('/entity-builds', async (req, res) => {
    const query = parseInput(
      z.object({
        entityRef,
        limit: z.coerce.number().int().min(1).max(200).optional(),
        cursor: z.string().optional(),
      }),
      req.query,
      'query',
    );
    res.json(
      await service.listEntityBuilds(await httpAuth.credentials(req), query),
    );
  });

  router.get('/jobs', async (req, res) => {
    const query = parseInput(buildQuery, req.query, 'query');
    res.json(await service.getJob(await httpAuth.credentials(req), query));
  });

  router.get('/builds', async (req, res) => {
    const query = parseInput(
      buildQuery.extend({
        offset: z.coerce
          .number()
          .int()
          .min(0)
          .max(JENKINS_MAX_BUILD_OFFSET)
          .optional(),
        limit: z.coerce.number().int().min(1).max(100).optional(),
        branch: z.string().optional(),
      }),
      req.query,
      'query',
    );
    res.json(await service.listBuilds(await httpAuth.credentials(req), query));
  });

  router.post('/builds', async (req, res) => {
    const body = parseInput(
      buildQuery.extend({ parameters: parameterValues.optional() }),
      req.body,
      'request body',
    );
    const credentials = await httpAuth.credentials(req);
    res
      .status(201)
      .json(await service.trigger(credentials, body, { request: req }));
  });

  router.get('/queue/:queueId', async (req, res) => {
    const query = parseInput(buildQuery, req.query, 'query');
    const queueId = parseInput(
      z.coerce.number().int().min(0),
      req.params.queueId,
      'queue id',
    );
    res.json(
      await service.getQueueItem(await httpAuth.credentials(req), {
        ...query,
        queueId,
      }),
    );
  });

  router.get('/builds/:number', async (req, res) => {
    const query = parseInput(buildQuery, req.query, 'query');
    res.json(
      await service.getBuild(await httpAuth.credentials(req), {
        ...query,
        number: numberOf(req),
      }),
    );
  });

  router.get('/builds/:number/tests', async (req, res) => {
    const query = parseInput(buildQuery, req.query, 'query');
    res.json(
      await service.getTestReport(await httpAuth.credentials(req), {
        ...query,
        number: numberOf(req),
      }),
    );
  });

  router.get('/builds/:number/log', async (req, res) => {
    const query = parseInput(
      buildQuery.extend({ start: z.coerce.number().int().min(0).optional() }),
      req.query,
      'query',
    );
    res.json(
      await service.getLog(await httpAuth.credentials(req), {
        ...query,
        number: numberOf(req),
      }),
    );
  });

  router.get('/builds/:number/console', async (req, res) => {
    const query = parseInput(buildQuery, req.query, 'query');
    const number = numberOf(req);
    const consoleText = await service.streamConsoleText(
      await httpAuth.credentials(req),
      { ...query, number },
    );
    res
      .type('text/plain; charset=utf-8')
      .set('Content-Disposition', `inline; filename="build-${number}.log"`);
    try {
      // Piped as it arrives: a console of any size never sits in memory
      await pipeline(consoleText, res);
    } catch (error) {
      if (!res.headersSent) throw error;
      // The client left or Jenkins failed mid-way: the status is sent, so only cut it short
      options.logger.info(
        `Console download of build ${number} of ${query.job} ended early: ${
          (error as Error).message
        }`,
      );
      res.destroy();
    }
  });

  // The live console as Server-Sent Events: `chunk` events carry text and the offset to resume
  // from (also the event id, so Last-Event-ID resumes); `end` when Jenkins says there is no more.
  router.get('/builds/:number/log/stream', async (req, res) => {
    const query = parseInput(
      buildQuery.extend({ start: z.coerce.number().int().min(0).optional() }),
      req.query,
      'query',
    );
    const number = numberOf(req);
    const resume = Number(req.header('last-event-id'));
    let start =
      Number.isInteger(resume) && resume >= 0 ? resume : query.start ?? 0;
    const read = await service.logReader(await httpAuth.credentials(req), {
      ...query,
      number,
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let closed = false;
    req.on('close', () => {
      closed = true;
    });
    let lastWrite = Date.now();
    try {
      while (!closed) {
        const chunk = await read(start);
        if (chunk.text) {
          res.write(
            `id: ${chunk.nextStart}\nevent: chunk\ndata: ${JSON.stringify({
              start,
              ...chunk,
            })}\n\n`,
          );
          lastWrite = Date.now();
        }
        start = chunk.nextStart;
        if (!chunk.more) {
          res.write(
            `event: end\ndata: ${JSON.stringify({ nextStart: start })}\n\n`,
          );
          break;
        }
        // A cut chunk: the rest is already there, read it without waiting
        if (chunk.truncated) continue;
        if (Date.now() - lastWrite > 15_000) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await new Promise(resolve => setTimeout(resolve, logPollMs));
      }
    } catch (error) {
      res.write(
        `event: error\ndata: ${JSON.stringify({
          message: String((error as Error).message),
        })}\n\n`,
      );
    }
    res.end();
  });

  router.post('/builds/:number/abort', async (req, res) => {
    const body = parseInput(buildQuery, req.body, 'request body');
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.abort(
        credentials,
        { ...body, number: numberOf(req) },
        { request: req },
      ),
    );
  });

  router.post('/builds/:number/rebuild', async (req, res) => {
    const body = parseInput(buildQuery, req.body, 'request body');
    const credentials = await httpAuth.credentials(req);
    res
      .status(201)
      .json(
        await service.rebuild(
          credentials,
          { ...body, number: numberOf(req) },
          { request: req },
        ),
      );
  });

  return router;
}
