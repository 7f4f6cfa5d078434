import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { InputError } from '@backstage/errors';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import { DatabasePipelineStore } from './DatabasePipelineStore';
import type { NewJobRun, NewRun } from './PipelineStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/**
 * A clock the test moves, so leases expire without sleeping. Each reading is one millisecond
 * later than the one before, so rows written one after another are ordered by time.
 */
function testClock() {
  let time = Date.parse('2026-12-01T12:00:00.000Z');
  return {
    now: () => time++,
    advance(ms: number) {
      time += ms;
    },
  };
}

async function createStore(databaseId: string, clock?: { now: () => number }) {
  const knex = await databases.init(databaseId as 'SQLITE_3');
  const store = await DatabasePipelineStore.create({
    database: mockServices.database({ knex }),
    now: clock?.now,
  });
  return { knex, store };
}

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function job(
  jobRunId: string,
  options: Partial<NewJobRun> & { stepCount?: number } = {},
): NewJobRun {
  const { stepCount = 2, ...rest } = options;
  return {
    jobRunId,
    jobId: jobRunId,
    name: jobRunId,
    needs: [],
    steps: Array.from({ length: stepCount }, (_, i) => ({
      name: `${jobRunId} step ${i}`,
    })),
    maxAttempts: 1,
    ...rest,
  };
}

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    entityRef: 'component:default/comet',
    pipeline: 'ci',
    pipelinePath: '.comet/pipeline.yaml',
    trigger: { type: 'manual', actor: 'user:default/alice' },
    branch: 'main',
    commitSha: 'abc123',
    repositoryUrl: 'https://github.com/acme/comet',
    params: { env: 'staging', dryRun: true, replicas: 3 },
    definition,
    jobs: [job('build'), job('test', { needs: ['build'] })],
    ...overrides,
  };
}

/** A `javascript:` URL, which must never become a link (spelt so that lint lets it be). */
const SCRIPT_URL = ['javascript', 'alert(1)'].join(':');

const ids = databases.eachSupportedId();

describe('DatabasePipelineStore', () => {
  it.each(ids)('creates and reads a run, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const created = await store.createRun(
      newRun({
        jobs: [
          job('build', { timeoutMs: 60_000 }),
          job('test (shard=1)', {
            jobId: 'test',
            matrix: { shard: 1 },
            needs: ['build'],
            maxAttempts: 3,
          }),
        ],
      }),
    );

    expect(created.runId).toMatch(/^[0-9a-f-]{36}$/);
    const run = await store.getRun(created.runId);
    expect(run).toEqual(created);
    expect(run).toEqual({
      provider: 'comet',
      runId: created.runId,
      entityRef: 'component:default/comet',
      pipeline: 'ci',
      pipelinePath: '.comet/pipeline.yaml',
      number: 1,
      status: 'queued',
      trigger: { type: 'manual', actor: 'user:default/alice' },
      branch: 'main',
      commit: {
        sha: 'abc123',
        url: 'https://github.com/acme/comet/commit/abc123',
      },
      params: { env: 'staging', dryRun: true, replicas: 3 },
      createdAt: expect.any(String),
      links: [],
      jobs: [
        {
          jobRunId: 'build',
          jobId: 'build',
          name: 'build',
          needs: [],
          status: 'queued',
          attempt: 0,
          steps: [
            { stepIndex: 0, name: 'build step 0', status: 'queued' },
            { stepIndex: 1, name: 'build step 1', status: 'queued' },
          ],
        },
        {
          jobRunId: 'test (shard=1)',
          jobId: 'test',
          name: 'test (shard=1)',
          matrix: { shard: 1 },
          needs: ['build'],
          // pending in the engine, queued in the public model
          status: 'queued',
          attempt: 0,
          steps: [
            { stepIndex: 0, name: 'test (shard=1) step 0', status: 'queued' },
            { stepIndex: 1, name: 'test (shard=1) step 1', status: 'queued' },
          ],
        },
      ],
    });
    expect(new Date(run!.createdAt).toISOString()).toBe(run!.createdAt);
    expect(Math.abs(Date.parse(run!.createdAt) - Date.now())).toBeLessThan(
      10_000,
    );

    await expect(store.getRun('no-such-run')).resolves.toBeUndefined();
    await expect(
      store.createRun(newRun({ jobs: [job('a', { needs: ['missing'] })] })),
    ).rejects.toThrow(InputError);
  });

  it.each(ids)(
    'links the commit and the pull request of a run, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const sha = 'e'.repeat(40);
      const pullRequest = {
        number: 42,
        title: 'Speed up checkout',
        url: 'https://github.com/acme/comet/pull/42',
      };
      const created = await store.createRun(
        newRun({
          trigger: {
            type: 'pull_request',
            actor: 'github:dev',
            pullRequest,
          },
          commitSha: sha,
          repositoryUrl:
            'https://x-access-token:ghs_secret@github.com/acme/comet.git',
        }),
      );
      const run = await store.getRun(created.runId);
      expect(run).toEqual(created);
      expect(run).toMatchObject({
        trigger: { type: 'pull_request', actor: 'github:dev', pullRequest },
        commit: { sha, url: `https://github.com/acme/comet/commit/${sha}` },
        links: [
          {
            title: 'Pull request #42',
            url: 'https://github.com/acme/comet/pull/42',
          },
        ],
      });
      expect(JSON.stringify(run)).not.toContain('ghs_secret');
      const { runs } = await store.listRuns({
        entityRefs: ['component:default/comet'],
        limit: 10,
      });
      expect(runs.find(r => r.runId === created.runId)?.links).toEqual(
        run!.links,
      );

      // An example repository has no web view, and a pull request URL that is not http(s)
      // is not kept
      const example = await store.createRun(
        newRun({
          trigger: {
            type: 'pull_request',
            pullRequest: { number: 7, url: SCRIPT_URL },
          },
          commitSha: sha,
          repositoryUrl:
            'http://localhost:7007/api/example-repos/payments-api.git',
        }),
      );
      expect(await store.getRun(example.runId)).toMatchObject({
        trigger: { type: 'pull_request' },
        commit: { sha },
        links: [],
      });
      const stored = await store.getRun(example.runId);
      expect(stored!.commit!.url).toBeUndefined();
      expect(stored!.trigger.pullRequest).toBeUndefined();
    },
  );

  it.each(ids)('numbers runs per entity and pipeline, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const numbers: number[] = [];
    for (let i = 0; i < 3; i++) {
      numbers.push((await store.createRun(newRun())).number!);
    }
    expect(numbers).toEqual([1, 2, 3]);
    expect((await store.createRun(newRun({ pipeline: 'deploy' }))).number).toBe(
      1,
    );
    expect(
      (await store.createRun(newRun({ entityRef: 'component:default/other' })))
        .number,
    ).toBe(1);

    // Concurrent creators never share a number.
    const concurrent = await Promise.all(
      Array.from({ length: 8 }, () =>
        store.createRun(newRun({ pipeline: 'nightly' })),
      ),
    );
    expect(concurrent.map(r => r.number).sort((a, b) => a! - b!)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
  });

  it.each(ids)(
    'creates a run that failed before it could start with its reason, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const created = await store.createRun(
        newRun({
          jobs: [
            job('pipeline-file', {
              name: 'Pipeline file',
              stepCount: 0,
              initialState: 'failed',
              initialError: '.comet/ci.yaml:3:5: Unknown key "stpes"',
            }),
          ],
        }),
      );
      // Readable as failed, with its reason, before anything else touches it
      const stored = await store.getRun(created.runId);
      expect(stored).toMatchObject({
        status: 'failed',
        error:
          'Job Pipeline file failed: .comet/ci.yaml:3:5: Unknown key "stpes"',
      });
      expect(stored!.finishedAt).toBeDefined();
      expect(stored!.jobs[0]).toMatchObject({ status: 'failed' });
    },
  );

  it.each(ids)('lists runs newest first with cursors, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      const run = await store.createRun(newRun({ jobs: [job('build')] }));
      created.push(run.runId);
    }

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listRuns({
        entityRefs: ['component:default/comet'],
        limit: 10,
        cursor,
      });
      // The total comes with the first page only
      expect(page.totalCount).toBe(cursor ? undefined : 25);
      pageSizes.push(page.runs.length);
      seen.push(...page.runs.map(r => r.runId));
      for (const run of page.runs) {
        expect(run.jobs.map(j => j.jobRunId)).toEqual(['build']);
        expect(run.jobs[0].steps).toHaveLength(2);
      }
      cursor = page.nextCursor;
    } while (cursor);

    expect(pageSizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual([...created].sort());
    const all = await store.listRuns({ limit: 100 });
    expect(all.runs.map(r => r.runId)).toEqual(seen);
    expect(all.nextCursor).toBeUndefined();
    // newest first (runs created in the same millisecond are ordered by id)
    const times = all.runs.map(r => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.runs.map(r => r.number).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );

    await expect(
      store.listRuns({ limit: 10, cursor: 'not a cursor' }),
    ).rejects.toThrow(InputError);
  });

  it.each(ids)('filters listed runs, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const a1 = await store.createRun(newRun());
    await store.createRun(newRun({ branch: 'feature/x' }));
    await store.createRun(newRun({ pipeline: 'deploy' }));
    const b1 = await store.createRun(
      newRun({ entityRef: 'component:default/b' }),
    );
    await store.createRun(newRun({ entityRef: 'component:default/c' }));
    await store.cancelRun(a1.runId, 'no longer needed');

    const list = async (query: Parameters<typeof store.listRuns>[0]) => {
      const page = await store.listRuns(query);
      return {
        count: page.totalCount,
        runs: page.runs.map(r => `${r.entityRef}/${r.pipeline}@${r.branch}`),
      };
    };

    expect(
      await list({ entityRefs: ['component:default/comet'], limit: 10 }),
    ).toEqual({
      count: 3,
      runs: [
        'component:default/comet/deploy@main',
        'component:default/comet/ci@feature/x',
        'component:default/comet/ci@main',
      ],
    });
    expect(
      await list({
        entityRefs: ['component:default/b', 'component:default/c'],
        limit: 10,
      }),
    ).toEqual({
      count: 2,
      runs: ['component:default/c/ci@main', 'component:default/b/ci@main'],
    });
    expect((await list({ pipeline: 'deploy', limit: 10 })).count).toBe(1);
    expect(
      await list({
        entityRefs: ['component:default/comet'],
        branch: 'feature/x',
        limit: 10,
      }),
    ).toEqual({ count: 1, runs: ['component:default/comet/ci@feature/x'] });
    const cancelled = await store.listRuns({ status: 'cancelled', limit: 10 });
    expect(cancelled.runs.map(r => r.runId)).toEqual([a1.runId]);
    expect(cancelled.totalCount).toBe(1);
    expect(await list({ entityRefs: [], limit: 10 })).toEqual({
      count: 0,
      runs: [],
    });
    const queued = await store.listRuns({
      status: 'queued',
      entityRefs: ['component:default/b'],
      limit: 1,
    });
    expect(queued.runs.map(r => r.runId)).toEqual([b1.runId]);
    expect(queued.nextCursor).toBeUndefined();
  });

  it.each(ids)('promotes a diamond of needs, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const run = await store.createRun(
      newRun({
        jobs: [
          job('a'),
          job('b', { needs: ['a'] }),
          job('c', { needs: ['a'] }),
          job('d', { needs: ['b', 'c'] }),
        ],
      }),
    );
    const { runId } = run;
    const states = async () =>
      Object.fromEntries(
        (await store.getRun(runId))!.jobs.map(j => [j.jobRunId, j.status]),
      );
    const finish = async (jobRunId: string) => {
      const claimed = await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
      expect(claimed?.jobRunId).toBe(jobRunId);
      expect(
        await store.setJobState({
          runId,
          jobRunId,
          state: 'succeeded',
          from: ['running'],
          workerId: 'w1',
        }),
      ).toBe(true);
      await store.promoteJobs(runId);
    };

    await store.promoteJobs(runId);
    expect((await store.getRun(runId))!.status).toBe('queued');
    await finish('a');
    expect(await states()).toEqual({
      a: 'succeeded',
      b: 'queued',
      c: 'queued',
      d: 'queued',
    });
    expect((await store.getRun(runId))!.status).toBe('running');
    await finish('b');
    // d still waits for c
    expect(await store.claimJob({ workerId: 'w1', leaseMs: 1000 })).toEqual(
      expect.objectContaining({ jobRunId: 'c' }),
    );
    expect(await store.claimJob({ workerId: 'w2', leaseMs: 1000 })).toBe(
      undefined,
    );
    await store.setJobState({ runId, jobRunId: 'c', state: 'succeeded' });
    await store.promoteJobs(runId);
    await finish('d');

    const done = (await store.getRun(runId))!;
    expect(done.status).toBe('succeeded');
    expect(done.startedAt).toBeDefined();
    expect(done.finishedAt).toBeDefined();
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(done.jobs.every(j => j.durationMs !== undefined)).toBe(true);
  });

  it.each(ids)('skips jobs whose needs failed, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const { runId } = await store.createRun(
      newRun({
        jobs: [
          job('a'),
          job('b', { needs: ['a'] }),
          job('c', { needs: ['a'] }),
          job('d', { needs: ['b', 'c'] }),
          job('other'),
        ],
      }),
    );
    const claimed = await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    expect(claimed?.jobRunId).toBe('a');
    await store.setStepState({
      runId,
      jobRunId: 'a',
      stepIndex: 0,
      state: 'running',
    });
    await store.setStepState({
      runId,
      jobRunId: 'a',
      stepIndex: 0,
      state: 'failed',
      exitCode: 2,
      error: 'Exited with code 2',
    });
    await store.setJobState({
      runId,
      jobRunId: 'a',
      state: 'failed',
      from: ['running'],
      workerId: 'w1',
      error: 'Step "a step 0" failed',
    });
    await store.promoteJobs(runId);

    let run = (await store.getRun(runId))!;
    expect(run.jobs.map(j => [j.jobRunId, j.status])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['c', 'skipped'],
      ['d', 'skipped'],
      ['other', 'queued'],
    ]);
    expect(run.jobs[0].steps).toEqual([
      expect.objectContaining({
        status: 'failed',
        exitCode: 2,
        error: 'Exited with code 2',
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ status: 'skipped' }),
    ]);
    expect(run.jobs[3].steps.map(s => s.status)).toEqual([
      'skipped',
      'skipped',
    ]);
    // "other" is still to run
    expect(run.status).toBe('running');

    await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    await store.setJobState({ runId, jobRunId: 'other', state: 'succeeded' });
    expect(await store.refreshRunStatus(runId)).toBe('failed');
    run = (await store.getRun(runId))!;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('Job a failed');
    expect(run.finishedAt).toBeDefined();
  });

  it.each(ids)('waits for approvals, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const gate = {
      description: 'Deploy to production?',
      approvers: ['group:default/ops'],
    };
    const { runId } = await store.createRun(
      newRun({
        jobs: [
          job('build'),
          job('approve', { needs: ['build'], approval: gate, stepCount: 0 }),
          job('deploy', { needs: ['approve'] }),
          job('approve-2', { needs: ['build'], approval: gate, stepCount: 0 }),
        ],
      }),
    );
    await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    await store.setJobState({ runId, jobRunId: 'build', state: 'succeeded' });
    await store.promoteJobs(runId);

    let run = (await store.getRun(runId))!;
    expect(run.status).toBe('waiting');
    expect(run.jobs[1]).toEqual(
      expect.objectContaining({
        status: 'waiting',
        approval: gate,
        startedAt: expect.any(String),
      }),
    );
    // nothing to claim while the gate waits
    expect(
      await store.claimJob({ workerId: 'w1', leaseMs: 60_000 }),
    ).toBeUndefined();
    // only waiting jobs can be decided
    expect(
      await store.decideApproval({
        runId,
        jobRunId: 'deploy',
        decision: 'approved',
        decidedBy: 'user:default/bob',
      }),
    ).toBe(false);

    expect(
      await store.decideApproval({
        runId,
        jobRunId: 'approve',
        decision: 'approved',
        decidedBy: 'user:default/bob',
        comment: 'ship it',
      }),
    ).toBe(true);
    expect(
      await store.decideApproval({
        runId,
        jobRunId: 'approve',
        decision: 'rejected',
        decidedBy: 'user:default/carol',
      }),
    ).toBe(false);
    await store.promoteJobs(runId);
    run = (await store.getRun(runId))!;
    expect(run.jobs[1]).toEqual(
      expect.objectContaining({
        status: 'succeeded',
        approval: {
          ...gate,
          decision: 'approved',
          decidedBy: 'user:default/bob',
          decidedAt: expect.any(String),
          comment: 'ship it',
        },
      }),
    );
    expect(run.jobs[2].status).toBe('queued');
    expect(run.status).toBe('running');

    expect(
      await store.decideApproval({
        runId,
        jobRunId: 'approve-2',
        decision: 'rejected',
        decidedBy: 'user:default/carol',
        comment: 'not today',
      }),
    ).toBe(true);
    await store.promoteJobs(runId);
    run = (await store.getRun(runId))!;
    expect(run.jobs[3]).toEqual(
      expect.objectContaining({
        status: 'failed',
        error: 'Rejected by user:default/carol: not today',
        approval: expect.objectContaining({ decision: 'rejected' }),
      }),
    );

    // A gate without needs waits from the start.
    const gated = await store.createRun(
      newRun({ jobs: [job('approve', { approval: gate, stepCount: 0 })] }),
    );
    expect(gated.status).toBe('waiting');
    expect(gated.jobs[0].status).toBe('waiting');
  });

  it.each(ids)(
    'lets exactly one worker claim each job, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const run = await store.createRun(
        newRun({
          jobs: [
            job('one', { matrix: { n: 1 }, timeoutMs: 5000 }),
            job('two'),
            job('three'),
            job('later', { needs: ['one'] }),
          ],
        }),
      );

      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.claimJob({ workerId: `w${i}`, leaseMs: 60_000 }),
        ),
      );
      const claimed = claims.filter(c => c !== undefined);
      expect(claimed).toHaveLength(3);
      expect(new Set(claimed.map(c => c!.jobRunId))).toEqual(
        new Set(['one', 'two', 'three']),
      );
      expect(new Set(claimed.map(c => c!.runId))).toEqual(new Set([run.runId]));

      const one = claimed.find(c => c!.jobRunId === 'one')!;
      expect(one).toEqual({
        runId: run.runId,
        jobRunId: 'one',
        jobId: 'one',
        entityRef: 'component:default/comet',
        attempt: 1,
        maxAttempts: 1,
        timeoutMs: 5000,
        matrix: { n: 1 },
        branch: 'main',
        commitSha: 'abc123',
        repositoryUrl: 'https://github.com/acme/comet',
        params: { env: 'staging', dryRun: true, replicas: 3 },
        definition,
        leaseExpiresAt: expect.any(Date),
        queuedAt: expect.any(Date),
      });
      expect(one.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      // Claimable since the run was created (it needs nothing)
      expect(
        Math.abs(one.queuedAt.getTime() - Date.parse(run.createdAt)),
      ).toBeLessThan(1000);

      const stored = (await store.getRun(run.runId))!;
      expect(stored.status).toBe('running');
      expect(stored.startedAt).toBeDefined();
      expect(stored.jobs.map(j => [j.jobRunId, j.status, j.attempt])).toEqual([
        ['one', 'running', 1],
        ['two', 'running', 1],
        ['three', 'running', 1],
        ['later', 'queued', 0],
      ]);
      expect(
        await store.claimJob({ workerId: 'w11', leaseMs: 60_000 }),
      ).toBeUndefined();
    },
  );

  it.each(ids)('claims the oldest queued job first, %p', async databaseId => {
    const clock = testClock();
    const { store } = await createStore(databaseId, clock);
    const first = await store.createRun(newRun({ jobs: [job('x')] }));
    clock.advance(5);
    await store.createRun(newRun({ jobs: [job('y')] }));
    const claimed = await store.claimJob({ workerId: 'w', leaseMs: 1000 });
    expect(claimed).toEqual(
      expect.objectContaining({ runId: first.runId, jobRunId: 'x' }),
    );
  });

  it.each(ids)(
    'refuses heartbeats once a lease was taken over, %p',
    async databaseId => {
      const clock = testClock();
      const { store } = await createStore(databaseId, clock);
      const { runId } = await store.createRun(
        newRun({ jobs: [job('build', { maxAttempts: 3 })] }),
      );
      const first = await store.claimJob({ workerId: 'w1', leaseMs: 1 });
      expect(first?.attempt).toBe(1);
      clock.advance(20);

      const expired = await store.findExpiredJobs(new Date(clock.now()));
      expect(expired).toEqual([
        {
          runId,
          jobRunId: 'build',
          workerId: 'w1',
          attempt: 1,
          maxAttempts: 3,
        },
      ]);
      expect(
        await store.recoverExpiredJob(
          expired[0],
          'Worker w1 stopped heartbeating',
        ),
      ).toBe(true);
      // a second replica racing for the same recovery loses
      expect(
        await store.recoverExpiredJob(
          expired[0],
          'Worker w1 stopped heartbeating',
        ),
      ).toBe(false);

      const second = await store.claimJob({ workerId: 'w2', leaseMs: 60_000 });
      expect(second).toEqual(
        expect.objectContaining({ jobRunId: 'build', attempt: 2 }),
      );
      const beat = { runId, jobRunId: 'build', leaseMs: 60_000 };
      expect(await store.heartbeat({ ...beat, workerId: 'w1' })).toBe(false);
      expect(await store.heartbeat({ ...beat, workerId: 'w2' })).toBe(true);
      // w1 can no longer change the job's state either
      expect(
        await store.setJobState({
          runId,
          jobRunId: 'build',
          state: 'failed',
          from: ['running'],
          workerId: 'w1',
        }),
      ).toBe(false);
      expect(await store.findExpiredJobs(new Date(clock.now()))).toEqual([]);
    },
  );

  it.each(ids)(
    'requeues expired jobs, then fails them on the last attempt, %p',
    async databaseId => {
      const clock = testClock();
      const { store } = await createStore(databaseId, clock);
      const { runId } = await store.createRun(
        newRun({
          jobs: [
            job('build', { maxAttempts: 2 }),
            job('next', { needs: ['build'] }),
          ],
        }),
      );
      const reason = 'Worker w1 stopped heartbeating';

      await store.claimJob({ workerId: 'w1', leaseMs: 1 });
      await store.setStepState({
        runId,
        jobRunId: 'build',
        stepIndex: 0,
        state: 'running',
      });
      clock.advance(20);
      let [expired] = await store.findExpiredJobs(new Date(clock.now()));
      expect(await store.recoverExpiredJob(expired, reason)).toBe(true);
      let run = (await store.getRun(runId))!;
      expect(run.jobs[0]).toEqual(
        expect.objectContaining({ status: 'queued', attempt: 1 }),
      );
      expect(run.jobs[0].steps.map(s => s.status)).toEqual([
        'queued',
        'queued',
      ]);
      expect(run.jobs[0].steps[0].startedAt).toBeUndefined();

      const again = await store.claimJob({ workerId: 'w1', leaseMs: 1 });
      expect(again?.attempt).toBe(2);
      clock.advance(20);
      [expired] = await store.findExpiredJobs(new Date(clock.now()));
      expect(expired.attempt).toBe(2);
      expect(await store.recoverExpiredJob(expired, reason)).toBe(true);
      await store.promoteJobs(runId);

      run = (await store.getRun(runId))!;
      expect(run.jobs[0]).toEqual(
        expect.objectContaining({
          status: 'failed',
          attempt: 2,
          error: reason,
          finishedAt: expect.any(String),
        }),
      );
      expect(run.jobs[1].status).toBe('skipped');
      expect(run.status).toBe('failed');

      const log = await store.readLogLines(runId, { limit: 10 });
      expect(log).toEqual([
        expect.objectContaining({
          seq: 0,
          jobRunId: 'build',
          stream: 'system',
          text: 'Worker w1 stopped heartbeating; job build requeued (attempt 2 of 2)',
        }),
        expect.objectContaining({
          seq: 1,
          jobRunId: 'build',
          stream: 'system',
          text: 'Worker w1 stopped heartbeating; job build failed after 2 of 2 attempt(s)',
        }),
      ]);
    },
  );

  it.each(ids)('retries a job the worker requeues, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const { runId } = await store.createRun(
      newRun({ jobs: [job('build', { maxAttempts: 2 })] }),
    );
    await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    await store.setStepState({
      runId,
      jobRunId: 'build',
      stepIndex: 0,
      state: 'failed',
      exitCode: 1,
    });
    // compare-and-set: wrong source state or worker
    expect(
      await store.setJobState({
        runId,
        jobRunId: 'build',
        state: 'queued',
        from: ['waiting'],
      }),
    ).toBe(false);
    expect(
      await store.setJobState({
        runId,
        jobRunId: 'build',
        state: 'queued',
        from: ['running'],
        workerId: 'w2',
      }),
    ).toBe(false);
    expect(
      await store.setJobState({
        runId,
        jobRunId: 'build',
        state: 'queued',
        from: ['running'],
        workerId: 'w1',
      }),
    ).toBe(true);
    const run = (await store.getRun(runId))!;
    expect(run.jobs[0].status).toBe('queued');
    expect(run.jobs[0].steps[0]).toEqual({
      stepIndex: 0,
      name: 'build step 0',
      status: 'queued',
    });
    const retry = await store.claimJob({ workerId: 'w2', leaseMs: 60_000 });
    expect(retry?.attempt).toBe(2);
  });

  it.each(ids)('cancels runs, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const { runId } = await store.createRun(
      newRun({
        jobs: [job('build'), job('test', { needs: ['build'] }), job('lint')],
      }),
    );
    await store.claimJob({ workerId: 'w1', leaseMs: 60_000 });
    await store.setStepState({
      runId,
      jobRunId: 'build',
      stepIndex: 0,
      state: 'running',
    });
    expect(
      await store.cancelRun(runId, 'Cancelled by user:default/alice'),
    ).toBe(true);
    const run = (await store.getRun(runId))!;
    expect(run.status).toBe('cancelled');
    expect(run.error).toBe('Cancelled by user:default/alice');
    expect(run.finishedAt).toBeDefined();
    for (const j of run.jobs) {
      expect(j.status).toBe('cancelled');
      expect(j.error).toBe('Cancelled by user:default/alice');
      expect(j.steps.every(s => s.status === 'cancelled')).toBe(true);
    }
    expect(
      await store.heartbeat({
        runId,
        jobRunId: 'build',
        workerId: 'w1',
        leaseMs: 1000,
      }),
    ).toBe(false);
    expect(await store.cancelRun(runId, 'again')).toBe(false);
    // a late promote or refresh does not revive it
    await store.promoteJobs(runId);
    expect((await store.getRun(runId))!.status).toBe('cancelled');
    expect(
      await store.claimJob({ workerId: 'w1', leaseMs: 1000 }),
    ).toBeUndefined();
    expect(await store.cancelRun('no-such-run', 'x')).toBe(false);
  });

  it.each(ids)('stores and reads log lines, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    const { runId } = await store.createRun(newRun());
    const other = await store.createRun(newRun());
    const timestamp = new Date().toISOString();

    expect(await store.logSize(runId)).toBe(0);
    const batch = (jobRunId: string, from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        jobRunId,
        stepIndex: 0,
        stream: 'stdout' as const,
        timestamp,
        text: `${jobRunId} line ${from + i}`,
      }));
    await store.appendLogLines(runId, batch('build', 0, 1200));
    await store.appendLogLines(runId, [
      { jobRunId: 'build', stream: 'system', timestamp, text: 'done' },
    ]);
    await store.appendLogLines(runId, batch('test', 0, 10));
    await store.appendLogLines(other.runId, batch('build', 0, 3));
    await store.appendLogLines(runId, []);

    // follow the log page by page
    const all: number[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const page = await store.readLogLines(runId, { afterSeq, limit: 500 });
      if (page.length === 0) break;
      all.push(...page.map(l => l.seq));
      afterSeq = page[page.length - 1].seq;
    }
    expect(all).toEqual(Array.from({ length: 1211 }, (_, i) => i));

    const firstPage = await store.readLogLines(runId, { limit: 2 });
    expect(firstPage).toEqual([
      {
        seq: 0,
        jobRunId: 'build',
        stepIndex: 0,
        stream: 'stdout',
        timestamp,
        text: 'build line 0',
      },
      {
        seq: 1,
        jobRunId: 'build',
        stepIndex: 0,
        stream: 'stdout',
        timestamp,
        text: 'build line 1',
      },
    ]);
    expect(
      await store.readLogLines(runId, { afterSeq: 1198, limit: 3 }),
    ).toEqual([
      expect.objectContaining({ seq: 1199, text: 'build line 1199' }),
      {
        seq: 1200,
        jobRunId: 'build',
        stream: 'system',
        timestamp,
        text: 'done',
      },
      expect.objectContaining({ seq: 1201, text: 'test line 0' }),
    ]);
    const tests = await store.readLogLines(runId, {
      jobRunId: 'test',
      limit: 100,
    });
    expect(tests.map(l => l.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `test line ${i}`),
    );
    expect(
      await store.readLogLines(runId, {
        jobRunId: 'test',
        afterSeq: 1205, // test lines are seqs 1201-1210
        limit: 100,
      }),
    ).toHaveLength(5);
    expect(
      (await store.readLogLines(other.runId, { limit: 100 })).map(l => l.seq),
    ).toEqual([0, 1, 2]);

    const expectedSize =
      batch('build', 0, 1200).reduce((n, l) => n + l.text.length, 0) +
      'done'.length +
      batch('test', 0, 10).reduce((n, l) => n + l.text.length, 0);
    expect(await store.logSize(runId)).toBe(expectedSize);
    expect(await store.logSize(other.runId)).toBe(
      batch('build', 0, 3).reduce((n, l) => n + l.text.length, 0),
    );

    // concurrent writers (jobs of one run on different workers) get gapless, unique seqs
    const { runId: busy } = await store.createRun(newRun());
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        store.appendLogLines(busy, batch(`job${w}`, 0, 25)),
      ),
    );
    const busyLines = await store.readLogLines(busy, { limit: 1000 });
    expect(busyLines.map(l => l.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
    // each writer's batch stays contiguous and in order
    for (let w = 0; w < 8; w++) {
      const mine = busyLines.filter(l => l.jobRunId === `job${w}`);
      expect(mine.map(l => l.text)).toEqual(
        batch(`job${w}`, 0, 25).map(l => l.text),
      );
      expect(mine[24].seq - mine[0].seq).toBe(24);
    }

    // long lines (up to 1 MB) round-trip
    const long = 'x'.repeat(1024 * 1024);
    await store.appendLogLines(busy, [
      { jobRunId: 'job0', stream: 'stderr', timestamp, text: long },
    ]);
    const [last] = await store.readLogLines(busy, { afterSeq: 199, limit: 1 });
    expect(last.text).toBe(long);
    expect(last.stepIndex).toBeUndefined();

    await expect(
      store.appendLogLines('no-such-run', batch('build', 0, 1)),
    ).rejects.toThrow(/not found/);
  });

  it.each(ids)(
    'returns the definition a run was created with, %p',
    async databaseId => {
      const { store } = await createStore(databaseId);
      const withJobs: PipelineDefinition = {
        ...definition,
        params: { env: { type: 'choice', options: ['staging', 'prod'] } },
        jobs: [
          {
            id: 'build',
            name: 'Build',
            needs: [],
            retry: 1,
            env: { A: 'b' },
            steps: [
              { name: 'make', run: 'make', env: {}, continueOnError: false },
            ],
            artifacts: ['dist'],
          },
        ],
      };
      const { runId } = await store.createRun(newRun({ definition: withJobs }));
      expect(await store.getRunDefinition(runId)).toEqual({
        definition: withJobs,
        repositoryUrl: 'https://github.com/acme/comet',
      });
      const bare = await store.createRun(newRun({ repositoryUrl: undefined }));
      expect(await store.getRunDefinition(bare.runId)).toEqual({ definition });
      expect(await store.getRunDefinition('no-such-run')).toBeUndefined();
    },
  );

  it.each(ids)('records webhook deliveries once, %p', async databaseId => {
    const { store } = await createStore(databaseId);
    expect(await store.recordWebhookDelivery('d-1')).toBe(true);
    expect(await store.recordWebhookDelivery('d-1')).toBe(false);
    expect(await store.recordWebhookDelivery('d-2')).toBe(true);
    // two replicas receiving the same delivery at once: exactly one wins
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.recordWebhookDelivery('d-3')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it.each(ids)(
    'carries log lines over when logs move to chunks, %p',
    async databaseId => {
      const knex = await databases.init(databaseId as 'SQLITE_3');
      const directory = `${__dirname}/../../migrations`;
      await knex.migrate.up({ directory, name: '20261126120000_init.js' });
      const now = new Date();
      await knex('pipeline_runs').insert({
        run_id: 'old-run',
        entity_ref: 'component:default/comet',
        pipeline: 'build',
        number: 1,
        status: 'succeeded',
        trigger: '{"type":"manual"}',
        params: '{}',
        definition: '{}',
        created_at: now,
        log_line_count: 3,
        log_size: 6,
      });
      await knex('pipeline_log_lines').insert(
        ['one', 'two', 'six'].map((text, seq) => ({
          run_id: 'old-run',
          seq,
          job_run_id: 'build',
          step_index: seq === 0 ? null : 0,
          stream: seq === 0 ? 'system' : 'stdout',
          timestamp: now.toISOString(),
          text,
        })),
      );
      const store = await DatabasePipelineStore.create({
        database: { getClient: async () => knex },
      });
      expect(await knex.schema.hasTable('pipeline_log_lines')).toBe(false);
      const lines = await store.readLogLines('old-run', { limit: 10 });
      expect(lines.map(l => [l.seq, l.stream, l.stepIndex, l.text])).toEqual([
        [0, 'system', undefined, 'one'],
        [1, 'stdout', 0, 'two'],
        [2, 'stdout', 0, 'six'],
      ]);
      // New lines continue the numbering
      await store.appendLogLines('old-run', [
        {
          jobRunId: 'build',
          stream: 'stdout',
          timestamp: now.toISOString(),
          text: 'ten',
        },
      ]);
      expect(
        (await store.readLogLines('old-run', { afterSeq: 2, limit: 10 })).map(
          l => [l.seq, l.text],
        ),
      ).toEqual([[3, 'ten']]);
    },
  );

  it.each(ids)('skips migrations when told to, %p', async databaseId => {
    const knex = await databases.init(databaseId as 'SQLITE_3');
    await DatabasePipelineStore.create({
      database: mockServices.database({ knex, migrations: { skip: true } }),
    });
    expect(await knex.schema.hasTable('pipeline_runs')).toBe(false);
    await DatabasePipelineStore.create({
      database: { getClient: async () => knex },
    });
    expect(await knex.schema.hasTable('pipeline_runs')).toBe(true);
    // migrations roll back cleanly
    await knex.migrate.rollback(
      { directory: `${__dirname}/../../migrations` },
      true,
    );
    expect(await knex.schema.hasTable('pipeline_runs')).toBe(false);
  });
});

describe('DatabasePipelineStore run list cache', () => {
  it.each(ids)(
    'serves a list again without a query until a run changes, %p',
    async databaseId => {
      const knex = await databases.init(databaseId as 'SQLITE_3');
      const clock = testClock();
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
        runListCacheMs: 400,
        now: clock.now,
      });
      // Another replica on the same database: its writes are not seen by this one's cache
      const otherReplica = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
        skipMigrations: true,
      });
      let reads = 0;
      knex.on('query', (query: { sql: string }) => {
        if (/^\s*select/i.test(query.sql)) reads++;
      });
      const entityRefs = ['component:default/comet'];
      const first = await store.createRun(newRun());
      const before = await store.listRuns({ entityRefs, limit: 10 });
      expect(before.runs.map(r => r.status)).toEqual(['queued']);
      expect(reads).toBeGreaterThan(0);

      // Asked again (also twice at once): served from memory, no query
      reads = 0;
      const again = await Promise.all([
        store.listRuns({ entityRefs, limit: 10 }),
        store.listRuns({ entityRefs, limit: 10 }),
      ]);
      expect(again[0]).toEqual(before);
      expect(reads).toBe(0);

      // Log lines change nothing a list shows: still no query
      await store.appendLogLines(first.runId, [
        {
          jobRunId: 'build',
          stepIndex: 0,
          stream: 'stdout',
          timestamp: new Date().toISOString(),
          text: 'hello',
        },
      ]);
      reads = 0;
      await store.listRuns({ entityRefs, limit: 10 });
      expect(reads).toBe(0);

      // A change through this replica's store shows at once
      expect(await store.cancelRun(first.runId, 'stop')).toBe(true);
      const afterCancel = await store.listRuns({ entityRefs, limit: 10 });
      expect(afterCancel.runs[0].status).toBe('cancelled');
      const second = await store.createRun(newRun());
      const afterCreate = await store.listRuns({ entityRefs, limit: 10 });
      expect(afterCreate.runs.map(r => r.runId)).toEqual([
        second.runId,
        first.runId,
      ]);
      expect(afterCreate.totalCount).toBe(2);

      // Another replica's change shows once the cached page has expired
      expect(await otherReplica.cancelRun(second.runId, 'stop')).toBe(true);
      expect(
        (await store.listRuns({ entityRefs, limit: 10 })).runs[0].status,
      ).toBe('queued');
      clock.advance(450);
      expect(
        (await store.listRuns({ entityRefs, limit: 10 })).runs[0].status,
      ).toBe('cancelled');
    },
  );
});
