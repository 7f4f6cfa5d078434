/**
 * A catalog processor that checks Comet's annotations (syntax and configured instances) and
 * reports each problem on the entity's status, keeping the entity in the catalog.
 *
 * @packageDocumentation
 */
export { catalogModuleComet as default, catalogModuleComet } from './module';
export {
  ANNOTATION_PROBLEMS_ANNOTATION,
  CometAnnotationProcessor,
  COMET_ANNOTATION_ERROR_NAME,
} from './CometAnnotationProcessor';
export {
  checkCometAnnotations,
  JENKINS_OVERRIDE_BASE_URL_ANNOTATION,
} from './checkCometAnnotations';
export type { AnnotationProblem } from './checkCometAnnotations';
export { ConfiguredInstances } from './ConfiguredInstances';
export {
  CometWiringOverrideProcessor,
  OVERRIDABLE_ANNOTATIONS,
  OVERRIDDEN_ANNOTATIONS_ANNOTATION,
} from './CometWiringOverrideProcessor';
export {
  WiringOverrides,
  OVERRIDES_CACHE_TTL_MS,
  type WiringOverrideEntry,
} from './WiringOverrides';
export type { InstanceName, JenkinsInstanceName } from './ConfiguredInstances';
