import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  attemptsToStatus,
  failureSignature,
  TestArtifactKind,
  TestAttemptResult,
  TestStepResult,
  TestSuiteDefinition,
} from '@internal/plugin-test-recorder-common';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkerEvent } from '../browser/protocol';
import type { TestRecorderStore } from '../store/TestRecorderStore';
import { scrubSecrets, scrubZip } from './scrubSecrets';

/** One test's attempts so far in a run. */
type TestProgress = {
  attempts: TestAttemptResult[];
  current?: { attempt: number; steps: TestStepResult[] };
};

/** Turns a run's worker events into stored artifacts and test results. */
export class RunEvents {
  readonly #tests = new Map<string, TestProgress>();

  constructor(
    private readonly options: {
      store: TestRecorderStore;
      runId: string;
      outputDir: string;
      definition: TestSuiteDefinition;
      quarantined: Set<string>;
      baselineIds: Map<string, string>;
      secrets: string[];
      logger: LoggerService;
    },
  ) {}

  async handle(event: WorkerEvent): Promise<void> {
    if (event.type === 'testStarted') {
      this.#progress(event.testId).current = {
        attempt: event.attempt,
        steps: [],
      };
    } else if (event.type === 'stepFinished') {
      await this.#stepFinished(event);
    } else if (event.type === 'testFinished') {
      await this.#testFinished(event);
    }
  }

  /** Tests that ended failed and are not quarantined. */
  failedTestIds(): string[] {
    const failed: string[] = [];
    for (const [testId, progress] of this.#tests) {
      const statuses = progress.attempts.map(attempt => attempt.status);
      if (
        statuses.length > 0 &&
        attemptsToStatus(statuses) === 'failed' &&
        !this.options.quarantined.has(testId)
      ) {
        failed.push(testId);
      }
    }
    return failed;
  }

  /** The worker went away mid-test: the attempt in progress is saved failed with `cause`. */
  async failUnfinished(cause: string): Promise<void> {
    const message = maskSecrets(cause, this.options.secrets);
    for (const [testId, progress] of this.#tests) {
      const current = progress.current;
      if (!current) continue;
      progress.current = undefined;
      progress.attempts.push({
        attempt: current.attempt,
        status: 'failed',
        durationMs: current.steps.reduce((sum, s) => sum + s.durationMs, 0),
        error: { message, signature: failureSignature(message) },
        steps: current.steps,
      });
      await this.#save(testId, progress);
    }
  }

  #progress(testId: string): TestProgress {
    let progress = this.#tests.get(testId);
    if (!progress) {
      progress = { attempts: [] };
      this.#tests.set(testId, progress);
    }
    return progress;
  }

  async #stepFinished(
    event: Extract<WorkerEvent, { type: 'stepFinished' }>,
  ): Promise<void> {
    const progress = this.#progress(event.testId);
    if (!progress.current || progress.current.attempt !== event.attempt) {
      progress.current = { attempt: event.attempt, steps: [] };
    }
    const step: TestStepResult = {
      stepId: event.stepId,
      index: event.index,
      action: event.action,
      status: event.status,
      durationMs: event.durationMs,
      error: this.#mask(event.error),
      usedFallback: this.#mask(event.usedFallback),
      screenshotArtifactId: await this.#store(
        event.screenshotPath,
        'screenshot',
      ),
    };
    if (event.visual) {
      const actualArtifactId = await this.#store(
        event.visual.actualPath,
        'visual-actual',
      );
      if (actualArtifactId) {
        step.visual = {
          name: event.visual.name,
          status: event.visual.status,
          baselineArtifactId: this.options.baselineIds.get(
            `${event.testId}/${event.visual.name}`,
          ),
          actualArtifactId,
          diffArtifactId: await this.#store(
            event.visual.diffPath,
            'visual-diff',
          ),
          diffPixels: event.visual.diffPixels,
          diffRatio: event.visual.diffRatio,
        };
      }
    }
    progress.current.steps.push(step);
  }

  async #testFinished(
    event: Extract<WorkerEvent, { type: 'testFinished' }>,
  ): Promise<void> {
    const progress = this.#progress(event.testId);
    const steps =
      progress.current?.attempt === event.attempt ? progress.current.steps : [];
    progress.current = undefined;
    const message = this.#mask(event.error?.message);
    progress.attempts.push({
      attempt: event.attempt,
      status: event.status,
      durationMs: event.durationMs,
      error:
        event.error && message !== undefined
          ? {
              message,
              stepId: event.error.stepId,
              stepIndex: event.error.stepIndex,
              signature: failureSignature(message),
            }
          : undefined,
      steps,
      videoArtifactId: await this.#store(event.videoPath, 'video'),
      traceArtifactId: await this.#store(event.tracePath, 'trace'),
    });
    await this.#save(event.testId, progress);
  }

  async #save(testId: string, progress: TestProgress): Promise<void> {
    const test = this.options.definition.tests.find(t => t.id === testId);
    await this.options.store.saveTestResult(this.options.runId, {
      testId,
      testName: test?.name ?? testId,
      status: attemptsToStatus(progress.attempts.map(a => a.status)),
      quarantined: this.options.quarantined.has(testId),
      durationMs: progress.attempts.reduce((sum, a) => sum + a.durationMs, 0),
      attempts: progress.attempts,
    });
  }

  #mask(text: string | undefined): string | undefined {
    return text === undefined
      ? undefined
      : maskSecrets(text, this.options.secrets);
  }

  /**
   * Stores a file the worker wrote (relative to outputDir) with its secrets scrubbed: inside
   * the zip for a trace, in the bytes for everything else. Undefined when there is no file.
   */
  async #store(
    relativePath: string | undefined,
    kind: TestArtifactKind,
  ): Promise<string | undefined> {
    if (!relativePath) return undefined;
    const { outputDir, runId, store, secrets, logger } = this.options;
    const file = path.resolve(outputDir, relativePath);
    if (!file.startsWith(`${outputDir}${path.sep}`)) {
      logger.warn(
        `Test run ${runId}: ignored a ${kind} outside the output folder`,
      );
      return undefined;
    }
    let content: Buffer;
    try {
      content = await fs.readFile(file);
    } catch {
      logger.warn(`Test run ${runId}: the ${kind} ${relativePath} is missing`);
      return undefined;
    }
    let clean: Buffer;
    try {
      clean =
        kind === 'trace'
          ? await scrubZip(content, secrets)
          : scrubSecrets(content, secrets);
    } catch (error) {
      // a trace that cannot be read cannot be checked for secrets: it is not kept
      logger.warn(
        `Test run ${runId}: dropped the ${kind} ${relativePath}: ${errorMessage(
          error,
        )}`,
      );
      return undefined;
    }
    if (clean !== content) await fs.writeFile(file, clean);
    const artifact = await store.addArtifact({
      runId,
      kind,
      contentType: contentTypeOf(kind, relativePath),
      content: { path: file },
    });
    return artifact.artifactId;
  }
}

function contentTypeOf(kind: TestArtifactKind, file: string): string {
  if (kind === 'trace') return 'application/zip';
  const extension = path.extname(file).toLowerCase();
  if (extension === '.webm') return 'video/webm';
  if (extension === '.mp4') return 'video/mp4';
  if (extension === '.jpg' || extension === '.jpeg') return 'image/jpeg';
  if (extension === '.png') return 'image/png';
  return kind === 'video' ? 'video/webm' : 'application/octet-stream';
}

/** `text` with every form of every secret replaced by `***`. */
export function maskSecrets(text: string, secrets: string[]): string {
  if (secrets.length === 0) return text;
  return scrubSecrets(Buffer.from(text, 'utf8'), secrets).toString('utf8');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
