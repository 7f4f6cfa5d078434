import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { SuiteListActionBlueprint } from '@internal/plugin-test-recorder-react';
import { GenerateTestSuiteClient, generateTestSuiteApiRef } from './api';

/** The client of `/api/ai-assistant/generate/test-suite`. */
export const generateTestSuiteApi = ApiBlueprint.make({
  name: 'generate-test-suite',
  params: defineParams =>
    defineParams({
      api: generateTestSuiteApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GenerateTestSuiteClient({ discoveryApi, fetchApi }),
    }),
});

/** "Generate suite with AI" in the toolbar of an entity's Tests tab; loaded when first shown. */
export const generateSuiteAction = SuiteListActionBlueprint.make({
  name: 'generate-suite',
  params: {
    loader: () =>
      import('./GenerateSuiteAction').then(m => m.GenerateSuiteAction),
  },
});

export const generateSuiteExtensions = [
  generateTestSuiteApi,
  generateSuiteAction,
];
