import type { ActionReader } from '../ActionReader';
import {
  assertExplainable,
  countLines,
  formatNumber,
  jiraEvidence,
  jiraKeysOf,
  qualityGateEvidence,
  runReadError,
  tailLines,
} from './evidence';
import type {
  EarlierRun,
  FailedRun,
  FailedRunLog,
  FailureSource,
  FailureSourceLimits,
  ModelEvidence,
} from './FailureSource';

/** A Jenkins build as `jenkins:get-build` and `jenkins:list-builds` give it (the parts read here). */
type JenkinsBuild = {
  jobRef: string;
  jobFullName?: string;
  number: number;
  displayName?: string;
  status: string;
  building?: boolean;
  startedAt: string;
  durationMs?: number;
  branch?: string;
  commit?: { sha: string; message?: string };
  changes?: Array<{ sha: string; message?: string; author?: string }>;
  tests?: {
    total?: number;
    failed?: number;
    skipped?: number;
    passed?: number;
  };
  stages?: Array<{ name: string; status: string }>;
  url: string;
};

type BuildLog = {
  text: string;
  start: number;
  nextStart: number;
  more: boolean;
  truncated: boolean;
};

/** The end of a console read for the failed build, and for earlier builds. */
const FAILED_LOG_BYTES = 1_000_000;
const EARLIER_LOG_BYTES = 300_000;

const STATUS: Record<string, string> = {
  success: 'succeeded',
  failure: 'failed',
  unstable: 'failed',
  aborted: 'cancelled',
  not_built: 'skipped',
};

/**
 * Jenkins builds, through the Jenkins actions: `get-build`, `get-build-log` (the end of the
 * console, where builds fail) and `list-builds` (earlier builds of the same job).
 */
export class JenkinsBuildSource implements FailureSource {
  readonly kind = 'jenkins' as const;
  private build?: JenkinsBuild;

  constructor(
    private readonly reader: ActionReader,
    private readonly target: {
      runId: string;
      entityRef: string;
      jobRef: string;
      number: number;
    },
    private readonly options: { limits: FailureSourceLimits },
  ) {}

  private get jobName() {
    const { jobRef } = this.target;
    return jobRef.startsWith('default:')
      ? jobRef.slice('default:'.length)
      : jobRef;
  }

  async readFailedRun(): Promise<FailedRun> {
    const { entityRef, jobRef, number, runId } = this.target;
    let build: JenkinsBuild;
    try {
      ({ build } = await this.reader.invoke<{ build: JenkinsBuild }>(
        'jenkins:get-build',
        { entityRef, job: jobRef, number },
      ));
    } catch (error) {
      throw runReadError(`Jenkins build ${this.jobName} #${number}`, error);
    }
    this.build = build;
    const title = `Jenkins ${this.jobName} #${number}`;
    assertExplainable(`${title}`, build.status, {
      failed: ['failure', 'unstable', 'aborted'],
      active: ['queued', 'running'],
    });
    const failedStage = build.stages?.find(
      stage => stage.status === 'failure' || stage.status === 'unstable',
    );
    let log: FailedRunLog | undefined;
    try {
      const read = await this.reader.invoke<BuildLog>('jenkins:get-build-log', {
        entityRef,
        job: jobRef,
        number,
        maxBytes: FAILED_LOG_BYTES,
      });
      const tail = tailLines(read.text, this.options.limits.maxLogLines);
      const warnings: string[] = [];
      if (read.truncated || read.start > 0) {
        warnings.push(
          `The console is longer than ${formatNumber(
            FAILED_LOG_BYTES,
          )} bytes; only its end was analysed.`,
        );
      }
      if (tail.dropped > 0) {
        warnings.push(
          `Only the last ${formatNumber(
            this.options.limits.maxLogLines,
          )} lines of the console were analysed.`,
        );
      }
      log = {
        text: tail.text,
        source: `the console of build #${number} (${
          read.start > 0 ? 'its last ' : ''
        }${formatNumber(countLines(tail.text))} lines)`,
        warnings,
      };
    } catch (error) {
      this.reader.note(`the console of build #${number}`, error);
    }
    const finishedAt =
      build.durationMs !== undefined
        ? new Date(Date.parse(build.startedAt) + build.durationMs).toISOString()
        : build.startedAt;
    return {
      run: {
        kind: 'jenkins',
        runId,
        title,
        status: build.status,
        entityRef,
        pipeline: this.jobName,
        ...(build.branch ? { branch: build.branch } : {}),
        ...(build.commit?.sha ? { commit: build.commit } : {}),
        ...(failedStage ? { failedStep: `stage ${failedStage.name}` } : {}),
        url: build.url,
      },
      pipelineKey: `jenkins:${jobRef}`,
      startedAt: build.startedAt,
      finishedAt,
      log,
      ...(build.status === 'unstable' && build.tests?.failed
        ? { error: `Unstable: ${build.tests.failed} failed tests` }
        : {}),
      warnings: [],
    };
  }

  async earlierRuns(_failed: FailedRun, limit: number): Promise<EarlierRun[]> {
    const { entityRef, jobRef, number } = this.target;
    const page = await this.reader.optional<{ builds: JenkinsBuild[] }>(
      `earlier builds of ${this.jobName}`,
      'jenkins:list-builds',
      { entityRef, job: jobRef, limit: Math.min(100, limit + 1) },
    );
    return (page?.builds ?? [])
      .filter(b => b.number < number && !b.building && STATUS[b.status])
      .slice(0, limit)
      .map(b => ({
        runId: `jenkins:${jobRef}#${b.number}`,
        status: STATUS[b.status],
        ...(b.commit?.sha ? { commit: b.commit.sha } : {}),
        finishedAt: new Date(
          Date.parse(b.startedAt) + (b.durationMs ?? 0),
        ).toISOString(),
        url: b.url,
      }));
  }

  async readEarlierLog(run: EarlierRun): Promise<string | undefined> {
    const { entityRef, jobRef } = this.target;
    const number = Number(run.runId.slice(run.runId.lastIndexOf('#') + 1));
    const read = await this.reader.optional<BuildLog>(
      `the console of the earlier build #${number}`,
      'jenkins:get-build-log',
      { entityRef, job: jobRef, number, maxBytes: EARLIER_LOG_BYTES },
    );
    return read
      ? tailLines(read.text, this.options.limits.maxEarlierLogLines).text
      : undefined;
  }

  async modelEvidence(failed: FailedRun): Promise<ModelEvidence[]> {
    const build = this.build!;
    const evidence: ModelEvidence[] = [];
    if (build.commit?.sha || (build.changes ?? []).length > 0) {
      evidence.push({
        kind: 'commits',
        title: `The build's changes`,
        content: {
          ...(build.commit ? { commit: build.commit } : {}),
          changes: (build.changes ?? []).slice(0, 10),
        },
      });
    }
    if (build.tests) {
      evidence.push({
        kind: 'test-results',
        title: `JUnit results of build #${build.number}`,
        url: `${build.url.replace(/\/?$/, '/')}testReport/`,
        content: build.tests,
      });
    }
    if (build.stages && build.stages.length > 0) {
      evidence.push({
        kind: 'step-report',
        title: 'Pipeline stages',
        content: build.stages.map(s => ({ name: s.name, status: s.status })),
      });
    }
    evidence.push(
      ...(await qualityGateEvidence(
        this.reader,
        this.target.entityRef,
        failed.run.branch,
      )),
    );
    evidence.push(
      ...(await jiraEvidence(
        this.reader,
        this.target.entityRef,
        jiraKeysOf({
          branch: build.branch,
          commitMessage: [
            build.commit?.message,
            ...(build.changes ?? []).map(c => c.message),
          ]
            .filter(Boolean)
            .join('\n'),
        }),
      )),
    );
    return evidence;
  }
}
