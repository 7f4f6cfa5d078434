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
  type WaitClock,
} from './createTestSuiteAction';
