import { InputError } from '@backstage/errors';
import { createHash } from 'node:crypto';
import { LogBaseline } from './LogBaseline';
import { detachFromLog } from './detach';
import { LiteralFinder } from './LiteralFinder';
import { LogText } from './LogText';
import {
  LEADING_TIMESTAMP,
  lineShapeHash,
  normaliseLogLine,
} from './normalise';
import { analyseRegex } from './regexAnalysis';
import type {
  FailureFingerprint,
  FingerprintedRun,
  FingerprintHistory,
} from './types';

/**
 * Lines that look like an error, whatever the tool: `error:` / `Error:` / `ERROR:`,
 * `SomethingError:`, npm's `npm ERR!` / `npm error`, tsc's `error TS1234`, eslint's
 * `12:5  error`, test runners' `FAIL` and `N failing`, GitHub's `##[error]`, Maven's `[ERROR]`,
 * Python tracebacks and pytest's `E   `, git's `fatal:`, Go's `panic:`, Node's error codes, and
 * non-zero exit codes.
 */
const ERROR_LINE_PATTERNS = [
  String.raw`(?<![^\s[(])(?:error|ERROR|Error)(?:\[[\w-]+\])?:`,
  String.raw`\b[A-Z]\w*(?:Error|Exception):`,
  String.raw`^\s*Exception in thread\b`,
  String.raw`\berror TS\d+`,
  String.raw`\bnpm (?:ERR!|error) `,
  String.raw`\b\d+:\d+\s+error\s`,
  String.raw`^\s*(?:FAIL|FAILED|FAILURE)\b`,
  String.raw`\b[1-9]\d* (?:failing|failed)\b`,
  String.raw`##\[error\]`,
  String.raw`\[ERROR\]`,
  String.raw`Traceback \(most recent call last\)`,
  String.raw`^E {2,}\S`,
  String.raw`\bfatal:`,
  String.raw`^panic:`,
  String.raw`\bFATAL\b`,
  String.raw`\bERR_[A-Z][A-Z_]{2,}\b`,
  String.raw`\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EADDRINUSE|EACCES|EPERM)\b`,
  String.raw`\bBUILD FAIL(?:ED|URE)\b`,
  String.raw`\bexit(?:ed with)? (?:code |status )?[1-9]\d*\b`,
  String.raw`^\s*Killed\s*$`,
];
const ERROR_LINE = new RegExp(ERROR_LINE_PATTERNS.join('|'));
/** The literal text one of which every error line has, found in one pass over the log. */
const ERROR_LITERALS = [
  ...new Set(
    ERROR_LINE_PATTERNS.flatMap(
      pattern =>
        analyseRegex(pattern, { multiLine: false, ignoreCase: false })
          .requiredLiterals ?? [],
    ),
  ),
];
let errorFinder: LiteralFinder | undefined;

/** Tool prefixes whose consecutive lines belong to one error block. */
const BLOCK_MARKER =
  /^(npm (?:ERR!|error)|##\[error\]|\[ERROR\]|E {2,}|error(?:\[[\w-]+\])?:|fatal:|>)/;
const STACK_FRAME = /^\s*(?:at |File "|\.\.\. \d+ more|Caused by:)/;
/** A source excerpt as Jest, Babel, tsc and Playwright print it: `> 42 |   code`, `   |   ^`. */
const CODE_FRAME = /^\s*>?\s*\d*\s*\|(?:\s|$)/;

export const MAX_ERROR_BLOCK_LINES = 12;
const MAX_NORMALISED_CHARS = 300;
const TAIL_LINES = 10;

const withoutTimestamp = (line: string) => line.replace(LEADING_TIMESTAMP, '');

/**
 * The first lines that look like errors, skipping those a green run also printed (they are
 * not why this run failed).
 */
export function findErrorLines(
  log: LogText,
  options: { baseline?: LogBaseline; max?: number } = {},
): number[] {
  const max = options.max ?? 20;
  const found: number[] = [];
  const text = log.text;
  let testedLine = -1;
  errorFinder ??= LiteralFinder.create(ERROR_LITERALS);
  errorFinder.scan(text, 0, text.length, lastIndex => {
    const lineStart = text.lastIndexOf('\n', lastIndex) + 1;
    if (lineStart === testedLine) {
      return true;
    }
    testedLine = lineStart;
    let lineEnd = text.indexOf('\n', lastIndex);
    if (lineEnd < 0) {
      lineEnd = text.length;
    }
    if (
      !ERROR_LINE.test(text.slice(lineStart, lineEnd)) ||
      options.baseline?.hasShape(lineShapeHash(text, lineStart, lineEnd))
    ) {
      return true;
    }
    found.push(log.lineAt(lineStart));
    return found.length < max;
  });
  return found;
}

/** Whether a line looks like an error (see {@link findErrorLines}). */
export function isErrorLine(line: string): boolean {
  return ERROR_LINE.test(line);
}

/**
 * The error block that starts at `startLine`: the line, then what continues it (indented
 * lines and stack frames, also after a blank line; lines with the same tool prefix such as
 * `npm error`; the rest of a Python traceback), up to {@link MAX_ERROR_BLOCK_LINES}.
 */
export function findErrorBlock(
  log: LogText,
  startLine: number,
): { startLine: number; endLine: number } {
  const first = withoutTimestamp(log.line(startLine));
  const marker = BLOCK_MARKER.exec(first)?.[1];
  const traceback = first.includes('Traceback (most recent call last)');
  const indented = (text: string) => /^\s/.test(text) || STACK_FRAME.test(text);
  let endLine = startLine;
  let previous = first;
  for (
    let line = startLine + 1;
    line <= log.lineCount && line < startLine + MAX_ERROR_BLOCK_LINES;
    line++
  ) {
    const text = withoutTimestamp(log.line(line, 1000));
    if (text.trim() === '') {
      // A blank line ends the block unless an indented line goes on after it (Jest puts
      // one between a test's name and its error).
      const next =
        line < log.lineCount ? withoutTimestamp(log.line(line + 1, 1000)) : '';
      if (next.trim() !== '' && indented(next)) {
        continue;
      }
      break;
    }
    const continues =
      indented(text) ||
      (marker !== undefined && text.startsWith(marker)) ||
      // A traceback ends with the exception, unindented, just after its last frame.
      (traceback && indented(previous));
    if (!continues) {
      break;
    }
    endLine = line;
    if (traceback && !indented(text)) {
      break;
    }
    previous = text;
  }
  return { startLine, endLine };
}

/**
 * The fingerprint of the failure: the error block at `startLine` (or, when no error line was
 * found, the last lines of the log), normalised and hashed.
 */
export function computeFingerprint(
  log: LogText,
  startLine: number | undefined,
  /** Masks secrets in the lines returned (the hash is of the lines before masking). */
  mask: (text: string) => string = text => text,
): FailureFingerprint {
  let block: { startLine: number; endLine: number };
  let basis: FailureFingerprint['basis'];
  if (startLine !== undefined) {
    block = findErrorBlock(log, startLine);
    basis = 'error-block';
  } else {
    let endLine = log.lineCount;
    while (endLine > 0 && log.line(endLine, 1).trim() === '') {
      endLine--;
    }
    block = { startLine: Math.max(1, endLine - TAIL_LINES + 1), endLine };
    basis = endLine === 0 ? 'empty' : 'log-tail';
  }
  // Hashed as the log has it, shown masked (masked before normalising, which could
  // otherwise change part of a secret so that the mask no longer recognises it).
  const hashed: string[] = [];
  const shown: string[] = [];
  for (let line = block.startLine; line <= block.endLine; line++) {
    const text = withoutTimestamp(log.line(line, 2 * MAX_NORMALISED_CHARS));
    if (CODE_FRAME.test(text)) {
      continue; // source excerpts change with every edit near the failing line
    }
    const normalised = normaliseLogLine(text).slice(0, MAX_NORMALISED_CHARS);
    if (normalised !== '') {
      hashed.push(normalised);
      shown.push(
        normaliseLogLine(
          withoutTimestamp(
            log.maskedLine(line, 2 * MAX_NORMALISED_CHARS, mask),
          ),
        ).slice(0, MAX_NORMALISED_CHARS),
      );
    }
  }
  const hash = createHash('sha256').update(hashed.join('\n')).digest('hex');
  return detachFromLog({
    hash,
    basis,
    startLine: block.startLine,
    endLine: Math.max(block.startLine, block.endLine),
    normalisedLines: shown,
  });
}

const GREEN = 'succeeded';

/**
 * "Seen in N runs since …, last fixed by commit …": the earlier runs with this fingerprint,
 * and the last green run that followed one of them (the first green run after it).
 */
export function describeFingerprintHistory(
  hash: string,
  runs: FingerprintedRun[],
): FingerprintHistory {
  const dated = runs.map((run, index) => {
    const at = Date.parse(run?.finishedAt);
    if (!run || typeof run.runId !== 'string' || Number.isNaN(at)) {
      throw new InputError(
        `run history entry ${index}${
          typeof run?.runId === 'string' ? ` (run ${run.runId})` : ''
        }: finishedAt must be an ISO 8601 time, not ${JSON.stringify(
          run?.finishedAt,
        )}`,
      );
    }
    return { run, at };
  });
  dated.sort((a, b) => a.at - b.at);
  const seen: typeof dated = [];
  let pending = false;
  let lastFixedBy: FingerprintHistory['lastFixedBy'];
  for (const entry of dated) {
    if (entry.run.fingerprint === hash) {
      seen.push(entry);
      pending = true;
    } else if (entry.run.status === GREEN && pending) {
      pending = false;
      lastFixedBy = {
        runId: entry.run.runId,
        finishedAt: new Date(entry.at).toISOString(),
      };
      if (entry.run.commit) {
        lastFixedBy.commit = entry.run.commit;
      }
    }
  }
  const history: FingerprintHistory = {
    seenCount: seen.length,
    runIds: seen
      .slice(-10)
      .reverse()
      .map(entry => entry.run.runId),
    fixedSinceLastSeen: seen.length > 0 && !pending,
    summary: '',
  };
  if (seen.length > 0) {
    history.firstSeenAt = new Date(seen[0].at).toISOString();
    history.lastSeenAt = new Date(seen[seen.length - 1].at).toISOString();
  }
  if (lastFixedBy) {
    history.lastFixedBy = lastFixedBy;
  }
  history.summary = summariseHistory(history);
  return history;
}

function summariseHistory(history: FingerprintHistory): string {
  if (history.seenCount === 0) {
    return 'Not seen in earlier runs.';
  }
  const runs =
    history.seenCount === 1
      ? '1 earlier run'
      : `${history.seenCount} earlier runs`;
  let summary = `Seen in ${runs} since ${history.firstSeenAt}`;
  const fix = history.lastFixedBy;
  if (fix) {
    const by = fix.commit
      ? `commit ${fix.commit.slice(0, 12)} (run ${fix.runId})`
      : `run ${fix.runId}`;
    summary += history.fixedSinceLastSeen
      ? `; last fixed by ${by} on ${fix.finishedAt}.`
      : `; fixed before by ${by} on ${fix.finishedAt}, but it came back and no green run followed since ${history.lastSeenAt}.`;
  } else {
    summary += '; never followed by a green run.';
  }
  return summary;
}
