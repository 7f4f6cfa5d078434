import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  TestArtifact,
  TestArtifactKind,
  TestAttemptResult,
  TestResultStatus,
  TestRun,
  TestRunStatus,
  TestRunSummary,
  TestRunTrigger,
  TestSuiteDefinition,
  TestSuiteVersion,
} from '@internal/plugin-test-recorder-common';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { SecretsCipher } from './SecretsCipher';
import type {
  ClaimedTestRun,
  NewTestRun,
  StoredArtifact,
  StoredBaseline,
  StoredSuite,
  StoredSuiteSummary,
  StoredTestResult,
  TestHistoryRow,
  TestRecorderStore,
} from './TestRecorderStore';

/** How long a claimed run stays its owner's without a heartbeat. */
export const TEST_RUN_LEASE_MS = 60_000;

const migrationsDir = resolvePackagePath(
  '@internal/plugin-test-recorder-backend',
  'migrations',
);
const MIGRATIONS_TABLE = 'test_recorder_knex_migrations';

const SUITES = 'test_recorder_suites';
const VERSIONS = 'test_recorder_suite_versions';
const QUARANTINE = 'test_recorder_quarantine';
const SECRETS = 'test_recorder_secrets';
const FILES = 'test_recorder_files';
const RUNS = 'test_recorder_runs';
const RESULTS = 'test_recorder_test_results';
const ARTIFACTS = 'test_recorder_artifacts';
const BASELINES = 'test_recorder_baselines';

/** Serialises claims on PostgreSQL, so concurrent claims never exceed `maxRunning`. */
const CLAIM_LOCK_KEY = 0x7e57_4ec0;

type DbDate = Date | string | number;
type DbBoolean = boolean | number;

type SuiteRow = {
  name: string;
  entity_ref: string;
  title: string | null;
  version: number | string;
  test_count: number | string;
  updated_at: DbDate;
  updated_by: string;
};

type VersionRow = {
  suite: string;
  version: number | string;
  definition: string;
  created_at: DbDate;
  created_by: string;
  message: string | null;
};

type SecretRow = {
  suite: string;
  name: string;
  ciphertext: string;
  iv: string;
  tag: string;
};

type RunRow = {
  run_id: string;
  suite: string;
  suite_version: number | string;
  entity_ref: string;
  status: TestRunStatus;
  trigger: TestRunTrigger;
  triggered_by: string;
  base_url: string;
  project: string | null;
  retries: number | string;
  test_ids: string | null;
  pipeline_run_id: string | null;
  commit: string | null;
  created_at: DbDate;
  started_at: DbDate | null;
  finished_at: DbDate | null;
  reason: string | null;
  video_unavailable: string | null;
  owner: string | null;
  lease_expires_at: DbDate | null;
  cancel_requested: DbBoolean;
  passed_count: number | string;
  failed_count: number | string;
  flaky_count: number | string;
  skipped_count: number | string;
};

type ResultRow = {
  run_id: string;
  suite: string;
  test_id: string;
  test_name: string;
  position: number | string;
  status: TestResultStatus;
  quarantined: DbBoolean;
  duration_ms: number | string;
  attempts: string;
  run_created_at: DbDate;
};

type ArtifactRow = {
  artifact_id: string;
  run_id: string;
  suite: string;
  entity_ref: string;
  kind: TestArtifactKind;
  content_type: string;
  size: number | string;
  path: string;
  created_at: DbDate;
};

type BaselineRow = {
  baseline_id: number | string;
  suite: string;
  test_id: string;
  name: string;
  artifact_id: string;
  accepted_by: string;
  accepted_at: DbDate;
};

function toDate(value: DbDate): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    return new Date(Number(value));
  }
  return new Date(value);
}

function toIso(value: DbDate | null): string | undefined {
  return value === null ? undefined : toDate(value).toISOString();
}

function encodeCursor(createdAt: Date, runId: string): string {
  return Buffer.from(`${createdAt.getTime()}|${runId}`, 'utf8').toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { createdAt: Date; runId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.indexOf('|');
  const millis = Number(text.slice(0, separator));
  const runId = text.slice(separator + 1);
  if (separator <= 0 || !Number.isFinite(millis) || !runId) {
    throw new InputError(`cursor: "${cursor}" is not a cursor from listRuns`);
  }
  return { createdAt: new Date(millis), runId };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** PostgreSQL rejects a malformed uuid in a query; such an id simply matches nothing. */
function isUuid(id: string): boolean {
  return UUID.test(id);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === '23505' || // PostgreSQL unique_violation
    code === 'SQLITE_CONSTRAINT' ||
    /UNIQUE constraint failed/.test(String(error))
  );
}

function runSummary(row: RunRow): TestRunSummary {
  const startedAt = toIso(row.started_at);
  const finishedAt = toIso(row.finished_at);
  return {
    runId: row.run_id,
    suiteName: row.suite,
    suiteVersion: Number(row.suite_version),
    entityRef: row.entity_ref,
    status: row.status,
    trigger: row.trigger,
    triggeredBy: row.triggered_by,
    createdAt: toIso(row.created_at)!,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(row.started_at !== null && row.finished_at !== null
      ? {
          durationMs:
            toDate(row.finished_at).getTime() -
            toDate(row.started_at).getTime(),
        }
      : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    counts: {
      passed: Number(row.passed_count),
      failed: Number(row.failed_count),
      flaky: Number(row.flaky_count),
      skipped: Number(row.skipped_count),
    },
    ...(row.pipeline_run_id !== null
      ? { pipelineRunId: row.pipeline_run_id }
      : {}),
    ...(row.commit !== null ? { commit: row.commit } : {}),
  };
}

function artifactOf(row: ArtifactRow): StoredArtifact {
  return {
    artifactId: row.artifact_id,
    kind: row.kind,
    contentType: row.content_type,
    size: Number(row.size),
    runId: row.run_id,
    suiteName: row.suite,
    entityRef: row.entity_ref,
    createdAt: toIso(row.created_at)!,
  };
}

/** Moves a file, copying when it is on another device (rename cannot cross them). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await fs.copyFile(from, to);
    await fs.unlink(from);
  }
}

/**
 * {@link TestRecorderStore} on the plugin's database (PostgreSQL in production, SQLite in
 * development and tests), with artifact bytes under `artifactsDir/<runId>/<artifactId>`.
 * Deleting a suite removes its rows table by table in one transaction, so nothing relies on
 * foreign keys.
 */
export class DatabaseTestRecorderStore implements TestRecorderStore {
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'> &
      Partial<Pick<DatabaseService, 'migrations'>>;
    artifactsDir: string;
    cipher: SecretsCipher;
    /** The time every timestamp the store writes is taken from; tests inject it. */
    clock?: () => Date;
  }): Promise<DatabaseTestRecorderStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: MIGRATIONS_TABLE,
      });
    }
    await fs.mkdir(options.artifactsDir, { recursive: true });
    return new DatabaseTestRecorderStore(
      client,
      path.resolve(options.artifactsDir),
      options.cipher,
      options.clock ?? (() => new Date()),
    );
  }

  private readonly isPostgres: boolean;

  private constructor(
    private readonly db: Knex,
    private readonly artifactsDir: string,
    private readonly cipher: SecretsCipher,
    private readonly clock: () => Date,
  ) {
    const client = db.client.config.client;
    this.isPostgres =
      typeof client === 'string' &&
      ['pg', 'postgres', 'postgresql'].includes(client);
  }

  // Suites

  async createSuite(input: {
    entityRef: string;
    definition: TestSuiteDefinition;
    createdBy: string;
    message?: string;
  }): Promise<StoredSuite> {
    const name = input.definition.name;
    const now = this.clock();
    try {
      await this.db.transaction(async trx => {
        const existing = await this.suiteRow(trx, name);
        if (existing) throw this.nameTaken(existing);
        await trx(SUITES).insert({
          name,
          entity_ref: input.entityRef,
          title: input.definition.title ?? null,
          version: 1,
          test_count: input.definition.tests.length,
          updated_at: now,
          updated_by: input.createdBy,
        });
        await trx(VERSIONS).insert({
          suite: name,
          version: 1,
          definition: JSON.stringify(input.definition),
          created_at: now,
          created_by: input.createdBy,
          message: input.message ?? null,
        });
      });
    } catch (error) {
      // another instance created it between our check and insert
      if (isUniqueViolation(error)) {
        const winner = await this.suiteRow(this.db, name);
        if (winner) throw this.nameTaken(winner);
      }
      throw error;
    }
    return (await this.getSuite(name))!;
  }

  private nameTaken(existing: SuiteRow): ConflictError {
    return new ConflictError(
      `A test suite named "${existing.name}" already exists, owned by ${existing.entity_ref}; choose another name`,
    );
  }

  async updateSuite(input: {
    name: string;
    definition: TestSuiteDefinition;
    baseVersion: number;
    updatedBy: string;
    message?: string;
  }): Promise<StoredSuite> {
    const now = this.clock();
    await this.db.transaction(async trx => {
      const updated = await trx(SUITES)
        .where({ name: input.name, version: input.baseVersion })
        .update({
          version: input.baseVersion + 1,
          title: input.definition.title ?? null,
          test_count: input.definition.tests.length,
          updated_at: now,
          updated_by: input.updatedBy,
        });
      if (updated === 0) {
        const current = await this.requireSuite(trx, input.name);
        throw new ConflictError(
          `Suite "${input.name}" is at version ${current.version} (saved by ${
            current.updated_by
          } at ${toIso(current.updated_at)}), not version ${
            input.baseVersion
          }; reload it and apply your changes again`,
        );
      }
      await trx(VERSIONS).insert({
        suite: input.name,
        version: input.baseVersion + 1,
        definition: JSON.stringify(input.definition),
        created_at: now,
        created_by: input.updatedBy,
        message: input.message ?? null,
      });
    });
    return (await this.getSuite(input.name))!;
  }

  async getSuite(name: string): Promise<StoredSuite | undefined> {
    const suite = await this.suiteRow(this.db, name);
    if (!suite) return undefined;
    const [version, quarantined, secrets, files] = await Promise.all([
      this.db<VersionRow>(VERSIONS)
        .where({ suite: name, version: suite.version })
        .first(),
      this.db(QUARANTINE)
        .where({ suite: name })
        .orderBy('test_id')
        .select('test_id'),
      this.db(SECRETS).where({ suite: name }).orderBy('name').select('name'),
      this.db(FILES)
        .where({ suite: name })
        .orderBy('name')
        .select('name', 'size'),
    ]);
    return {
      name: suite.name,
      entityRef: suite.entity_ref,
      version: Number(suite.version),
      definition: JSON.parse((version as VersionRow).definition),
      updatedAt: toIso(suite.updated_at)!,
      updatedBy: suite.updated_by,
      quarantinedTestIds: quarantined.map(row => row.test_id as string),
      storedSecretNames: secrets.map(row => row.name as string),
      files: files.map(row => ({
        name: row.name as string,
        size: Number(row.size),
      })),
    };
  }

  async getSuiteVersion(
    name: string,
    version: number,
  ): Promise<
    (TestSuiteVersion & { definition: TestSuiteDefinition }) | undefined
  > {
    const row = (await this.db<VersionRow>(VERSIONS)
      .where({ suite: name, version })
      .first()) as VersionRow | undefined;
    if (!row) return undefined;
    return { ...versionOf(row), definition: JSON.parse(row.definition) };
  }

  async listSuiteVersions(name: string): Promise<TestSuiteVersion[]> {
    await this.requireSuite(this.db, name);
    const rows = (await this.db<VersionRow>(VERSIONS)
      .where({ suite: name })
      .orderBy('version', 'desc')
      .select(
        'suite',
        'version',
        'created_at',
        'created_by',
        'message',
      )) as VersionRow[];
    return rows.map(versionOf);
  }

  async listSuites(filter: {
    entityRef?: string;
    names?: string[];
  }): Promise<StoredSuiteSummary[]> {
    if (filter.names?.length === 0) return [];
    const query = this.db<SuiteRow>(SUITES).orderBy('name');
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.names) query.whereIn('name', filter.names);
    const rows = (await query.select()) as SuiteRow[];
    return rows.map(row => ({
      name: row.name,
      entityRef: row.entity_ref,
      ...(row.title !== null ? { title: row.title } : {}),
      version: Number(row.version),
      testCount: Number(row.test_count),
      updatedAt: toIso(row.updated_at)!,
    }));
  }

  async deleteSuite(name: string): Promise<void> {
    const runIds = await this.db.transaction(async trx => {
      await this.requireSuite(trx, name);
      const runs = await trx(RUNS).where({ suite: name }).select('run_id');
      for (const table of [
        BASELINES,
        ARTIFACTS,
        RESULTS,
        RUNS,
        FILES,
        SECRETS,
        QUARANTINE,
        VERSIONS,
      ]) {
        await trx(table).where({ suite: name }).delete();
      }
      await trx(SUITES).where({ name }).delete();
      return runs.map(row => row.run_id as string);
    });
    // the rows are gone, so the bytes are unreachable even if removing them fails here
    for (const runId of runIds) {
      await fs.rm(path.join(this.artifactsDir, runId), {
        recursive: true,
        force: true,
      });
    }
  }

  async setQuarantined(input: {
    suiteName: string;
    testId: string;
    quarantined: boolean;
    by: string;
  }): Promise<void> {
    await this.requireSuite(this.db, input.suiteName);
    const key = { suite: input.suiteName, test_id: input.testId };
    if (!input.quarantined) {
      await this.db(QUARANTINE).where(key).delete();
      return;
    }
    await this.db(QUARANTINE)
      .insert({
        ...key,
        quarantined_by: input.by,
        quarantined_at: this.clock(),
      })
      .onConflict(['suite', 'test_id'])
      .ignore();
  }

  // Secrets and files

  async setSecret(suiteName: string, name: string, value: string) {
    await this.requireSuite(this.db, suiteName);
    const sealed = this.cipher.encrypt(value);
    await this.db(SECRETS)
      .insert({
        suite: suiteName,
        name,
        ...sealed,
        updated_at: this.clock(),
      })
      .onConflict(['suite', 'name'])
      .merge();
  }

  async deleteSecret(suiteName: string, name: string): Promise<void> {
    await this.requireSuite(this.db, suiteName);
    await this.db(SECRETS).where({ suite: suiteName, name }).delete();
  }

  async getSecrets(suiteName: string): Promise<Record<string, string>> {
    const rows = (await this.db<SecretRow>(SECRETS)
      .where({ suite: suiteName })
      .select()) as SecretRow[];
    const secrets: Record<string, string> = {};
    for (const row of rows) {
      try {
        secrets[row.name] = this.cipher.decrypt(row);
      } catch (error) {
        throw new Error(
          `Secret "${row.name}" of test suite "${suiteName}" ${
            (error as Error).message
          }; set it again`,
        );
      }
    }
    return secrets;
  }

  async putFile(suiteName: string, name: string, content: Buffer) {
    await this.requireSuite(this.db, suiteName);
    await this.db(FILES)
      .insert({
        suite: suiteName,
        name,
        bytes: content,
        size: content.length,
        updated_at: this.clock(),
      })
      .onConflict(['suite', 'name'])
      .merge();
  }

  async deleteFile(suiteName: string, name: string): Promise<void> {
    await this.requireSuite(this.db, suiteName);
    await this.db(FILES).where({ suite: suiteName, name }).delete();
  }

  async getFile(suiteName: string, name: string): Promise<Buffer | undefined> {
    const row = await this.db(FILES)
      .where({ suite: suiteName, name })
      .first('bytes');
    return row ? Buffer.from(row.bytes) : undefined;
  }

  // Runs

  async createRun(input: NewTestRun): Promise<TestRunSummary> {
    await this.requireSuite(this.db, input.suiteName);
    const row: RunRow = {
      run_id: randomUUID(),
      suite: input.suiteName,
      suite_version: input.suiteVersion,
      entity_ref: input.entityRef,
      status: 'queued',
      trigger: input.trigger,
      triggered_by: input.triggeredBy,
      base_url: input.baseUrl,
      project: input.project ?? null,
      retries: input.retries,
      test_ids: input.testIds ? JSON.stringify(input.testIds) : null,
      pipeline_run_id: input.pipelineRunId ?? null,
      commit: input.commit ?? null,
      created_at: this.clock(),
      started_at: null,
      finished_at: null,
      reason: null,
      video_unavailable: null,
      owner: null,
      lease_expires_at: null,
      cancel_requested: false,
      passed_count: 0,
      failed_count: 0,
      flaky_count: 0,
      skipped_count: 0,
    };
    await this.db(RUNS).insert(row);
    return runSummary(row);
  }

  async claimNextRun(options: {
    owner: string;
    maxRunning: number;
  }): Promise<ClaimedTestRun | undefined> {
    const now = this.clock();
    const leaseExpiresAt = new Date(now.getTime() + TEST_RUN_LEASE_MS);
    const runId = await this.db.transaction(async trx => {
      // PostgreSQL: one claimer at a time counts the running runs (READ COMMITTED would let
      // two see the same count). SQLite serialises write transactions on its own.
      if (this.isPostgres) {
        await trx.raw('SELECT pg_advisory_xact_lock(?)', [CLAIM_LOCK_KEY]);
      }
      const candidateQuery = trx<RunRow>(RUNS)
        .where('status', 'queued')
        .orderBy([{ column: 'created_at' }, { column: 'run_id' }])
        .first('run_id');
      if (this.isPostgres) candidateQuery.forUpdate().skipLocked();
      const candidate = (await candidateQuery) as RunRow | undefined;
      if (!candidate) return undefined;
      const updated = await trx(RUNS)
        .where({ run_id: candidate.run_id, status: 'queued' })
        .andWhere(
          trx.raw('(SELECT COUNT(*) FROM ?? WHERE ?? = ? AND ?? > ?) < ?', [
            RUNS,
            'status',
            'running',
            'lease_expires_at',
            now,
            options.maxRunning,
          ]),
        )
        .update({
          status: 'running',
          owner: options.owner,
          started_at: now,
          lease_expires_at: leaseExpiresAt,
        });
      return updated === 1 ? candidate.run_id : undefined;
    });
    if (!runId) return undefined;
    const row = (await this.db<RunRow>(RUNS)
      .where({ run_id: runId })
      .first()) as RunRow;
    return {
      runId,
      suiteName: row.suite,
      suiteVersion: Number(row.suite_version),
      entityRef: row.entity_ref,
      trigger: row.trigger,
      triggeredBy: row.triggered_by,
      baseUrl: row.base_url,
      retries: Number(row.retries),
      ...(row.project !== null ? { project: row.project } : {}),
      ...(row.test_ids !== null ? { testIds: JSON.parse(row.test_ids) } : {}),
      ...(row.pipeline_run_id !== null
        ? { pipelineRunId: row.pipeline_run_id }
        : {}),
      ...(row.commit !== null ? { commit: row.commit } : {}),
    };
  }

  async heartbeat(runId: string, owner: string): Promise<boolean> {
    if (!isUuid(runId)) return false;
    const leaseExpiresAt = new Date(this.clock().getTime() + TEST_RUN_LEASE_MS);
    const updated = await this.db(RUNS)
      .where({ run_id: runId, owner, status: 'running' })
      .update({ lease_expires_at: leaseExpiresAt });
    return updated > 0;
  }

  async failExpiredRuns(options: {
    leaseExpiredBefore: Date;
    reason: string;
  }): Promise<string[]> {
    const candidates = await this.db(RUNS)
      .where('status', 'running')
      .andWhere('lease_expires_at', '<', options.leaseExpiredBefore)
      .orderBy('created_at')
      .select('run_id');
    const failed: string[] = [];
    for (const { run_id: runId } of candidates) {
      // conditional again: the owner may have heartbeated or finished since the select
      const updated = await this.db(RUNS)
        .where({ run_id: runId, status: 'running' })
        .andWhere('lease_expires_at', '<', options.leaseExpiredBefore)
        .update({
          status: 'failed',
          reason: options.reason,
          finished_at: this.clock(),
          lease_expires_at: null,
        });
      if (updated > 0) failed.push(runId);
    }
    return failed;
  }

  /** A queued run is cancelled at once; a running one is flagged for its owner to stop. */
  async requestCancel(runId: string): Promise<void> {
    const now = this.clock();
    await this.db.transaction(async trx => {
      await this.requireRun(trx, runId);
      const cancelledQueued = await trx(RUNS)
        .where({ run_id: runId, status: 'queued' })
        .update({
          status: 'cancelled',
          cancel_requested: true,
          finished_at: now,
        });
      if (cancelledQueued === 0) {
        await trx(RUNS)
          .where({ run_id: runId, status: 'running' })
          .update({ cancel_requested: true });
      }
    });
  }

  async isCancelRequested(runId: string): Promise<boolean> {
    const row = await this.requireRun(this.db, runId);
    return Boolean(row.cancel_requested);
  }

  async finishRun(
    runId: string,
    outcome: {
      status: Exclude<TestRunStatus, 'queued' | 'running'>;
      reason?: string;
      videoUnavailable?: string;
    },
  ): Promise<void> {
    await this.db.transaction(async trx => {
      await this.requireRun(trx, runId);
      // a run failed by failExpiredRuns meanwhile keeps that outcome
      await trx(RUNS)
        .where({ run_id: runId })
        .whereIn('status', ['queued', 'running'])
        .update({
          status: outcome.status,
          reason: outcome.reason ?? null,
          video_unavailable: outcome.videoUnavailable ?? null,
          finished_at: this.clock(),
          lease_expires_at: null,
        });
    });
  }

  async saveTestResult(runId: string, result: StoredTestResult): Promise<void> {
    await this.db.transaction(async trx => {
      const run = await this.requireRun(trx, runId);
      const key = { run_id: runId, test_id: result.testId };
      const values = {
        test_name: result.testName,
        status: result.status,
        quarantined: result.quarantined,
        duration_ms: Math.round(result.durationMs),
        attempts: JSON.stringify(result.attempts),
      };
      const updated = await trx(RESULTS).where(key).update(values);
      if (updated === 0) {
        const last = await trx(RESULTS)
          .where({ run_id: runId })
          .max('position as position')
          .first();
        await trx(RESULTS).insert({
          ...key,
          ...values,
          suite: run.suite,
          position:
            last?.position === null || last?.position === undefined
              ? 0
              : Number(last.position) + 1,
          run_created_at: toDate(run.created_at),
        });
      }
      const statuses = await trx(RESULTS)
        .where({ run_id: runId })
        .select('status');
      const count = (status: TestResultStatus) =>
        statuses.filter(row => row.status === status).length;
      await trx(RUNS)
        .where({ run_id: runId })
        .update({
          passed_count: count('passed'),
          failed_count: count('failed'),
          flaky_count: count('flaky'),
          skipped_count: count('skipped'),
        });
    });
  }

  async getRun(runId: string): Promise<TestRun | undefined> {
    if (!isUuid(runId)) return undefined;
    const row = (await this.db<RunRow>(RUNS)
      .where({ run_id: runId })
      .first()) as RunRow | undefined;
    if (!row) return undefined;
    const results = (await this.db<ResultRow>(RESULTS)
      .where({ run_id: runId })
      .orderBy('position')
      .select()) as ResultRow[];
    return {
      ...runSummary(row),
      baseUrl: row.base_url,
      ...(row.project !== null ? { project: row.project } : {}),
      retries: Number(row.retries),
      results: results.map(result => ({
        testId: result.test_id,
        testName: result.test_name,
        status: result.status,
        quarantined: Boolean(result.quarantined),
        durationMs: Number(result.duration_ms),
        attempts: JSON.parse(result.attempts) as TestAttemptResult[],
      })),
      ...(row.video_unavailable !== null
        ? { videoUnavailable: row.video_unavailable }
        : {}),
    };
  }

  async listRuns(filter: {
    entityRef?: string;
    suiteName?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ runs: TestRunSummary[]; nextCursor?: string }> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1) {
      throw new InputError(
        `limit: must be a positive integer, got ${filter.limit}`,
      );
    }
    const query = this.db<RunRow>(RUNS)
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'run_id', order: 'desc' },
      ])
      .limit(filter.limit + 1);
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.suiteName) query.where('suite', filter.suiteName);
    if (filter.cursor) {
      const cursor = decodeCursor(filter.cursor);
      query.where(inner =>
        inner
          .where('created_at', '<', cursor.createdAt)
          .orWhere(same =>
            same
              .where('created_at', '=', cursor.createdAt)
              .andWhere('run_id', '<', cursor.runId),
          ),
      );
    }
    const rows = (await query.select()) as RunRow[];
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map(runSummary),
      ...(rows.length > filter.limit && last
        ? { nextCursor: encodeCursor(toDate(last.created_at), last.run_id) }
        : {}),
    };
  }

  async getTestHistory(
    suiteName: string,
    testId: string,
    limit: number,
  ): Promise<TestHistoryRow[]> {
    const rows = (await this.db(`${RESULTS} as r`)
      .join(`${RUNS} as run`, 'run.run_id', 'r.run_id')
      .where({ 'r.suite': suiteName, 'r.test_id': testId })
      .orderBy([
        { column: 'r.run_created_at', order: 'desc' },
        { column: 'r.run_id', order: 'desc' },
      ])
      .limit(limit)
      .select(
        'r.run_id',
        'r.run_created_at',
        'r.status',
        'r.duration_ms',
        'r.attempts',
        'run.commit',
      )) as Array<
      Pick<
        ResultRow,
        'run_id' | 'run_created_at' | 'status' | 'duration_ms' | 'attempts'
      > & { commit: string | null }
    >;
    return rows.map(row => {
      const attempts = JSON.parse(row.attempts) as TestAttemptResult[];
      const lastFailed = attempts
        .filter(attempt => attempt.status === 'failed')
        .pop();
      const signature = lastFailed?.error?.signature;
      return {
        runId: row.run_id,
        createdAt: toIso(row.run_created_at)!,
        status: row.status,
        durationMs: Number(row.duration_ms),
        ...(row.commit !== null ? { commit: row.commit } : {}),
        ...(signature ? { signature } : {}),
      };
    });
  }

  // Artifacts and baselines

  async addArtifact(input: {
    runId: string;
    kind: TestArtifactKind;
    contentType: string;
    content: Buffer | { path: string };
  }): Promise<TestArtifact> {
    const run = await this.requireRun(this.db, input.runId);
    const artifactId = randomUUID();
    const relativePath = `${input.runId}/${artifactId}`;
    const target = path.join(this.artifactsDir, input.runId, artifactId);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (Buffer.isBuffer(input.content)) {
      await fs.writeFile(target, input.content);
    } else {
      await moveFile(input.content.path, target);
    }
    const { size } = await fs.stat(target);
    try {
      await this.db(ARTIFACTS).insert({
        artifact_id: artifactId,
        run_id: input.runId,
        suite: run.suite,
        entity_ref: run.entity_ref,
        kind: input.kind,
        content_type: input.contentType,
        size,
        path: relativePath,
        created_at: this.clock(),
      });
    } catch (error) {
      await fs.rm(target, { force: true });
      throw error;
    }
    return {
      artifactId,
      kind: input.kind,
      contentType: input.contentType,
      size,
    };
  }

  async getArtifact(artifactId: string): Promise<StoredArtifact | undefined> {
    const row = await this.artifactRow(artifactId);
    return row ? artifactOf(row) : undefined;
  }

  async openArtifact(artifactId: string): Promise<Readable> {
    const row = await this.artifactRow(artifactId);
    if (!row) throw new NotFoundError(`No test artifact ${artifactId}`);
    const file = path.join(this.artifactsDir, row.path);
    try {
      // open first, so a missing file is a NotFoundError rather than a stream error later
      const handle = await fs.open(file, 'r');
      return handle.createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new NotFoundError(
          `The file of test artifact ${artifactId} (run ${row.run_id}) is missing from the artifacts directory`,
        );
      }
      throw error;
    }
  }

  async pruneArtifacts(before: Date): Promise<{ deleted: number }> {
    const rows = (await this.db(`${ARTIFACTS} as a`)
      .join(`${RUNS} as run`, 'run.run_id', 'a.run_id')
      .whereNotNull('run.finished_at')
      .andWhere('run.finished_at', '<', before)
      .whereNotIn('a.artifact_id', this.db(BASELINES).select('artifact_id'))
      .select('a.artifact_id', 'a.path')) as Array<
      Pick<ArtifactRow, 'artifact_id' | 'path'>
    >;
    let deleted = 0;
    for (const row of rows) {
      await fs.rm(path.join(this.artifactsDir, row.path), { force: true });
      // rechecked: a baseline may have been accepted since the select
      deleted += await this.db(ARTIFACTS)
        .where('artifact_id', row.artifact_id)
        .whereNotIn('artifact_id', this.db(BASELINES).select('artifact_id'))
        .delete();
    }
    const runDirs = new Set(rows.map(row => path.dirname(row.path)));
    for (const dir of runDirs) {
      // only removes now-empty folders; ENOTEMPTY keeps baselines' folders
      await fs.rmdir(path.join(this.artifactsDir, dir)).catch(() => {});
    }
    return { deleted };
  }

  async listBaselines(suiteName: string): Promise<StoredBaseline[]> {
    const rows = (await this.db<BaselineRow>(BASELINES)
      .where({ suite: suiteName })
      .orderBy([
        { column: 'accepted_at', order: 'desc' },
        { column: 'baseline_id', order: 'desc' },
      ])
      .select()) as BaselineRow[];
    const latest = new Map<string, StoredBaseline>();
    for (const row of rows) {
      const key = JSON.stringify([row.test_id, row.name]);
      if (latest.has(key)) continue;
      latest.set(key, {
        testId: row.test_id,
        name: row.name,
        artifactId: row.artifact_id,
        acceptedBy: row.accepted_by,
        acceptedAt: toIso(row.accepted_at)!,
      });
    }
    return [...latest.values()].sort(
      (a, b) =>
        a.testId.localeCompare(b.testId) || a.name.localeCompare(b.name),
    );
  }

  async acceptBaseline(input: {
    suiteName: string;
    testId: string;
    name: string;
    artifactId: string;
    by: string;
  }): Promise<void> {
    const artifact = await this.artifactRow(input.artifactId);
    if (!artifact) {
      throw new NotFoundError(`No test artifact ${input.artifactId}`);
    }
    if (artifact.suite !== input.suiteName) {
      throw new InputError(
        `artifactId: artifact ${input.artifactId} belongs to suite "${artifact.suite}", not "${input.suiteName}"`,
      );
    }
    await this.db(BASELINES).insert({
      suite: input.suiteName,
      test_id: input.testId,
      name: input.name,
      artifact_id: input.artifactId,
      accepted_by: input.by,
      accepted_at: this.clock(),
    });
  }

  // Helpers

  private async suiteRow(
    db: Knex | Knex.Transaction,
    name: string,
  ): Promise<SuiteRow | undefined> {
    return (await db<SuiteRow>(SUITES).where({ name }).first()) as
      | SuiteRow
      | undefined;
  }

  private async requireSuite(
    db: Knex | Knex.Transaction,
    name: string,
  ): Promise<SuiteRow> {
    const row = await this.suiteRow(db, name);
    if (!row) throw new NotFoundError(`No test suite named "${name}"`);
    return row;
  }

  private async requireRun(
    db: Knex | Knex.Transaction,
    runId: string,
  ): Promise<RunRow> {
    if (!isUuid(runId)) throw new NotFoundError(`No test run ${runId}`);
    const row = (await db<RunRow>(RUNS).where({ run_id: runId }).first()) as
      | RunRow
      | undefined;
    if (!row) throw new NotFoundError(`No test run ${runId}`);
    return row;
  }

  private async artifactRow(
    artifactId: string,
  ): Promise<ArtifactRow | undefined> {
    if (!isUuid(artifactId)) return undefined;
    return (await this.db<ArtifactRow>(ARTIFACTS)
      .where({ artifact_id: artifactId })
      .first()) as ArtifactRow | undefined;
  }
}

function versionOf(row: VersionRow): TestSuiteVersion {
  return {
    version: Number(row.version),
    createdAt: toIso(row.created_at)!,
    createdBy: row.created_by,
    ...(row.message !== null ? { message: row.message } : {}),
  };
}
