import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  SuiteListActionBlueprint,
  TestRunActionBlueprint,
} from '@internal/plugin-test-recorder-react';
import testRecorderPlugin from './index';
import {
  testRecorderEntityContent,
  testRecorderRecorderPage,
  testRecorderRunPage,
  testRecorderSuitePage,
} from './plugin';
import { entity, entityWith } from './__testUtils__/fixtures';

describe('testRecorderPlugin', () => {
  it('has the extensions the app wires by id', () => {
    expect(testRecorderPlugin.pluginId).toBe('test-recorder');
    for (const id of [
      'api:test-recorder',
      'entity-content:test-recorder/tests',
      'page:test-recorder/suite',
      'page:test-recorder/recorder',
      'page:test-recorder/run',
    ]) {
      expect(testRecorderPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('shows the Tests tab only on entities with comet.dev/test-suites', () => {
    const tab = createExtensionTester(testRecorderEntityContent);
    expect(tab.get(coreExtensionData.routePath)).toBe('tests');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe('Tests');
    const filter = tab.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(entity)).toBe(true);
    expect(filter(entityWith({}))).toBe(false);
    expect(filter(entityWith({ 'comet.dev/test-suites': ' ' }))).toBe(false);
  });

  it('mounts the suite, recorder and run pages under /test-recorder', () => {
    expect(
      createExtensionTester(testRecorderSuitePage).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/test-recorder/suites/:name');
    expect(
      createExtensionTester(testRecorderRecorderPage).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/test-recorder/record');
    expect(
      createExtensionTester(testRecorderRunPage).get(
        coreExtensionData.routePath,
      ),
    ).toBe('/test-recorder/runs/:runId');
  });

  it('takes the run-page actions other plugins attach with TestRunActionBlueprint', () => {
    const action = TestRunActionBlueprint.make({
      name: 'explain',
      params: { loader: async () => () => null },
    });
    // The page as the plugin provides it, with the id the blueprint attaches to
    const page = testRecorderPlugin.getExtension('page:test-recorder/run');
    const tester = createExtensionTester(
      page as typeof testRecorderRunPage,
    ).add(action);
    expect(tester.get(coreExtensionData.routePath)).toBe(
      '/test-recorder/runs/:runId',
    );
    expect(tester.query(action)).toBeDefined();
  });

  it("takes the Tests tab's toolbar actions other plugins attach with SuiteListActionBlueprint", () => {
    const action = SuiteListActionBlueprint.make({
      name: 'generate',
      params: { loader: async () => () => null },
    });
    const tab = testRecorderPlugin.getExtension(
      'entity-content:test-recorder/tests',
    );
    const tester = createExtensionTester(
      tab as typeof testRecorderEntityContent,
    ).add(action);
    expect(tester.get(coreExtensionData.routePath)).toBe('tests');
    expect(tester.query(action)).toBeDefined();
  });
});
