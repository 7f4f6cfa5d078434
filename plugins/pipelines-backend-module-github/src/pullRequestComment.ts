import type {
  PipelineRunReport,
  PipelineRunStatus,
  PipelineStepReportStatus,
} from '@internal/plugin-pipelines-common';

/** A step report of a run (a quality gate, a test suite), as the comment shows it. */
export type CommentReport = {
  title: string;
  status: PipelineStepReportStatus;
  /** One line of plain text, cut at 200 characters. */
  summary: string;
  /** An http(s) URL, when the report links one of at most 500 characters. */
  url?: string;
};

/** Reports listed per run; the run page shows them all. */
export const MAX_COMMENT_REPORTS = 5;
/** GitHub refuses comments over 65,536 characters: fewer reports are listed past this. */
const MAX_COMMENT_LENGTH = 60_000;

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
  /** What the run's steps reported (at most {@link MAX_COMMENT_REPORTS}). */
  reports?: CommentReport[];
  /** How many more reports the run has than `reports` lists. */
  moreReports?: number;
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

const REPORT_STATUSES: PipelineStepReportStatus[] = [
  'passed',
  'failed',
  'warning',
  'info',
];

function isCommentReport(value: unknown): value is CommentReport {
  const report = value as CommentReport | undefined;
  return (
    typeof report?.title === 'string' &&
    typeof report.summary === 'string' &&
    REPORT_STATUSES.includes(report.status) &&
    (report.url === undefined || typeof report.url === 'string')
  );
}

/** The state kept in a comment's body, or undefined when it has none (or a damaged one). */
export function parseCommentState(body: string): CommentState | undefined {
  const encoded = STATE.exec(body)?.[1];
  if (!encoded) return undefined;
  try {
    const state = JSON.parse(Buffer.from(encoded, 'base64url').toString());
    if (typeof state?.sha !== 'string' || !Array.isArray(state.runs)) {
      return undefined;
    }
    // Reports of older versions, or a state edited by hand, are dropped rather than trusted
    for (const run of state.runs as CommentRun[]) {
      if (run.reports !== undefined) {
        run.reports = Array.isArray(run.reports)
          ? run.reports.filter(isCommentReport)
          : [];
      }
    }
    return state as CommentState;
  } catch {
    return undefined;
  }
}

/** An http(s) URL of at most 500 characters, or undefined. */
function commentUrl(value: string | undefined): string | undefined {
  if (!value || value.length > 500) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? url.toString()
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The comment's view of a run's reports: the first {@link MAX_COMMENT_REPORTS}, with short
 * summaries and only http(s) links, and how many more there are.
 */
export function commentReports(
  reports: PipelineRunReport[],
): Pick<CommentRun, 'reports' | 'moreReports'> {
  if (reports.length === 0) return {};
  const listed = reports.slice(0, MAX_COMMENT_REPORTS).map(report => {
    const url = commentUrl(report.url);
    return {
      title: report.title.slice(0, 100),
      status: report.status,
      summary: report.summary.slice(0, 200),
      ...(url ? { url } : {}),
    };
  });
  const more = reports.length - listed.length;
  return { reports: listed, ...(more > 0 ? { moreReports: more } : {}) };
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

/**
 * An http(s) URL as the target of a Markdown link: characters that could end the link or
 * start markup (parentheses, brackets, angle brackets, spaces, …) percent-encoded; undefined
 * for anything else.
 */
export function markdownUrl(value: string | undefined): string | undefined {
  const url = commentUrl(value);
  return url?.replace(
    /[^A-Za-z0-9\-._~:/?#@!$&'*+,;=%]/g,
    char =>
      `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

const REPORT_RESULT: Record<PipelineStepReportStatus, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  warning: '⚠️ warning',
  info: 'ℹ️ info',
};

/** `- SonarQube gate of x: ✅ passed — All 4 conditions passed — [details](…)` */
function reportLine(report: CommentReport): string {
  const url = markdownUrl(report.url);
  return `- ${markdownText(report.title)}: ${
    REPORT_RESULT[report.status]
  } — ${markdownText(report.summary)}${url ? ` — [details](${url})` : ''}`;
}

/** The runs' reports, a section per run that has any. */
function reportSections(state: CommentState): string[] {
  return state.runs.flatMap(run => {
    const reports = run.reports ?? [];
    const more = run.moreReports ?? 0;
    if (reports.length === 0 && more === 0) return [];
    let moreLine = `- … and ${more} more on [the run page](${run.url})`;
    if (reports.length === 0) {
      moreLine = `- ${more} report${more === 1 ? '' : 's'} on [the run page](${
        run.url
      })`;
    }
    return [
      '',
      `**${markdownText(run.pipeline)}** [#${run.runNumber}](${run.url}):`,
      '',
      ...reports.map(reportLine),
      ...(more > 0 ? [moreLine] : []),
    ];
  });
}

/** The state with at most `max` reports per run (the rest counted as more). */
function withReportsAtMost(state: CommentState, max: number): CommentState {
  return {
    ...state,
    runs: state.runs.map(run => {
      const reports = run.reports ?? [];
      if (reports.length <= max) return run;
      return {
        ...run,
        reports: reports.slice(0, max),
        moreReports: (run.moreReports ?? 0) + reports.length - max,
      };
    }),
  };
}

/**
 * The comment's Markdown: a table of the commit's runs, the reports of each run, then the
 * hidden state. Lists fewer reports per run when the comment would grow past what GitHub
 * accepts.
 */
export function renderComment(entityRef: string, state: CommentState): string {
  let body = renderBody(entityRef, state);
  for (
    let max = MAX_COMMENT_REPORTS - 1;
    max >= 0 && body.length > MAX_COMMENT_LENGTH;
    max--
  ) {
    body = renderBody(entityRef, withReportsAtMost(state, max));
  }
  return body;
}

function renderBody(entityRef: string, state: CommentState): string {
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
    ...reportSections(state),
    '',
    '<sub>Comet updates this comment as the runs go on.</sub>',
    `<!-- comet:state:${encoded} -->`,
  ].join('\n');
}
