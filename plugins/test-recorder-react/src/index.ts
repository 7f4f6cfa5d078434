/**
 * Extension blueprints other plugins use to attach to the test recorder's UI: a run page's
 * header and an entity's Tests tab. The test recorder declares the inputs; a plugin attaches
 * by extension id and never depends on the test recorder plugin itself.
 *
 * @packageDocumentation
 */
export {
  testRecorderAttachPoints,
  TestRunActionBlueprint,
  testRunActionDataRef,
} from './TestRunActionBlueprint';
export type {
  TestRunAction,
  TestRunActionProps,
} from './TestRunActionBlueprint';
export {
  SuiteListActionBlueprint,
  suiteListActionDataRef,
} from './SuiteListActionBlueprint';
export type {
  SuiteListAction,
  SuiteListActionProps,
} from './SuiteListActionBlueprint';
