import {
  coreServices,
  createBackendPlugin,
  type HttpRouterService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { TestRun } from '@internal/plugin-test-recorder-common';
import type { IncomingMessage } from 'node:http';

export type TestRecorderBackendFakeCall = {
  method: string;
  path: string;
  /** The calling principal, as the backend's httpAuth saw it. */
  subject: string;
  body?: unknown;
};

/** What one GET /runs/:runId answers: a change to the run, or an HTTP error. */
export type TestRecorderFakePoll =
  | Partial<TestRun>
  | { httpStatus: number; retryAfter?: string; message: string };

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', chunk => (text += chunk));
    req.on('end', () => resolve(text ? JSON.parse(text) : undefined));
    req.on('error', reject);
  });
}

/**
 * A stand-in for the test-recorder backend with the two routes of its pipeline contract
 * (`POST /pipeline-runs`, `GET /runs/:runId`, and the cancel route), served as plugin
 * `test-recorder` in a test backend. Only the pipelines plugin's service principal may call it.
 */
export class TestRecorderBackendFake {
  readonly calls: TestRecorderBackendFakeCall[] = [];
  /** Thrown by POST /pipeline-runs instead of starting a run. */
  startError?: Error;
  /** Thrown by POST /runs/:runId/cancel instead of cancelling. */
  cancelError?: Error;
  /** What GET /runs/:runId answers, poll after poll; the last one repeats. */
  polls: TestRecorderFakePoll[] = [];
  /** Called on every GET /runs/:runId with its number (1-based). */
  onPoll?: (poll: number) => void;
  private run?: TestRun;
  private pollCount = 0;

  reset() {
    this.calls.length = 0;
    this.startError = undefined;
    this.cancelError = undefined;
    this.polls = [];
    this.onPoll = undefined;
    this.run = undefined;
    this.pollCount = 0;
  }

  readonly plugin = createBackendPlugin({
    pluginId: 'test-recorder',
    register: reg => {
      reg.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
        },
        init: async ({ httpRouter, httpAuth }) => {
          const handler: Parameters<HttpRouterService['use']>[0] = async (
            req,
            res,
            next,
          ) => {
            try {
              const credentials = await httpAuth.credentials(req, {
                allow: ['service'],
              });
              const subject = credentials.principal.subject;
              const body =
                req.method === 'POST' ? await readJson(req) : undefined;
              this.calls.push({
                method: req.method,
                path: req.path,
                subject,
                body,
              });
              if (subject !== 'plugin:pipelines') {
                throw new NotAllowedError(
                  `Only the pipelines plugin may start pipeline runs, not ${subject}`,
                );
              }
              this.handle(req.method, req.path, body, res);
            } catch (error) {
              next(error);
            }
          };
          httpRouter.use(handler);
        },
      });
    },
  });

  private handle(
    method: string,
    path: string,
    body: any,
    res: Parameters<Parameters<HttpRouterService['use']>[0]>[1],
  ) {
    if (method === 'POST' && path === '/pipeline-runs') {
      if (this.startError) throw this.startError;
      this.run = {
        runId: 'run-1',
        suiteName: body.suite,
        suiteVersion: 3,
        entityRef: body.entityRef,
        status: 'queued',
        trigger: 'pipeline',
        triggeredBy: 'plugin:pipelines',
        createdAt: new Date().toISOString(),
        counts: { passed: 0, failed: 0, flaky: 0, skipped: 0 },
        pipelineRunId: body.pipelineRunId,
        commit: body.commit,
        baseUrl: body.baseUrl ?? 'http://127.0.0.1:4173',
        project: body.project,
        retries: body.retries ?? 0,
        results: [],
      };
      const { results, baseUrl, project, retries, ...summary } = this.run;
      res.status(202).json(summary);
      return;
    }
    const runMatch = /^\/runs\/([^/]+)(\/cancel)?$/.exec(path);
    if (!runMatch || !this.run || runMatch[1] !== this.run.runId) {
      throw new NotFoundError(`No route or run for ${method} ${path}`);
    }
    if (method === 'POST' && runMatch[2]) {
      if (this.cancelError) throw this.cancelError;
      this.run = { ...this.run, status: 'cancelled' };
      res.status(202).json({});
      return;
    }
    this.pollCount++;
    this.onPoll?.(this.pollCount);
    const poll =
      this.polls[Math.min(this.pollCount, this.polls.length) - 1] ?? {};
    if ('httpStatus' in poll) {
      if (poll.retryAfter !== undefined)
        res.setHeader('retry-after', poll.retryAfter);
      res.status(poll.httpStatus).json({
        error: { name: 'Error', message: poll.message },
        response: { statusCode: poll.httpStatus },
      });
      return;
    }
    this.run = { ...this.run, ...poll };
    res.json(this.run);
  }
}
