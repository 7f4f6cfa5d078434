import type { AiExplainedRun } from '@internal/plugin-ai-assistant-common';
import type { JsonObject } from '@backstage/types';
import type { ActionReader } from '../ActionReader';
import {
  assertExplainable,
  formatNumber,
  jiraEvidence,
  jiraKeysOf,
  qualityGateEvidence,
  recentCommitsEvidence,
  runReadError,
} from './evidence';
import type {
  EarlierRun,
  FailedRun,
  FailedRunLog,
  FailureSource,
  FailureSourceLimits,
  ModelEvidence,
} from './FailureSource';

/** A Comet run as `pipelines:get-run` and `pipelines:list-runs` give it (the parts read here). */
type CometRun = {
  runId: string;
  entityRef: string;
  pipeline: string;
  number?: number;
  status: string;
  branch?: string;
  commit?: { sha: string; message?: string; url?: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  links?: Array<{ title: string; url: string }>;
  jobs?: Array<{
    jobRunId: string;
    name: string;
    status: string;
    error?: string;
    steps?: Array<{
      stepIndex: number;
      name: string;
      status: string;
      exitCode?: number;
      error?: string;
    }>;
  }>;
  reports?: Array<{
    kind: string;
    title: string;
    status: string;
    summary: string;
    url?: string;
    data?: JsonObject;
    jobName?: string;
    stepName?: string;
  }>;
};

type LogPage = {
  status: string;
  lines: Array<{ seq: number; jobRunId: string; text: string }>;
};

/** What a step report of a known kind is, as evidence for a model. */
const REPORT_EVIDENCE: Record<string, ModelEvidence['kind']> = {
  'sonarqube.quality-gate': 'quality-gate',
  'test-recorder.suite': 'test-results',
};

/** `pipelines:get-run-logs` pages hold at most this many lines. */
const PAGE_LINES = 5000;

/**
 * A read log: its text, the log `seq` of each of its lines, how many lines before them were
 * left out, and whether lines after them were never read (a log longer than the reading cap).
 */
type ReadLog = {
  text: string;
  seqs: number[];
  dropped: number;
  unreadAfter: boolean;
};

/**
 * Comet's own runs, through the pipelines actions: `get-run`, `get-run-logs` (the failed
 * job's lines, page by page, keeping the end of a long log) and `list-runs` (earlier runs of
 * the same pipeline of the entity).
 */
export class CometRunSource implements FailureSource {
  readonly kind = 'comet' as const;
  private run?: CometRun;
  private failedJobRunId?: string;

  constructor(
    private readonly reader: ActionReader,
    private readonly runId: string,
    private readonly options: {
      appBaseUrl: string;
      limits: FailureSourceLimits;
    },
  ) {}

  private runUrl(runId: string) {
    return `${this.options.appBaseUrl}/pipelines/runs/${encodeURIComponent(
      runId,
    )}`;
  }

  async readFailedRun(): Promise<FailedRun> {
    let run: CometRun;
    try {
      ({ run } = await this.reader.invoke<{ run: CometRun }>(
        'pipelines:get-run',
        { runId: this.runId },
      ));
    } catch (error) {
      throw runReadError(`Comet run ${this.runId}`, error);
    }
    this.run = run;
    const title = `${run.entityRef} · ${run.pipeline}${
      run.number !== undefined ? ` #${run.number}` : ''
    }`;
    assertExplainable(`Run ${this.runId} (${title})`, run.status, {
      failed: ['failed', 'cancelled'],
      active: ['queued', 'running', 'waiting'],
    });
    const jobs = run.jobs ?? [];
    const failedJobs = jobs.filter(job => job.status === 'failed');
    const job = failedJobs[0];
    const step = job?.steps?.find(s => s.status === 'failed');
    this.failedJobRunId = job?.jobRunId;
    const warnings: string[] = [];
    if (failedJobs.length > 1) {
      warnings.push(
        `${failedJobs.length} jobs failed; the log of the first, ${
          job.name
        }, was analysed (also failed: ${failedJobs
          .slice(1)
          .map(j => j.name)
          .join(', ')}).`,
      );
    }
    const explained: AiExplainedRun = {
      kind: 'comet',
      runId: this.runId,
      title,
      status: run.status,
      entityRef: run.entityRef,
      pipeline: run.pipeline,
      ...(run.branch ? { branch: run.branch } : {}),
      ...(run.commit?.sha ? { commit: run.commit } : {}),
      ...(job
        ? { failedStep: step ? `${job.name} › ${step.name}` : job.name }
        : {}),
      url: this.runUrl(this.runId),
    };

    let log: FailedRunLog | undefined;
    const what = job ? `the log of job ${job.name}` : 'the log of the run';
    try {
      const read = await this.readLog(
        this.runId,
        job?.jobRunId,
        this.options.limits.maxLogLines,
      );
      const url = this.runUrl(this.runId);
      log = {
        text: read.text,
        source: `${what} (${read.unreadAfter ? 'more than ' : ''}${formatNumber(
          read.seqs.length + read.dropped,
        )} lines${
          read.dropped > 0
            ? `; its last ${formatNumber(read.seqs.length)} were analysed`
            : ''
        })`,
        lineUrl: line =>
          read.seqs[line - 1] === undefined
            ? undefined
            : `${url}#L${read.seqs[line - 1]}`,
        warnings: [
          ...(read.dropped > 0
            ? [
                `The log has ${formatNumber(
                  read.seqs.length + read.dropped,
                )} lines; only its last ${formatNumber(
                  read.seqs.length,
                )} were analysed.`,
              ]
            : []),
          ...(read.unreadAfter
            ? [
                `The log is longer than the ${formatNumber(
                  read.seqs.length + read.dropped,
                )} lines the analysis reads; the lines after them were not read, and the failure may be there.`,
              ]
            : []),
        ],
      };
    } catch (error) {
      this.reader.note(what, error);
    }
    return {
      run: explained,
      pipelineKey: `comet:${run.entityRef}:${run.pipeline}`,
      startedAt: run.startedAt ?? run.createdAt,
      finishedAt: run.finishedAt ?? run.startedAt ?? run.createdAt,
      log,
      ...(step?.exitCode !== undefined ? { exitCode: step.exitCode } : {}),
      ...(run.error || job?.error || step?.error
        ? { error: step?.error ?? job?.error ?? run.error }
        : {}),
      warnings,
    };
  }

  async earlierRuns(failed: FailedRun, limit: number): Promise<EarlierRun[]> {
    const run = this.run!;
    const page = await this.reader.optional<{ runs: CometRun[] }>(
      `earlier runs of ${run.pipeline}`,
      'pipelines:list-runs',
      {
        entityRef: run.entityRef,
        pipeline: run.pipeline,
        limit: Math.min(100, limit + 1),
      },
    );
    const before = Date.parse(failed.startedAt ?? failed.finishedAt);
    return (page?.runs ?? [])
      .filter(
        r =>
          r.runId !== this.runId &&
          r.finishedAt !== undefined &&
          Date.parse(r.finishedAt) <= before,
      )
      .slice(0, limit)
      .map(r => ({
        runId: r.runId,
        status: r.status,
        ...(r.commit?.sha ? { commit: r.commit.sha } : {}),
        ...(r.commit?.url ? { commitUrl: r.commit.url } : {}),
        finishedAt: r.finishedAt!,
        url: this.runUrl(r.runId),
      }));
  }

  async readEarlierLog(run: EarlierRun): Promise<string | undefined> {
    const max = this.options.limits.maxEarlierLogLines;
    try {
      // The same job, when the earlier run has it; else its whole log
      if (this.failedJobRunId) {
        const job = await this.readLog(run.runId, this.failedJobRunId, max);
        if (job.seqs.length > 0) return job.text;
      }
      return (await this.readLog(run.runId, undefined, max)).text;
    } catch (error) {
      this.reader.note(`the log of the earlier run ${run.runId}`, error);
      return undefined;
    }
  }

  async modelEvidence(failed: FailedRun): Promise<ModelEvidence[]> {
    const run = this.run!;
    const evidence: ModelEvidence[] = [];
    if (run.commit?.sha) {
      evidence.push({
        kind: 'commits',
        title: `The run's commit ${run.commit.sha.slice(0, 12)}`,
        ...(run.commit.url ? { url: run.commit.url } : {}),
        content: run.commit,
      });
    }
    evidence.push(...(await recentCommitsEvidence(this.reader, run.entityRef)));
    const reports = run.reports ?? [];
    for (const report of reports) {
      evidence.push({
        kind: REPORT_EVIDENCE[report.kind] ?? 'step-report',
        title: `${report.title} (${report.status})`,
        ...(report.url ? { url: report.url } : {}),
        content: {
          kind: report.kind,
          status: report.status,
          summary: report.summary,
          ...(report.jobName ? { job: report.jobName } : {}),
          ...(report.stepName ? { step: report.stepName } : {}),
          ...(report.data ? { data: report.data } : {}),
        },
      });
    }
    if (!reports.some(r => r.kind === 'sonarqube.quality-gate')) {
      evidence.push(
        ...(await qualityGateEvidence(this.reader, run.entityRef, run.branch)),
      );
    }
    evidence.push(
      ...(await jiraEvidence(
        this.reader,
        run.entityRef,
        jiraKeysOf({
          links: run.links,
          branch: failed.run.branch,
          commitMessage: run.commit?.message,
        }),
      )),
    );
    return evidence;
  }

  /**
   * A run's log (one job's, with `jobRunId`), page by page, keeping its last `maxLines`
   * lines: where runs fail. Reads at most three times that many lines.
   */
  private async readLog(
    runId: string,
    jobRunId: string | undefined,
    maxLines: number,
  ): Promise<ReadLog> {
    let texts: string[] = [];
    let seqs: number[] = [];
    let dropped = 0;
    let afterSeq: number | undefined;
    const maxPages = Math.ceil((maxLines * 3) / PAGE_LINES);
    for (let page = 0; page < maxPages; page++) {
      const input: JsonObject = { runId, limit: PAGE_LINES };
      if (jobRunId) input.jobRunId = jobRunId;
      if (afterSeq !== undefined) input.afterSeq = afterSeq;
      const { lines } = await this.reader.invoke<LogPage>(
        'pipelines:get-run-logs',
        input,
      );
      for (const line of lines) {
        // A line the engine stored with breaks in it reads as several, one seq for all
        for (const part of line.text.split('\n')) {
          texts.push(part);
          seqs.push(line.seq);
        }
      }
      if (texts.length > maxLines * 2) {
        const extra = texts.length - maxLines;
        dropped += extra;
        texts = texts.slice(extra);
        seqs = seqs.slice(extra);
      }
      if (lines.length < PAGE_LINES) {
        return this.keepLast({ texts, seqs, dropped }, maxLines, false);
      }
      afterSeq = lines[lines.length - 1].seq;
    }
    // Longer than the analysis reads: what is past here stays unread, and is said to be
    return this.keepLast({ texts, seqs, dropped }, maxLines, true);
  }

  private keepLast(
    read: { texts: string[]; seqs: number[]; dropped: number },
    maxLines: number,
    unreadAfter: boolean,
  ): ReadLog {
    let { texts, seqs, dropped } = read;
    if (texts.length > maxLines) {
      const extra = texts.length - maxLines;
      dropped += extra;
      texts = texts.slice(extra);
      seqs = seqs.slice(extra);
    }
    return { text: texts.join('\n'), seqs, dropped, unreadAfter };
  }
}
