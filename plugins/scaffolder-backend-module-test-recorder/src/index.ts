/**
 * The `test-recorder:suite:create` scaffolder action.
 *
 * @packageDocumentation
 */
export {
  scaffolderModuleTestRecorder as default,
  scaffolderModuleTestRecorder,
} from './module';
export {
  createTestSuiteAction,
  type CreateTestSuiteActionOptions,
} from './createTestSuiteAction';
export type { WaitClock } from '@internal/backend-common';
