/**
 * "Explain this failure": what `POST /api/ai-assistant/explain` and the action
 * `ai-assistant:explain-run` answer, and the failure-rules admin API (`/rules`).
 */

/** Which system ran the failed run. */
export type AiFailureRunKind = 'comet' | 'jenkins' | 'github' | 'test-recorder';

/**
 * What to explain: a run as the unified CI/CD list gives it (`runId`: a Comet run id,
 * `jenkins:<instance>:<job>#<number>` or `github:<owner>/<repo>#<id>`; Jenkins and GitHub runs
 * also need the `entityRef` the list shows them for), or a test-recorder run (`testRunId`).
 */
export type AiExplainRunRequest =
  | { runId: string; entityRef?: string }
  | { testRunId: string };

/** A log line, numbered from 1 as in the analysed log, with a link to it when there is one. */
export type AiLogLine = {
  line: number;
  text: string;
  url?: string;
};

/** The run that was explained. */
export type AiExplainedRun = {
  kind: AiFailureRunKind;
  /** The id as given (`runId` or `testRunId`). */
  runId: string;
  /** For people: `payments-api · release #42`, `Jenkins payments/build #12`. */
  title: string;
  /** The run's status in its own system (`failed`, `failure`, `unstable`, …). */
  status: string;
  entityRef?: string;
  /** The pipeline, job, workflow or suite whose earlier runs were compared. */
  pipeline?: string;
  branch?: string;
  commit?: { sha: string; message?: string; url?: string };
  /** The job and step that failed, when known: `build › npm test`. */
  failedStep?: string;
  /** Where to see the run: its portal page, or the system's own. */
  url?: string;
};

/** A failure rule that matched the log. */
export type AiMatchedFailureRule = {
  ruleId: string;
  name: string;
  category: string;
  /** The rule's description with this log's groups filled in. */
  description: string;
  fix?: string;
  /** The first matched lines. */
  lines: AiLogLine[];
  /** Lines it matched (a lower bound when matching stopped at the cap). */
  matchCount: number;
  /** Every matched line also occurs in the pipeline's last green runs: probably noise. */
  alsoInGreenRuns?: boolean;
  /** Where the rule comes from: Comet's shipped rules or the administrators'. */
  source: 'shipped' | 'custom';
};

/** An earlier run with the same failure fingerprint. */
export type AiSimilarRun = {
  runId: string;
  url?: string;
};

/** "Seen in N runs since …, last fixed by commit …" */
export type AiSimilarRuns = {
  seenCount: number;
  firstSeenAt?: string;
  lastSeenAt?: string;
  /** Newest first, at most 10. */
  runs: AiSimilarRun[];
  /** The first green run after the latest run with this failure, and its commit. */
  lastFixedBy?: {
    runId: string;
    url?: string;
    commit?: string;
    commitUrl?: string;
    finishedAt: string;
  };
  fixedSinceLastSeen: boolean;
  summary: string;
  /** How many earlier runs were compared. */
  comparedRuns: number;
};

/** Something the explanation could not read, and why: the reader knows what is missing. */
export type AiUnreadEvidence = {
  /** What, e.g. `the log of job build`, `the quality gate`. */
  what: string;
  /** Why, e.g. `jenkins:get-build-log answered 403: …`. */
  reason: string;
};

/** A piece of evidence the model's answer points to. */
export type AiEvidenceLink = {
  /** `E1`, `E2`, … as the prompt named it. */
  id: string;
  title: string;
  url?: string;
};

export type AiModelConfidence = 'high' | 'medium' | 'low';

/**
 * The model's part: its answer, or why there is none. The offline analysis is there either
 * way; a failing model never fails the explanation.
 */
export type AiModelExplanation =
  | {
      status: 'answered';
      model: string;
      rootCause: string;
      fix: string;
      confidence: AiModelConfidence;
      /** The evidence the model says its answer rests on. */
      evidence: AiEvidenceLink[];
    }
  | {
      /** No model is configured (`message` names the keys), or this caller may not use it. */
      status: 'not-configured' | 'skipped';
      message: string;
    }
  | {
      /** The model was asked and failed, or answered something unusable; `message` says what. */
      status: 'failed';
      model: string;
      message: string;
    };

/** What "Explain this failure" answers. */
export type AiFailureExplanation = {
  run: AiExplainedRun;
  /** The matched rule's category that names the failure, or `unknown`. */
  category: string;
  /** One paragraph: what failed, where, and whether it was seen before. */
  summary: string;
  /** The first error block, with the lines just before it. */
  firstErrorLines: AiLogLine[];
  suggestedFix?: string;
  /** Every rule that matched, the one naming the failure first. */
  matchedRules: AiMatchedFailureRule[];
  /**
   * sha256 of the normalised first error block: the same failure in another run has the same.
   * Absent when no log could be read.
   */
  fingerprint?: string;
  similarRuns?: AiSimilarRuns;
  /** Lines the pipeline's last green runs did not print. */
  newLines?: {
    lines: AiLogLine[];
    total: number;
    truncated: boolean;
    /** How many green runs were compared. */
    greenRuns: number;
  };
  exitCode?: number;
  /** What was analysed. */
  log: {
    /** E.g. `the log of job build (12,408 lines)`, or `no log` when none could be read. */
    source: string;
    lines: number;
    characters: number;
  };
  /** What could not be read, and why. */
  unread: AiUnreadEvidence[];
  /** Things the reader should know: a log that was cut, a rule that was stopped. */
  warnings: string[];
  model: AiModelExplanation;
  /** ISO 8601 */
  analysedAt: string;
  durationMs: number;
};

// Failure rules (admin)

/** One rule as the admin view lists it. */
export type AiFailureRuleSummary = {
  id: string;
  name: string;
  category: string;
  priority: number;
};

/** A problem with rules YAML, where it is and what is wrong. */
export type AiFailureRuleIssue = {
  ruleId?: string;
  /** The field, relative to the rule (`patterns[1]`), or `rules` for the file's structure. */
  field: string;
  /** From the top of the file (`rules[3].patterns[1]`). */
  path: string;
  message: string;
  /** 1-based */
  line?: number;
  column?: number;
};

/** `GET /rules`: the shipped rules, the administrators' rules, and how they merge. */
export type AiFailureRulesView = {
  shipped: { yaml: string; rules: AiFailureRuleSummary[] };
  custom: {
    /** The administrators' rules file; empty until someone saves one. */
    yaml: string;
    rules: AiFailureRuleSummary[];
    /** 0 until the first save; each save adds one. */
    version: number;
    updatedAt?: string;
    updatedBy?: string;
  };
  /** Shipped rules an administrators' rule with the same id replaces. */
  overridden: string[];
};

/** `PUT /rules`: the administrators' rules file. */
export type AiFailureRulesUpdate = {
  yaml: string;
  /** The version the editor started from; a save over a newer one answers 409. */
  baseVersion?: number;
};

/** `POST /rules/test`: one rule (`rule`) or a rules file (`rules`, optionally one `ruleId` of it). */
export type AiFailureRulesTestRequest = {
  rule?: string;
  rules?: string;
  ruleId?: string;
  log: string;
};

/** Where a rule matched a tested log. */
export type AiFailureRuleTestMatch = {
  /** 1-based, where the match starts and ends. */
  line: number;
  endLine: number;
  text: string[];
  groups: Record<string, string>;
  description: string;
  fix?: string;
};

export type AiFailureRulesTestResult =
  | {
      ok: true;
      results: Array<{
        ruleId: string;
        name: string;
        category: string;
        matches: AiFailureRuleTestMatch[];
        matchCount: number;
        /** Matching stopped at the cap of matches, or the rule ran out of time. */
        stoppedBy?: 'match-limit' | 'time-budget';
      }>;
      logLines: number;
      durationMs: number;
      warnings: string[];
    }
  | { ok: false; issues: AiFailureRuleIssue[] };
