import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineSandboxService } from '@internal/plugin-pipelines-node';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type {
  WorkerEvent,
  WorkerModules,
  WorkerRunJob,
} from '../browser/protocol';
import type {
  ClaimedTestRun,
  StoredSuite,
  TestRecorderStore,
} from '../store/TestRecorderStore';
import { BrowserWorker, workerModules } from '../browser/BrowserWorker';
import type { RepositoryCheckout } from './RepositoryCheckout';
import { maskSecrets, RunEvents } from './RunEvents';

/** A running browser worker, as `BrowserWorker.start` gives it. */
export type SuiteRunnerWorker = {
  events: AsyncIterable<WorkerEvent>;
  terminate(): void;
  kill(): void;
  exited: Promise<{
    exitCode: number | null;
    stderrTail: string;
    /** Set when the sandbox stopped the worker for going over a limit. */
    limitExceeded?: string;
  }>;
};

export type StartSuiteRunnerWorker = (options: {
  sandbox: PipelineSandboxService;
  job: WorkerRunJob;
  workDir: string;
  /** Unset: no network but loopback inside the sandbox. */
  allowedEgress?: string[];
  logger: LoggerService;
}) => Promise<SuiteRunnerWorker> | SuiteRunnerWorker;

export type SuiteRunnerOptions = {
  store: TestRecorderStore;
  sandbox: PipelineSandboxService;
  checkout: RepositoryCheckout;
  /** The repository of the entity that owns a suite (its `backstage.io/source-location`). */
  resolveRepository: (
    entityRef: string,
  ) => Promise<{ url: string } | undefined>;
  logger: LoggerService;
  /** Each run gets `<workDir>/<runId>`, removed when the run ends. */
  workDir: string;
  /** This backend instance's id: the owner of the runs it claims. */
  owner: string;
  /** Runs at once across all instances (`claimNextRun`) and in this one. Default 2. */
  maxRunning?: number;
  /** Default 30 minutes. */
  runTimeoutMs?: number;
  allowedOrigins: string[];
  allowedEgress: string[];
  testIdAttribute: string;
  stepTimeoutMs: number;
  trace: boolean;
  chromiumPath: string;
  /** Unset: no video (`videoUnavailable` says why). */
  ffmpegPath?: string;
  /** Why runs have no video (ffmpeg missing), stored on each run. */
  videoUnavailable?: string;
  /** `testRecorder.suites.<name>.secrets`; stored secrets override them. */
  configSecrets: (suiteName: string) => Record<string, string>;
  /** Default: {@link workerModules} of this package. */
  workerModules?: WorkerModules;
  /** Default: {@link BrowserWorker.start}; tests put a scripted process in its place. */
  startWorker?: StartSuiteRunnerWorker;
  clock?: () => Date;
  /** How often the queue and cancel requests are polled. Default 2 s. */
  pollIntervalMs?: number;
  /** How often running runs renew their lease. Default 15 s. */
  heartbeatIntervalMs?: number;
  /** How often runs of stopped instances are failed. Default 60 s. */
  expiredCheckIntervalMs?: number;
  /** How long `stop()` lets running runs finish before killing them. Default 30 s. */
  stopGraceMs?: number;
  /** How long a cancelled worker gets to stop before it is killed. Default 10 s. */
  terminateGraceMs?: number;
  /** Longest a repository checkout may take. Default 5 minutes. */
  checkoutTimeoutMs?: number;
};

/** Where the pipelines sandbox's egress proxy listens inside the sandbox. */
const SANDBOX_PROXY = 'http://127.0.0.1:3128';
const EXPIRED_REASON = 'the backend running it stopped';
const STOPPED_REASON = 'backend stopped';
/** Suite file and baseline names become path segments; anything else is refused. */
const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

type ActiveRun = {
  runId: string;
  /** Why the run is being ended from outside (stop, timeout, lease lost), if it is. */
  endReason?: { status: 'failed' | 'cancelled'; reason?: string };
  worker?: SuiteRunnerWorker;
  abort: AbortController;
  done: Promise<void>;
};

/**
 * The queue worker of one backend instance: claims queued suite runs (at most `maxRunning`
 * across all instances), runs each in a browser worker in the pipelines sandbox, stores its
 * artifacts (secrets scrubbed) and results as they come, and always finishes the run: passed,
 * failed with a reason, or cancelled. Runs of instances that stopped heartbeating are failed.
 */
export class SuiteRunner {
  readonly #options: SuiteRunnerOptions;
  readonly #maxRunning: number;
  readonly #runTimeoutMs: number;
  readonly #pollIntervalMs: number;
  readonly #heartbeatIntervalMs: number;
  readonly #expiredCheckIntervalMs: number;
  readonly #clock: () => Date;
  readonly #active = new Map<string, ActiveRun>();
  #started = false;
  #stopping = false;
  #pollTimer?: NodeJS.Timeout;
  #ticking?: Promise<void>;
  #tickAgain = false;
  #lastExpiredCheck = 0;

  static create(options: SuiteRunnerOptions): SuiteRunner {
    return new SuiteRunner(options);
  }

  private constructor(options: SuiteRunnerOptions) {
    this.#options = options;
    this.#maxRunning = options.maxRunning ?? 2;
    if (!Number.isInteger(this.#maxRunning) || this.#maxRunning < 1) {
      throw new Error(
        `maxRunning must be a whole number of at least 1, got ${options.maxRunning}`,
      );
    }
    this.#runTimeoutMs = options.runTimeoutMs ?? 30 * 60_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
    this.#expiredCheckIntervalMs = options.expiredCheckIntervalMs ?? 60_000;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** The runs this instance is running now. */
  get runningRunIds(): string[] {
    return [...this.#active.keys()];
  }

  /** Fails runs left by stopped instances, then claims queued runs and keeps polling. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#lastExpiredCheck = 0;
    this.wake();
  }

  /** Looks for queued runs now (a run was just queued) instead of at the next poll. */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    clearTimeout(this.#pollTimer);
    this.#ticking = this.#tick().finally(() => {
      this.#ticking = undefined;
      if (this.#stopping) return;
      if (this.#tickAgain) {
        this.#tickAgain = false;
        this.wake();
        return;
      }
      this.#pollTimer = setTimeout(() => this.wake(), this.#pollIntervalMs);
    });
  }

  /**
   * Claims nothing more; lets running runs finish for `stopGraceMs`, then kills their workers
   * and leaves them failed with reason `backend stopped`. Resolves when every run has ended.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#pollTimer);
    await this.#ticking;
    const running = [...this.#active.values()];
    if (running.length === 0) return;
    const allDone = Promise.all(running.map(run => run.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>(resolve => {
      graceTimer = setTimeout(
        () => resolve('grace over'),
        this.#options.stopGraceMs ?? 30_000,
      );
    });
    const first = await Promise.race([allDone, graceOver]);
    clearTimeout(graceTimer);
    if (first === 'grace over') {
      for (const run of this.#active.values()) {
        this.#end(run, { status: 'failed', reason: STOPPED_REASON }, true);
      }
      await allDone;
    }
  }

  async #tick(): Promise<void> {
    const { store, logger, owner } = this.#options;
    try {
      const now = this.#clock();
      if (
        now.getTime() - this.#lastExpiredCheck >=
        this.#expiredCheckIntervalMs
      ) {
        this.#lastExpiredCheck = now.getTime();
        const failed = await store.failExpiredRuns({
          leaseExpiredBefore: now,
          reason: EXPIRED_REASON,
        });
        if (failed.length > 0) {
          logger.warn(
            `Failed ${
              failed.length
            } test run(s) whose backend stopped: ${failed.join(', ')}`,
          );
        }
      }
      while (!this.#stopping && this.#active.size < this.#maxRunning) {
        const claimed = await store.claimNextRun({
          owner,
          maxRunning: this.#maxRunning,
        });
        if (!claimed) break;
        this.#launch(claimed);
      }
    } catch (error) {
      logger.error(`Test run queue: ${String(error)}`);
    }
  }

  #launch(claimed: ClaimedTestRun) {
    const run: ActiveRun = {
      runId: claimed.runId,
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.#active.set(claimed.runId, run);
    run.done = this.#runAndFinish(claimed, run).finally(() => {
      this.#active.delete(claimed.runId);
      // a slot is free: take the next queued run now
      this.wake();
    });
  }

  /**
   * Ends a run from outside: the worker is asked to stop (or killed), and the run finishes.
   * The first reason stays; asking again (the cancel poll) only escalates to a kill.
   */
  #end(run: ActiveRun, outcome: ActiveRun['endReason'], kill: boolean) {
    const alreadyEnding = run.endReason !== undefined;
    if (!alreadyEnding) run.endReason = outcome;
    run.abort.abort();
    if (!run.worker) return;
    if (kill) {
      run.worker.kill();
      return;
    }
    if (alreadyEnding) return;
    run.worker.terminate();
    const killTimer = setTimeout(
      () => run.worker?.kill(),
      this.#options.terminateGraceMs ?? 10_000,
    );
    void run.worker.exited.finally(() => clearTimeout(killTimer));
  }

  async #runAndFinish(claimed: ClaimedTestRun, run: ActiveRun) {
    const { store, logger, owner } = this.#options;
    const runDir = path.join(this.#options.workDir, claimed.runId);
    const timers: NodeJS.Timeout[] = [];
    let leaseLost = false;
    timers.push(
      setInterval(() => {
        store.heartbeat(claimed.runId, owner).then(
          kept => {
            if (!kept && !leaseLost) {
              leaseLost = true;
              logger.warn(
                `Test run ${claimed.runId} is no longer this backend's (its lease expired); stopping it`,
              );
              this.#end(
                run,
                { status: 'failed', reason: EXPIRED_REASON },
                true,
              );
            }
          },
          error =>
            logger.warn(
              `Could not renew the lease of test run ${claimed.runId}: ${error}`,
            ),
        );
      }, this.#heartbeatIntervalMs),
      setInterval(() => {
        store.isCancelRequested(claimed.runId).then(
          cancel => {
            if (cancel) this.#end(run, { status: 'cancelled' }, false);
          },
          () => {},
        );
      }, this.#pollIntervalMs),
      setTimeout(
        () =>
          this.#end(
            run,
            {
              status: 'failed',
              reason: `the run took longer than ${formatDuration(
                this.#runTimeoutMs,
              )} and was stopped`,
            },
            true,
          ),
        this.#runTimeoutMs,
      ),
    );
    let outcome: {
      status: 'passed' | 'failed' | 'cancelled';
      reason?: string;
      videoUnavailable?: string;
    };
    let secrets: string[] = [];
    try {
      logger.info(
        `Running test run ${claimed.runId} of suite ${claimed.suiteName} v${claimed.suiteVersion}`,
      );
      outcome = await this.#execute(claimed, run, runDir, values => {
        secrets = values;
      });
    } catch (error) {
      outcome = {
        status: 'failed',
        reason: maskSecrets(errorMessage(error), secrets),
      };
    } finally {
      for (const timer of timers) clearTimeout(timer);
    }
    if (run.endReason) {
      outcome = {
        ...outcome,
        status: run.endReason.status,
        reason: run.endReason.reason,
      };
    }
    // The artifacts are in the store by now; a finished run leaves no work folder behind.
    await fs
      .rm(runDir, { recursive: true, force: true })
      .catch(error =>
        logger.warn(`Could not remove ${runDir}: ${errorMessage(error)}`),
      );
    try {
      await store.finishRun(claimed.runId, outcome);
      logger.info(
        `Test run ${claimed.runId} of suite ${claimed.suiteName} ${
          outcome.status
        }${outcome.reason ? `: ${outcome.reason}` : ''}`,
      );
    } catch (error) {
      // its lease runs out and another pass of failExpiredRuns fails it
      logger.error(
        `Could not record the end of test run ${claimed.runId}: ${errorMessage(
          error,
        )}`,
      );
    }
  }

  async #execute(
    claimed: ClaimedTestRun,
    run: ActiveRun,
    runDir: string,
    onSecrets: (values: string[]) => void,
  ): Promise<{
    status: 'passed' | 'failed' | 'cancelled';
    reason?: string;
    videoUnavailable?: string;
  }> {
    const { store } = this.#options;
    const [version, suite] = await Promise.all([
      store.getSuiteVersion(claimed.suiteName, claimed.suiteVersion),
      store.getSuite(claimed.suiteName),
    ]);
    if (!version || !suite) {
      return {
        status: 'failed',
        reason: `version ${claimed.suiteVersion} of suite ${claimed.suiteName} no longer exists`,
      };
    }
    const definition = version.definition;
    const secrets = {
      ...this.#options.configSecrets(claimed.suiteName),
      ...(await store.getSecrets(claimed.suiteName)),
    };
    const secretValues = Object.values(secrets).filter(value => value !== '');
    onSecrets(secretValues);

    await fs.rm(runDir, { recursive: true, force: true });
    const outputDir = path.join(runDir, 'output');
    await fs.mkdir(outputDir, { recursive: true });
    const files = await this.#writeFiles(suite, path.join(runDir, 'files'));
    const baselines = await this.#writeBaselines(
      claimed.suiteName,
      path.join(runDir, 'baselines'),
    );

    let repoDir: string | undefined;
    if (definition.webServer) {
      repoDir = path.join(runDir, 'repo');
      const failure = await this.#checkout(claimed, repoDir, run.abort.signal);
      if (failure) return { status: 'failed', reason: failure };
    }
    if (run.endReason) return { status: run.endReason.status };

    const job: WorkerRunJob = {
      mode: 'run',
      chromiumPath: this.#options.chromiumPath,
      modules: this.#options.workerModules ?? workerModules(),
      proxyServer:
        this.#options.allowedEgress.length > 0 ? SANDBOX_PROXY : undefined,
      repoDir,
      webServer: definition.webServer,
      baseUrl: claimed.baseUrl,
      project: claimed.project,
      testIdAttribute:
        definition.testIdAttribute ?? this.#options.testIdAttribute,
      stepTimeoutMs: definition.stepTimeoutMs ?? this.#options.stepTimeoutMs,
      allowedOrigins: this.#options.allowedOrigins,
      secrets,
      files,
      suite: definition,
      testIds: claimed.testIds,
      retries: claimed.retries,
      outputDir,
      baselinesDir: baselines.dir,
      ffmpegPath: this.#options.ffmpegPath,
      trace: this.#options.trace,
    };
    const startWorker = this.#options.startWorker ?? BrowserWorker.start;
    const worker = await startWorker({
      sandbox: this.#options.sandbox,
      job,
      workDir: runDir,
      allowedEgress:
        this.#options.allowedEgress.length > 0
          ? this.#options.allowedEgress
          : undefined,
      logger: this.#options.logger.child({ testRun: claimed.runId }),
    });
    run.worker = worker;
    if (run.endReason) worker.kill();

    const consumer = new RunEvents({
      store,
      runId: claimed.runId,
      outputDir,
      definition,
      quarantined: new Set(suite.quarantinedTestIds),
      baselineIds: baselines.ids,
      secrets: secretValues,
      logger: this.#options.logger,
    });
    let done: { videoUnavailable?: string } | undefined;
    let workerError: string | undefined;
    let webServerFailure: string | undefined;
    try {
      for await (const event of worker.events) {
        if (event.type === 'done') {
          done = { videoUnavailable: event.videoUnavailable };
        } else if (event.type === 'error') {
          workerError = maskSecrets(event.message, secretValues);
        } else if (event.type === 'webServer' && event.status === 'failed') {
          webServerFailure = maskSecrets(
            event.message ?? 'it did not start',
            secretValues,
          );
        } else {
          await consumer.handle(event);
        }
      }
    } finally {
      // a consumer error (the store failing) must not leave the worker running
      if (!done) worker.kill();
    }
    const exit = await worker.exited;
    const videoUnavailable =
      done?.videoUnavailable ?? this.#options.videoUnavailable;

    if (!done || webServerFailure) {
      const cause = webServerFailure
        ? `the web server did not become ready: ${webServerFailure}`
        : describeExit(exit, workerError);
      await consumer.failUnfinished(cause);
      const tail = lastLines(maskSecrets(exit.stderrTail, secretValues), 10);
      return {
        status: 'failed',
        reason:
          tail && !webServerFailure ? `${cause}; last output:\n${tail}` : cause,
        videoUnavailable,
      };
    }
    return {
      status: consumer.failedTestIds().length > 0 ? 'failed' : 'passed',
      videoUnavailable,
    };
  }

  /** Undefined when checked out; otherwise why not. */
  async #checkout(
    claimed: ClaimedTestRun,
    repoDir: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const repository = await this.#options.resolveRepository(claimed.entityRef);
    if (!repository) {
      return `the suite starts a web server from the repository, but ${claimed.entityRef} has no backstage.io/source-location annotation`;
    }
    try {
      await this.#options.checkout.checkout({
        repositoryUrl: repository.url,
        ref: claimed.commit,
        dir: repoDir,
        timeoutMs: this.#options.checkoutTimeoutMs ?? 5 * 60_000,
        signal,
      });
      return undefined;
    } catch (error) {
      return `could not check out the repository for the web server: ${errorMessage(
        error,
      )}`;
    }
  }

  async #writeFiles(
    suite: StoredSuite,
    dir: string,
  ): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    if (suite.files.length === 0) return files;
    await fs.mkdir(dir, { recursive: true });
    for (const { name } of suite.files) {
      if (!isSafeSegment(name)) {
        throw new Error(
          `suite ${
            suite.name
          } has a file with an unusable name ${JSON.stringify(name)}`,
        );
      }
      const content = await this.#options.store.getFile(suite.name, name);
      if (!content) continue;
      const target = path.join(dir, name);
      await fs.writeFile(target, content);
      files[name] = target;
    }
    return files;
  }

  async #writeBaselines(
    suiteName: string,
    dir: string,
  ): Promise<{ dir?: string; ids: Map<string, string> }> {
    const ids = new Map<string, string>();
    const baselines = await this.#options.store.listBaselines(suiteName);
    if (baselines.length === 0) return { ids };
    for (const baseline of baselines) {
      if (!isSafeSegment(baseline.testId) || !isSafeSegment(baseline.name)) {
        continue;
      }
      const target = path.join(dir, baseline.testId, `${baseline.name}.png`);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await pipeline(
        await this.#options.store.openArtifact(baseline.artifactId),
        createWriteStream(target),
      );
      ids.set(`${baseline.testId}/${baseline.name}`, baseline.artifactId);
    }
    return { dir, ids };
  }
}

function describeExit(
  exit: { exitCode: number | null; limitExceeded?: string },
  error: string | undefined,
) {
  let how =
    exit.exitCode === null
      ? 'the browser worker was killed before the run finished'
      : `the browser worker exited with code ${exit.exitCode} before the run finished`;
  if (exit.limitExceeded) how += ` (${exit.limitExceeded})`;
  return error ? `${how}: ${error}` : how;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function isSafeSegment(name: string): boolean {
  return SAFE_SEGMENT.test(name) && name !== '.' && name !== '..';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A duration as a run's failure reason gives it. Exported for tests. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const minutes = ms / 60_000;
  if (Number.isInteger(minutes)) {
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return `${Math.round(ms / 1000)} s`;
}
