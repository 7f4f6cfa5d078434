import express from 'express';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createJenkinsFakeRouter,
  JenkinsFakeControl,
  JenkinsFakeOptions,
  JenkinsFakeRequest,
  JenkinsFakeRouter,
} from './createJenkinsFakeRouter';
import type { JenkinsFakeState } from './JenkinsFakeState';

export type JenkinsFakeStartOptions = JenkinsFakeOptions & {
  /**
   * The path Jenkins is served under, as behind a reverse proxy (e.g. `/jenkins`), so clients
   * are tested with a base URL that has a path. Default: the root.
   */
  contextPath?: string;
};

/**
 * A local Jenkins that answers as Jenkins' remote access API documentation says (see
 * `createJenkinsFakeRouter` for what it covers), in the shape every Comet family's fake has.
 *
 * `await JenkinsFake.start()` listens on 127.0.0.1 on a free port (tests, benchmarks) and
 * gives its `url`; `new JenkinsFake().router` does not listen, for mounting in a server that
 * already runs (the portal's `/api/fakes/jenkins`).
 */
export class JenkinsFake {
  /** Express router answering Jenkins' API; mount it anywhere. */
  readonly router: JenkinsFakeRouter;
  private server?: Server;
  private baseUrl?: string;

  /** A fake listening on 127.0.0.1 on a free port; `close()` it when done. */
  static async start(
    options: JenkinsFakeStartOptions = {},
  ): Promise<JenkinsFake> {
    const { contextPath: rawContextPath, ...fakeOptions } = options;
    const fake = new JenkinsFake(fakeOptions);
    const contextPath = (rawContextPath ?? '').replace(/\/+$/, '');
    const app = express();
    app.use(contextPath || '/', fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }${contextPath}`;
    return fake;
  }

  constructor(options: JenkinsFakeOptions = {}) {
    this.router = createJenkinsFakeRouter(options);
  }

  /** Jobs, builds and the queue: what tests seed and inspect. */
  get state(): JenkinsFakeState {
    return this.router.fake.state;
  }

  /** The requests it answered, for tests and benchmarks to count API calls. */
  get requests(): JenkinsFakeRequest[] {
    return this.router.fake.requests;
  }

  /** Jenkins' base URL, as `jenkins.instances[].baseUrl` takes it (after `start()`). */
  get url(): string {
    if (!this.baseUrl) {
      throw new Error(
        'This JenkinsFake is not listening: create it with JenkinsFake.start()',
      );
    }
    return this.baseUrl;
  }

  /** Answers the next matching requests with an error status (429 carries Retry-After). */
  failNext(failure: Parameters<JenkinsFakeControl['failNext']>[0]): void {
    this.router.fake.failNext(failure);
  }

  /** The crumb a user must send with POSTs. */
  crumbFor(username: string): string {
    return this.router.fake.crumbFor(username);
  }

  /** Stops the server, if it was started. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Clients keep connections alive; close them so the server stops now
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close(error => (error ? reject(error) : resolve())),
    );
  }
}
