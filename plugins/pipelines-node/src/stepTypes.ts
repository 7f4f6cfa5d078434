import { createExtensionPoint } from '@backstage/backend-plugin-api';

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
