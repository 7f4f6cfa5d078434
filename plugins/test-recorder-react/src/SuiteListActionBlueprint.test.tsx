import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  SuiteListActionBlueprint,
  suiteListActionDataRef,
} from './SuiteListActionBlueprint';

// Rendering in the Tests tab is tested in the test recorder plugin, which has the tab.
describe('SuiteListActionBlueprint', () => {
  it("carries a lazy loader of its component and attaches to the entity's Tests tab", async () => {
    const Action = () => <button>Generate suite with AI</button>;
    const action = SuiteListActionBlueprint.make({
      name: 'generate',
      params: { loader: async () => Action },
    });
    expect(action).toEqual(
      expect.objectContaining({
        kind: 'test-suite-list-action',
        name: 'generate',
        attachTo: {
          id: 'entity-content:test-recorder/tests',
          input: 'suiteActions',
        },
      }),
    );
    const output = createExtensionTester(action).get(suiteListActionDataRef);
    await expect(output.loader()).resolves.toBe(Action);
  });
});
