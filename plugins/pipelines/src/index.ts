/**
 * Comet's pipelines UI: the CI/CD tab, run page, overview card, global page and editor.
 *
 * @packageDocumentation
 */
export { pipelinesPlugin as default } from './plugin';
export { pipelinesApiRef } from './api/PipelinesApi';
export type {
  PipelinesApi,
  CiRunsPage,
  CiProvider,
  PipelineFile,
  PipelineArtifact,
  PipelineStats,
} from './api/PipelinesApi';
export { PipelinesClient } from './api/PipelinesClient';
export { hasCiCd } from './filters';
