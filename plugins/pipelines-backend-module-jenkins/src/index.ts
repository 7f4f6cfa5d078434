/**
 * Jenkins builds in Comet's unified CI/CD view (a `PipelineProvider` for the pipelines plugin).
 *
 * @packageDocumentation
 */
export {
  pipelinesModuleJenkins as default,
  pipelinesModuleJenkins,
} from './module';
export {
  JenkinsPipelineProvider,
  toPipelineRun,
} from './JenkinsPipelineProvider';
