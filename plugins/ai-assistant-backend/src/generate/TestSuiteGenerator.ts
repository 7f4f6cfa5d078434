import type {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import type { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import { audited } from '@internal/backend-common';
import {
  aiAssistantChatUsePermission,
  aiAssistantNotConfiguredMessage,
  type AiGeneratedTestFailure,
  type AiGeneratedTestRun,
  type AiGeneratedTestSuite,
  type AiGenerateTestSuiteRequest,
  type AiTestSuiteProgressEvent,
} from '@internal/plugin-ai-assistant-common';
import type { TestSuiteDefinition } from '@internal/plugin-test-recorder-common';
import type { Request } from 'express';
import { ActionReader, ActionReadError } from '../explain/ActionReader';
import {
  type ChatMessage,
  type OpenAiChatClient,
} from '../provider/OpenAiChatClient';
import type { AiAssistantMetrics } from '../service/AiAssistantMetrics';
import { countAssistantRequest } from '../service/AiAssistantService';
import { askModel } from './askModel';
import type { AiAssistantSettings } from '../service/AiAssistantSettings';
import type { DatabaseAiAssistantStore } from '../store/DatabaseAiAssistantStore';
import type { SecretMasker } from '../tools/SecretMasker';
import {
  type FailedStep,
  initialTestSuiteMessages,
  parseGeneratedSuite,
  repairTestSuiteMessages,
  type TestSuiteRepair,
} from './testSuitePrompt';

export const DEFAULT_TEST_SUITE_MAX_REPAIRS = 3;
export const DEFAULT_TEST_RUN_TIMEOUT_SECONDS = 300;
const FINISHED = new Set(['passed', 'failed', 'cancelled']);

/** What `aiAssistant.generation.*` sets for test suites. */
export type TestSuiteGenerationSettings = {
  /** Repairs after the first answer when it is invalid or its run fails. */
  maxRepairs: number;
  /** How long one validation run may take before the generator stops waiting. */
  runTimeoutMs: number;
};

/** `aiAssistant.generation.maxRepairs` and `.testRunTimeoutSeconds`, checked at start-up. */
export function readTestSuiteGenerationSettings(
  config: Config,
): TestSuiteGenerationSettings {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const key = `aiAssistant.generation.${name}`;
    const value = config.getOptionalNumber(key);
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InputError(
        `${key}: ${value} must be a whole number from ${min} to ${max}`,
      );
    }
    return value;
  };
  return {
    maxRepairs: read('maxRepairs', DEFAULT_TEST_SUITE_MAX_REPAIRS, 0, 10),
    runTimeoutMs:
      read('testRunTimeoutSeconds', DEFAULT_TEST_RUN_TIMEOUT_SECONDS, 1, 3600) *
      1000,
  };
}

/** A generation whose checks passed, ready to run; `run` reports progress as it goes. */
export type PreparedTestSuiteGeneration = {
  run(
    onProgress?: (event: AiTestSuiteProgressEvent) => void | Promise<void>,
  ): Promise<AiGeneratedTestSuite>;
};

type BriefRun = {
  runId: string;
  status: string;
  reason?: string;
  counts?: { passed: number; failed: number; flaky: number; skipped: number };
  tests?: Array<{
    testId: string;
    name: string;
    status: string;
    attempts?: Array<{ status: string; error?: string; failedStep?: string }>;
  }>;
};

type Target =
  | { mode: 'create' }
  | { mode: 'update'; version: number; definition: TestSuiteDefinition };

/**
 * "Generate suite with AI" (`POST /generate/test-suite`, the action
 * `ai-assistant:generate-test-suite`): asks the configured model for a browser test suite in
 * the test recorder's step format from a user journey, checks it with the recorder's own
 * validator, saves it (a new suite, or a new version of the entity's suite of that name) and
 * runs it through the test recorder's actions with the caller's credentials, so its
 * permissions apply; when the answer is invalid or the run fails, the validator's problems or
 * the failing step and its error go back to the model, up to `aiAssistant.generation.maxRepairs`
 * times. Everything the model sees is masked first; one generation counts as one request
 * against the user's rate limit and every model call's tokens are recorded as the chat's are.
 */
export class TestSuiteGenerator {
  static create(options: {
    actions: ActionsService;
    store: DatabaseAiAssistantStore;
    masker: SecretMasker;
    settings: AiAssistantSettings;
    generation: TestSuiteGenerationSettings;
    permissions: PermissionsService;
    auditor: AuditorService;
    logger: LoggerService;
    client?: OpenAiChatClient;
    metrics?: AiAssistantMetrics;
    clock?: () => Date;
    /** How often a run is polled at first (it backs off to 2 s). Default 500 ms. */
    pollIntervalMs?: number;
  }): TestSuiteGenerator {
    return new TestSuiteGenerator(options);
  }

  private readonly clock: () => Date;
  /** Users with a generation under way on this replica: one at a time each. */
  private readonly running = new Set<string>();

  private constructor(
    private readonly options: Parameters<typeof TestSuiteGenerator.create>[0],
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Generates, validates and runs in one call (the action's way). */
  async generate(
    credentials: BackstageCredentials,
    input: AiGenerateTestSuiteRequest,
    request?: Request,
  ): Promise<AiGeneratedTestSuite> {
    const prepared = await this.prepare(credentials, input, request);
    return prepared.run();
  }

  /**
   * Every check that can fail before the model is asked: the permission, the provider, the
   * suite name (free, or the entity's own suite), the rate limit. Their errors come before a
   * stream starts, as plain HTTP errors.
   */
  async prepare(
    credentials: BackstageCredentials,
    input: AiGenerateTestSuiteRequest,
    request?: Request,
  ): Promise<PreparedTestSuiteGeneration> {
    const { settings, permissions, client } = this.options;
    const [decision] = await permissions.authorize(
      [{ permission: aiAssistantChatUsePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not use the AI assistant (${aiAssistantChatUsePermission.name})`,
      );
    }
    const userRef = (credentials.principal as { userEntityRef?: string })
      .userEntityRef;
    if (!userRef) {
      throw new NotAllowedError(
        'Test suites are generated for signed-in users only (usage and the rate limit are per user)',
      );
    }
    if (!client) {
      throw new ServiceUnavailableError(
        aiAssistantNotConfiguredMessage(settings.missingProviderKeys),
      );
    }
    const reader = ActionReader.create({
      actions: this.options.actions,
      credentials,
    });
    const target = await this.target(reader, input);
    if (this.running.has(userRef)) {
      throw new ConflictError(
        'You already have a test suite generation under way; wait for it to finish',
      );
    }
    await this.countRequest(userRef);
    return {
      run: async onProgress => {
        this.running.add(userRef);
        try {
          return await audited(
            this.options.auditor,
            {
              eventId: 'generate-test-suite',
              severityLevel: 'medium',
              request,
              meta: {
                entityRef: input.entityRef,
                suite: input.suiteName,
                mode: target.mode,
              },
            },
            () =>
              this.loop({
                client,
                reader,
                userRef,
                input,
                target,
                onProgress: onProgress ?? (() => {}),
              }),
            result => ({
              valid: result.valid,
              attempts: result.attempts,
              version: result.version ?? null,
              runId: result.lastRun?.runId ?? null,
              model: result.model,
            }),
          );
        } finally {
          this.running.delete(userRef);
        }
      },
    };
  }

  /** Whether the suite is new or a new version of the entity's own suite; refused otherwise. */
  private async target(
    reader: ActionReader,
    input: AiGenerateTestSuiteRequest,
  ): Promise<Target> {
    const listed = await this.call<{
      suites: Array<{ name: string; version: number }>;
    }>(reader, 'test-recorder:list-suites', { entityRef: input.entityRef });
    const own = listed.suites.find(s => s.name === input.suiteName);
    if (own) {
      const current = await this.call<{
        definition: TestSuiteDefinition;
        version: number;
      }>(reader, 'test-recorder:get-suite', { suite: input.suiteName });
      return {
        mode: 'update',
        version: current.version,
        definition: current.definition,
      };
    }
    try {
      await reader.invoke('test-recorder:get-suite', {
        suite: input.suiteName,
      });
    } catch (error) {
      const status = (error as ActionReadError).statusCode;
      if (status === 404) return { mode: 'create' };
      if (status !== 403) throw this.describe(error);
    }
    // It exists (readable or not) and another entity owns it
    throw new ConflictError(
      `The suite name "${input.suiteName}" is taken by a suite of another entity than ${input.entityRef}; choose another name`,
    );
  }

  private async loop(context: {
    client: OpenAiChatClient;
    reader: ActionReader;
    userRef: string;
    input: AiGenerateTestSuiteRequest;
    target: Target;
    onProgress: (event: AiTestSuiteProgressEvent) => void | Promise<void>;
  }): Promise<AiGeneratedTestSuite> {
    const { client, reader, userRef, input, onProgress } = context;
    const { masker, generation, logger } = this.options;
    let target = context.target;
    const first = initialTestSuiteMessages({
      description: masker.mask(input.description),
      entityRef: input.entityRef,
      baseUrl: input.baseUrl,
      suiteName: input.suiteName,
      ...(input.pageSnapshot
        ? { pageSnapshot: masker.mask(input.pageSnapshot) }
        : {}),
      ...(target.mode === 'update'
        ? { currentSuite: masker.maskJson(target.definition as any) }
        : {}),
    });
    const maxAttempts = 1 + generation.maxRepairs;
    const result: AiGeneratedTestSuite = {
      suiteName: input.suiteName,
      entityRef: input.entityRef,
      valid: false,
      attempts: 0,
      problems: [],
      model: client.model,
    };
    let messages: ChatMessage[] = first;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      result.attempts = attempt;
      await onProgress({ type: 'attempt', attempt, maxAttempts });
      const answer = await this.ask(client, userRef, messages);
      const parsed = parseGeneratedSuite(answer, {
        suiteName: input.suiteName,
        baseUrl: input.baseUrl,
      });
      let repair: TestSuiteRepair;
      if (!parsed.ok) {
        repair = { kind: 'invalid', problems: parsed.problems };
        result.problems = parsed.problems;
      } else {
        const version = await this.save(
          reader,
          input,
          target,
          parsed.definition,
          attempt,
        );
        target = { mode: 'update', version, definition: parsed.definition };
        result.version = version;
        await onProgress({ type: 'saved', attempt, version });
        const started = await this.startRun(reader, input.suiteName);
        if ('refused' in started) {
          repair = { kind: 'run-refused', problem: started.refused };
          result.problems = [started.refused];
          result.lastRun = undefined;
        } else {
          await onProgress({ type: 'running', attempt, runId: started.runId });
          const run = await this.waitForRun(reader, started.runId);
          const failures = failuresOf(run, parsed.definition);
          result.lastRun = this.summarise(run, failures);
          if (!FINISHED.has(run.status)) {
            result.problems = [
              `Run ${run.runId} did not finish within ${
                generation.runTimeoutMs / 1000
              } s (aiAssistant.generation.testRunTimeoutSeconds); it is still ${
                run.status
              }. The suite is saved as version ${version}; look at the run in the test recorder.`,
            ];
            return result;
          }
          await onProgress({
            type: 'run-finished',
            attempt,
            runId: run.runId,
            status: run.status,
          });
          if (run.status === 'passed') {
            result.valid = true;
            result.problems = [];
            return result;
          }
          repair = {
            kind: 'run-failed',
            runId: run.runId,
            ...(run.reason ? { reason: masker.mask(run.reason) } : {}),
            failures: failures.map(f => ({
              ...f,
              error: masker.mask(f.error),
            })),
          };
          result.problems = problemsOf(run, failures).map(p => masker.mask(p));
        }
      }
      logger.debug(
        `Generated test suite ${input.suiteName}: attempt ${attempt} of ${maxAttempts} failed (${repair.kind})`,
      );
      if (attempt < maxAttempts) {
        await onProgress({
          type: 'repairing',
          attempt,
          problems: result.problems,
        });
        messages = repairTestSuiteMessages(messages, answer, repair);
      }
    }
    return result;
  }

  /** Saves the definition as a new suite or a new version; the version saved. */
  private async save(
    reader: ActionReader,
    input: AiGenerateTestSuiteRequest,
    target: Target,
    definition: TestSuiteDefinition,
    attempt: number,
  ): Promise<number> {
    const message = `Generated by the AI assistant (attempt ${attempt})`;
    const saved =
      target.mode === 'create'
        ? await this.call<{ version: number }>(
            reader,
            'test-recorder:create-suite',
            {
              entityRef: input.entityRef,
              definition: definition as unknown as JsonObject,
              message,
            },
          )
        : await this.call<{ version: number }>(
            reader,
            'test-recorder:update-suite',
            {
              suite: input.suiteName,
              definition: definition as unknown as JsonObject,
              baseVersion: target.version,
              message,
            },
          );
    return saved.version;
  }

  /** Queues a run; a refusal the model may fix (400) is returned, others are thrown. */
  private async startRun(
    reader: ActionReader,
    suite: string,
  ): Promise<{ runId: string } | { refused: string }> {
    try {
      const started = await reader.invoke<{ runId: string }>(
        'test-recorder:run-suite',
        { suite },
      );
      return { runId: started.runId };
    } catch (error) {
      if ((error as ActionReadError).statusCode === 400) {
        return { refused: (error as ActionReadError).detail };
      }
      throw this.describe(error);
    }
  }

  /** Polls the run until it finishes or the deadline passes, backing off to 2 s. */
  private async waitForRun(
    reader: ActionReader,
    runId: string,
  ): Promise<BriefRun> {
    const deadline = Date.now() + this.options.generation.runTimeoutMs;
    let interval = this.options.pollIntervalMs ?? 500;
    for (;;) {
      const { run } = await this.call<{ run: BriefRun }>(
        reader,
        'test-recorder:get-run',
        { runId },
      );
      const left = deadline - Date.now();
      if (FINISHED.has(run.status) || left <= 0) return run;
      await sleep(Math.min(interval, left));
      interval = Math.min(interval * 2, 2000);
    }
  }

  private summarise(run: BriefRun, failures: FailedStep[]): AiGeneratedTestRun {
    const mask = (text: string) => this.options.masker.mask(text);
    return {
      runId: run.runId,
      status: run.status,
      ...(run.counts ? { counts: run.counts } : {}),
      ...(run.reason ? { reason: mask(run.reason) } : {}),
      failures: failures.map(
        (f): AiGeneratedTestFailure => ({
          testId: f.testId,
          testName: f.testName,
          ...(f.stepId ? { stepId: f.stepId } : {}),
          error: mask(f.error),
        }),
      ),
    };
  }

  /** An action's output; its failure as the matching HTTP error, naming the action. */
  private async call<T>(
    reader: ActionReader,
    actionId: string,
    input: JsonObject,
  ): Promise<T> {
    try {
      return await reader.invoke<T>(actionId, input);
    } catch (error) {
      throw this.describe(error);
    }
  }

  private describe(error: unknown): Error {
    if (!(error instanceof ActionReadError)) return error as Error;
    const message = error.message;
    switch (error.statusCode) {
      case 400:
        return new InputError(message);
      case 403:
        return new NotAllowedError(message);
      case 404:
        return new NotFoundError(message);
      case 409:
        return new ConflictError(message);
      default:
        return new ServiceUnavailableError(
          `${message}. Is the test recorder installed and listed in backend.actions.pluginSources?`,
        );
    }
  }

  /** One model call; its tokens are recorded whatever happens. */
  private ask(
    client: OpenAiChatClient,
    userRef: string,
    messages: ChatMessage[],
  ): Promise<string> {
    return askModel(this.options, {
      client,
      userRef,
      messages,
      what: 'The test suite could not be generated',
    });
  }

  private countRequest(userRef: string) {
    return countAssistantRequest(this.options, userRef, this.clock());
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The failed tests of a run, each with its last failing attempt's step and error. */
function failuresOf(
  run: BriefRun,
  definition: TestSuiteDefinition,
): FailedStep[] {
  const failures: FailedStep[] = [];
  for (const test of run.tests ?? []) {
    if (test.status !== 'failed') continue;
    const failed = [...(test.attempts ?? [])]
      .reverse()
      .find(a => a.status === 'failed');
    const stepId = failed?.failedStep;
    const step = definition.tests
      .find(t => t.id === test.testId)
      ?.steps.find(s => s.id === stepId);
    failures.push({
      testId: test.testId,
      testName: test.name,
      ...(stepId ? { stepId } : {}),
      ...(step ? { step } : {}),
      error: failed?.error ?? 'the test failed without an error message',
    });
  }
  return failures;
}

function problemsOf(run: BriefRun, failures: FailedStep[]): string[] {
  const problems = failures.map(
    f => `${f.testName}${f.stepId ? `, step ${f.stepId}` : ''}: ${f.error}`,
  );
  if (run.reason) problems.unshift(`Run ${run.runId}: ${run.reason}`);
  if (problems.length === 0) {
    problems.push(`Run ${run.runId} ended ${run.status}`);
  }
  return problems;
}
