/**
 * Extension blueprints other plugins use to attach to the pipelines UI: CI/CD providers,
 * run-page actions and entity panels. The pipelines plugin declares the inputs; a plugin
 * attaches by extension id and never depends on the pipelines plugin itself.
 *
 * @packageDocumentation
 */
export { pipelinesAttachPoints } from './attachPoints';
export {
  CiCdProviderBlueprint,
  ciCdProviderDataRef,
} from './CiCdProviderBlueprint';
export type { CiCdProvider } from './CiCdProviderBlueprint';
export {
  RunPageActionBlueprint,
  runPageActionDataRef,
} from './RunPageActionBlueprint';
export type {
  RunPageAction,
  RunPageActionProps,
} from './RunPageActionBlueprint';
export {
  EntityPanelBlueprint,
  entityPanelDataRef,
} from './EntityPanelBlueprint';
export type { EntityPanel } from './EntityPanelBlueprint';
