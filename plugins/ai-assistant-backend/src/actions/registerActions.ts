import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { JsonObject } from '@backstage/types';
import { parseInput } from '@internal/backend-common';
import type { FailureExplainer } from '../explain/FailureExplainer';
import { explainBody } from '../explain/router';

/**
 * The assistant's actions for AI and MCP clients: `explain-run`, the same explanation as
 * `POST /explain`, read with the caller's own credentials.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  explainer: FailureExplainer,
) {
  actionsRegistry.register({
    name: 'explain-run',
    title: 'Explain a failed run',
    description:
      "Explains why a CI run failed, from its log read with the caller's permissions: the failure category, a summary, the first error lines, a suggested fix, the known failure causes that matched, earlier runs of the pipeline with the same failure (and the commit that fixed it), the lines the last green runs did not print, and what could not be read. Works without a model; with one configured, adds the model's root cause, fix and confidence with links to the evidence. Give runId as the CI/CD list shows it (a Comet run id, jenkins:<instance>:<job>#<number> or github:<owner>/<repo>#<id>, the last two with entityRef), or testRunId for a test-recorder run.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          runId: z
            .string()
            .optional()
            .describe(
              'A run as the unified CI/CD list gives it: a Comet run id, jenkins:<instance>:<folder/job>#<number>, or github:<owner>/<repo>#<run id>',
            ),
          entityRef: z
            .string()
            .optional()
            .describe(
              'For Jenkins and GitHub Actions runs: the entity the CI/CD list shows the run for, e.g. component:default/payments-api',
            ),
          testRunId: z
            .string()
            .optional()
            .describe('A test-recorder run id, instead of runId'),
        }),
      output: z =>
        z
          .object({
            run: z
              .object({
                kind: z.string(),
                runId: z.string(),
                title: z.string(),
                status: z.string(),
                url: z.string().optional(),
              })
              .passthrough(),
            category: z.string(),
            summary: z.string(),
            firstErrorLines: z.array(
              z.object({
                line: z.number(),
                text: z.string(),
                url: z.string().optional(),
              }),
            ),
            suggestedFix: z.string().optional(),
            matchedRules: z.array(z.any()),
            fingerprint: z.string().optional(),
            similarRuns: z.any().optional(),
            newLines: z.any().optional(),
            exitCode: z.number().optional(),
            log: z.any(),
            unread: z.array(z.object({ what: z.string(), reason: z.string() })),
            warnings: z.array(z.string()),
            model: z.any(),
            analysedAt: z.string(),
            durationMs: z.number(),
          })
          .passthrough(),
    },
    action: async ({ input, credentials }) => {
      const body = parseInput(explainBody, input, 'input');
      const explanation = await explainer.explain(credentials, body);
      return { output: explanation as unknown as JsonObject as any };
    },
  });
}
