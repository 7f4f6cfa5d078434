/**
 * The offline failure analysis: what a failure rule is, what matching one against a log
 * gives, and what `explainOffline` returns (the result of the `ai-assistant:explain-run`
 * action without a model, and the evidence a model's prompt is built from).
 */

/** A failure rule as written in a rules file (Jenkins Build Failure Analyzer style). */
export type FailureRuleDefinition = {
  /** Lower-case letters, digits and dashes; unique in its file. */
  id: string;
  /** What the cause is called, for people. */
  name: string;
  /** Lower-case letters, digits and dashes, e.g. `package-install`, `out-of-memory`. */
  category: string;
  /**
   * What happened, as a template: `{1}` is the first capture group of the pattern that
   * matched, `{name}` a named group, `{{` and `}}` literal braces. Every group it uses must
   * exist in every pattern of the rule.
   */
  description: string;
  /** Regular expressions (JavaScript syntax) tried against each line on its own. */
  patterns?: string[];
  /**
   * Regular expressions tried against the log text, which cross lines with `\n`; a repeat of
   * anything that matches a line break must be bounded, e.g. `(?:.*\n){0,10}`.
   */
  multiLinePatterns?: string[];
  /** Match letters in either case. */
  ignoreCase?: boolean;
  /** What to do about it, as a template like `description`. */
  fix?: string;
  /** When several rules match, the highest priority names the failure (default 0). */
  priority?: number;
};

/** A problem with a rules file or a rule: where it is and what is wrong, for a person to fix. */
export type FailureRuleIssue = {
  /** The rule's id, when it has a readable one. */
  ruleId?: string;
  /** The field, relative to the rule (`patterns[1]`), or `rules` for the file's structure. */
  field: string;
  /** The field from the top of the file (`rules[3].patterns[1]`). */
  path: string;
  message: string;
  /** The file, when the rules came from one. */
  source?: string;
  /** 1-based, when the rules came from YAML text. */
  line?: number;
  column?: number;
};

/** One place a rule matched. */
export type FailureRuleMatch = {
  /** 1-based line where the match starts. */
  line: number;
  /** 1-based line where it ends (the same line for single-line patterns). */
  endLine: number;
  /** The matched lines as they appear in the log (long lines cut, secrets masked). */
  text: string[];
  /** The capture groups that took part: `1`, `2`, … and the named ones. */
  groups: Record<string, string>;
  /** The rule's description rendered with this match's groups. */
  description: string;
  /** The rule's fix rendered with this match's groups. */
  fix?: string;
};

/** Why matching a rule stopped before the end of the log. */
export type FailureRuleStop =
  /** It reached the cap of matches per rule (`matchCount` is then a lower bound). */
  | 'match-limit'
  /** It used up its time budget: the rule is too slow for this log. */
  | 'time-budget';

/** A rule that matched a log. */
export type MatchedFailureRule = {
  id: string;
  name: string;
  category: string;
  priority: number;
  /** The description rendered from the first match. */
  description: string;
  fix?: string;
  /** The first matches, by line. */
  matches: FailureRuleMatch[];
  /** How many lines matched (at least this many when `stoppedBy` is set). */
  matchCount: number;
  stoppedBy?: FailureRuleStop;
  /**
   * Every line it matched also occurs in the pipeline's last green runs: probably noise, not
   * the cause. Only set when green runs were given.
   */
  alsoInGreenRuns?: boolean;
};

/** Caps that keep matching a large log bounded in time and memory. */
export type FailureMatchLimits = {
  /** Matches kept per rule; matching that rule stops there (default 20). */
  maxMatchesPerRule?: number;
  /** Milliseconds one rule may spend on one log before it is stopped (default 250). */
  ruleTimeBudgetMs?: number;
};

/** A log line, numbered from 1. */
export type LogLine = {
  line: number;
  text: string;
};

/**
 * The first error block of a log, normalised and hashed: the same failure in another run
 * gives the same hash although times, hashes, paths and durations differ.
 */
export type FailureFingerprint = {
  /** sha256 (hex) of the normalised lines. */
  hash: string;
  /** `error-block`: the first error and its continuation; `log-tail`: no error line was found. */
  basis: 'error-block' | 'log-tail' | 'empty';
  /** 1-based lines of the block in the log. */
  startLine: number;
  endLine: number;
  /** The lines that were hashed. */
  normalisedLines: string[];
};

/** An earlier run of the same pipeline, as the run history gives it. */
export type FingerprintedRun = {
  runId: string;
  /** `succeeded` counts as green; anything else does not. */
  status: string;
  commit?: string;
  /** ISO 8601; runs that have not finished are left out. */
  finishedAt: string;
  /** The run's failure fingerprint hash, when it failed and was analysed. */
  fingerprint?: string;
};

/** "Seen in N runs since …, last fixed by commit …" */
export type FingerprintHistory = {
  /** Earlier runs with the same fingerprint. */
  seenCount: number;
  /** ISO 8601: the earliest and the latest of them. */
  firstSeenAt?: string;
  lastSeenAt?: string;
  /** Their run ids, newest first (at most 10). */
  runIds: string[];
  /**
   * The last time this failure was fixed: the first green run after a run with this
   * fingerprint (the most recent such green run).
   */
  lastFixedBy?: { runId: string; commit?: string; finishedAt: string };
  /** Whether a green run followed the latest run with this fingerprint. */
  fixedSinceLastSeen: boolean;
  /** One sentence for people. */
  summary: string;
};

/** Lines of a log that none of the pipeline's last green runs has (after normalising). */
export type NewLogLines = {
  /** Kept in log order: the first and the last ones when there are more than the cap. */
  lines: LogLine[];
  /** How many distinct new lines there are. */
  total: number;
  truncated: boolean;
};

/** What `explainOffline` makes of a failed run's log, without a model. */
export type OfflineExplanation = {
  /** The matched rule's category that names the failure, or `unknown`. */
  category: string;
  /** One paragraph for people: what failed, where, and whether it was seen before. */
  summary: string;
  /** The first error block (with the lines just before it), as in the log. */
  firstErrorLines: LogLine[];
  suggestedFix?: string;
  /** Every rule that matched, the one that names the failure first. */
  matchedRules: MatchedFailureRule[];
  fingerprint: FailureFingerprint;
  /** Earlier runs with the same fingerprint, when the run history was given. */
  similarRuns?: FingerprintHistory;
  /** Lines the last green runs do not have, when their logs were given. */
  newLines?: NewLogLines;
  exitCode?: number;
  /** What the analysis looked at and what it had to leave out. */
  log: {
    lines: number;
    characters: number;
    /** Characters at the start of a log larger than the cap that were not analysed. */
    skippedCharacters: number;
  };
  /** Things the reader should know: a rule that was stopped, a log that was cut. */
  warnings: string[];
  durationMs: number;
};
