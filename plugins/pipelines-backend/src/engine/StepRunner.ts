import { InputError } from '@backstage/errors';
import type {
  PipelineStep,
  PipelineStepReport,
  PipelineStepReportValue,
} from '@internal/plugin-pipelines-common';
import {
  parsePipelineStepReport,
  type PipelineExecutor,
  type PipelineStepType,
  type PipelineWorkspace,
} from '@internal/plugin-pipelines-node';
import { ContinuedLineMasker } from '../logs/ContinuedLineMasker';
import type { SecretMasker } from '../logs/SecretMasker';
import type { PipelineStore } from '../store/PipelineStore';
import { ExpressionScope, prepareScript, resolveDeep } from './expressions';
import { JobStopReason, stopMessage } from './JobStopReason';
import type { RunLog } from './RunLog';

/** How one step ended. `exitCode` is a script's, when it exited. */
export type StepOutcome =
  | { kind: 'succeeded'; exitCode?: number }
  /** A script's non-zero exit, an unknown step type, or a step type that threw. */
  | { kind: 'failed'; error: string; exitCode?: number }
  /** The step ran past its own `timeout`. */
  | { kind: 'timeout'; error: string; exitCode?: number }
  /** The job was stopped while the step ran; `error` is the job's stop reason. */
  | { kind: 'stopped'; error: string; exitCode?: number };

export type StepRunnerOptions = {
  executor: PipelineExecutor;
  stepTypes: Map<string, PipelineStepType>;
  log: RunLog;
  masker: SecretMasker;
  /** Where step types' reports are kept. */
  store: Pick<PipelineStore, 'addStepReport'>;
  runId: string;
  jobRunId: string;
  /** The job's attempt: reports are kept for it only. */
  attempt: number;
  entityRef: string;
  branch?: string;
  signal: AbortSignal;
  /** Why the job was stopped, once it was. */
  stopReason: () => JobStopReason | undefined;
};

/** The report with the run's secrets masked wherever it holds text. */
function maskReport(
  report: PipelineStepReport,
  masker: SecretMasker,
): PipelineStepReport {
  const maskValue = (
    value: PipelineStepReportValue,
  ): PipelineStepReportValue => {
    if (typeof value === 'string') return masker.mask(value);
    if (Array.isArray(value)) return value.map(maskValue);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          masker.mask(key),
          maskValue(item),
        ]),
      );
    }
    return value;
  };
  return {
    ...report,
    title: masker.mask(report.title),
    summary: masker.mask(report.summary),
    ...(report.url !== undefined ? { url: masker.mask(report.url) } : {}),
    ...(report.data !== undefined
      ? { data: maskValue(report.data) as PipelineStepReport['data'] }
      : {}),
  };
}

/**
 * Runs one step of a job in its workspace: a `run:` script through the executor, or a `uses:`
 * step type; streams its output into the run's log with secrets masked.
 */
export class StepRunner {
  constructor(private readonly options: StepRunnerOptions) {}

  async run(request: {
    step: PipelineStep;
    stepIndex: number;
    workspace: PipelineWorkspace;
    env: Record<string, string>;
    scope: ExpressionScope;
  }): Promise<StepOutcome> {
    const { step } = request;
    if (step.run !== undefined) {
      return this.runScript({ ...request, script: step.run });
    }
    if (step.uses) {
      return this.runStepType({ ...request, uses: step.uses });
    }
    return { kind: 'succeeded' };
  }

  private async runScript(request: {
    step: PipelineStep;
    script: string;
    stepIndex: number;
    workspace: PipelineWorkspace;
    env: Record<string, string>;
    scope: ExpressionScope;
  }): Promise<StepOutcome> {
    const { log, masker, jobRunId, signal } = this.options;
    const { step, stepIndex } = request;
    const prepared = prepareScript(request.script, request.scope);
    // Pieces of an over-long line are masked together, so no secret leaks at a cut
    const streams = {
      stdout: new ContinuedLineMasker(masker),
      stderr: new ContinuedLineMasker(masker),
    };
    const output = (
      stream: 'stdout' | 'stderr',
      text: string,
      continues = false,
    ) => {
      const masked = streams[stream].push(text, continues);
      if (masked || !continues) {
        log.write({ jobRunId, stepIndex, stream, text: masked }, true);
      }
    };
    const result = await this.options.executor.runScript({
      workspace: request.workspace,
      script: prepared.script,
      env: { ...request.env, ...prepared.env },
      timeoutMs: step.timeoutMs,
      signal,
      onOutput: line => output(line.stream, line.text, line.continues),
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      // A piece whose line never ended (the step was killed mid-line)
      const text = streams[stream].end();
      if (text) log.write({ jobRunId, stepIndex, stream, text }, true);
    }
    const exitCode = result.exitCode ?? undefined;
    if (result.terminatedBy === 'timeout') {
      return {
        kind: 'timeout',
        error: `Step timed out after ${step.timeoutMs} ms`,
        exitCode,
      };
    }
    if (result.terminatedBy === 'cancel') {
      return {
        kind: 'stopped',
        error: stopMessage(this.options.stopReason()),
        exitCode,
      };
    }
    if (result.exitCode !== 0) {
      return {
        kind: 'failed',
        error:
          result.exitCode === 127
            ? `Command not found (exit code 127)`
            : `Exited with code ${result.exitCode}`,
        exitCode,
      };
    }
    return { kind: 'succeeded', exitCode };
  }

  private async runStepType(request: {
    step: PipelineStep;
    uses: string;
    stepIndex: number;
    workspace: PipelineWorkspace;
    env: Record<string, string>;
    scope: ExpressionScope;
  }): Promise<StepOutcome> {
    const { log, masker, jobRunId, signal } = this.options;
    const { stepIndex, workspace, env } = request;
    const stepType = this.options.stepTypes.get(request.uses);
    if (!stepType) {
      return { kind: 'failed', error: `Unknown step type "${request.uses}"` };
    }
    let over = false;
    const report = async (value: PipelineStepReport) => {
      const where = `Report of step "${request.step.name}" (${request.uses})`;
      if (over) {
        throw new InputError(`${where}: the step is over, so it is not kept`);
      }
      let checked: PipelineStepReport;
      try {
        checked = parsePipelineStepReport(value);
      } catch (error) {
        throw new InputError(
          `${where}: ${masker.mask((error as Error).message)}`,
        );
      }
      await this.options.store.addStepReport({
        runId: this.options.runId,
        jobRunId,
        stepIndex,
        attempt: this.options.attempt,
        report: maskReport(checked, masker),
      });
    };
    try {
      await stepType.run({
        runId: this.options.runId,
        entityRef: this.options.entityRef,
        inputs: resolveDeep(request.step.with ?? {}, request.scope) as Record<
          string,
          unknown
        >,
        workspaceDir: workspace.dir,
        env,
        commit: workspace.commit,
        branch: this.options.branch,
        signal,
        log: {
          info: text =>
            log.write({ jobRunId, stepIndex, stream: 'stdout', text }),
          error: text =>
            log.write({ jobRunId, stepIndex, stream: 'stderr', text }),
        },
        report,
      });
      return { kind: 'succeeded' };
    } catch (error) {
      if (signal.aborted) {
        return {
          kind: 'stopped',
          error: stopMessage(this.options.stopReason()),
        };
      }
      return {
        kind: 'failed',
        error: masker.mask(String((error as Error)?.message ?? error)),
      };
    } finally {
      over = true;
    }
  }
}
