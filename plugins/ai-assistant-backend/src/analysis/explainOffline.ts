import { detachFromLog } from './detach';
import { FailureKnowledgeBase } from './FailureKnowledgeBase';
import {
  computeFingerprint,
  describeFingerprintHistory,
  findErrorLines,
  isErrorLine,
} from './fingerprint';
import { findNewLines, LogBaseline } from './LogBaseline';
import { LogText } from './LogText';
import { lineShapeHash } from './normalise';
import type {
  FailureMatchLimits,
  FingerprintedRun,
  LogLine,
  MatchedFailureRule,
  OfflineExplanation,
} from './types';

/** Logs above this many characters are analysed from their end (where runs fail). */
export const DEFAULT_MAX_LOG_CHARS = 64 * 1024 * 1024;
const CONTEXT_LINES_BEFORE = 2;
const MAX_LINE_CHARS = 500;

/** What `explainOffline` may know besides the log. */
export type ExplainContext = {
  /** The rules to match; Comet's shipped rules when left out. */
  knowledgeBase?: FailureKnowledgeBase;
  /** The pipeline's last green runs (see `LogBaseline.fromLogs`), for new lines and noise. */
  baseline?: LogBaseline;
  /** Earlier runs of the pipeline with their fingerprints, for "seen in N runs". */
  history?: FingerprintedRun[];
  /** The failed step's exit code, when known. */
  exitCode?: number;
  /**
   * Masks secrets in every text of the result (matched lines, groups, descriptions, new
   * lines): the result may go to a model.
   */
  mask?: (text: string) => string;
  limits?: FailureMatchLimits & {
    /** Lines of new lines kept (default 100). */
    maxNewLines?: number;
    /** Characters analysed at most; a longer log is read from its end. */
    maxLogChars?: number;
  };
};

function exitCodeMeaning(exitCode: number): string {
  switch (exitCode) {
    case 137:
      return 'killed (SIGKILL), most often by the out-of-memory killer';
    case 143:
      return 'terminated (SIGTERM), often a timeout or a cancelled job';
    case 134:
      return 'aborted (SIGABRT), as Node.js does when its heap runs out';
    case 127:
      return 'command not found';
    case 126:
      return 'command found but not executable';
    default:
      return exitCode > 128 ? `killed by signal ${exitCode - 128}` : 'failed';
  }
}

/** Text ending as a sentence does. */
const sentence = (text: string) =>
  /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;

/** Rules that name the failure first: not noise from green runs, highest priority, earliest. */
function rank(rules: MatchedFailureRule[]): MatchedFailureRule[] {
  return [...rules].sort(
    (a, b) =>
      Number(a.alsoInGreenRuns ?? false) - Number(b.alsoInGreenRuns ?? false) ||
      b.priority - a.priority ||
      a.matches[0].line - b.matches[0].line,
  );
}

/**
 * Explains a failed run's log without a model: the rules that match (the best one names the
 * category, summary and fix), the first error block and its fingerprint, earlier runs with the
 * same fingerprint, and the lines the last green runs did not print. Linear in the log's
 * size; the log is never split into an array of lines.
 */
export function explainOffline(
  log: string | LogText,
  context: ExplainContext = {},
): OfflineExplanation {
  const started = performance.now();
  const mask = context.mask ?? ((text: string) => text);
  const warnings: string[] = [];
  const maxLogChars = context.limits?.maxLogChars ?? DEFAULT_MAX_LOG_CHARS;
  let skippedCharacters = 0;
  let logText: LogText;
  if (typeof log === 'string') {
    let raw = log;
    if (raw.length > maxLogChars) {
      const cut = raw.indexOf('\n', raw.length - maxLogChars);
      skippedCharacters = cut < 0 ? raw.length - maxLogChars : cut + 1;
      raw = raw.slice(skippedCharacters);
      warnings.push(
        `The log has ${log.length} characters; only its last ${raw.length} were analysed (line numbers count from there).`,
      );
    }
    logText = LogText.from(raw);
  } else {
    logText = log;
  }

  const knowledgeBase = context.knowledgeBase ?? FailureKnowledgeBase.default();
  const report = knowledgeBase.match(logText, { ...context.limits, mask });
  warnings.push(...report.warnings);
  const baseline = context.baseline;
  const inBaseline = (line: number) =>
    baseline !== undefined &&
    baseline.hasShape(
      lineShapeHash(
        logText.text,
        logText.lineStart(line),
        logText.lineEnd(line),
      ),
    );
  if (baseline) {
    for (const rule of report.rules) {
      rule.alsoInGreenRuns = rule.matches.every(match =>
        inBaseline(match.line),
      );
    }
  }
  const ranked = rank(report.rules);
  const best = ranked[0];

  // The lines the green runs did not print; the first of them that looks like an error is
  // where this run went wrong (found in the same pass).
  let firstNewError: number | undefined;
  const newLines = baseline
    ? findNewLines(logText, baseline, {
        maxLines: context.limits?.maxNewLines,
        mask,
        onNewLine: line => {
          if (firstNewError === undefined && isErrorLine(logText.line(line))) {
            firstNewError = line;
          }
        },
      })
    : undefined;

  // The first error: the earliest line that looks like one or that a rule matched, leaving
  // out what the green runs printed as well.
  let candidates: number[];
  if (baseline) {
    candidates = firstNewError === undefined ? [] : [firstNewError];
  } else {
    candidates = findErrorLines(logText, { max: 1 });
  }
  for (const rule of report.rules) {
    const match = rule.matches.find(candidate => !inBaseline(candidate.line));
    if (match) {
      candidates.push(match.line);
    }
  }
  const firstErrorLine =
    candidates.length > 0 ? Math.min(...candidates) : undefined;
  const fingerprint = computeFingerprint(logText, firstErrorLine, mask);
  const firstErrorLines: LogLine[] = [];
  if (fingerprint.basis !== 'empty') {
    const from =
      fingerprint.basis === 'error-block'
        ? Math.max(1, fingerprint.startLine - CONTEXT_LINES_BEFORE)
        : fingerprint.startLine;
    for (let line = from; line <= fingerprint.endLine; line++) {
      firstErrorLines.push({
        line,
        text: logText.maskedLine(line, MAX_LINE_CHARS, mask),
      });
    }
  }

  const similarRuns = context.history
    ? describeFingerprintHistory(fingerprint.hash, context.history)
    : undefined;
  const sentences: string[] = [];
  if (best) {
    sentences.push(
      `${best.name} (line ${best.matches[0].line}): ${sentence(
        best.description,
      )}`,
    );
    const others = ranked
      .slice(1)
      .filter(rule => !rule.alsoInGreenRuns)
      .map(rule => rule.name);
    if (others.length > 0) {
      sentences.push(
        `Also matched: ${[...new Set(others)].slice(0, 5).join('; ')}.`,
      );
    }
    if (best.alsoInGreenRuns) {
      sentences.push(
        'The green runs print the same lines, so this may not be the cause.',
      );
    }
  } else if (fingerprint.basis === 'error-block') {
    sentences.push(
      `No known failure cause matched. The first error is on line ${
        fingerprint.startLine
      }: ${logText.maskedLine(fingerprint.startLine, 200, mask).trim()}`,
    );
  } else if (fingerprint.basis === 'log-tail') {
    sentences.push(
      `No known failure cause matched and no line looks like an error; the log ends on line ${
        fingerprint.endLine
      }: ${logText.maskedLine(fingerprint.endLine, 200, mask).trim()}`,
    );
  } else {
    sentences.push('The log is empty.');
  }
  if (context.exitCode !== undefined && context.exitCode !== 0) {
    sentences.push(
      `The step exited with code ${context.exitCode}: ${exitCodeMeaning(
        context.exitCode,
      )}.`,
    );
  }
  if (similarRuns && similarRuns.seenCount > 0) {
    sentences.push(similarRuns.summary);
  }

  const explanation: OfflineExplanation = {
    category: best?.category ?? 'unknown',
    summary: sentences.join(' '),
    firstErrorLines,
    matchedRules: ranked,
    fingerprint,
    log: {
      lines: logText.lineCount,
      characters: logText.text.length,
      skippedCharacters,
    },
    warnings,
    durationMs: 0,
  };
  if (best?.fix) {
    explanation.suggestedFix = best.fix;
  }
  if (similarRuns) {
    explanation.similarRuns = similarRuns;
  }
  if (newLines) {
    explanation.newLines = newLines;
  }
  if (context.exitCode !== undefined) {
    explanation.exitCode = context.exitCode;
  }
  const detached = detachFromLog(explanation);
  detached.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return detached;
}
