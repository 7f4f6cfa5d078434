import {
  ANNOTATION_PIPELINES,
  ANNOTATION_SOURCE_LOCATION,
} from '@internal/plugin-pipelines-common';
import type {
  PipelineProvider,
  PipelineProviderListRunsOptions,
} from '@internal/plugin-pipelines-node';
import type { PipelineStore } from '../store/PipelineStore';

/** Comet's own engine as the first CI/CD provider of the unified runs list. */
export class CometPipelineProvider implements PipelineProvider {
  readonly id = 'comet';
  readonly title = 'Comet';

  constructor(private readonly store: PipelineStore) {}

  appliesTo(entity: { annotations: Record<string, string> }) {
    return Boolean(
      entity.annotations[ANNOTATION_PIPELINES] ||
        entity.annotations[ANNOTATION_SOURCE_LOCATION],
    );
  }

  listRuns(options: PipelineProviderListRunsOptions) {
    return this.store.listRuns({
      entityRefs: [options.entity.entityRef],
      pipeline: options.pipeline,
      branch: options.branch,
      status: options.status,
      limit: options.limit,
      cursor: options.cursor,
    });
  }
}
