import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type { PipelineExecutor } from '@internal/plugin-pipelines-node';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { PipelineEngine } from './PipelineEngine';

jest.setTimeout(30_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [
    {
      id: 'build',
      name: 'Build',
      needs: [],
      retry: 0,
      env: {},
      artifacts: [],
      steps: [
        { name: 'echo', run: 'echo hi', env: {}, continueOnError: false },
      ],
    },
  ],
};

describe('PipelineEngine when log writes fail', () => {
  it('finishes the job with its real result and logs the failure once', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabasePipelineStore.create({
      database: mockServices.database({ knex }),
    });
    jest
      .spyOn(store, 'appendLogLines')
      .mockRejectedValue(new Error('write timeout (password hunter22)'));
    const executor: PipelineExecutor = {
      id: 'fake',
      prepareWorkspace: async () => ({ dir: '/nonexistent', commit: 'abc' }),
      runScript: async request => {
        for (let i = 0; i < 10; i++) {
          request.onOutput({ stream: 'stdout', text: `hi ${i} hunter22` });
        }
        return { exitCode: 0 };
      },
      collectArtifacts: async () => [],
      cleanupWorkspace: async () => undefined,
    };
    const logger = mockServices.logger.mock();
    const engine = new PipelineEngine({
      store,
      executor,
      stepTypes: new Map(),
      logger,
      secrets: { PASSWORD: 'hunter22' },
      artifacts: {} as any,
      concurrency: 1,
      leaseMs: 30_000,
      heartbeatMs: 5_000,
      pollMs: 50,
      logLimitBytes: 1_000_000,
    });
    const run = await engine.trigger({
      entityRef: 'component:default/comet',
      entityName: 'comet',
      repositoryUrl: 'https://example.com/comet.git',
      definition,
      trigger: { type: 'manual', actor: 'user:default/alice' },
    });
    engine.start();
    try {
      let status = run.status;
      for (let i = 0; i < 200 && status !== 'succeeded'; i++) {
        await new Promise(resolve => setTimeout(resolve, 50));
        status = (await store.getRun(run.runId))!.status;
      }
      const finished = (await store.getRun(run.runId))!;
      expect(finished.status).toBe('succeeded');
      expect(finished.jobs[0].status).toBe('succeeded');
      expect(finished.jobs[0].error).toBeUndefined();
      const errors = logger.error.mock.calls.map(([message]) => message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Cannot store \d+ log line\(s\) of run /);
      expect(errors[0]).toContain('write timeout');
      expect(errors[0]).not.toContain('hunter22');
    } finally {
      await engine.stop(0);
    }
  });
});
