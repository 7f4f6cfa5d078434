import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { PipelineSandboxService } from '@internal/plugin-pipelines-node';
import type {
  TestStep,
  TestSuiteWebServer,
} from '@internal/plugin-test-recorder-common';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BrowserWorker, workerModules } from '../browser/BrowserWorker';
import type { WorkerModules, WorkerRecordJob } from '../browser/protocol';
import type { RepositoryCheckout } from '../runner/RepositoryCheckout';
import {
  RecordingClock,
  RecordingSession,
  RecordingSocket,
  RecordingWorker,
  systemClock,
} from './RecordingSession';

/** The sandbox's egress proxy, as the pipelines sandbox sets it up inside. */
const SANDBOX_PROXY = 'http://127.0.0.1:3128';

export type StartRecordingWorker = (options: {
  sandbox: PipelineSandboxService;
  job: WorkerRecordJob;
  workDir: string;
  allowedEgress: string[];
  logger: LoggerService;
}) => Promise<RecordingWorker> | RecordingWorker;

export type RecordingLimits = {
  /** Open sessions per user. Default 2. */
  maxPerUser?: number;
  /** Open sessions in this backend. Default 6. */
  maxTotal?: number;
  /** A session without input for this long is closed. Default 10 minutes. */
  idleTimeoutMs?: number;
  /** The browser is closed this long after the last socket detaches. Default 15 s. */
  detachGraceMs?: number;
};

export type RecordingSessionsOptions = {
  sandbox: PipelineSandboxService;
  checkout: RepositoryCheckout;
  logger: LoggerService;
  /** Each session gets `<workDir>/<sessionId>`, removed when it closes. */
  workDir: string;
  limits?: RecordingLimits;
  allowedOrigins: string[];
  allowedEgress: string[];
  testIdAttribute: string;
  chromiumPath: string;
  /** Default: resolved from this package (`workerModules()`). */
  workerModules?: WorkerModules;
  /** Default `BrowserWorker.start`; tests pass a fake. */
  startWorker?: StartRecordingWorker;
  /** Default 15 s. */
  stepTimeoutMs?: number;
  /** Live view frame rate cap. Default 15. */
  maxFps?: number;
  jpegQuality?: number;
  /** Longest a repository checkout may take. Default 5 minutes. */
  checkoutTimeoutMs?: number;
  clock?: RecordingClock;
};

export type OpenRecordingRequest = {
  userEntityRef: string;
  entityRef: string;
  suiteName?: string;
  baseUrl: string;
  webServer?: TestSuiteWebServer;
  /** Where `webServer.command` runs from; required with `webServer`. */
  repository?: { url: string; ref?: string };
  viewport: { width: number; height: number };
  startUrl?: string;
  /** Steps recorded so far, replayed before the page is shown. */
  steps?: TestStep[];
  /** The suite's secret values, for replayed fill steps that name one. */
  secrets: Record<string, string>;
};

export type RecordingSessionInfo = {
  sessionId: string;
  userEntityRef: string;
  entityRef: string;
  suiteName?: string;
  baseUrl: string;
  /** ISO time the session closes unless the user does something. */
  expiresAt: string;
};

/**
 * The recording sessions of this backend instance: each a browser worker in the pipelines
 * sandbox that one user drives from the portal over a WebSocket. Limits how many are open,
 * per user and in total, and closes idle and abandoned ones.
 */
export class RecordingSessions {
  readonly #options: RecordingSessionsOptions;
  readonly #clock: RecordingClock;
  readonly #limits: Required<RecordingLimits>;
  readonly #sessions = new Map<string, RecordingSession>();
  /** Sessions being started count against the limits too. */
  readonly #starting = new Map<string, string>();

  static create(options: RecordingSessionsOptions): RecordingSessions {
    return new RecordingSessions(options);
  }

  private constructor(options: RecordingSessionsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#limits = {
      maxPerUser: options.limits?.maxPerUser ?? 2,
      maxTotal: options.limits?.maxTotal ?? 6,
      idleTimeoutMs: options.limits?.idleTimeoutMs ?? 10 * 60_000,
      detachGraceMs: options.limits?.detachGraceMs ?? 15_000,
    };
  }

  #countFor(userEntityRef: string): number {
    let count = 0;
    for (const session of this.#sessions.values()) {
      if (session.userEntityRef === userEntityRef) count += 1;
    }
    for (const user of this.#starting.values()) {
      if (user === userEntityRef) count += 1;
    }
    return count;
  }

  async open(request: OpenRecordingRequest): Promise<{
    sessionId: string;
    expiresAt: string;
  }> {
    const { maxPerUser, maxTotal } = this.#limits;
    if (this.#countFor(request.userEntityRef) >= maxPerUser) {
      throw new ConflictError(
        `You already have ${maxPerUser} recording sessions open (the limit, testRecorder.recording.maxPerUser); close one first`,
      );
    }
    if (this.#sessions.size + this.#starting.size >= maxTotal) {
      throw new NotAllowedError(
        `${maxTotal} recording sessions are open, the most this portal allows (testRecorder.recording.maxTotal); try again later`,
      );
    }
    if (request.webServer && !request.repository) {
      throw new InputError(
        'The suite starts a web server, but there is no repository to start it from',
      );
    }
    const sessionId = randomUUID();
    this.#starting.set(sessionId, request.userEntityRef);
    const sessionDir = path.join(this.#options.workDir, sessionId);
    const logger = this.#options.logger.child({ recordingSession: sessionId });
    try {
      await fs.mkdir(sessionDir, { recursive: true });
      let repoDir: string | undefined;
      if (request.webServer && request.repository) {
        repoDir = path.join(sessionDir, 'repo');
        await this.#options.checkout.checkout({
          repositoryUrl: request.repository.url,
          ref: request.repository.ref,
          dir: repoDir,
          timeoutMs: this.#options.checkoutTimeoutMs ?? 5 * 60_000,
        });
      }
      const job: WorkerRecordJob = {
        mode: 'record',
        chromiumPath: this.#options.chromiumPath,
        modules: this.#options.workerModules ?? workerModules(),
        proxyServer:
          this.#options.allowedEgress.length > 0 ? SANDBOX_PROXY : undefined,
        repoDir,
        webServer: request.webServer,
        baseUrl: request.baseUrl,
        testIdAttribute: this.#options.testIdAttribute,
        stepTimeoutMs: this.#options.stepTimeoutMs ?? 15_000,
        allowedOrigins: this.#options.allowedOrigins,
        secrets: request.secrets,
        files: {},
        startUrl: request.startUrl,
        viewport: request.viewport,
        steps: request.steps,
        maxFps: this.#options.maxFps,
        jpegQuality: this.#options.jpegQuality,
      };
      const startWorker =
        this.#options.startWorker ?? (options => BrowserWorker.start(options));
      const worker = await startWorker({
        sandbox: this.#options.sandbox,
        job,
        workDir: sessionDir,
        allowedEgress: this.#options.allowedEgress,
        logger,
      });
      const session = RecordingSession.start({
        sessionId,
        userEntityRef: request.userEntityRef,
        entityRef: request.entityRef,
        suiteName: request.suiteName,
        baseUrl: request.baseUrl,
        testIdAttribute: this.#options.testIdAttribute,
        worker,
        knownSecrets: request.secrets,
        logger,
        clock: this.#clock,
        idleTimeoutMs: this.#limits.idleTimeoutMs,
        detachGraceMs: this.#limits.detachGraceMs,
        onClosed: () => {
          this.#sessions.delete(sessionId);
          void worker.exited
            .catch(() => undefined)
            .then(() => fs.rm(sessionDir, { recursive: true, force: true }))
            .catch(error =>
              logger.warn(
                `Could not remove the recording session's directory: ${error}`,
              ),
            );
        },
      });
      this.#sessions.set(sessionId, session);
      logger.info(
        `Recording session ${sessionId} opened by ${request.userEntityRef} for ${request.entityRef}`,
      );
      return {
        sessionId,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    } catch (error) {
      await fs
        .rm(sessionDir, { recursive: true, force: true })
        .catch(() => undefined);
      throw error;
    } finally {
      this.#starting.delete(sessionId);
    }
  }

  /** The open session, or undefined. */
  get(sessionId: string): RecordingSessionInfo | undefined {
    const session = this.#sessions.get(sessionId);
    if (!session) return undefined;
    return {
      sessionId,
      userEntityRef: session.userEntityRef,
      entityRef: session.entityRef,
      suiteName: session.suiteName,
      baseUrl: session.baseUrl,
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  }

  /** Secret values typed during the recording, by name (for POST /recordings/:id/secrets). */
  pendingSecrets(sessionId: string): Record<string, string> {
    return this.#require(sessionId).pendingSecrets();
  }

  #require(sessionId: string): RecordingSession {
    const session = this.#sessions.get(sessionId);
    if (!session) {
      throw new NotFoundError(
        `No recording session ${sessionId}: it was closed or never opened`,
      );
    }
    return session;
  }

  /** Closes a session; unknown ids are a NotFoundError. */
  close(sessionId: string, reason: string): void {
    this.#require(sessionId).close(reason);
  }

  /** Connects the socket of the user who opened the session. */
  attach(
    sessionId: string,
    userEntityRef: string,
    socket: RecordingSocket,
  ): void {
    const session = this.#require(sessionId);
    if (session.userEntityRef !== userEntityRef) {
      throw new NotAllowedError(
        `Recording session ${sessionId} belongs to another user`,
      );
    }
    session.attach(socket);
  }

  /** Closes every session (backend shutdown) and waits for their workers to stop. */
  async closeAll(reason = 'the portal is shutting down'): Promise<void> {
    const sessions = [...this.#sessions.values()];
    for (const session of sessions) session.close(reason);
    await Promise.all(sessions.map(session => session.done));
  }
}
