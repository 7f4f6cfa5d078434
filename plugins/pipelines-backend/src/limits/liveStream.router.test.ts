import {
  mockCredentials,
  mockErrorHandler,
  mockServices,
} from '@backstage/backend-test-utils';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { LiveLogBus } from '../engine/LiveLogBus';
import type { GithubWebhookHandler } from '../service/GithubWebhookHandler';
import { LiveLogStream } from '../service/LiveLogStream';
import type { PipelinesService } from '../service/PipelinesService';
import { createRouter } from '../service/router';
import { makePipelineRun } from '../testing/pipelineRun';
import { principalKey } from './principalKey';

const RUN = makePipelineRun({
  runId: 'run-1',
  pipeline: 'ci',
  status: 'running',
});

describe('GET /runs/:runId/logs/stream over pipelines.limits', () => {
  it('answers 429, before any event, to a signed-in user over maxLiveStreamsPerUser', async () => {
    const service = {
      getRun: async () => RUN,
      uncheckedReader: () => ({
        run: async () => RUN,
        lines: async () => [],
      }),
    } as unknown as PipelinesService;
    const liveLogStream = LiveLogStream.create({
      liveLogs: new LiveLogBus(),
      pollMs: 60_000,
      limits: {
        maxLiveStreams: 10,
        maxLiveStreamsPerUser: 1,
        slowReaderTimeoutMs: 30_000,
      },
    });
    const router = await createRouter({
      service,
      httpAuth: mockServices.httpAuth(),
      logger: mockServices.logger.mock(),
      webhooks: {} as GithubWebhookHandler,
      liveLogStream,
    });
    const app = express().use(router).use(mockErrorHandler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise(resolve => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // Alice's first stream stays open
    const first = await new Promise<http.IncomingMessage>(resolve =>
      http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/runs/run-1/logs/stream',
          headers: {
            authorization: mockCredentials.user.header('user:default/alice'),
          },
        },
        resolve,
      ),
    );
    try {
      expect(first.statusCode).toBe(200);
      expect(liveLogStream.openStreams).toBe(1);

      const refused = await request(server)
        .get('/runs/run-1/logs/stream')
        .set(
          'authorization',
          mockCredentials.user.header('user:default/alice'),
        );
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({
        name: 'LimitExceededError',
        message:
          'user:default/alice already has 1 live logs open, the most pipelines.limits.maxLiveStreamsPerUser allows; close one first',
      });
      expect(liveLogStream.openStreams).toBe(1);
    } finally {
      first.destroy();
      await new Promise(resolve => server.close(resolve));
    }
  });
});

describe('principalKey', () => {
  it('names users by entity ref, services by subject, and the rest as anonymous', () => {
    expect(principalKey(mockCredentials.user('user:default/alice'))).toBe(
      'user:default/alice',
    );
    expect(principalKey(mockCredentials.service('plugin:catalog'))).toBe(
      'plugin:catalog',
    );
    expect(principalKey(mockCredentials.none())).toBe('anonymous');
  });
});
