import type {
  MetricsService,
  MetricsServiceCounter,
  MetricsServiceHistogram,
} from '@backstage/backend-plugin-api/alpha';
import type {
  PipelineRunEvent,
  PipelineRunEventListener,
} from '@internal/plugin-pipelines-node';
import type { QueueStats } from '../store/PipelineStore';

/** Buckets for queue waits and job and step durations, in seconds (100 ms to 2 h). */
export const PIPELINE_DURATION_BUCKETS = [
  0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200,
];

export type PipelineMetricsOptions = {
  /** The queue from the database (indexed counts), read at most once per `cacheMs`. */
  queueStats: (expiredBefore: Date) => Promise<QueueStats>;
  /** Jobs this replica runs now. */
  runningJobs: () => number;
  /** Live log streams open on this replica. */
  liveViewers: () => number;
  /**
   * A running job counts as stuck once its lease expired this long ago (recovery runs every
   * few seconds, so a lease expired longer means no replica is recovering it).
   */
  stuckAfterMs: number;
  /** How long one reading of the queue serves scrapes. Default 5 s. */
  cacheMs?: number;
  now?: () => number;
};

const FINAL_RUN_EVENTS: Partial<Record<PipelineRunEvent['type'], string>> = {
  'run.succeeded': 'succeeded',
  'run.failed': 'failed',
  'run.cancelled': 'cancelled',
};

/**
 * The pipeline engine's OpenTelemetry metrics, through Backstage's metrics service
 * (docs/operations.md lists them with their Prometheus names):
 *
 * - the queue, from the database every replica shares, read at most every 5 s whatever the
 *   scrape rate: `comet.pipelines.queue.depth`, `comet.pipelines.queue.oldest_age_seconds`,
 *   `comet.pipelines.jobs.stuck`; and `comet.pipelines.queue.wait_seconds` per claimed job
 * - runs and jobs, from the run event outbox (each event is counted by one replica):
 *   `comet.pipelines.runs.started`, `comet.pipelines.runs.finished` by `result`,
 *   `comet.pipelines.job.duration_seconds` by `result`
 * - this replica's work: `comet.pipelines.jobs.running`, `comet.pipelines.step.duration_seconds`
 *   by `result`, `comet.pipelines.log.bytes` and `comet.pipelines.log.lines` stored,
 *   `comet.pipelines.live_viewers`
 *
 * No entity, pipeline or user names in attributes: they would make a series per entity.
 */
export class PipelineMetrics {
  static create(
    metrics: MetricsService,
    options: PipelineMetricsOptions,
  ): PipelineMetrics {
    return new PipelineMetrics(metrics, options);
  }

  private readonly queueWait: MetricsServiceHistogram;
  private readonly runsStarted: MetricsServiceCounter;
  private readonly runsFinished: MetricsServiceCounter;
  private readonly jobDuration: MetricsServiceHistogram;
  private readonly stepDuration: MetricsServiceHistogram;
  private readonly logBytes: MetricsServiceCounter;
  private readonly logLines: MetricsServiceCounter;
  private readonly now: () => number;
  private cached?: { at: number; stats: Promise<QueueStats | undefined> };

  private constructor(
    metrics: MetricsService,
    private readonly options: PipelineMetricsOptions,
  ) {
    this.now = options.now ?? Date.now;
    const durations = { explicitBucketBoundaries: PIPELINE_DURATION_BUCKETS };
    this.queueWait = metrics.createHistogram(
      'comet.pipelines.queue.wait_seconds',
      {
        description:
          'Seconds a job waited in the queue between becoming claimable and a worker claiming it',
        unit: 's',
        advice: durations,
      },
    );
    this.runsStarted = metrics.createCounter('comet.pipelines.runs.started', {
      description: 'Pipeline runs whose first job started',
      unit: '{run}',
    });
    this.runsFinished = metrics.createCounter('comet.pipelines.runs.finished', {
      description:
        'Pipeline runs that finished, by result (succeeded, failed, cancelled)',
      unit: '{run}',
    });
    this.jobDuration = metrics.createHistogram(
      'comet.pipelines.job.duration_seconds',
      {
        description:
          'Seconds from a job starting to it finishing, by result (succeeded, failed, cancelled)',
        unit: 's',
        advice: durations,
      },
    );
    this.stepDuration = metrics.createHistogram(
      'comet.pipelines.step.duration_seconds',
      {
        description:
          'Seconds a step ran on this replica, by result (succeeded, failed, cancelled)',
        unit: 's',
        advice: durations,
      },
    );
    this.logBytes = metrics.createCounter('comet.pipelines.log.bytes', {
      description: 'UTF-8 bytes of log lines stored (after secret masking)',
      unit: 'By',
    });
    this.logLines = metrics.createCounter('comet.pipelines.log.lines', {
      description: 'Log lines stored',
      unit: '{line}',
    });

    metrics
      .createObservableGauge('comet.pipelines.queue.depth', {
        description:
          'Jobs queued in the database, waiting for a worker (the same on every replica: use max)',
        unit: '{job}',
      })
      .addCallback(async result => {
        const stats = await this.queue();
        if (stats) result.observe(stats.queued);
      });
    metrics
      .createObservableGauge('comet.pipelines.queue.oldest_age_seconds', {
        description:
          'Age of the oldest queued job in seconds, 0 when none is queued (use max)',
        unit: 's',
      })
      .addCallback(async result => {
        const stats = await this.queue();
        if (!stats) return;
        const oldest = stats.oldestQueuedAt?.getTime();
        result.observe(
          oldest === undefined ? 0 : Math.max(0, (this.now() - oldest) / 1000),
        );
      });
    metrics
      .createObservableGauge('comet.pipelines.jobs.stuck', {
        description:
          'Running jobs whose lease expired and that no replica recovered (use max)',
        unit: '{job}',
      })
      .addCallback(async result => {
        const stats = await this.queue();
        if (stats) result.observe(stats.expiredLeases);
      });
    metrics
      .createObservableGauge('comet.pipelines.jobs.running', {
        description: 'Jobs this replica runs now',
        unit: '{job}',
      })
      .addCallback(result => result.observe(options.runningJobs()));
    metrics
      .createObservableGauge('comet.pipelines.live_viewers', {
        description: 'Live log streams open on this replica',
        unit: '{viewer}',
      })
      .addCallback(result => result.observe(options.liveViewers()));
  }

  /** A worker claimed a job that could be claimed since `queuedAt`. */
  jobClaimed(queuedAt: Date, claimedAt: number = this.now()) {
    this.queueWait.record(Math.max(0, claimedAt - queuedAt.getTime()) / 1000);
  }

  /** A step ran for `durationMs` and ended with `result`. */
  stepFinished(result: string, durationMs: number) {
    this.stepDuration.record(Math.max(0, durationMs) / 1000, { result });
  }

  /** Lines were stored in a run's log. */
  logStored(lines: ReadonlyArray<{ text: string }>) {
    if (lines.length === 0) return;
    let bytes = 0;
    for (const line of lines) bytes += Buffer.byteLength(line.text, 'utf8');
    this.logBytes.add(bytes);
    this.logLines.add(lines.length);
  }

  /** Counts runs started and finished and times finished jobs from the run event outbox. */
  runEvent(event: PipelineRunEvent) {
    if (event.type === 'run.started') {
      // Not when a run goes on after an approval: it started before that
      if (event.previousStatus !== 'waiting') this.runsStarted.add(1);
      return;
    }
    const result = FINAL_RUN_EVENTS[event.type];
    if (result) {
      this.runsFinished.add(1, { result });
      return;
    }
    const job = event.job;
    if (event.type === 'job.finished' && job?.startedAt && job.finishedAt) {
      const ms = Date.parse(job.finishedAt) - Date.parse(job.startedAt);
      if (Number.isFinite(ms)) {
        this.jobDuration.record(Math.max(0, ms) / 1000, {
          result: job.status,
        });
      }
    }
  }

  /** The run event listener that feeds `runEvent`. */
  listener(): PipelineRunEventListener {
    return {
      id: 'pipelines.metrics',
      onEvent: async event => this.runEvent(event),
    };
  }

  /** The last reading of the queue if fresh, else a new one; undefined if it failed. */
  private queue(): Promise<QueueStats | undefined> {
    const now = this.now();
    if (
      !this.cached ||
      now - this.cached.at >= (this.options.cacheMs ?? 5000)
    ) {
      this.cached = {
        at: now,
        stats: this.options
          .queueStats(new Date(now - this.options.stuckAfterMs))
          .catch(() => undefined),
      };
    }
    return this.cached.stats;
  }
}
