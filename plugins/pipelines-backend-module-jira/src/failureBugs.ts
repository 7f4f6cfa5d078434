import type { PipelineRunFailure } from '@internal/plugin-pipelines-node';
import { createHash } from 'node:crypto';

/** Lines of a failed job's log quoted in its bug. */
export const LOG_EXCERPT_LINES = 30;
const MAX_LINE_LENGTH = 300;

/** Comment markers: how Comet recognises its own comments on a bug. */
export const failedMarker = (runId: string) => `comet:failed:${runId}`;
export const greenMarker = (runId: string) => `comet:green:${runId}`;
const ANY_MARKER = /comet:(failed|green):([0-9A-Za-z-]+)/g;

/** The kind of the last Comet marker in `texts` (oldest first), if any. */
export function lastMarker(
  texts: string[],
): { kind: 'failed' | 'green'; text: string } | undefined {
  let last: { kind: 'failed' | 'green'; text: string } | undefined;
  for (const text of texts) {
    for (const match of text.matchAll(ANY_MARKER)) {
      last = { kind: match[1] as 'failed' | 'green', text: match[0] };
    }
  }
  return last;
}

function hash(text: string, length = 12) {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * What stays the same when the same thing fails again: the entity, pipeline, job, step and
 * the error with its numbers, ids, hashes, paths' temporary parts and times taken out.
 */
export function failureSignature(options: {
  entityRef: string;
  pipeline: string;
  failure: PipelineRunFailure;
}): string {
  const { failure } = options;
  const job = failure.jobRunId.replace(/\s*\(.*\)$/, '');
  const error = (failure.error ?? '')
    .toLowerCase()
    .replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      '<id>',
    )
    .replace(/\b[0-9a-f]{7,64}\b/g, '<hash>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
  return hash(
    [
      options.entityRef,
      options.pipeline,
      job,
      failure.stepName ?? '',
      error,
    ].join('\n'),
  );
}

/** The label every bug of one entity's pipeline carries. */
export function pipelineLabel(entityRef: string, pipeline: string) {
  return `comet-pipeline-${hash(`${entityRef}\n${pipeline}`, 10)}`;
}

export function signatureLabel(signature: string) {
  return `comet-failure-${signature}`;
}

// What a log may still hold although the engine masked the run's secrets: credentials that
// were never declared as secrets.
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/(authorization\s*[:=]\s*)(bearer|basic|token)?\s*[^\s'"]+/gi, '$1$2 ***'],
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)(\s*[:=]\s*)(["']?)[^\s"']+\3/gi,
    '$1$2$3***$3',
  ],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '***'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g, '***'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g, '***'],
  [/(\/\/[^/\s:@]+):[^/\s@]+@/g, '$1:***@'],
];

/** A log line with credentials a pipeline printed by mistake replaced by `***`. */
export function maskLogLine(line: string): string {
  let masked = line;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    masked = masked.replace(pattern, replacement);
  }
  return masked.length > MAX_LINE_LENGTH
    ? `${masked.slice(0, MAX_LINE_LENGTH)}…`
    : masked;
}

export type FailedRunInfo = {
  entityRef: string;
  pipeline: string;
  runId: string;
  runNumber: number;
  runUrl: string;
  branch?: string;
  commitSha?: string;
};

/** The bug's summary: at most 255 characters, as Jira allows. */
export function bugSummary(run: FailedRunInfo, failure: PipelineRunFailure) {
  const where = failure.stepName
    ? `${failure.jobName} › ${failure.stepName}`
    : failure.jobName;
  const name = run.entityRef.replace(/^[^:]+:(default\/)?/, '');
  return `[Comet] ${name}: pipeline ${run.pipeline} fails at ${where}`.slice(
    0,
    255,
  );
}

/** The bug's description, in Markdown (the client converts it to ADF or wiki markup). */
export function bugDescription(
  run: FailedRunInfo,
  failure: PipelineRunFailure,
): string {
  const excerpt = failure.logTail.slice(-LOG_EXCERPT_LINES).map(maskLogLine);
  const fence = excerpt.some(line => line.includes('```')) ? '~~~' : '```';
  const lines = [
    `Comet run [${run.pipeline} #${run.runNumber}](${run.runUrl}) of ${run.entityRef} failed.`,
    '',
    `- **Failing job:** ${failure.jobName}`,
    ...(failure.stepName
      ? [
          `- **Failing step:** ${failure.stepName}${
            failure.exitCode !== undefined
              ? ` (exit code ${failure.exitCode})`
              : ''
          }`,
        ]
      : []),
    ...(failure.error ? [`- **Error:** ${maskLogLine(failure.error)}`] : []),
    ...(run.branch ? [`- **Branch:** ${run.branch}`] : []),
    ...(run.commitSha ? [`- **Commit:** ${run.commitSha.slice(0, 12)}`] : []),
    '',
  ];
  if (excerpt.length > 0) {
    lines.push(
      `Last ${excerpt.length} lines of the job's log (secrets masked):`,
      '',
      fence,
      ...excerpt,
      fence,
      '',
    );
  }
  lines.push(
    'Comet comments here when the pipeline fails again the same way, and when it is green again.',
    '',
    failedMarker(run.runId),
  );
  return lines.join('\n');
}
