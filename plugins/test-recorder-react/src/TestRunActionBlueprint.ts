import type { ComponentType } from 'react';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import type { TestRunSummary } from '@internal/plugin-test-recorder-common';

/**
 * Where the test recorder's extensions take contributions from other plugins: the id of the
 * host extension and the name of its input.
 */
export const testRecorderAttachPoints = {
  /** Buttons in the header of a test run's page. */
  runPageActions: { id: 'page:test-recorder/run', input: 'runActions' },
  /** Buttons in the toolbar of an entity's Tests tab, beside "Record a new test". */
  suiteListActions: {
    id: 'entity-content:test-recorder/tests',
    input: 'suiteActions',
  },
} as const;

/** What a test-run action is given: the run as its page shows it, kept current while it runs. */
export type TestRunActionProps = { run: TestRunSummary };

/** A test-run action: its component is loaded when a run's page first renders it. */
export type TestRunAction = {
  loader: () => Promise<ComponentType<TestRunActionProps>>;
};

export const testRunActionDataRef =
  createExtensionDataRef<TestRunAction>().with({
    id: 'test-recorder.run-action',
  });

/**
 * A button in the header of a test run's page, beside Cancel, e.g. "Explain this failure".
 * The component is loaded lazily, so other plugins' actions do not grow the app's start-up
 * scripts.
 */
export const TestRunActionBlueprint = createExtensionBlueprint({
  kind: 'test-run-action',
  attachTo: testRecorderAttachPoints.runPageActions,
  output: [testRunActionDataRef],
  dataRefs: { action: testRunActionDataRef },
  *factory(params: TestRunAction) {
    yield testRunActionDataRef(params);
  },
});
