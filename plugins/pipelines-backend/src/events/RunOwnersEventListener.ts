import type {
  PipelineRunEvent,
  PipelineRunEventListener,
} from '@internal/plugin-pipelines-node';
import type { RunOwnersNotifier } from '../service/RunOwnersNotifier';
import type { PipelineStore } from '../store/PipelineStore';

/**
 * The owners' notifier as a run event listener: a run that fails and each approval gate that
 * starts waiting reach the owning group, through the outbox, so a notification is not lost
 * when the replica that made the change dies before sending it.
 */
export class RunOwnersEventListener implements PipelineRunEventListener {
  readonly id = 'pipelines.owners-notifier';

  static create(options: {
    notifier: Pick<RunOwnersNotifier, 'notify'>;
    store: Pick<PipelineStore, 'getRun'>;
  }): RunOwnersEventListener {
    return new RunOwnersEventListener(options.notifier, options.store);
  }

  private constructor(
    private readonly notifier: Pick<RunOwnersNotifier, 'notify'>,
    private readonly store: Pick<PipelineStore, 'getRun'>,
  ) {}

  async onEvent(event: PipelineRunEvent): Promise<void> {
    const waitingGate =
      event.type === 'job.waiting' ? event.job?.jobRunId : undefined;
    if (event.type !== 'run.failed' && waitingGate === undefined) return;
    // The notification shows the run's error and the gate's description, which events leave out
    const run = await this.store.getRun(event.runId);
    if (!run) return;
    await this.notifier.notify(
      waitingGate === undefined
        ? { type: 'failed', run }
        : { type: 'waiting', run, jobRunId: waitingGate },
    );
  }
}
