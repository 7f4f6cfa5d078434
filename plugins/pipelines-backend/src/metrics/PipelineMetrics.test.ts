import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
import type { PipelineDefinition } from '@internal/plugin-pipelines-common';
import type { PipelineRunEvent } from '@internal/plugin-pipelines-node';
import {
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { DatabasePipelineStore } from '../store/DatabasePipelineStore';
import type { NewJobRun } from '../store/PipelineStore';
import { PipelineMetrics } from './PipelineMetrics';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

class CollectingReader extends MetricReader {
  protected async onShutdown() {}
  protected async onForceFlush() {}
}

/** Real OpenTelemetry instruments, read back the way the Prometheus exporter reads them. */
function meter() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = provider.getMeter(
    'backstage-plugin-pipelines',
  ) as unknown as MetricsService;
  const collect = async () => {
    const { resourceMetrics } = await reader.collect();
    const byName = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        byName.set(metric.descriptor.name, metric);
      }
    }
    return byName;
  };
  return { metrics, collect };
}

const values = (metric: MetricData | undefined) =>
  (metric?.dataPoints ?? []).map(point => ({
    attributes: point.attributes,
    value: point.value,
  }));

const definition: PipelineDefinition = {
  name: 'ci',
  on: { manual: {} },
  params: {},
  env: {},
  jobs: [],
};

function job(jobRunId: string, needs: string[] = []): NewJobRun {
  return {
    jobRunId,
    jobId: jobRunId,
    name: jobRunId,
    needs,
    steps: [{ name: 'step' }],
    maxAttempts: 1,
  };
}

function event(
  type: PipelineRunEvent['type'],
  extra: Partial<PipelineRunEvent> = {},
): PipelineRunEvent {
  return {
    eventId: `${type}-${Math.random()}`,
    type,
    occurredAt: '2026-12-01T12:00:00.000Z',
    runId: 'run-1',
    entityRef: 'component:default/demo',
    pipeline: 'ci',
    runNumber: 1,
    status: 'running',
    trigger: { type: 'manual' },
    createdAt: '2026-12-01T12:00:00.000Z',
    links: [],
    ...extra,
  };
}

describe('PipelineMetrics', () => {
  describe.each(databases.eachSupportedId())('queue on %p', databaseId => {
    it('reports depth, the oldest queued job, waits and stuck jobs from the store', async () => {
      let time = Date.parse('2026-12-01T12:00:00.000Z');
      const now = () => time;
      const knex = await databases.init(databaseId);
      const store = await DatabasePipelineStore.create({
        database: mockServices.database({ knex }),
        now,
      });
      const { metrics, collect } = meter();
      let running = 0;
      const pipelineMetrics = PipelineMetrics.create(metrics, {
        queueStats: before => store.queueStats(before),
        runningJobs: () => running,
        liveViewers: () => 3,
        stuckAfterMs: 30_000,
        cacheMs: 0,
        now,
      });

      let byName = await collect();
      expect(values(byName.get('comet.pipelines.queue.depth'))).toEqual([
        { attributes: {}, value: 0 },
      ]);
      expect(
        values(byName.get('comet.pipelines.queue.oldest_age_seconds')),
      ).toEqual([{ attributes: {}, value: 0 }]);

      const run = await store.createRun({
        entityRef: 'component:default/demo',
        pipeline: 'ci',
        trigger: { type: 'manual' },
        params: {},
        definition,
        jobs: [job('build'), job('lint'), job('test', ['build'])],
      });
      await store.promoteJobs(run.runId);
      time += 90_000;
      byName = await collect();
      expect(values(byName.get('comet.pipelines.queue.depth'))).toEqual([
        { attributes: {}, value: 2 },
      ]);
      expect(
        values(byName.get('comet.pipelines.queue.oldest_age_seconds')),
      ).toEqual([{ attributes: {}, value: 90 }]);

      // build waited 90 s; test becomes claimable when build finishes, 10 s later
      const build = await store.claimJob({ workerId: 'w1', leaseMs: 10_000 });
      expect(build?.jobRunId).toBe('build');
      pipelineMetrics.jobClaimed(build!.queuedAt, now());
      running = 1;
      time += 10_000;
      await store.setJobState({
        runId: run.runId,
        jobRunId: 'build',
        state: 'succeeded',
        from: ['running'],
        workerId: 'w1',
      });
      await store.promoteJobs(run.runId);
      const finishedBuildAt = time;
      time += 4_000;
      const lint = await store.claimJob({ workerId: 'w1', leaseMs: 10_000 });
      expect(lint?.jobRunId).toBe('lint');
      const test = await store.claimJob({ workerId: 'w1', leaseMs: 10_000 });
      expect(test?.jobRunId).toBe('test');
      expect(test!.queuedAt.getTime()).toBe(finishedBuildAt);
      pipelineMetrics.jobClaimed(test!.queuedAt, now());

      const wait = (await collect()).get(
        'comet.pipelines.queue.wait_seconds',
      ) as HistogramMetricData;
      expect(wait.dataPoints[0].value.count).toBe(2);
      expect(wait.dataPoints[0].value.sum).toBeCloseTo(94, 5);

      // lint and test hold leases of 10 s: 41 s later they are 31 s past it, so stuck
      time += 41_000;
      byName = await collect();
      expect(values(byName.get('comet.pipelines.jobs.stuck'))).toEqual([
        { attributes: {}, value: 2 },
      ]);
      expect(values(byName.get('comet.pipelines.queue.depth'))).toEqual([
        { attributes: {}, value: 0 },
      ]);
      expect(values(byName.get('comet.pipelines.jobs.running'))).toEqual([
        { attributes: {}, value: 1 },
      ]);
      expect(values(byName.get('comet.pipelines.live_viewers'))).toEqual([
        { attributes: {}, value: 3 },
      ]);
      await knex.destroy();
    });
  });

  it('reads the queue at most once per cacheMs, and a failed reading fails no scrape', async () => {
    let time = 1_000_000;
    const { metrics, collect } = meter();
    const queueStats = jest
      .fn()
      .mockResolvedValueOnce({ queued: 4, expiredLeases: 0 })
      .mockRejectedValueOnce(new Error('database is gone'));
    PipelineMetrics.create(metrics, {
      queueStats,
      runningJobs: () => 0,
      liveViewers: () => 0,
      stuckAfterMs: 30_000,
      now: () => time,
    });
    await collect();
    time += 4_000;
    const byName = await collect();
    expect(queueStats).toHaveBeenCalledTimes(1);
    expect(values(byName.get('comet.pipelines.queue.depth'))).toEqual([
      { attributes: {}, value: 4 },
    ]);
    time += 1_000;
    const afterFailure = await collect();
    expect(queueStats).toHaveBeenCalledTimes(2);
    // Nothing new observed: the exporter keeps the last value it had
    expect(values(afterFailure.get('comet.pipelines.queue.depth'))).toEqual([
      { attributes: {}, value: 4 },
    ]);
    expect(values(afterFailure.get('comet.pipelines.live_viewers'))).toEqual([
      { attributes: {}, value: 0 },
    ]);
  });

  it('counts runs started and finished and times jobs from run events', async () => {
    const { metrics, collect } = meter();
    const pipelineMetrics = PipelineMetrics.create(metrics, {
      queueStats: async () => ({ queued: 0, expiredLeases: 0 }),
      runningJobs: () => 0,
      liveViewers: () => 0,
      stuckAfterMs: 30_000,
    });
    const listener = pipelineMetrics.listener();
    expect(listener.id).toBe('pipelines.metrics');
    const context = {} as Parameters<typeof listener.onEvent>[1];
    await listener.onEvent(
      event('run.started', { previousStatus: 'queued' }),
      context,
    );
    // Going on after an approval is not a new start
    await listener.onEvent(
      event('run.started', { previousStatus: 'waiting' }),
      context,
    );
    await listener.onEvent(event('run.failed', { status: 'failed' }), context);
    await listener.onEvent(
      event('run.succeeded', { status: 'succeeded' }),
      context,
    );
    await listener.onEvent(
      event('job.finished', {
        job: {
          jobRunId: 'build',
          jobId: 'build',
          name: 'build',
          status: 'failed',
          attempt: 1,
          startedAt: '2026-12-01T12:00:00.000Z',
          finishedAt: '2026-12-01T12:02:30.000Z',
        },
      }),
      context,
    );
    // Skipped jobs never started: no duration
    await listener.onEvent(
      event('job.finished', {
        job: {
          jobRunId: 'deploy',
          jobId: 'deploy',
          name: 'deploy',
          status: 'skipped',
          attempt: 0,
        },
      }),
      context,
    );
    pipelineMetrics.stepFinished('succeeded', 2500);
    pipelineMetrics.logStored([{ text: 'héllo' }, { text: 'ok' }]);
    pipelineMetrics.logStored([]);

    const byName = await collect();
    expect(values(byName.get('comet.pipelines.runs.started'))).toEqual([
      { attributes: {}, value: 1 },
    ]);
    expect(values(byName.get('comet.pipelines.runs.finished'))).toEqual(
      expect.arrayContaining([
        { attributes: { result: 'failed' }, value: 1 },
        { attributes: { result: 'succeeded' }, value: 1 },
      ]),
    );
    const jobs = byName.get(
      'comet.pipelines.job.duration_seconds',
    ) as HistogramMetricData;
    expect(jobs.dataPoints).toHaveLength(1);
    expect(jobs.dataPoints[0].attributes).toEqual({ result: 'failed' });
    expect(jobs.dataPoints[0].value.sum).toBe(150);
    const steps = byName.get(
      'comet.pipelines.step.duration_seconds',
    ) as HistogramMetricData;
    expect(steps.dataPoints[0].value.sum).toBe(2.5);
    // "héllo" is 6 bytes in UTF-8
    expect(values(byName.get('comet.pipelines.log.bytes'))).toEqual([
      { attributes: {}, value: 8 },
    ]);
    expect(values(byName.get('comet.pipelines.log.lines'))).toEqual([
      { attributes: {}, value: 2 },
    ]);
  });
});
