import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@internal/backend-common';
import type { AiTestSuiteStreamEvent } from '@internal/plugin-ai-assistant-common';
import { SUITE_NAME_PATTERN } from '@internal/plugin-test-recorder-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import { MAX_SNAPSHOT_CHARS } from './testSuitePrompt';
import type { TestSuiteGenerator } from './TestSuiteGenerator';

/** Characters of a journey description. */
export const MAX_JOURNEY_CHARS = 4000;

/** The body of `POST /generate/test-suite` and the action's input. */
export const generateTestSuiteBody = z
  .object({
    description: z
      .string({ required_error: 'description is required' })
      .trim()
      .min(1, 'must not be empty')
      .max(
        MAX_JOURNEY_CHARS,
        `must be at most ${MAX_JOURNEY_CHARS} characters`,
      ),
    entityRef: z
      .string({ required_error: 'entityRef is required' })
      .regex(
        /^[a-z0-9_.-]+:[a-z0-9_.-]+\/[a-z0-9_.-]+$/i,
        'must be an entity ref such as component:default/storefront-web',
      ),
    baseUrl: z
      .string({ required_error: 'baseUrl is required' })
      .trim()
      .refine(value => {
        try {
          return ['http:', 'https:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, 'must be an http(s) URL such as http://127.0.0.1:4173'),
    suiteName: z
      .string({ required_error: 'suiteName is required' })
      .regex(
        SUITE_NAME_PATTERN,
        'must be lower-case letters, digits and dashes, e.g. storefront-checkout',
      ),
    pageSnapshot: z
      .string()
      .max(
        MAX_SNAPSHOT_CHARS * 5,
        `must be at most ${MAX_SNAPSHOT_CHARS * 5} characters`,
      )
      .optional(),
  })
  .strict();

/**
 * `POST /generate/test-suite` (see docs/ai-assistant.md): JSON in; with
 * `Accept: text/event-stream` the progress streams as server-sent events ending with `result`
 * or `error`, otherwise the result comes as JSON. Every check that can refuse the request
 * (input, permission, provider, suite name, rate limit) answers before a stream starts.
 */
export async function createTestSuiteGenerationRouter(options: {
  generator: TestSuiteGenerator;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { generator, httpAuth } = options;
  const router = Router();

  router.post(
    '/generate/test-suite',
    express.json({ limit: '512kb' }),
    async (req, res) => {
      const body = parseInput(generateTestSuiteBody, req.body ?? {}, 'body');
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const prepared = await generator.prepare(credentials, body, req);
      if (
        req.accepts(['application/json', 'text/event-stream']) !==
        'text/event-stream'
      ) {
        res.json(await prepared.run());
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      const send = (event: AiTestSuiteStreamEvent) => {
        if (!res.writableEnded) {
          res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        }
      };
      try {
        send({ type: 'result', result: await prepared.run(send) });
      } catch (error) {
        const e = error as Error;
        send({
          type: 'error',
          error: { name: e.name ?? 'Error', message: e.message },
        });
      }
      res.end();
    },
  );

  return router;
}
