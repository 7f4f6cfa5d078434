import type { PipelineLogLine } from '@internal/plugin-pipelines-common';
import { stripAnsi } from './ansi';

/** A step's lines in the log viewer (stepIndex -1: the job's own lines, e.g. checkout). */
export type LogGroup = {
  key: string;
  jobRunId: string;
  stepIndex: number;
  /** Indexes into the model's line arrays, in seq order. */
  lines: number[];
};

export function groupKey(jobRunId: string, stepIndex?: number) {
  return `${jobRunId}\u0000${stepIndex ?? -1}`;
}

/**
 * The lines of one run, kept in flat arrays (200,000 lines stay cheap), grouped by job and
 * step as they arrive. `version` changes on every append so views know to re-render.
 */
export class LogModel {
  readonly seqs: number[] = [];
  readonly texts: string[] = [];
  readonly streams: PipelineLogLine['stream'][] = [];
  readonly timestamps: string[] = [];
  readonly groupOf: LogGroup[] = [];
  readonly groups = new Map<string, LogGroup>();
  private lowered: Array<string | undefined> = [];
  version = 0;

  get size() {
    return this.seqs.length;
  }

  get lastSeq() {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : -1;
  }

  append(lines: PipelineLogLine[]) {
    let added = 0;
    for (const line of lines) {
      if (line.seq <= this.lastSeq) continue; // a resumed stream never repeats a line
      const index = this.seqs.length;
      this.seqs.push(line.seq);
      this.texts.push(line.text);
      this.streams.push(line.stream);
      this.timestamps.push(line.timestamp);
      const key = groupKey(line.jobRunId, line.stepIndex);
      let group = this.groups.get(key);
      if (!group) {
        group = {
          key,
          jobRunId: line.jobRunId,
          stepIndex: line.stepIndex ?? -1,
          lines: [],
        };
        this.groups.set(key, group);
      }
      group.lines.push(index);
      this.groupOf.push(group);
      added++;
    }
    if (added) this.version++;
    return added;
  }

  /** Line indexes whose text (without ANSI codes) contains `query`, case-insensitively. */
  search(query: string): number[] {
    const needle = query.toLowerCase();
    if (!needle) return [];
    const matches: number[] = [];
    for (let i = 0; i < this.texts.length; i++) {
      let text = this.lowered[i];
      if (text === undefined) {
        text = stripAnsi(this.texts[i]).toLowerCase();
        this.lowered[i] = text;
      }
      if (text.includes(needle)) matches.push(i);
    }
    return matches;
  }

  indexOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.seqs[mid];
      if (value === seq) return mid;
      if (value < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The last `count` lines of a group, for the failure summary. */
  tail(key: string, count: number): number[] {
    const group = this.groups.get(key);
    return group ? group.lines.slice(-count) : [];
  }
}
