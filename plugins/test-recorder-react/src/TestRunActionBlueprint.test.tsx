import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  testRecorderAttachPoints,
  TestRunActionBlueprint,
  testRunActionDataRef,
} from './TestRunActionBlueprint';

// Attaching to the test recorder's run page is tested in the test recorder plugin, which has it.
describe('TestRunActionBlueprint', () => {
  it('carries a lazy loader of its component and attaches to the run page', async () => {
    const Action = () => <button>Explain this failure</button>;
    const action = TestRunActionBlueprint.make({
      name: 'explain',
      params: { loader: async () => Action },
    });
    expect(action).toEqual(
      expect.objectContaining({
        kind: 'test-run-action',
        name: 'explain',
        attachTo: { id: 'page:test-recorder/run', input: 'runActions' },
      }),
    );
    expect(testRecorderAttachPoints.runPageActions.id).toBe(
      'page:test-recorder/run',
    );
    const output = createExtensionTester(action).get(testRunActionDataRef);
    await expect(output.loader()).resolves.toBe(Action);
  });
});
