import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { EventEmitter } from 'node:events';

/**
 * Hands log lines to live viewers on this replica the moment they are stored, so a viewer
 * does not wait for its next database poll. Viewers connected to another replica still see
 * every line through the database (the stream reads it for catch-up and every second).
 */
export class LiveLogBus {
  private readonly emitter = new EventEmitter();
  private readonly storedObservers: Array<(lines: PipelineLogLine[]) => void> =
    [];
  private viewers = 0;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** Live viewers subscribed on this replica now (`comet.pipelines.live_viewers`). */
  get viewerCount() {
    return this.viewers;
  }

  /** Calls `observer` with every batch of stored lines (for the log metrics). */
  observeStored(observer: (lines: PipelineLogLine[]) => void) {
    this.storedObservers.push(observer);
  }

  publish(runId: string, lines: PipelineLogLine[]) {
    if (lines.length > 0) {
      for (const observer of this.storedObservers) observer(lines);
      this.emitter.emit(runId, lines);
    }
  }

  subscribe(runId: string, listener: (lines: PipelineLogLine[]) => void) {
    this.emitter.on(runId, listener);
    this.viewers++;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.viewers--;
      this.emitter.off(runId, listener);
    };
  }
}
