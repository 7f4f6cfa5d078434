/**
 * The `test-recorder/suite` pipeline step: runs a recorded browser test suite and fails the
 * step when a test fails.
 *
 * @packageDocumentation
 */
export {
  pipelinesModuleTestRecorder as default,
  pipelinesModuleTestRecorder,
  createPipelinesModuleTestRecorder,
  type PipelinesModuleTestRecorderOptions,
} from './module';
export {
  TestRecorderSuiteStep,
  TEST_RECORDER_SUITE_STEP_ID,
  MAX_TEST_RETRIES,
  describeTestResult,
  parseSuiteStepInputs,
} from './TestRecorderSuiteStep';
export {
  TestRecorderClient,
  type TestRecorderPipelineRunRequest,
} from './TestRecorderClient';
