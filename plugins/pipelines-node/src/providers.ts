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
 * One source of a provider that could not be read, while the others could: a Jenkins job of
 * several, an instance that is down.
 */
export type PipelineProviderSourceError = {
  /**
   * What failed, readable as is and naming the provider, e.g.
   * `Jenkins job folder/payments-build (instance default)`. The CI/CD list shows it as
   * "<source> could not be loaded: <message>".
   */
  source: string;
  /** Why, e.g. `404 Not Found`. Never a credential, token or URL with user info. */
  message: string;
};

/** A page of one provider's runs, newest first. */
export type PipelineProviderRunPage = {
  runs: PipelineRun[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
  totalCount?: number;
  /**
   * Sources whose runs are missing from this page because they could not be read, while
   * the runs of the provider's other sources are there. The backend passes them on to the
   * CI/CD list (`errors` of `GET /ci-runs`, with this provider's id) next to the runs.
   *
   * When nothing of the provider can be read, `listRuns` throws instead: the whole provider
   * is then reported as failed and asked again from the same place on the next page.
   */
  errors?: PipelineProviderSourceError[];
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
  /**
   * The entity's runs, newest first, one page at a time. Throws when the provider cannot list
   * anything; reports sources that failed while others worked in `errors` (see
   * {@link PipelineProviderRunPage.errors}).
   */
  listRuns(
    options: PipelineProviderListRunsOptions,
  ): Promise<PipelineProviderRunPage>;
}

export interface PipelineProvidersExtensionPoint {
  addProvider(...providers: PipelineProvider[]): void;
}

export const pipelineProvidersExtensionPoint =
  createExtensionPoint<PipelineProvidersExtensionPoint>({
    id: 'pipelines.providers',
  });
