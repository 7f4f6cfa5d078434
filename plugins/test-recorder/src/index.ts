/**
 * Comet's test recorder frontend plugin: the Tests tab on entities with
 * `comet.dev/test-suites`, suite pages, the live recorder and run pages.
 *
 * @packageDocumentation
 */
export { testRecorderPlugin as default } from './plugin';
export {
  testRecorderApiRef,
  TestRecorderApiError,
  TestRecorderClient,
} from './api';
export type {
  EntitySuites,
  MissingSuite,
  RecordingRequest,
  RecordingSession,
  RunRequest,
  RunsPage,
  SuiteFile,
  TestRecorderApi,
  TestRecorderClientOptions,
  TestRecorderConfig,
} from './api';
export type {
  RecordingClientMessage,
  RecordingServerMessage,
  RecordingSocket,
} from './recordingMessages';
