import type {
  PipelineRunEvent,
  PipelineRunEventContext,
  PipelineRunFailure,
} from '@internal/plugin-pipelines-node';
import type { PipelineStore } from '../store/PipelineStore';

const DEFAULT_LOG_LINES = 40;
const MAX_LOG_LINES = 200;

/**
 * Builds the {@link PipelineRunEventContext} a run event's listener gets: the run's failures
 * and step reports read from the store (log lines and reports as stored, so secrets are
 * already masked), and links added to the run in the listener's name.
 */
export class RunEventContexts {
  static create(options: { store: PipelineStore }) {
    return new RunEventContexts(options.store);
  }

  private constructor(private readonly store: PipelineStore) {}

  for(listenerId: string, event: PipelineRunEvent): PipelineRunEventContext {
    return {
      failures: options => this.failures(event.runId, options?.logLines),
      reports: () => this.store.listStepReports(event.runId),
      addRunLinks: async links => {
        await this.store.addRunLinks(event.runId, listenerId, links);
      },
    };
  }

  private async failures(
    runId: string,
    logLines = DEFAULT_LOG_LINES,
  ): Promise<PipelineRunFailure[]> {
    const run = await this.store.getRun(runId);
    if (!run) return [];
    const limit = Math.min(Math.max(0, Math.floor(logLines)), MAX_LOG_LINES);
    const failed = run.jobs.filter(job => job.status === 'failed');
    return Promise.all(
      failed.map(async job => {
        const step = job.steps.find(s => s.status === 'failed');
        const tail =
          limit === 0
            ? []
            : await this.store.readLogTail(runId, {
                jobRunId: job.jobRunId,
                limit,
              });
        return {
          jobRunId: job.jobRunId,
          jobName: job.name,
          ...(step
            ? {
                stepIndex: step.stepIndex,
                stepName: step.name,
                ...(step.exitCode !== undefined
                  ? { exitCode: step.exitCode }
                  : {}),
              }
            : {}),
          ...(step?.error ?? job.error
            ? { error: step?.error ?? job.error }
            : {}),
          logTail: tail.map(line => line.text),
        };
      }),
    );
  }
}
