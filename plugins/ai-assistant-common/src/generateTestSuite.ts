/** `POST /generate/test-suite` and the action `ai-assistant:generate-test-suite`: what to write. */
export type AiGenerateTestSuiteRequest = {
  /** The user journey to test, in the user's words. */
  description: string;
  /** The entity that owns the suite, e.g. `component:default/storefront-web`. */
  entityRef: string;
  /** The app under test, e.g. `http://127.0.0.1:4173`. */
  baseUrl: string;
  /** The suite's name (`[a-z0-9-]`); an existing suite of the same entity gets a new version. */
  suiteName: string;
  /** What the page offers (an accessibility snapshot or its visible text), to pick locators from. */
  pageSnapshot?: string;
};

/** A failed test of the validation run: where it failed and what the runner said. */
export type AiGeneratedTestFailure = {
  testId: string;
  testName: string;
  stepId?: string;
  error: string;
};

/** The last validation run of a generated suite. */
export type AiGeneratedTestRun = {
  runId: string;
  status: string;
  counts?: { passed: number; failed: number; flaky: number; skipped: number };
  /** Why the run failed as a whole (browser, web server), if it did. */
  reason?: string;
  failures: AiGeneratedTestFailure[];
};

/** A generated test suite: saved and run; valid when its last run passed. */
export type AiGeneratedTestSuite = {
  suiteName: string;
  entityRef: string;
  /** The suite's version the last run ran; undefined when no answer was ever saved. */
  version?: number;
  /** Whether the last saved version passed its run. */
  valid: boolean;
  /** Model answers it took: 1 when the first passed, at most 1 + `aiAssistant.generation.maxRepairs`. */
  attempts: number;
  lastRun?: AiGeneratedTestRun;
  /** What is still wrong; empty when valid. */
  problems: string[];
  /** The model that wrote it. */
  model: string;
};

/** What `POST /generate/test-suite` streams (`Accept: text/event-stream`) while it works. */
export type AiTestSuiteProgressEvent =
  | { type: 'attempt'; attempt: number; maxAttempts: number }
  | { type: 'saved'; attempt: number; version: number }
  | { type: 'running'; attempt: number; runId: string }
  | { type: 'run-finished'; attempt: number; runId: string; status: string }
  | { type: 'repairing'; attempt: number; problems: string[] };

/** The last event of the stream: the result, or the error that ended the generation. */
export type AiTestSuiteStreamEvent =
  | AiTestSuiteProgressEvent
  | { type: 'result'; result: AiGeneratedTestSuite }
  | { type: 'error'; error: { name: string; message: string } };
