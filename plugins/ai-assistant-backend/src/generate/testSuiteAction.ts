import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseInput } from '@internal/backend-common';
import { generateTestSuiteBody } from './testSuiteRouter';
import type { TestSuiteGenerator } from './TestSuiteGenerator';

/**
 * `ai-assistant:generate-test-suite`: the same generation as `POST /generate/test-suite`. Not
 * read-only: it saves a suite (or a new version) and runs it, so in the chat it waits for the
 * user's confirmation.
 */
export function registerGenerateTestSuiteAction(
  actionsRegistry: ActionsRegistryService,
  generator: TestSuiteGenerator,
) {
  actionsRegistry.register({
    name: 'generate-test-suite',
    title: 'Generate a browser test suite',
    description:
      "Writes a browser test suite in the test recorder's step format from a description of a user journey, saves it for the entity (a new suite, or a new version of the entity's suite of that name), runs it, and repairs it from the failing step and error until it passes or the repairs allowed are spent. Returns the suite name and version, whether it passed, the attempts, the last run and the problems left. Needs the test recorder's edit and run permissions on the entity.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          description: z
            .string()
            .describe(
              'The user journey to test, e.g. "sign in, add a book to the cart, pay"',
            ),
          entityRef: z
            .string()
            .describe(
              'The entity that owns the suite, e.g. component:default/storefront-web',
            ),
          baseUrl: z
            .string()
            .describe('The app under test, e.g. http://127.0.0.1:4173'),
          suiteName: z
            .string()
            .describe('The suite name, lower-case letters, digits and dashes'),
          pageSnapshot: z
            .string()
            .optional()
            .describe(
              "The page's accessibility snapshot or visible text, to pick locators from",
            ),
        }),
      output: z =>
        z
          .object({
            suiteName: z.string(),
            entityRef: z.string(),
            version: z.number().optional(),
            valid: z.boolean(),
            attempts: z.number(),
            lastRun: z.any().optional(),
            problems: z.array(z.string()),
            model: z.string(),
          })
          .passthrough(),
    },
    action: async ({ input, credentials }) => {
      const body = parseInput(generateTestSuiteBody, input, 'input');
      const result = await generator.generate(credentials, body);
      return { output: result as any };
    },
  });
}
