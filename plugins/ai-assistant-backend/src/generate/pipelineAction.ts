import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseInput } from '@internal/backend-common';
import type { PipelineGenerator } from './PipelineGenerator';
import { generatePipelineBody } from './pipelineRouter';

/**
 * `ai-assistant:generate-pipeline`: the same generation as `POST /generate/pipeline`, for AI
 * and MCP clients, with the caller's credentials. Read-only: it returns text and writes
 * nothing; not idempotent, since each call asks the model again and counts against the
 * caller's rate limit.
 */
export function registerGeneratePipelineAction(
  actionsRegistry: ActionsRegistryService,
  generator: PipelineGenerator,
) {
  actionsRegistry.register({
    name: 'generate-pipeline',
    title: 'Generate a pipeline file',
    description:
      "Writes a Comet pipeline file (.comet/pipeline.yaml) from a description in plain language, or changes the given current file as described, with the configured model. The file is checked with pipelines:validate-pipeline with the caller's permissions and repaired until it is valid or aiAssistant.generation.maxRepairs repairs are spent. Returns the path, the file text, whether it is valid, the number of attempts and the problems that remain (with line, column and field). Writes nothing: show the file to the user, who saves or proposes it.",
    attributes: { readOnly: true, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          description: z
            .string()
            .describe(
              'What the pipeline should do, e.g. "build and test with npm on every push to main, deploy on tags"',
            ),
          entityRef: z
            .string()
            .optional()
            .describe(
              'The entity the pipeline is for, e.g. component:default/payments-api',
            ),
          path: z
            .string()
            .optional()
            .describe(
              'The file path in the repository; default .comet/pipeline.yaml',
            ),
          currentContent: z
            .string()
            .optional()
            .describe('The current file text, to change rather than replace'),
        }),
      output: z =>
        z.object({
          path: z.string(),
          content: z.string(),
          valid: z.boolean(),
          attempts: z.number(),
          problems: z.array(
            z.object({
              message: z.string(),
              path: z.string(),
              line: z.number().optional(),
              column: z.number().optional(),
            }),
          ),
          model: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      const body = parseInput(generatePipelineBody, input, 'input');
      return { output: await generator.generate(credentials, body) };
    },
  });
}
