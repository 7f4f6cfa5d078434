import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import type { TestRun } from '@internal/plugin-test-recorder-common';
import type { TestRecorderService } from '../service/TestRecorderService';

/** A run as actions return it: statuses, errors and artifact ids, never secret values. */
export function briefRun(run: TestRun) {
  return {
    runId: run.runId,
    suite: run.suiteName,
    entityRef: run.entityRef,
    status: run.status,
    trigger: run.trigger,
    ...(run.reason ? { reason: run.reason } : {}),
    createdAt: run.createdAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    counts: run.counts,
    tests: run.results.map(result => ({
      testId: result.testId,
      name: result.testName,
      status: result.status,
      quarantined: result.quarantined,
      attempts: result.attempts.map(attempt => ({
        attempt: attempt.attempt,
        status: attempt.status,
        durationMs: attempt.durationMs,
        ...(attempt.error
          ? {
              error: attempt.error.message,
              failedStep: attempt.error.stepId,
            }
          : {}),
        ...(attempt.traceArtifactId
          ? { traceArtifactId: attempt.traceArtifactId }
          : {}),
        ...(attempt.videoArtifactId
          ? { videoArtifactId: attempt.videoArtifactId }
          : {}),
        screenshots: attempt.steps
          .filter(s => s.screenshotArtifactId)
          .map(s => ({ stepId: s.stepId, artifactId: s.screenshotArtifactId })),
      })),
    })),
  };
}

/**
 * The test recorder's actions: the same service, with the caller's own permissions, behind the
 * UI, the AI assistant, MCP clients and templates.
 */
export function registerActions(
  actionsRegistry: ActionsRegistryService,
  service: TestRecorderService,
) {
  const entityRef = (z: any) =>
    z.string().describe('Entity ref, e.g. component:default/storefront-web');
  const suite = (z: any) =>
    z.string().describe('Suite name, e.g. storefront-checkout');

  actionsRegistry.register({
    name: 'list-suites',
    title: 'List test suites',
    description:
      'Lists the browser test suites of a catalog entity (those it owns and those its comet.dev/test-suites annotation names), each with its tests and latest run.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => z.object({ entityRef: entityRef(z) }),
      output: z =>
        z.object({
          suites: z.array(z.any()),
          missing: z.array(z.any()),
        }),
    },
    action: async ({ input, credentials }) => {
      const listed = await service.listSuites(credentials, input.entityRef);
      return {
        output: {
          suites: listed.suites.map(s => ({
            name: s.name,
            title: s.title,
            version: s.version,
            tests: s.testCount,
            latestRun: s.latestRun
              ? { runId: s.latestRun.runId, status: s.latestRun.status }
              : undefined,
          })),
          missing: listed.missing,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'get-suite',
    title: 'Get a test suite',
    description:
      'A browser test suite: its base URL, web server, tests and their steps (secrets by name only), and the Playwright Test code it renders to.',
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          suite: suite(z),
          version: z.number().int().min(1).optional(),
        }),
      output: z =>
        z.object({
          definition: z.any(),
          version: z.number(),
          files: z.array(z.object({ path: z.string(), content: z.string() })),
        }),
    },
    action: async ({ input, credentials }) => {
      const found = await service.getVersion(
        credentials,
        input.suite,
        input.version,
      );
      const { files } = await service.code(
        credentials,
        input.suite,
        found.version,
      );
      return {
        output: { definition: found.definition, version: found.version, files },
      };
    },
  });

  actionsRegistry.register({
    name: 'create-suite',
    title: 'Create a test suite',
    description:
      "Creates a browser test suite owned by a catalog entity from a suite definition in Comet's step format (name, baseUrl, tests with steps); needs the test-recorder.suite.edit permission on the entity.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRef(z),
          definition: z
            .record(z.string(), z.any())
            .describe("The suite in Comet's step format"),
          message: z.string().optional(),
        }),
      output: z => z.object({ name: z.string(), version: z.number() }),
    },
    action: async ({ input, credentials }) => {
      const created = await service.createSuite(credentials, {
        entityRef: input.entityRef as string,
        definition: input.definition,
        message: input.message,
      });
      return { output: { name: created.name, version: created.version } };
    },
  });

  actionsRegistry.register({
    name: 'update-suite',
    title: 'Save a new version of a test suite',
    description:
      "Saves a new version of a browser test suite from a whole suite definition in Comet's step format; baseVersion is the version it was edited from (a conflict if someone saved since). The suite keeps its name and owner; needs the test-recorder.suite.edit permission on the owning entity.",
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          suite: suite(z),
          definition: z
            .record(z.string(), z.any())
            .describe("The whole suite in Comet's step format"),
          baseVersion: z.number().int().min(1),
          message: z.string().optional(),
        }),
      output: z => z.object({ name: z.string(), version: z.number() }),
    },
    action: async ({ input, credentials }) => {
      const updated = await service.updateSuite(credentials, input.suite, {
        definition: input.definition,
        baseVersion: input.baseVersion,
        message: input.message,
      });
      return { output: { name: updated.name, version: updated.version } };
    },
  });

  actionsRegistry.register({
    name: 'run-suite',
    title: 'Run a test suite',
    description:
      'Queues a run of a browser test suite (all its tests or some) and returns the run id; follow it with test-recorder:get-run. Needs the test-recorder.suite.run permission.',
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          suite: suite(z),
          testIds: z.array(z.string()).optional(),
          retries: z.number().int().min(0).max(5).optional(),
        }),
      output: z => z.object({ runId: z.string(), status: z.string() }),
    },
    action: async ({ input, credentials }) => {
      const run = await service.runSuite(credentials, input.suite, {
        testIds: input.testIds,
        retries: input.retries,
        // run history tells runs an assistant or MCP client started from the UI's
        trigger: 'action',
      });
      return { output: { runId: run.runId, status: run.status } };
    },
  });

  actionsRegistry.register({
    name: 'get-run',
    title: 'Get a test run',
    description:
      "A browser test run: its status, each test's attempts with their errors, the failed step and the ids of their traces, videos and screenshots.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => z.object({ runId: z.string() }),
      output: z => z.object({ run: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: { run: briefRun(await service.getRun(credentials, input.runId)) },
    }),
  });

  actionsRegistry.register({
    name: 'get-test-history',
    title: 'Get a test history',
    description:
      "One test's recent results with its pass, failure and flake rates (a test whose attempts differ on the same commit is flaky) and whether it is quarantined.",
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          suite: suite(z),
          testId: z.string(),
          limit: z.number().int().min(1).max(200).default(50),
        }),
      output: z => z.object({ history: z.any() }),
    },
    action: async ({ input, credentials }) => ({
      output: {
        history: await service.history(
          credentials,
          input.suite,
          input.testId,
          input.limit,
        ),
      },
    }),
  });
}
