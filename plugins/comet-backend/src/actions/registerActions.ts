import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { DeliveryHealthService } from '../service/DeliveryHealthService';

/** `comet:get-delivery-health`: what the card and `GET /entity` show, for AI and MCP. */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: DeliveryHealthService,
) {
  actionsRegistry.register({
    name: 'get-delivery-health',
    title: 'Get delivery health',
    description:
      "Gets a catalog entity's delivery health: last pipeline run and its duration, success rate and mean time to recovery (hours), the SonarQube quality gate, the browser tests' pass rate and flaky count, open Jira bugs, and open GitHub pull requests with their age. Each section has a status (ok, not-configured, error), a link to its source, and each figure a rating (good, warn, bad) against the configured thresholds.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: z
            .string()
            .describe('Entity ref, e.g. component:default/payments-api'),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          title: z.string(),
          computedAt: z.string(),
          pipelines: z.any(),
          qualityGate: z.any(),
          tests: z.any(),
          bugs: z.any(),
          pullRequests: z.any(),
        }),
    },
    action: async ({ input, credentials }) => ({
      output: await service.entityHealth(credentials, input.entityRef),
    }),
  });
}
