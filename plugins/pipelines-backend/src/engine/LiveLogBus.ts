import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { EventEmitter } from 'node:events';

/**
 * Hands log lines to live viewers on this replica the moment they are stored, so a viewer
 * does not wait for its next database poll. Viewers connected to another replica still see
 * every line through the database (the stream reads it for catch-up and every second).
 */
export class LiveLogBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(runId: string, lines: PipelineLogLine[]) {
    if (lines.length > 0) {
      this.emitter.emit(runId, lines);
    }
  }

  subscribe(runId: string, listener: (lines: PipelineLogLine[]) => void) {
    this.emitter.on(runId, listener);
    return () => {
      this.emitter.off(runId, listener);
    };
  }
}
