import type { PipelineRunStatus } from '@internal/plugin-pipelines-common';

/** One pipeline's latest Comet run of the commit, as the comment lists it. */
export type CommentRun = {
  pipeline: string;
  runId: string;
  runNumber: number;
  status: PipelineRunStatus;
  /** When the run reached `status` (the event's `occurredAt`). */
  occurredAt: string;
  url: string;
  /** `job › step` of each failed job; never log lines. */
  failedAt?: string[];
};

/** What the comment says, kept in it (hidden) so any replica can update it. */
export type CommentState = {
  sha: string;
  runs: CommentRun[];
};

/** Finds the comment of one entity among a pull request's comments. */
export function commentMarker(entityRef: string): string {
  return `<!-- comet:pipelines:${entityRef} -->`;
}

const STATE = /<!-- comet:state:([A-Za-z0-9_-]+) -->/;

/** The state kept in a comment's body, or undefined when it has none (or a damaged one). */
export function parseCommentState(body: string): CommentState | undefined {
  const encoded = STATE.exec(body)?.[1];
  if (!encoded) return undefined;
  try {
    const state = JSON.parse(Buffer.from(encoded, 'base64url').toString());
    if (typeof state?.sha !== 'string' || !Array.isArray(state.runs)) {
      return undefined;
    }
    return state as CommentState;
  } catch {
    return undefined;
  }
}

/**
 * The state after `run`: a comment about another commit starts over; a pipeline's row is
 * replaced by a later run, or by a later status of the same run. A redelivered or late event
 * changes nothing.
 */
export function mergeCommentRun(
  previous: CommentState | undefined,
  sha: string,
  run: CommentRun,
): CommentState {
  const runs = previous?.sha === sha ? [...previous.runs] : [];
  const at = runs.findIndex(r => r.pipeline === run.pipeline);
  const current = at >= 0 ? runs[at] : undefined;
  const newer =
    !current ||
    run.runNumber > current.runNumber ||
    (run.runId === current.runId &&
      Date.parse(run.occurredAt) >= Date.parse(current.occurredAt));
  if (!newer) return { sha, runs };
  if (at >= 0) runs[at] = run;
  else runs.push(run);
  runs.sort((a, b) => a.pipeline.localeCompare(b.pipeline));
  return { sha, runs };
}

const RESULT: Record<PipelineRunStatus, string> = {
  queued: '🕒 queued',
  running: '🔄 running',
  waiting: '✋ waiting for approval',
  succeeded: '✅ passed',
  failed: '❌ failed',
  cancelled: '⚪ cancelled',
  skipped: '⚪ skipped',
};

/** Text that cannot break out of a Markdown table cell or inject HTML and links. */
export function markdownText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_[\]<>|#!~])/g, '\\$1')
    .slice(0, 200);
}

/** The comment's Markdown: a table of the commit's runs, then the hidden state. */
export function renderComment(entityRef: string, state: CommentState): string {
  const rows = state.runs.map(run => {
    const result =
      run.status === 'failed' && run.failedAt?.length
        ? `${RESULT.failed} at ${run.failedAt.map(markdownText).join(', ')}`
        : RESULT[run.status] ?? markdownText(run.status);
    return `| ${markdownText(run.pipeline)} | [#${run.runNumber}](${
      run.url
    }) | ${result} |`;
  });
  const encoded = Buffer.from(JSON.stringify(state)).toString('base64url');
  return [
    commentMarker(entityRef),
    `### Comet pipelines of \`${entityRef}\``,
    '',
    `Runs of ${state.sha.slice(0, 12)}, the head commit of this pull request:`,
    '',
    '| Pipeline | Run | Result |',
    '| --- | --- | --- |',
    ...rows,
    '',
    '<sub>Comet updates this comment as the runs go on.</sub>',
    `<!-- comet:state:${encoded} -->`,
  ].join('\n');
}
