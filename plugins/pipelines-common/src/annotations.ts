/** Comma-separated paths of pipeline files in the entity's repository. */
export const ANNOTATION_PIPELINES = 'comet.dev/pipelines';
/** The default pipeline file when the annotation is absent. */
export const DEFAULT_PIPELINE_PATH = '.comet/pipeline.yaml';
/** Where the entity's code is; the local executor checks it out. */
export const ANNOTATION_SOURCE_LOCATION = 'backstage.io/source-location';
/** `owner/repo` on GitHub; maps webhooks to entities. */
export const ANNOTATION_GITHUB_PROJECT_SLUG = 'github.com/project-slug';

/** The pipeline file paths an entity declares, defaulting to `.comet/pipeline.yaml`. */
export function pipelinePathsOf(annotations?: Record<string, string>) {
  const value = annotations?.[ANNOTATION_PIPELINES];
  if (!value) {
    return [DEFAULT_PIPELINE_PATH];
  }
  return value
    .split(',')
    .map(path => path.trim())
    .filter(Boolean);
}
