import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { PipelineStepReport } from '@internal/plugin-pipelines-common';

/** Writes lines to the step's log; secrets are masked before they are stored. */
export type PipelineStepLog = {
  info(text: string): void;
  error(text: string): void;
};

/** What a `uses:` step type gets when it runs. */
export type PipelineStepContext = {
  runId: string;
  entityRef: string;
  /** Inputs from `with:`, with `${{ … }}` expressions already resolved. */
  inputs: Record<string, unknown>;
  /** The checked-out repository for this job. */
  workspaceDir: string;
  /** The step's environment: pipeline, job and step `env`, and referenced secrets. */
  env: Record<string, string>;
  commit?: string;
  branch?: string;
  log: PipelineStepLog;
  /**
   * Reports a structured result of the step (a quality gate, a test suite's counts): the run
   * page, the API (`run.reports`) and run-event listeners (`context.reports()`, e.g. the GitHub
   * pull-request comment) show it without reading the log. Example:
   *
   * ```ts
   * await context.report({
   *   kind: 'sonarqube.quality-gate',
   *   title: 'SonarQube gate of payments-api',
   *   status: 'failed', // 'passed' | 'failed' | 'warning' | 'info'
   *   summary: 'new_coverage 42.3 < 80',
   *   url: 'https://sonar.example.com/dashboard?id=payments-api',
   *   data: { failedConditions: 1 },
   * });
   * ```
   *
   * Checked by {@link parsePipelineStepReport} (limits in {@link PIPELINE_STEP_REPORT_LIMITS}):
   * a bad report rejects with an error naming the field, which fails the step unless caught.
   * Secrets of the run are masked in the title, summary, URL and `data` strings, as in the
   * log. A report with the `kind` and `title` of one the step already made replaces it; a step
   * keeps at most 10 reports and a run at most 100. A job that is retried keeps only the reports
   * of its last attempt. Reporting does not change the step's result: throw to fail it.
   */
  report(report: PipelineStepReport): Promise<void>;
  /** Aborted on cancel and timeout; a step type must stop promptly. */
  signal: AbortSignal;
};

/**
 * A step type other plugins contribute (e.g. `sonarqube/quality-gate`), used in a pipeline as
 * `uses: <id>` with `with:` inputs. Throwing fails the step with the error's message.
 */
export type PipelineStepType = {
  /** The `uses:` value, `<plugin>/<name>`. */
  id: string;
  description: string;
  /** Input names that must be present in `with:`. */
  requiredInputs?: string[];
  run(context: PipelineStepContext): Promise<void>;
};

export interface PipelineStepTypesExtensionPoint {
  addStepType(...stepTypes: PipelineStepType[]): void;
}

export const pipelineStepTypesExtensionPoint =
  createExtensionPoint<PipelineStepTypesExtensionPoint>({
    id: 'pipelines.step-types',
  });
