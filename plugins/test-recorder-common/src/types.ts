import type { TestStepAction, TestSuiteDefinition } from './steps';

/** A suite as the API returns it: its current version and who owns it. */
export type TestSuite = {
  name: string;
  /** The entity that owns the suite (`component:default/storefront-web`). */
  entityRef: string;
  version: number;
  definition: TestSuiteDefinition;
  updatedAt: string;
  updatedBy: string;
  /** Tests that run but never fail the suite. */
  quarantinedTestIds: string[];
  /** Names of the secrets that have a value (stored or from config); never the values. */
  secretsSet: string[];
  /** Files `upload` steps may use, stored with the suite. */
  files: Array<{ name: string; size: number }>;
};

/** One entry of a suite's history: who changed what, when. */
export type TestSuiteVersion = {
  version: number;
  createdAt: string;
  createdBy: string;
  /** What the author said, or what changed (`3 steps added to "Checkout"`). */
  message?: string;
};

export type TestSuiteSummary = {
  name: string;
  entityRef: string;
  title?: string;
  version: number;
  testCount: number;
  updatedAt: string;
  latestRun?: TestRunSummary;
};

export type TestRunTrigger = 'manual' | 'schedule' | 'pipeline' | 'action';

export type TestRunStatus =
  | 'queued'
  | 'running'
  | 'passed'
  | 'failed'
  | 'cancelled';

export type TestRunSummary = {
  runId: string;
  suiteName: string;
  suiteVersion: number;
  entityRef: string;
  status: TestRunStatus;
  trigger: TestRunTrigger;
  triggeredBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Why the run failed as a whole (web server never ready, browser killed). */
  reason?: string;
  counts: { passed: number; failed: number; flaky: number; skipped: number };
  /** The pipeline run this suite run is a step of. */
  pipelineRunId?: string;
  commit?: string;
};

export type TestArtifactKind =
  | 'screenshot'
  | 'video'
  | 'trace'
  | 'visual-actual'
  | 'visual-diff';

export type TestArtifact = {
  artifactId: string;
  kind: TestArtifactKind;
  contentType: string;
  size: number;
};

export type TestVisualResult = {
  name: string;
  /** new: no baseline yet (the actual image is offered as one). */
  status: 'match' | 'differs' | 'new';
  baselineArtifactId?: string;
  actualArtifactId: string;
  diffArtifactId?: string;
  diffPixels?: number;
  diffRatio?: number;
};

export type TestStepResult = {
  stepId: string;
  index: number;
  action: TestStepAction;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
  /** The locator that matched, when a fallback had to be used. */
  usedFallback?: string;
  screenshotArtifactId?: string;
  visual?: TestVisualResult;
};

export type TestAttemptResult = {
  attempt: number;
  status: 'passed' | 'failed';
  durationMs: number;
  error?: TestFailure;
  steps: TestStepResult[];
  videoArtifactId?: string;
  traceArtifactId?: string;
};

export type TestFailure = {
  message: string;
  stepId?: string;
  stepIndex?: number;
  /** The message with numbers, ids, quotes and URLs normalised: failures group by it. */
  signature: string;
};

/** flaky: failed, then passed on a retry. */
export type TestResultStatus = 'passed' | 'failed' | 'flaky' | 'skipped';

export type TestResult = {
  testId: string;
  testName: string;
  status: TestResultStatus;
  quarantined: boolean;
  durationMs: number;
  attempts: TestAttemptResult[];
};

export type TestRun = TestRunSummary & {
  baseUrl: string;
  project?: string;
  retries: number;
  results: TestResult[];
  /** Set when ffmpeg is missing: why the run has no video. */
  videoUnavailable?: string;
};

/** One test's history across runs. */
export type TestHistory = {
  suiteName: string;
  testId: string;
  testName: string;
  runs: Array<{
    runId: string;
    createdAt: string;
    status: TestResultStatus;
    durationMs: number;
    commit?: string;
    signature?: string;
  }>;
  passRate: number;
  flakeRate: number;
  failureRate: number;
  flaky: boolean;
  quarantined: boolean;
  failureGroups: Array<{ signature: string; count: number; lastRunId: string }>;
};
