import {
  BackstageCredentials,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import type {
  PipelineRun,
  PipelineRunStatus,
} from '@internal/plugin-pipelines-common';

export type PipelineProviderEntity = {
  entityRef: string;
  annotations: Record<string, string>;
};

export type PipelineProviderListRunsOptions = {
  entity: PipelineProviderEntity;
  credentials: BackstageCredentials;
  pipeline?: string;
  branch?: string;
  status?: PipelineRunStatus;
  limit: number;
  cursor?: string;
};

/**
 * A CI/CD system whose runs appear in an entity's one CI/CD list: Comet's own engine,
 * Jenkins, GitHub Actions.
 */
export interface PipelineProvider {
  /** Shown as the provider badge, e.g. `comet`, `jenkins`. */
  readonly id: string;
  readonly title: string;
  /** Whether the entity's annotations give this provider anything to show. */
  appliesTo(entity: PipelineProviderEntity): boolean;
  listRuns(
    options: PipelineProviderListRunsOptions,
  ): Promise<{ runs: PipelineRun[]; nextCursor?: string; totalCount?: number }>;
}

export interface PipelineProvidersExtensionPoint {
  addProvider(...providers: PipelineProvider[]): void;
}

export const pipelineProvidersExtensionPoint =
  createExtensionPoint<PipelineProvidersExtensionPoint>({
    id: 'pipelines.providers',
  });
