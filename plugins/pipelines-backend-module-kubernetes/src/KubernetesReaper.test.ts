import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { KubernetesApi } from './KubernetesApi';
import { loadKubernetesClient } from './kubernetesClient';
import { databaseJobRunStates, KubernetesReaper } from './KubernetesReaper';
import { KubernetesFake } from './testUtils';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe('KubernetesReaper', () => {
  let fake: KubernetesFake;
  let api: KubernetesApi;

  beforeAll(async () => {
    fake = await KubernetesFake.start();
    const k8s = await loadKubernetesClient();
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromString(fake.kubeconfig());
    api = await KubernetesApi.create(kubeConfig, 'comet-jobs');
  });

  afterAll(async () => {
    await fake?.close();
  });

  async function createJob(name: string, runId: string, jobRunId: string) {
    await api.createJob({
      metadata: {
        name,
        labels: { 'app.kubernetes.io/managed-by': 'comet-pipelines' },
        annotations: {
          'comet.dev/run-id': runId,
          'comet.dev/job-run-id': jobRunId,
        },
      },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'steps', image: 'x', command: ['sleep', '60'] },
            ],
          },
        },
      },
    });
    await api.createSecret({
      metadata: {
        name: `${name}-checkout`,
        labels: { 'app.kubernetes.io/managed-by': 'comet-pipelines' },
      },
      stringData: { url: 'https://git.example.org/repo', ref: 'main' },
    });
  }

  it('removes Jobs whose job run is over or unknown, and Secrets without a running Job', async () => {
    await createJob('comet-running', 'run-1', 'build');
    await createJob('comet-finished', 'run-1', 'test');
    await createJob('comet-unknown', 'run-2', 'build');
    await api.createSecret({
      metadata: {
        name: 'comet-orphan-checkout',
        labels: { 'app.kubernetes.io/managed-by': 'comet-pipelines' },
      },
      stringData: { url: 'u' },
    });
    const states: Record<string, string> = {
      'run-1/build': 'running',
      'run-1/test': 'succeeded',
    };
    const logger = mockServices.logger.mock();
    const lookup = async (runId: string, jobRunId: string) =>
      states[`${runId}/${jobRunId}`];

    // Young objects are left alone: a job may be starting
    const young = await KubernetesReaper.create({
      api,
      logger,
      jobRunState: lookup,
    }).reap();
    expect(young).toEqual({ jobs: [], secrets: [] });

    const later = KubernetesReaper.create({
      api,
      logger,
      jobRunState: lookup,
      now: () => Date.now() + 3_600_000,
    });
    const reaped = await later.reap();
    expect(reaped.jobs.sort()).toEqual(['comet-finished', 'comet-unknown']);
    expect(reaped.secrets.sort()).toEqual([
      'comet-finished-checkout',
      'comet-orphan-checkout',
      'comet-unknown-checkout',
    ]);
    expect([...fake.jobs.keys()]).toEqual(['comet-jobs/comet-running']);
    expect([...fake.secrets.keys()]).toEqual([
      'comet-jobs/comet-running-checkout',
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      'Removed Kubernetes Job comet-unknown of run run-2, job build: the job run is unknown',
    );
    // A second replica doing the same finds nothing left
    expect(await later.reap()).toEqual({ jobs: [], secrets: [] });
  });

  describe.each(databases.eachSupportedId())(
    'databaseJobRunStates on %s',
    databaseId => {
      it('reads the state of a job run', async () => {
        const knex = await databases.init(databaseId);
        await knex.schema.createTable('pipeline_jobs', table => {
          table.string('run_id', 64);
          table.string('job_run_id', 512);
          table.string('state', 16);
        });
        await knex('pipeline_jobs').insert({
          run_id: 'r',
          job_run_id: 'build',
          state: 'running',
        });
        const lookup = databaseJobRunStates(knex);
        expect(await lookup('r', 'build')).toBe('running');
        expect(await lookup('r', 'test')).toBeUndefined();
      });
    },
  );
});
