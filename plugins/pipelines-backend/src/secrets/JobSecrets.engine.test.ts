import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  PipelineDefinition,
  PipelineJob,
} from '@internal/plugin-pipelines-common';
import type { PipelineExecutor } from '@internal/plugin-pipelines-node';
import { PipelineEngine } from '../engine/PipelineEngine';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import { SecretScopes } from './SecretScopes';
import { gateUntrustedDefinition } from './untrustedRuns';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ENTITY = 'component:default/payments-api';

const scopes = new SecretScopes([
  {
    name: 'TEAM',
    value: 'team-secret-value',
    owners: ['group:default/payments'],
  },
  { name: 'OTHER', value: 'other-secret-value', owners: ['group:default/web'] },
  {
    name: 'PROD',
    value: 'prod-secret-value',
    owners: ['group:default/payments'],
    environments: ['production'],
  },
]);

const job = (
  id: string,
  env: Record<string, string>,
  extra: Partial<PipelineJob> = {},
): PipelineJob => ({
  id,
  name: id,
  needs: [],
  retry: 0,
  env,
  artifacts: [],
  steps: [
    {
      name: 'print',
      run: 'echo "token is $TOKEN"',
      env: {},
      continueOnError: false,
    },
  ],
  ...extra,
});

const definitionOf = (jobs: PipelineJob[]): PipelineDefinition => ({
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs,
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean) {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

describe.each(databases.eachSupportedId())(
  'secrets given to jobs (%s)',
  databaseId => {
    let store: DatabasePipelineStore;
    let engine: PipelineEngine;
    /** Per job, the environment its step ran with. */
    let envs: Map<string, Record<string, string>>;

    beforeEach(async () => {
      const knex = await databases.init(databaseId);
      store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
      });
      envs = new Map();
      const executor: PipelineExecutor = {
        id: 'fake',
        prepareWorkspace: async () => ({ dir: '/nonexistent', commit: 'abc' }),
        runScript: async request => {
          envs.set(request.env.COMET_JOB, request.env);
          // A step that prints its secret, as a careless one would
          request.onOutput({
            stream: 'stdout',
            text: `token is ${request.env.TOKEN}`,
          });
          return { exitCode: 0 };
        },
        collectArtifacts: async () => [],
        cleanupWorkspace: async () => undefined,
      };
      engine = new PipelineEngine({
        store,
        executor,
        stepTypes: new Map(),
        logger: mockServices.logger.mock(),
        secrets: scopes,
        ownersOf: async entityRef =>
          entityRef === ENTITY ? ['group:default/payments'] : [],
        artifacts: {} as any,
        concurrency: 2,
        leaseMs: 30_000,
        heartbeatMs: 5_000,
        pollMs: 25,
        logLimitBytes: 1_000_000,
      });
      engine.start();
    });

    afterEach(async () => {
      await engine.stop(0);
    });

    const finished = (runId: string) =>
      waitFor(
        () => store.getRun(runId).then(run => run!),
        run => ['succeeded', 'failed', 'cancelled'].includes(run.status),
      );
    const logOf = async (runId: string) =>
      (await store.readLogLines(runId, { limit: 1000 })).map(line => line.text);

    it('gives an in-scope secret, masked in the log, and fails a job that names an out-of-scope one', async () => {
      const run = await engine.trigger({
        entityRef: ENTITY,
        entityName: 'payments-api',
        repositoryUrl: 'https://git.example/payments.git',
        definition: definitionOf([
          job('build', { TOKEN: '${{ secrets.TEAM }}' }),
          job('steal', { TOKEN: '${{ secrets.OTHER }}' }),
        ]),
        trigger: { type: 'manual', actor: 'user:default/alice' },
      });
      const done = await finished(run.runId);

      const build = done.jobs.find(j => j.jobId === 'build')!;
      expect(build.status).toBe('succeeded');
      expect(envs.get('build')?.TOKEN).toBe('team-secret-value');

      const steal = done.jobs.find(j => j.jobId === 'steal')!;
      expect(steal.status).toBe('failed');
      expect(steal.error).toBe(
        'The job references a secret it may not have: secret "OTHER" is only for entities owned by group:default/web, not for component:default/payments-api, whose owners are group:default/payments (see pipelines.secrets)',
      );
      // Its steps never ran: the secret is in no environment
      expect(envs.has('steal')).toBe(false);

      const log = await logOf(run.runId);
      expect(log).toContain('token is ***');
      expect(log.join('\n')).not.toMatch(/secret-value/);
    });

    it('gives an environment secret only to jobs after an approved gate of that environment', async () => {
      const run = await engine.trigger({
        entityRef: ENTITY,
        entityName: 'payments-api',
        repositoryUrl: 'https://git.example/payments.git',
        definition: definitionOf([
          job('early', { TOKEN: '${{ secrets.PROD }}' }),
          {
            id: 'gate',
            name: 'gate',
            needs: [],
            retry: 0,
            env: {},
            artifacts: [],
            steps: [],
            // `environment` as the approval gates name it
            approval: { environment: 'production' } as PipelineJob['approval'],
          },
          job('deploy', { TOKEN: '${{ secrets.PROD }}' }, { needs: ['gate'] }),
        ]),
        trigger: { type: 'manual', actor: 'user:default/alice' },
      });
      const waiting = await waitFor(
        () => store.getRun(run.runId).then(r => r!),
        r => r.jobs.find(j => j.jobId === 'early')!.status === 'failed',
      );
      expect(waiting.jobs.find(j => j.jobId === 'early')!.error).toContain(
        'secret "PROD" is only for jobs after an approved gate of environment production, and this job waits for no approved gate with an environment',
      );
      expect(
        await store.decideApproval({
          runId: run.runId,
          jobRunId: 'gate',
          decision: 'approved',
          decidedBy: 'user:default/bob',
        }),
      ).toBe(true);
      await engine.promoteAndNotify(run.runId);
      const done = await finished(run.runId);
      expect(done.jobs.find(j => j.jobId === 'deploy')!.status).toBe(
        'succeeded',
      );
      expect(envs.get('deploy')?.TOKEN).toBe('prod-secret-value');
      expect(envs.has('early')).toBe(false);
    });

    it("runs a fork's pull request only after approval, without secrets", async () => {
      const untrusted =
        'Pull request #7 on acme/payments comes from the fork mallory/payments';
      // No worker until the decision, so that "nothing can be claimed" is checked alone
      await engine.stop(0);
      const run = await engine.trigger({
        entityRef: ENTITY,
        entityName: 'payments-api',
        repositoryUrl: 'https://git.example/payments.git',
        definition: gateUntrustedDefinition(
          definitionOf([job('build', { TOKEN: '${{ secrets.TEAM }}' })]),
          { reason: untrusted, approvers: ['group:default/payments'] },
        ),
        commitSha: 'f'.repeat(40),
        trigger: { type: 'pull_request', actor: 'github:mallory', untrusted },
      });
      const waiting = await store.getRun(run.runId);
      expect(waiting!.status).toBe('waiting');
      expect(waiting!.trigger.untrusted).toBe(untrusted);
      expect(waiting!.jobs.map(j => [j.jobRunId, j.status])).toEqual([
        ['_untrusted-approval', 'waiting'],
        ['build', 'queued'],
      ]);
      expect(waiting!.jobs[0].approval?.approvers).toEqual([
        'group:default/payments',
      ]);
      // Nothing of the fork can run before the gate is decided
      expect(
        await store.claimJob({ workerId: 'probe', leaseMs: 30_000 }),
      ).toBeUndefined();

      await store.decideApproval({
        runId: run.runId,
        jobRunId: '_untrusted-approval',
        decision: 'approved',
        decidedBy: 'user:default/bob',
      });
      engine.start();
      await engine.promoteAndNotify(run.runId);
      const done = await finished(run.runId);
      expect(done.status).toBe('succeeded');
      expect(envs.get('build')?.TOKEN).toBe('');
      const log = await logOf(run.runId);
      expect(log).toContain(
        `Secrets withheld: ${untrusted}; secrets.TEAM is empty in this run`,
      );
    });

    it('withholds secrets from a run of fork code whatever its definition (pull_request_target)', async () => {
      // The base branch's definition, without the gate, checking out the fork's commit
      const run = await engine.trigger({
        entityRef: ENTITY,
        entityName: 'payments-api',
        repositoryUrl: 'https://git.example/payments.git',
        definition: definitionOf([
          job('build', { TOKEN: '${{ secrets.TEAM }}' }),
        ]),
        commitSha: 'f'.repeat(40),
        trigger: { type: 'rerun', untrusted: 'fork code' },
      });
      const done = await finished(run.runId);
      expect(done.status).toBe('succeeded');
      expect(envs.get('build')?.TOKEN).toBe('');
    });
  },
);
