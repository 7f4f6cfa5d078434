import type { HttpAuthService } from '@backstage/backend-plugin-api';
import type { AiStreamEvent } from '@internal/plugin-ai-assistant-common';
import { parseInput } from '@internal/backend-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v3';
import {
  type AiAssistantService,
  type PreparedTurn,
  RateLimitedError,
} from './AiAssistantService';

/** The longest message a user may send, in characters. */
export const MAX_MESSAGE_CHARS = 20_000;

const uuid = (name: string) =>
  z
    .string({ required_error: `${name} is required` })
    .uuid(`${name} must be a UUID`);
const entityRef = z
  .string()
  .regex(
    /^[a-z0-9_.-]+:[a-z0-9_.-]+\/[a-z0-9_.-]+$/i,
    'must be an entity ref such as component:default/payments-api',
  );
const title = z.string().trim().min(1, 'must not be empty').max(255);

/**
 * Streams a prepared turn as server-sent events (`event: <type>`, `data: <json>`).
 * `no-transform` keeps the backend's compression from holding events back and
 * `X-Accel-Buffering: no` keeps a proxy (nginx) from buffering them. When the client closes
 * the stream before the turn ends (the user pressed Stop, or left), the turn is aborted: the
 * model request is cancelled and what it wrote is stored marked stopped.
 */
async function streamTurn(res: express.Response, turn: PreparedTurn) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const stop = new AbortController();
  let closed = false;
  res.on('close', () => {
    closed = true;
    if (!res.writableFinished) stop.abort();
  });
  await turn.run(async (event: AiStreamEvent) => {
    if (closed) return;
    const ok = res.write(
      `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
    );
    // Node corks the socket until the next tick after a write; a turn that goes on in
    // promise callbacks (better-sqlite3 answers synchronously) would hold the event back
    // until it ends, so the event is sent now
    const socket = res.socket;
    while (socket?.writableCorked) socket.uncork();
    if (!ok && !closed) {
      await new Promise<void>(resolve => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }, stop.signal);
  res.end();
}

/** Sets `Retry-After` on a rate-limited answer, then lets the error handler answer 429. */
async function withRetryAfter<T>(
  res: express.Response,
  prepare: () => Promise<T>,
): Promise<T> {
  try {
    return await prepare();
  } catch (error) {
    if (error instanceof RateLimitedError) {
      res.setHeader('retry-after', String(error.retryAfterSeconds));
    }
    throw error;
  }
}

/** `/api/ai-assistant`: see docs/ai-assistant.md for every route. */
export async function createRouter(options: {
  service: AiAssistantService;
  httpAuth: HttpAuthService;
}): Promise<express.Router> {
  const { service, httpAuth } = options;
  const router = Router();
  router.use(express.json({ limit: '256kb' }));

  router.get('/config', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    res.json(service.configStatus());
  });

  router.get('/conversations', async (req, res) => {
    const query = parseInput(
      z.object({
        q: z.string().trim().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(25),
        offset: z.coerce.number().int().min(0).max(100_000).default(0),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(
      await service.listConversations(credentials, {
        query: query.q || undefined,
        limit: query.limit,
        offset: query.offset,
      }),
    );
  });

  router.post('/conversations', async (req, res) => {
    const body = parseInput(
      z
        .object({ title: title.optional(), entityRef: entityRef.optional() })
        .strict(),
      req.body ?? {},
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.status(201).json(await service.createConversation(credentials, body));
  });

  router.get('/conversations/:conversationId', async (req, res) => {
    const { conversationId } = parseInput(
      z.object({ conversationId: uuid('conversationId') }),
      req.params,
      'path',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await service.getConversation(credentials, conversationId));
  });

  router.patch('/conversations/:conversationId', async (req, res) => {
    const { conversationId } = parseInput(
      z.object({ conversationId: uuid('conversationId') }),
      req.params,
      'path',
    );
    const body = parseInput(
      z.object({ title }).strict(),
      req.body ?? {},
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(
      await service.renameConversation(credentials, conversationId, body.title),
    );
  });

  router.delete('/conversations/:conversationId', async (req, res) => {
    const { conversationId } = parseInput(
      z.object({ conversationId: uuid('conversationId') }),
      req.params,
      'path',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    await service.deleteConversation(credentials, conversationId, req);
    res.status(204).end();
  });

  router.post('/conversations/:conversationId/messages', async (req, res) => {
    const { conversationId } = parseInput(
      z.object({ conversationId: uuid('conversationId') }),
      req.params,
      'path',
    );
    const body = parseInput(
      z
        .object({
          content: z
            .string({ required_error: 'content is required' })
            .trim()
            .min(1, 'must not be empty')
            .max(
              MAX_MESSAGE_CHARS,
              `must be at most ${MAX_MESSAGE_CHARS} characters`,
            ),
        })
        .strict(),
      req.body ?? {},
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const turn = await withRetryAfter(res, () =>
      service.beginMessage(credentials, conversationId, body.content, req),
    );
    await streamTurn(res, turn);
  });

  router.post('/confirmations/:confirmationId', async (req, res) => {
    const { confirmationId } = parseInput(
      z.object({ confirmationId: uuid('confirmationId') }),
      req.params,
      'path',
    );
    const body = parseInput(
      z
        .object({
          decision: z.enum(['approve', 'reject'], {
            errorMap: () => ({ message: 'must be "approve" or "reject"' }),
          }),
          conversationId: uuid('conversationId'),
          callHash: z
            .string({ required_error: 'callHash is required' })
            .regex(
              /^[0-9a-f]{64}$/,
              'must be the sha256 hex the confirmation gave',
            ),
        })
        .strict(),
      req.body ?? {},
      'body',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const turn = await withRetryAfter(res, () =>
      service.beginDecision(credentials, confirmationId, body, req),
    );
    await streamTurn(res, turn);
  });

  router.get('/usage', async (req, res) => {
    const query = parseInput(
      z.object({
        days: z.coerce.number().int().min(1).max(366).default(30),
      }),
      req.query,
      'query',
    );
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await service.usageReport(credentials, query.days));
  });

  return router;
}
