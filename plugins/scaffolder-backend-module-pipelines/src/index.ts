/**
 * The `pipelines:run:trigger` scaffolder action.
 *
 * @packageDocumentation
 */
export {
  scaffolderModulePipelines as default,
  scaffolderModulePipelines,
} from './module';
export {
  createRunTriggerAction,
  type CreateRunTriggerActionOptions,
} from './createRunTriggerAction';
export type { WaitClock } from '@internal/backend-common';
