import type { Readable } from 'node:stream';
import type {
  TestArtifact,
  TestArtifactKind,
  TestAttemptResult,
  TestResultStatus,
  TestRun,
  TestRunStatus,
  TestRunSummary,
  TestRunTrigger,
  TestSuite,
  TestSuiteDefinition,
  TestSuiteVersion,
} from '@internal/plugin-test-recorder-common';

/** A suite as stored, before the service adds what only it knows (secrets from config). */
export type StoredSuite = Omit<TestSuite, 'secretsSet'> & {
  /** Names of the secrets stored (encrypted) for the suite. */
  storedSecretNames: string[];
};

export type StoredSuiteSummary = {
  name: string;
  entityRef: string;
  title?: string;
  version: number;
  testCount: number;
  updatedAt: string;
};

export type NewTestRun = {
  suiteName: string;
  suiteVersion: number;
  entityRef: string;
  trigger: TestRunTrigger;
  triggeredBy: string;
  baseUrl: string;
  project?: string;
  retries: number;
  testIds?: string[];
  pipelineRunId?: string;
  commit?: string;
};

/** A queued run claimed by one backend instance, with what it needs to run it. */
export type ClaimedTestRun = NewTestRun & { runId: string };

/** One test's result in one run, with its attempts (artifacts already stored). */
export type StoredTestResult = {
  testId: string;
  testName: string;
  status: TestResultStatus;
  quarantined: boolean;
  durationMs: number;
  attempts: TestAttemptResult[];
};

/** A row of a test's history, newest first. */
export type TestHistoryRow = {
  runId: string;
  createdAt: string;
  status: TestResultStatus;
  durationMs: number;
  commit?: string;
  /** The failure signature of the last failed attempt. */
  signature?: string;
};

export type StoredArtifact = TestArtifact & {
  runId: string;
  suiteName: string;
  entityRef: string;
  createdAt: string;
};

export type StoredBaseline = {
  testId: string;
  name: string;
  /** The artifact holding the accepted image. */
  artifactId: string;
  acceptedBy: string;
  acceptedAt: string;
};

/**
 * Everything the test recorder keeps: versioned suites, their secrets (encrypted) and upload
 * files, the run queue, results, artifacts (metadata in the database, bytes on disk) and
 * visual baselines. One implementation: `DatabaseTestRecorderStore`.
 */
export interface TestRecorderStore {
  /** ConflictError when a suite of that name exists (whoever owns it). */
  createSuite(input: {
    entityRef: string;
    definition: TestSuiteDefinition;
    createdBy: string;
    message?: string;
  }): Promise<StoredSuite>;
  /**
   * A new version. ConflictError when `baseVersion` is not the current version (someone else
   * saved in between); nothing is written then.
   */
  updateSuite(input: {
    name: string;
    definition: TestSuiteDefinition;
    baseVersion: number;
    updatedBy: string;
    message?: string;
  }): Promise<StoredSuite>;
  getSuite(name: string): Promise<StoredSuite | undefined>;
  getSuiteVersion(
    name: string,
    version: number,
  ): Promise<
    (TestSuiteVersion & { definition: TestSuiteDefinition }) | undefined
  >;
  listSuiteVersions(name: string): Promise<TestSuiteVersion[]>;
  listSuites(filter: {
    entityRef?: string;
    names?: string[];
  }): Promise<StoredSuiteSummary[]>;
  /** Removes the suite, its versions, secrets, files, runs, artifacts and baselines. */
  deleteSuite(name: string): Promise<void>;
  setQuarantined(input: {
    suiteName: string;
    testId: string;
    quarantined: boolean;
    by: string;
  }): Promise<void>;

  /** Stored encrypted (AES-256-GCM); the key never reaches the database. */
  setSecret(suiteName: string, name: string, value: string): Promise<void>;
  deleteSecret(suiteName: string, name: string): Promise<void>;
  /** Decrypted values, for a run or a recording only. */
  getSecrets(suiteName: string): Promise<Record<string, string>>;

  putFile(suiteName: string, name: string, content: Buffer): Promise<void>;
  deleteFile(suiteName: string, name: string): Promise<void>;
  getFile(suiteName: string, name: string): Promise<Buffer | undefined>;

  createRun(input: NewTestRun): Promise<TestRunSummary>;
  /** Takes the oldest queued run (at most `maxRunning` running across all instances). */
  claimNextRun(options: {
    owner: string;
    maxRunning: number;
  }): Promise<ClaimedTestRun | undefined>;
  /** Keeps a claimed run's lease; false when the run is no longer this owner's. */
  heartbeat(runId: string, owner: string): Promise<boolean>;
  /** Runs whose owner stopped heartbeating: failed with `reason`, their artifacts kept. */
  failExpiredRuns(options: {
    leaseExpiredBefore: Date;
    reason: string;
  }): Promise<string[]>;
  requestCancel(runId: string): Promise<void>;
  isCancelRequested(runId: string): Promise<boolean>;
  finishRun(
    runId: string,
    outcome: {
      status: Exclude<TestRunStatus, 'queued' | 'running'>;
      reason?: string;
      videoUnavailable?: string;
    },
  ): Promise<void>;
  /** Upserts a test's result (called after each attempt, so a crash keeps what ran). */
  saveTestResult(runId: string, result: StoredTestResult): Promise<void>;
  getRun(runId: string): Promise<TestRun | undefined>;
  listRuns(filter: {
    entityRef?: string;
    suiteName?: string;
    limit: number;
    /** From a previous page's `nextCursor`. */
    cursor?: string;
  }): Promise<{ runs: TestRunSummary[]; nextCursor?: string }>;
  getTestHistory(
    suiteName: string,
    testId: string,
    limit: number,
  ): Promise<TestHistoryRow[]>;

  addArtifact(input: {
    runId: string;
    kind: TestArtifactKind;
    contentType: string;
    /** The bytes, or a file the store moves into its own folder. */
    content: Buffer | { path: string };
  }): Promise<TestArtifact>;
  getArtifact(artifactId: string): Promise<StoredArtifact | undefined>;
  openArtifact(artifactId: string): Promise<Readable>;
  /** Deletes artifacts of runs finished before `before`, except accepted baselines. */
  pruneArtifacts(before: Date): Promise<{ deleted: number }>;

  listBaselines(suiteName: string): Promise<StoredBaseline[]>;
  acceptBaseline(input: {
    suiteName: string;
    testId: string;
    name: string;
    artifactId: string;
    by: string;
  }): Promise<void>;
}
