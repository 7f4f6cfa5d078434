/**
 * Extension blueprints other plugins use to attach to the pipelines UI: CI/CD providers,
 * run-page actions, entity panels, pipeline-editor actions and CI/CD run actions. The pipelines plugin declares the inputs; a plugin
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
export {
  EditorActionBlueprint,
  editorActionDataRef,
} from './EditorActionBlueprint';
export type {
  EditorAction,
  EditorActionProps,
  EditorFileText,
  PipelineEditorFile,
} from './EditorActionBlueprint';
export {
  CiCdRunActionBlueprint,
  ciCdRunActionDataRef,
} from './CiCdRunActionBlueprint';
export type {
  CiCdRunAction,
  CiCdRunActionProps,
} from './CiCdRunActionBlueprint';
