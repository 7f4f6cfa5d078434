import type { ComponentType } from 'react';
import {
  createExtensionBlueprint,
  createExtensionDataRef,
} from '@backstage/frontend-plugin-api';
import { testRecorderAttachPoints } from './TestRunActionBlueprint';

/** What a suite-list action is given: the entity whose suites the tab shows. */
export type SuiteListActionProps = {
  /** The entity, e.g. `component:default/storefront-web`. */
  entityRef: string;
  /** Names of the entity's suites, as the tab lists them. */
  suiteNames: string[];
  /** Tells the tab its suites changed (one was created or given a new version), to read them again. */
  onSuitesChanged: () => void;
};

/** A suite-list action: its component is loaded when the Tests tab first renders it. */
export type SuiteListAction = {
  loader: () => Promise<ComponentType<SuiteListActionProps>>;
};

export const suiteListActionDataRef =
  createExtensionDataRef<SuiteListAction>().with({
    id: 'test-recorder.suite-list-action',
  });

/**
 * A button in the toolbar of an entity's Tests tab, beside "Record a new test", e.g.
 * "Generate suite with AI". The component is loaded lazily, so other plugins' actions do not
 * grow the app's start-up scripts.
 */
export const SuiteListActionBlueprint = createExtensionBlueprint({
  kind: 'test-suite-list-action',
  attachTo: testRecorderAttachPoints.suiteListActions,
  output: [suiteListActionDataRef],
  dataRefs: { action: suiteListActionDataRef },
  *factory(params: SuiteListAction) {
    yield suiteListActionDataRef(params);
  },
});
