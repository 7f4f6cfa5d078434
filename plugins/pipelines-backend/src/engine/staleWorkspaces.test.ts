import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import type { NewRun } from '../store/PipelineStore';
import { PipelineEngine } from './PipelineEngine';
import { removeStaleWorkspaces } from './staleWorkspaces';

jest.setTimeout(30_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function newRun(initialState?: 'succeeded'): NewRun {
  return {
    entityRef: 'component:default/comet',
    pipeline: 'ci',
    trigger: { type: 'manual', actor: 'user:default/alice' },
    params: {},
    definition,
    jobs: [
      {
        jobRunId: 'build',
        jobId: 'build',
        name: 'build',
        needs: [],
        steps: [{ name: 'step' }],
        maxAttempts: 1,
        initialState,
      },
    ],
  };
}

/** A workspace as the local executor lays it out: `<root>/<runId>/<job>-<random>` and its HOME. */
async function workspace(root: string, runId: string) {
  const dir = path.join(root, runId, 'build-x1y2z3');
  await fs.mkdir(path.join(dir, 'src'), { recursive: true });
  await fs.writeFile(path.join(dir, 'src', 'main.go'), 'package main\n');
  await fs.mkdir(`${dir}.home`, { recursive: true });
  return dir;
}

async function exists(target: string) {
  return fs.access(target).then(
    () => true,
    () => false,
  );
}

describe('removeStaleWorkspaces', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-workspaces-'));
  });
  afterEach(async () => {
    await fs.chmod(root, 0o700).catch(() => {});
    await fs.rm(root, { recursive: true, force: true });
  });

  async function setUp() {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabasePipelineStore.create({
      database: mockServices.database({ knex }),
    });
    const finished = await store.createRun(newRun('succeeded'));
    const withRunningJob = await store.createRun(newRun());
    await store.promoteJobs(withRunningJob.runId);
    const queued = await store.createRun(newRun());
    await store.promoteJobs(queued.runId);
    // The oldest queued job is claimed first
    const claimed = await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    expect(claimed?.runId).toBe(withRunningJob.runId);
    const cancelled = await store.createRun(newRun());
    await store.cancelRun(cancelled.runId, 'stop');
    expect((await store.getRun(finished.runId))?.status).toBe('succeeded');
    expect((await store.getRun(withRunningJob.runId))?.status).toBe('running');
    expect((await store.getRun(queued.runId))?.status).toBe('queued');
    expect((await store.getRun(cancelled.runId))?.status).toBe('cancelled');
    return {
      store,
      finished: finished.runId,
      runningJob: withRunningJob.runId,
      queued: queued.runId,
      cancelled: cancelled.runId,
    };
  }

  it('removes the folders of finished and unknown runs, never of active ones', async () => {
    const ids = await setUp();
    for (const runId of [
      ids.finished,
      ids.runningJob,
      ids.queued,
      ids.cancelled,
    ]) {
      await workspace(root, runId);
    }
    await workspace(root, 'not-a-run');
    // A read-only tree (Go's module cache) in a finished run's workspace
    const readOnly = path.join(root, ids.finished, 'build-x1y2z3', 'gomod');
    await fs.mkdir(path.join(readOnly, 'pkg'), { recursive: true });
    await fs.writeFile(path.join(readOnly, 'pkg', 'a.go'), 'x');
    await fs.chmod(path.join(readOnly, 'pkg'), 0o500);
    await fs.chmod(readOnly, 0o500);
    await fs.writeFile(path.join(root, 'stray-file'), 'kept');

    const logger = mockServices.logger.mock();
    const removed = await removeStaleWorkspaces({
      workspaceRoot: root,
      store: ids.store,
      logger,
    });
    expect(removed.sort()).toEqual(
      [ids.finished, ids.cancelled, 'not-a-run'].sort(),
    );
    expect((await fs.readdir(root)).sort()).toEqual(
      [ids.runningJob, ids.queued, 'stray-file'].sort(),
    );
    // The kept workspaces are untouched
    expect(
      await exists(
        path.join(root, ids.runningJob, 'build-x1y2z3', 'src', 'main.go'),
      ),
    ).toBe(true);
    expect(
      await exists(path.join(root, ids.runningJob, 'build-x1y2z3.home')),
    ).toBe(true);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('Removed 3 workspace folder(s)'),
    );
  });

  it('does nothing when the folder does not exist yet', async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await DatabasePipelineStore.create({
      database: mockServices.database({ knex }),
    });
    await expect(
      removeStaleWorkspaces({
        workspaceRoot: path.join(root, 'missing'),
        store,
        logger: mockServices.logger.mock(),
      }),
    ).resolves.toEqual([]);
  });

  it('runs when the engine starts', async () => {
    const ids = await setUp();
    await workspace(root, ids.finished);
    await workspace(root, ids.runningJob);
    const engine = new PipelineEngine({
      store: ids.store,
      executor: {} as any,
      stepTypes: new Map(),
      logger: mockServices.logger.mock(),
      secrets: {},
      artifacts: {} as any,
      concurrency: 0, // claims nothing
      leaseMs: 60_000,
      heartbeatMs: 5_000,
      logLimitBytes: 1_000_000,
      workspaceRoot: root,
    });
    engine.start();
    try {
      await engine.workspaceSweep;
      expect(await fs.readdir(root)).toEqual([ids.runningJob]);
    } finally {
      await engine.stop(0);
    }
  });
});
