import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mockServices } from '@backstage/backend-test-utils';
import { TaskCreationLog } from '../createdResources';

/** One request the fake answered. */
export type TaskEventsRequest = {
  path: string;
  authorization?: string;
};

/**
 * The scaffolder's `GET /api/scaffolder/v2/tasks/:taskId/events`, as a local HTTP server: the
 * log lines tests seed per task, as the scaffolder's task logger stores them
 * (`info: <message>`). `status` makes it answer with that status instead; `close()` it when
 * done. `creationLog()` is a TaskCreationLog that reads it (mock auth, a discovery to it).
 */
export class TaskEventsFake {
  readonly events = new Map<string, Array<Record<string, unknown>>>();
  readonly requests: TaskEventsRequest[] = [];
  /** When set, every request is answered with this status. */
  status?: number;
  private nextId = 1;

  static async start(): Promise<TaskEventsFake> {
    const fake = new TaskEventsFake();
    fake.server = createServer((req, res) => {
      fake.requests.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
      });
      const match = /^\/api\/scaffolder\/v2\/tasks\/([^/?]+)\/events$/.exec(
        req.url ?? '',
      );
      if (fake.status) {
        res.writeHead(fake.status).end();
        return;
      }
      if (!match || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      if (!req.headers.authorization?.startsWith('Bearer ')) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(fake.events.get(decodeURIComponent(match[1])) ?? []),
      );
    });
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.baseUrl = `http://127.0.0.1:${
      (fake.server.address() as AddressInfo).port
    }`;
    return fake;
  }

  private server?: Server;
  private baseUrl?: string;

  get url(): string {
    if (!this.baseUrl) throw new Error('TaskEventsFake.start() it first');
    return this.baseUrl;
  }

  /** A log line of a step of the task, as the scaffolder stores it. */
  log(taskId: string, message: string, stepId = 'earlier-step'): void {
    const list = this.events.get(taskId) ?? [];
    list.push({
      id: this.nextId++,
      taskId,
      type: 'log',
      body: { message: `\u001b[32minfo\u001b[39m: ${message}`, stepId },
      createdAt: new Date().toISOString(),
    });
    this.events.set(taskId, list);
  }

  /** A TaskCreationLog that reads this fake, as the scaffolder's initiator. */
  creationLog(options: { timeoutMs?: number } = {}): TaskCreationLog {
    return TaskCreationLog.create({
      discovery: {
        getBaseUrl: async (pluginId: string) => `${this.url}/api/${pluginId}`,
      },
      auth: mockServices.auth(),
      timeoutMs: options.timeoutMs,
    });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server!.close(() => resolve()));
  }
}
