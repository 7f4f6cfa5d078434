import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import type {
  TestAttemptResult,
  TestResult,
  TestRun,
} from '@internal/plugin-test-recorder-common';
import { scrubSecrets } from '../runner/scrubSecrets';

/** The Jira family's action that files an issue (registered by the Jira backend plugin). */
export const JIRA_CREATE_ISSUE_ACTION = 'jira:create-issue';

export type JiraBugsOptions = {
  actions: Pick<ActionsService, 'list' | 'invoke'>;
  /** Reads a run with the caller's permissions (TestRecorderService.getRun). */
  getRun(credentials: BackstageCredentials, runId: string): Promise<TestRun>;
  /** Every secret value of the suite (stored and from config): masked in the bug. */
  secretsOf(suiteName: string): Promise<string[]>;
  /** The portal's frontend, for links to the run page (`app.baseUrl`). */
  appBaseUrl: string;
  /** For tests: the clock the availability cache reads. */
  now?: () => number;
};

const KNOWN_ERRORS: Record<string, new (message: string) => Error> = {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
};

/** How long whether Jira's action is offered to a caller is remembered. */
const AVAILABILITY_TTL_MS = 60_000;

export type JiraBugRequest = {
  projectKey?: string;
  summary?: string;
  issueType?: string;
};

/**
 * "Create Jira bug" for a failed test: the bug is filed through the Jira family's own
 * `jira:create-issue` action with the caller's credentials, so Jira's permission
 * (`jira.issue.create` on the entity) and audit apply, and the test recorder needs no Jira
 * configuration of its own. The description names the failing step and error and links the
 * run page's screenshot, video and trace (portal links: the reader signs in to see them).
 */
export class JiraBugs {
  readonly #cache = new Map<string, { at: number; value: boolean }>();

  constructor(private readonly options: JiraBugsOptions) {}

  /**
   * Whether the caller can file bugs: the Jira action exists and is offered to them
   * (remembered a minute per caller: listing asks every plugin for its actions).
   */
  async available(credentials: BackstageCredentials): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const key = principalKey(credentials);
    const cached = this.#cache.get(key);
    if (cached && now - cached.at < AVAILABILITY_TTL_MS) {
      return cached.value;
    }
    let value = false;
    try {
      const { actions } = await this.options.actions.list({ credentials });
      value = actions.some(action => action.id === JIRA_CREATE_ISSUE_ACTION);
    } catch {
      value = false;
    }
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(key, { at: now, value });
    return value;
  }

  async create(
    credentials: BackstageCredentials,
    runId: string,
    testId: string,
    request: JiraBugRequest,
  ): Promise<{ key: string; url: string }> {
    const run = await this.options.getRun(credentials, runId);
    const result = run.results.find(r => r.testId === testId);
    if (!result) {
      throw new NotFoundError(`Run ${runId} has no result for test ${testId}`);
    }
    const attempt = lastFailedAttempt(result);
    if (!attempt) {
      throw new InputError(
        `Test ${testId} did not fail in run ${runId}: there is no failure to report`,
      );
    }
    if (!(await this.available(credentials))) {
      throw new NotFoundError(
        'Jira is not configured in this portal (jira.instances in app-config.yaml), or you may not create issues',
      );
    }
    const secrets = await this.options.secretsOf(run.suiteName);
    const mask = (text: string) =>
      scrubSecrets(Buffer.from(text, 'utf8'), secrets).toString('utf8');
    const firstLine = (attempt.error?.message ?? 'failed').split('\n')[0];
    const summary = mask(
      request.summary?.trim() ||
        `${result.testName} fails in ${run.suiteName}: ${firstLine}`,
    ).slice(0, 255);
    const { output } = await this.invokeJira(credentials, {
      entityRef: run.entityRef,
      ...(request.projectKey ? { projectKey: request.projectKey } : {}),
      issueType: request.issueType ?? 'Bug',
      summary,
      description: mask(this.describe(run, result, attempt)),
      labels: ['comet-test-recorder'],
    });
    const created = output as { key?: unknown; url?: unknown };
    if (typeof created?.key !== 'string' || typeof created?.url !== 'string') {
      throw new Error(`${JIRA_CREATE_ISSUE_ACTION} answered without a key`);
    }
    return { key: created.key, url: created.url };
  }

  /** Jira's answer as the same kind of error (403 stays 403), its message prefixed. */
  private async invokeJira(
    credentials: BackstageCredentials,
    input: JsonObject,
  ) {
    try {
      return await this.options.actions.invoke({
        id: JIRA_CREATE_ISSUE_ACTION,
        credentials,
        input,
      });
    } catch (error) {
      const cause =
        (error as { name?: string }).name === 'ResponseError'
          ? (error as { cause?: { name?: string; message?: string } }).cause
          : (error as { name?: string; message?: string });
      const Known = cause?.name ? KNOWN_ERRORS[cause.name] : undefined;
      if (Known) {
        throw new Known(`Jira refused the bug: ${cause?.message}`);
      }
      throw error;
    }
  }

  private describe(
    run: TestRun,
    result: TestResult,
    attempt: TestAttemptResult,
  ): string {
    const runPage = `${this.options.appBaseUrl.replace(
      /\/+$/,
      '',
    )}/test-recorder/runs/${encodeURIComponent(run.runId)}`;
    const link = (artifactId: string) =>
      `${runPage}?test=${encodeURIComponent(
        result.testId,
      )}&artifact=${encodeURIComponent(artifactId)}`;
    const failedStep = attempt.steps.find(step => step.status === 'failed');
    const screenshot =
      failedStep?.screenshotArtifactId ??
      [...attempt.steps].reverse().find(step => step.screenshotArtifactId)
        ?.screenshotArtifactId;
    const lines = [
      `Test **${result.testName}** (\`${result.testId}\`) of suite \`${run.suiteName}\` failed in run [${run.runId}](${runPage}).`,
      '',
      `- Base URL: ${run.baseUrl}${run.project ? ` (${run.project})` : ''}`,
      `- Triggered: ${run.trigger} by ${run.triggeredBy} at ${run.createdAt}`,
      ...(run.commit ? [`- Commit: ${run.commit}`] : []),
      `- Attempts: ${result.attempts.length}`,
      '',
      failedStep
        ? `Failed at step ${failedStep.index + 1} (\`${
            failedStep.action
          }\`, id \`${failedStep.stepId}\`):`
        : 'Error:',
      '',
      '```',
      attempt.error?.message ?? 'failed',
      '```',
      '',
      ...(screenshot ? [`- [Screenshot](${link(screenshot)})`] : []),
      ...(attempt.videoArtifactId
        ? [`- [Video](${link(attempt.videoArtifactId)})`]
        : []),
      ...(attempt.traceArtifactId
        ? [`- [Playwright trace](${link(attempt.traceArtifactId)})`]
        : []),
      ...(failedStep?.visual?.diffArtifactId
        ? [`- [Visual difference](${link(failedStep.visual.diffArtifactId)})`]
        : []),
      `- [Run page](${runPage}) (sign in to Comet to open the artifacts)`,
    ];
    return lines.join('\n');
  }
}

function principalKey(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
    subject?: string;
  };
  return `${principal.type}:${
    principal.userEntityRef ?? principal.subject ?? ''
  }`;
}

function lastFailedAttempt(result: TestResult): TestAttemptResult | undefined {
  return [...result.attempts].reverse().find(a => a.status === 'failed');
}
