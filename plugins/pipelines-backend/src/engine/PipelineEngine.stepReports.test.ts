import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type {
  PipelineExecutor,
  PipelineStepType,
} from '@internal/plugin-pipelines-node';
import { RunEventContexts } from '../events/RunEventContexts';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { PipelineEngine } from './PipelineEngine';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [
    {
      id: 'gate',
      name: 'Gate',
      needs: [],
      retry: 1,
      env: {},
      artifacts: [],
      steps: [
        { name: 'build', run: 'make', env: {}, continueOnError: false },
        {
          name: 'quality gate',
          uses: 'comet/gate',
          with: { project: 'payments-api' },
          env: {},
          continueOnError: false,
        },
      ],
    },
  ],
};

const executor: PipelineExecutor = {
  id: 'fake',
  prepareWorkspace: async () => ({ dir: '/nonexistent', commit: 'abc' }),
  runScript: async () => ({ exitCode: 0 }),
  collectArtifacts: async () => [],
  cleanupWorkspace: async () => undefined,
};

describe.each(databases.eachSupportedId())(
  'PipelineEngine step reports on %p',
  databaseId => {
    it('keeps what a step type reports, masked, from the last attempt of a retried job', async () => {
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      let attempts = 0;
      const gate: PipelineStepType = {
        id: 'comet/gate',
        description: 'A gate that fails once',
        async run(context) {
          attempts++;
          await context.report({
            kind: 'comet.gate',
            title: `Gate of ${context.inputs.project}`,
            status: attempts === 1 ? 'failed' : 'passed',
            summary: `attempt ${attempts}, token hunter22`,
            url: 'https://gate.example.com/dashboard?id=payments-api',
          });
          if (attempts === 1) {
            await context.report({
              kind: 'comet.gate',
              title: 'Only in the first attempt',
              status: 'info',
              summary: 'gone after the retry',
            });
            throw new Error('Gate failed');
          }
        },
      };
      const engine = new PipelineEngine({
        store,
        executor,
        stepTypes: new Map([[gate.id, gate]]),
        logger: mockServices.logger.mock(),
        secrets: { TOKEN: 'hunter22' },
        artifacts: {} as any,
        concurrency: 1,
        leaseMs: 30_000,
        heartbeatMs: 5_000,
        pollMs: 20,
        logLimitBytes: 1_000_000,
      });
      const run = await engine.trigger({
        entityRef: 'component:default/payments-api',
        entityName: 'payments-api',
        repositoryUrl: 'https://example.com/payments-api.git',
        definition,
        trigger: { type: 'manual', actor: 'user:default/alice' },
      });
      engine.start();
      try {
        const deadline = Date.now() + 30_000;
        let finished = await store.getRun(run.runId);
        while (finished?.status !== 'succeeded' && Date.now() < deadline) {
          await new Promise(resolve => setTimeout(resolve, 50));
          finished = await store.getRun(run.runId);
        }
        expect(finished!.status).toBe('succeeded');
        expect(finished!.jobs[0].attempt).toBe(2);
        expect(attempts).toBe(2);
        const expected = [
          {
            jobRunId: 'gate',
            jobName: 'Gate',
            stepIndex: 1,
            stepName: 'quality gate',
            kind: 'comet.gate',
            title: 'Gate of payments-api',
            status: 'passed',
            summary: 'attempt 2, token ***',
            url: 'https://gate.example.com/dashboard?id=payments-api',
            reportedAt: expect.any(String),
          },
        ];
        expect(finished!.reports).toEqual(expected);
        // What a run-event listener reads
        const context = RunEventContexts.create({ store }).for('test', {
          runId: run.runId,
        } as any);
        expect(await context.reports()).toEqual(expected);
      } finally {
        await engine.stop(0);
      }
    });
  },
);
