import type {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  audited,
  type EntityAccess,
  type EntityPermission,
  normalizedEntityRef,
} from '@internal/backend-common';
import {
  parseTestSuiteDefinition,
  parseTestSuitesAnnotation,
  renderPlaywrightProject,
  summarizeTestHistory,
  SUITE_NAME_PATTERN,
  TEST_SUITES_ANNOTATION,
  testRecorderArtifactReadPermission,
  testRecorderBaselineAcceptPermission,
  testRecorderSuiteEditPermission,
  testRecorderSuiteReadPermission,
  testRecorderSuiteRecordPermission,
  testRecorderSuiteRunPermission,
  type TestHistory,
  type TestRun,
  type TestRunSummary,
  type TestRunTrigger,
  type TestSuite,
  type TestSuiteDefinition,
  type TestSuiteSummary,
  type TestSuiteVersion,
} from '@internal/plugin-test-recorder-common';
import JSZip from 'jszip';
import type { Readable } from 'node:stream';
import type {
  StoredArtifact,
  StoredSuite,
  TestRecorderStore,
} from '../store/TestRecorderStore';
import type { RecordingSessions } from '../recorder/RecordingSessions';
import { checkBaseUrl, type OriginPolicy } from './origins';

/** Upload files kept with a suite: at most this many bytes each. */
export const MAX_SUITE_FILE_BYTES = 5 * 1024 * 1024;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What the service needs of the run queue worker. */
export type RunQueue = { wake(): void };

/** What the service needs of the recording sessions. */
export type RecordingSessionsLike = Pick<
  RecordingSessions,
  'open' | 'get' | 'close' | 'pendingSecrets'
>;

export type TestRecorderServiceOptions = {
  store: TestRecorderStore;
  access: EntityAccess;
  auditor: AuditorService;
  queue: RunQueue;
  recordings?: RecordingSessionsLike;
  origins: OriginPolicy;
  /** The entity's repository, from `backstage.io/source-location`. */
  repositoryOf(entity: Entity): { url: string } | undefined;
  /** `testRecorder.suites.<name>.secrets`: values from config, never stored. */
  configSecrets(suiteName: string): Record<string, string>;
  /** Playwright's device descriptor names. */
  devices: string[];
  testIdAttribute: string;
  maxRetries: number;
  /** Turns an artifact id into a signed URL the trace viewer can fetch. */
  signArtifact(artifactId: string): string;
  status(): {
    videoAvailable: boolean;
    videoUnavailableReason?: string;
    sandboxAvailable: boolean;
    sandboxUnavailableReason?: string;
    maxConcurrentRuns: number;
  };
};

type SuiteDecision = { suite: StoredSuite; entity: Entity; entityRef: string };

/**
 * The test recorder's operations with the caller's permissions: every suite, run and artifact
 * is checked on the entity that owns the suite (stored with it: an annotation naming another
 * entity's suite does not adopt it), and every write is audited.
 */
export class TestRecorderService {
  constructor(private readonly options: TestRecorderServiceOptions) {}

  config() {
    return {
      enabled: true,
      allowedOrigins: this.options.origins.allowedOrigins,
      devices: this.options.devices,
      testIdAttribute: this.options.testIdAttribute,
      ...this.options.status(),
    };
  }

  async listSuites(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<{
    suites: TestSuiteSummary[];
    annotated: string[];
    missing: Array<{
      name: string;
      reason: 'not-found' | 'owned-by-another-entity';
      ownerEntityRef?: string;
    }>;
  }> {
    const decided = await this.options.access.entity(credentials, entityRef, {
      require: [testRecorderSuiteReadPermission],
    });
    const annotated = annotatedSuites(decided.entity);
    const owned = await this.options.store.listSuites({
      entityRef: decided.entityRef,
    });
    const suites = await Promise.all(
      owned.map(async summary => {
        const { runs } = await this.options.store.listRuns({
          suiteName: summary.name,
          limit: 1,
        });
        return { ...summary, latestRun: runs[0] } as TestSuiteSummary;
      }),
    );
    const ownedNames = new Set(owned.map(s => s.name));
    const missing = [];
    for (const name of annotated) {
      if (ownedNames.has(name)) continue;
      const other = await this.options.store.getSuite(name);
      missing.push(
        other
          ? {
              name,
              reason: 'owned-by-another-entity' as const,
              ownerEntityRef: other.entityRef,
            }
          : { name, reason: 'not-found' as const },
      );
    }
    return { suites, annotated, missing };
  }

  async getSuite(
    credentials: BackstageCredentials,
    name: string,
  ): Promise<TestSuite> {
    const { suite } = await this.suiteAccess(credentials, name, []);
    return this.present(suite);
  }

  async createSuite(
    credentials: BackstageCredentials,
    input: { entityRef: string; definition: unknown; message?: string },
  ): Promise<TestSuite> {
    const definition = parseDefinition(input.definition);
    const decided = await this.options.access.entity(
      credentials,
      normalizedEntityRef(input.entityRef),
      { require: [testRecorderSuiteEditPermission], fresh: true },
    );
    return this.audit(
      'test-recorder-suite-create',
      credentials,
      { entityRef: decided.entityRef, suite: definition.name },
      async () =>
        this.present(
          await this.options.store.createSuite({
            entityRef: decided.entityRef,
            definition,
            createdBy: userOf(credentials),
            message: input.message ?? 'Created',
          }),
        ),
    );
  }

  async updateSuite(
    credentials: BackstageCredentials,
    name: string,
    input: { definition: unknown; baseVersion: number; message?: string },
  ): Promise<TestSuite> {
    const definition = parseDefinition(input.definition);
    if (definition.name !== name) {
      throw new InputError(
        `definition.name: "${definition.name}" does not match the suite "${name}" (a suite cannot be renamed)`,
      );
    }
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    return this.audit(
      'test-recorder-suite-update',
      credentials,
      { entityRef, suite: name, baseVersion: input.baseVersion },
      async () =>
        this.present(
          await this.options.store.updateSuite({
            name,
            definition,
            baseVersion: input.baseVersion,
            updatedBy: userOf(credentials),
            message: input.message,
          }),
        ),
    );
  }

  async deleteSuite(credentials: BackstageCredentials, name: string) {
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    await this.audit(
      'test-recorder-suite-delete',
      credentials,
      { entityRef, suite: name },
      () => this.options.store.deleteSuite(name),
    );
  }

  async listVersions(
    credentials: BackstageCredentials,
    name: string,
  ): Promise<TestSuiteVersion[]> {
    await this.suiteAccess(credentials, name, []);
    return this.options.store.listSuiteVersions(name);
  }

  async getVersion(
    credentials: BackstageCredentials,
    name: string,
    version: number | undefined,
  ): Promise<TestSuiteVersion & { definition: TestSuiteDefinition }> {
    const { suite } = await this.suiteAccess(credentials, name, []);
    const wanted = version ?? suite.version;
    const found = await this.options.store.getSuiteVersion(name, wanted);
    if (!found) {
      throw new NotFoundError(
        `Suite ${name} has no version ${wanted} (the latest is ${suite.version})`,
      );
    }
    return found;
  }

  async code(
    credentials: BackstageCredentials,
    name: string,
    version: number | undefined,
  ): Promise<{ files: Array<{ path: string; content: string }> }> {
    const { definition } = await this.getVersion(credentials, name, version);
    return { files: renderPlaywrightProject(definition) };
  }

  /** A runnable Playwright project: the rendered files and the suite's upload files. */
  async exportZip(
    credentials: BackstageCredentials,
    name: string,
    version: number | undefined,
  ): Promise<{ fileName: string; content: Buffer }> {
    const { definition, version: exported } = await this.getVersion(
      credentials,
      name,
      version,
    );
    const zip = new JSZip();
    const root = `${name}-v${exported}`;
    for (const file of renderPlaywrightProject(definition)) {
      zip.file(`${root}/${file.path}`, file.content);
    }
    const suite = await this.options.store.getSuite(name);
    for (const file of suite?.files ?? []) {
      const content = await this.options.store.getFile(name, file.name);
      if (content) zip.file(`${root}/files/${file.name}`, content);
    }
    return {
      fileName: `${root}.zip`,
      content: await zip.generateAsync({
        type: 'nodebuffer',
        compression: 'DEFLATE',
      }),
    };
  }

  async setSecret(
    credentials: BackstageCredentials,
    name: string,
    secretName: string,
    value: string,
  ) {
    checkSecretName(secretName);
    if (value.length === 0 || value.length > 4096) {
      throw new InputError('value: give 1 to 4096 characters');
    }
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    await this.audit(
      'test-recorder-secret-set',
      credentials,
      { entityRef, suite: name, secret: secretName },
      () => this.options.store.setSecret(name, secretName, value),
    );
  }

  async deleteSecret(
    credentials: BackstageCredentials,
    name: string,
    secretName: string,
  ) {
    checkSecretName(secretName);
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    await this.audit(
      'test-recorder-secret-delete',
      credentials,
      { entityRef, suite: name, secret: secretName },
      () => this.options.store.deleteSecret(name, secretName),
    );
  }

  async putFile(
    credentials: BackstageCredentials,
    name: string,
    fileName: string,
    content: Buffer,
  ) {
    checkFileName(fileName);
    if (content.length === 0) {
      throw new InputError(`File ${fileName} is empty`);
    }
    if (content.length > MAX_SUITE_FILE_BYTES) {
      throw new InputError(
        `File ${fileName} is ${content.length} bytes; at most ${MAX_SUITE_FILE_BYTES} are kept with a suite`,
      );
    }
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    await this.audit(
      'test-recorder-file-put',
      credentials,
      { entityRef, suite: name, file: fileName, bytes: content.length },
      () => this.options.store.putFile(name, fileName, content),
    );
  }

  async deleteFile(
    credentials: BackstageCredentials,
    name: string,
    fileName: string,
  ) {
    checkFileName(fileName);
    const { entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    await this.audit(
      'test-recorder-file-delete',
      credentials,
      { entityRef, suite: name, file: fileName },
      () => this.options.store.deleteFile(name, fileName),
    );
  }

  async setQuarantined(
    credentials: BackstageCredentials,
    name: string,
    testId: string,
    quarantined: boolean,
  ) {
    const { suite, entityRef } = await this.suiteAccess(credentials, name, [
      testRecorderSuiteEditPermission,
    ]);
    if (!suite.definition.tests.some(t => t.id === testId)) {
      throw new NotFoundError(`Suite ${name} has no test "${testId}"`);
    }
    await this.audit(
      'test-recorder-test-quarantine',
      credentials,
      { entityRef, suite: name, testId, quarantined },
      () =>
        this.options.store.setQuarantined({
          suiteName: name,
          testId,
          quarantined,
          by: userOf(credentials),
        }),
    );
  }

  async history(
    credentials: BackstageCredentials,
    name: string,
    testId: string,
    limit: number,
  ): Promise<TestHistory> {
    const { suite } = await this.suiteAccess(credentials, name, []);
    const test = suite.definition.tests.find(t => t.id === testId);
    const rows = await this.options.store.getTestHistory(name, testId, limit);
    if (!test && rows.length === 0) {
      throw new NotFoundError(`Suite ${name} has no test "${testId}"`);
    }
    return {
      suiteName: name,
      testId,
      testName: test?.name ?? testId,
      runs: rows,
      quarantined: suite.quarantinedTestIds.includes(testId),
      ...summarizeTestHistory(rows),
    };
  }

  async runSuite(
    credentials: BackstageCredentials,
    name: string,
    input: {
      testIds?: string[];
      retries?: number;
      project?: string;
      baseUrl?: string;
      trigger?: TestRunTrigger;
    },
  ): Promise<TestRunSummary> {
    const { suite, entityRef } = await this.suiteAccess(
      credentials,
      name,
      [testRecorderSuiteRunPermission],
      true,
    );
    return this.audit(
      'test-recorder-run-create',
      credentials,
      { entityRef, suite: name },
      () =>
        this.queueRun(suite, {
          ...input,
          trigger: input.trigger ?? 'manual',
          triggeredBy: userOf(credentials),
        }),
      run => ({ runId: run.runId }),
    );
  }

  /** From the `test-recorder/suite` pipeline step: the pipelines plugin's service token only. */
  async runForPipeline(
    credentials: BackstageCredentials,
    input: {
      entityRef: string;
      suite: string;
      baseUrl?: string;
      retries?: number;
      project?: string;
      commit?: string;
      pipelineRunId: string;
    },
  ): Promise<TestRunSummary> {
    requirePipelinesService(credentials);
    const suite = await this.options.store.getSuite(input.suite);
    const entityRef = normalizedEntityRef(input.entityRef);
    if (!suite) {
      throw new NotFoundError(
        `There is no test suite "${input.suite}"; record it on ${entityRef}'s Tests tab`,
      );
    }
    if (!sameEntityRef(suite.entityRef, entityRef)) {
      throw new NotAllowedError(
        `Suite ${input.suite} belongs to ${suite.entityRef}, not to ${entityRef}`,
      );
    }
    return this.audit(
      'test-recorder-run-create',
      credentials,
      {
        entityRef: suite.entityRef,
        suite: suite.name,
        pipelineRunId: input.pipelineRunId,
      },
      () =>
        this.queueRun(suite, {
          ...input,
          trigger: 'pipeline',
          triggeredBy: `pipeline run ${input.pipelineRunId}`,
        }),
      run => ({ runId: run.runId }),
    );
  }

  /**
   * A run of a suite's `schedule`, queued by the scheduler (no caller: the suite's schedule
   * was saved by someone allowed to edit it).
   */
  async runScheduled(name: string, tick: Date): Promise<TestRunSummary> {
    const suite = await this.options.store.getSuite(name);
    if (!suite) {
      throw new NotFoundError(`There is no test suite "${name}"`);
    }
    const cron = suite.definition.schedule?.cron ?? '';
    return audited(
      this.options.auditor,
      {
        eventId: 'test-recorder-run-create',
        severityLevel: 'low',
        meta: {
          entityRef: suite.entityRef,
          suite: suite.name,
          actor: 'schedule',
          schedule: cron,
          tick: tick.toISOString(),
        },
      },
      () =>
        this.queueRun(suite, {
          trigger: 'schedule',
          triggeredBy: `schedule ${cron}, due ${tick.toISOString()}`,
        }),
      run => ({ runId: run.runId }),
    );
  }

  async listRuns(
    credentials: BackstageCredentials,
    filter: {
      entityRef?: string;
      suite?: string;
      limit: number;
      cursor?: string;
    },
  ) {
    if (filter.suite) {
      await this.suiteAccess(credentials, filter.suite, []);
      return this.options.store.listRuns({
        suiteName: filter.suite,
        limit: filter.limit,
        cursor: filter.cursor,
      });
    }
    if (!filter.entityRef) {
      throw new InputError(
        'Give entityRef or suite, e.g. ?entityRef=component:default/storefront-web',
      );
    }
    const decided = await this.options.access.entity(
      credentials,
      filter.entityRef,
      { require: [testRecorderSuiteReadPermission] },
    );
    return this.options.store.listRuns({
      entityRef: decided.entityRef,
      limit: filter.limit,
      cursor: filter.cursor,
    });
  }

  async getRun(
    credentials: BackstageCredentials,
    runId: string,
  ): Promise<TestRun> {
    const run = await this.options.store.getRun(runId);
    if (!run) throw new NotFoundError(`No test run ${runId}`);
    if (!isPipelinesService(credentials)) {
      await this.options.access.entity(credentials, run.entityRef, {
        require: [testRecorderSuiteReadPermission],
      });
    }
    return run;
  }

  async cancelRun(credentials: BackstageCredentials, runId: string) {
    const run = await this.options.store.getRun(runId);
    if (!run) throw new NotFoundError(`No test run ${runId}`);
    if (!isPipelinesService(credentials)) {
      await this.options.access.entity(credentials, run.entityRef, {
        require: [testRecorderSuiteRunPermission],
        fresh: true,
      });
    }
    if (run.status !== 'queued' && run.status !== 'running') {
      throw new ConflictError(`Test run ${runId} is already ${run.status}`);
    }
    await this.audit(
      'test-recorder-run-cancel',
      credentials,
      { entityRef: run.entityRef, runId },
      async () => {
        await this.options.store.requestCancel(runId);
        this.options.queue.wake();
      },
    );
  }

  async acceptBaseline(
    credentials: BackstageCredentials,
    runId: string,
    input: { testId: string; stepId: string },
  ) {
    const run = await this.options.store.getRun(runId);
    if (!run) throw new NotFoundError(`No test run ${runId}`);
    const decided = await this.options.access.entity(
      credentials,
      run.entityRef,
      {
        require: [testRecorderBaselineAcceptPermission],
        fresh: true,
      },
    );
    const result = run.results.find(r => r.testId === input.testId);
    const step = result?.attempts
      .slice()
      .reverse()
      .flatMap(a => a.steps)
      .find(s => s.stepId === input.stepId && s.visual);
    if (!step?.visual) {
      throw new NotFoundError(
        `Run ${runId} has no screenshot check for step ${input.stepId} of test ${input.testId}`,
      );
    }
    const visual = step.visual;
    await this.audit(
      'test-recorder-baseline-accept',
      credentials,
      {
        entityRef: decided.entityRef,
        runId,
        suite: run.suiteName,
        testId: input.testId,
        baseline: visual.name,
      },
      () =>
        this.options.store.acceptBaseline({
          suiteName: run.suiteName,
          testId: input.testId,
          name: visual.name,
          artifactId: visual.actualArtifactId,
          by: userOf(credentials),
        }),
    );
  }

  /** An artifact's bytes; `signed` is set when the request carried a valid signed URL. */
  async openArtifact(
    credentials: BackstageCredentials | undefined,
    artifactId: string,
  ): Promise<{ artifact: StoredArtifact; stream: Readable }> {
    const artifact = await this.options.store.getArtifact(artifactId);
    if (!artifact) throw new NotFoundError(`No artifact ${artifactId}`);
    if (credentials) {
      await this.options.access.entity(credentials, artifact.entityRef, {
        require: [testRecorderArtifactReadPermission],
      });
    }
    return {
      artifact,
      stream: await this.options.store.openArtifact(artifactId),
    };
  }

  async signedArtifactUrl(
    credentials: BackstageCredentials,
    artifactId: string,
  ): Promise<{ url: string }> {
    const artifact = await this.options.store.getArtifact(artifactId);
    if (!artifact) throw new NotFoundError(`No artifact ${artifactId}`);
    await this.options.access.entity(credentials, artifact.entityRef, {
      require: [testRecorderArtifactReadPermission],
    });
    return { url: this.options.signArtifact(artifactId) };
  }

  async openRecording(
    credentials: BackstageCredentials,
    input: {
      entityRef: string;
      suiteName?: string;
      testId?: string;
      baseUrl?: string;
      startUrl?: string;
      viewport: { width: number; height: number };
    },
  ) {
    if (input.testId && !input.suiteName) {
      throw new InputError(
        'testId: give suiteName too; a test to continue recording belongs to a suite',
      );
    }
    const decided = await this.options.access.entity(
      credentials,
      normalizedEntityRef(input.entityRef),
      { require: [testRecorderSuiteRecordPermission], fresh: true },
    );
    // Refuse who may not record before saying whether this backend can record
    const recordings = this.requireRecordings();
    let suite: StoredSuite | undefined;
    if (input.suiteName) {
      suite = await this.options.store.getSuite(input.suiteName);
      if (!suite) {
        throw new NotFoundError(`There is no test suite "${input.suiteName}"`);
      }
      if (!sameEntityRef(suite.entityRef, decided.entityRef)) {
        throw new NotAllowedError(
          `Suite ${suite.name} belongs to ${suite.entityRef}, not to ${decided.entityRef}`,
        );
      }
    }
    const baseUrl = input.baseUrl ?? suite?.definition.baseUrl;
    if (!baseUrl) {
      throw new InputError(
        'baseUrl: give the address of the app to record, e.g. http://127.0.0.1:4173',
      );
    }
    checkBaseUrl(this.options.origins, baseUrl, 'baseUrl');
    const steps = input.testId
      ? suite?.definition.tests.find(t => t.id === input.testId)?.steps
      : undefined;
    if (input.testId && !steps) {
      throw new NotFoundError(
        `Suite ${input.suiteName} has no test "${input.testId}"`,
      );
    }
    const webServer = suite?.definition.webServer;
    const repository = webServer
      ? this.options.repositoryOf(decided.entity)
      : undefined;
    if (webServer && !repository) {
      throw new InputError(
        `Suite ${suite!.name} starts a web server from the repository, but ${
          decided.entityRef
        } has no backstage.io/source-location annotation`,
      );
    }
    const secrets = suite
      ? {
          ...this.options.configSecrets(suite.name),
          ...(await this.options.store.getSecrets(suite.name)),
        }
      : {};
    return this.audit(
      'test-recorder-recording-open',
      credentials,
      { entityRef: decided.entityRef, suite: input.suiteName ?? null },
      () =>
        recordings.open({
          userEntityRef: userOf(credentials),
          entityRef: decided.entityRef,
          suiteName: suite?.name,
          baseUrl,
          webServer,
          repository,
          viewport: input.viewport,
          startUrl: input.startUrl,
          steps,
          secrets,
        }),
      session => ({ sessionId: session.sessionId }),
    ).then(session => ({ ...session, baseUrl }));
  }

  async closeRecording(credentials: BackstageCredentials, sessionId: string) {
    const recordings = this.requireRecordings();
    const session = recordings.get(sessionId);
    if (!session || session.userEntityRef !== userOf(credentials)) {
      throw new NotFoundError(`No recording session ${sessionId} of yours`);
    }
    await recordings.close(sessionId, 'closed by the user');
  }

  /** Stores the secrets typed while recording as the suite's secrets. */
  async saveRecordingSecrets(
    credentials: BackstageCredentials,
    sessionId: string,
    suiteName: string,
  ): Promise<{ saved: string[] }> {
    const recordings = this.requireRecordings();
    const session = recordings.get(sessionId);
    if (!session || session.userEntityRef !== userOf(credentials)) {
      throw new NotFoundError(`No recording session ${sessionId} of yours`);
    }
    const { entityRef } = await this.suiteAccess(credentials, suiteName, [
      testRecorderSuiteEditPermission,
    ]);
    if (!sameEntityRef(entityRef, session.entityRef)) {
      throw new NotAllowedError(
        `Suite ${suiteName} belongs to ${entityRef}, not to the recorded ${session.entityRef}`,
      );
    }
    const pending = recordings.pendingSecrets(sessionId);
    // The names come from the recorded page's fields: keep only what setSecret would accept
    const saved = Object.keys(pending)
      .filter(
        secretName =>
          SECRET_NAME.test(secretName) &&
          pending[secretName].length > 0 &&
          pending[secretName].length <= 4096,
      )
      .sort();
    await this.audit(
      'test-recorder-secret-set',
      credentials,
      { entityRef, suite: suiteName, secrets: saved },
      async () => {
        for (const name of saved) {
          await this.options.store.setSecret(suiteName, name, pending[name]);
        }
      },
    );
    return { saved };
  }

  private requireRecordings(): RecordingSessionsLike {
    if (!this.options.recordings) {
      throw new NotFoundError('Recording is not available on this backend');
    }
    return this.options.recordings;
  }

  private async queueRun(
    suite: StoredSuite,
    input: {
      testIds?: string[];
      retries?: number;
      project?: string;
      baseUrl?: string;
      trigger: TestRunTrigger;
      triggeredBy: string;
      commit?: string;
      pipelineRunId?: string;
    },
  ): Promise<TestRunSummary> {
    const { definition } = suite;
    const known = new Set(definition.tests.map(t => t.id));
    input.testIds?.forEach((testId, index) => {
      if (!known.has(testId)) {
        throw new InputError(
          `testIds[${index}]: suite ${suite.name} has no test "${testId}"`,
        );
      }
    });
    const retries = input.retries ?? 0;
    if (
      !Number.isInteger(retries) ||
      retries < 0 ||
      retries > this.options.maxRetries
    ) {
      throw new InputError(`retries: give 0 to ${this.options.maxRetries}`);
    }
    const project = input.project ?? definition.project;
    if (project !== undefined && !this.options.devices.includes(project)) {
      throw new InputError(
        `project: "${project}" is not a Playwright device (e.g. ${this.options.devices
          .slice(0, 3)
          .map(d => `"${d}"`)
          .join(', ')})`,
      );
    }
    const baseUrl = input.baseUrl ?? definition.baseUrl;
    checkBaseUrl(this.options.origins, baseUrl, 'baseUrl');
    const missingSecrets = await this.missingSecrets(suite);
    if (missingSecrets.length > 0) {
      throw new InputError(
        `Suite ${
          suite.name
        } needs secrets without a value: ${missingSecrets.join(
          ', ',
        )}; set them on the suite page or in testRecorder.suites.${
          suite.name
        }.secrets`,
      );
    }
    const run = await this.options.store.createRun({
      suiteName: suite.name,
      suiteVersion: suite.version,
      entityRef: suite.entityRef,
      trigger: input.trigger,
      triggeredBy: input.triggeredBy,
      baseUrl,
      project,
      retries,
      testIds: input.testIds,
      pipelineRunId: input.pipelineRunId,
      commit: input.commit,
    });
    this.options.queue.wake();
    return run;
  }

  private async missingSecrets(suite: StoredSuite): Promise<string[]> {
    const needed = new Set<string>();
    for (const test of suite.definition.tests) {
      for (const step of test.steps) {
        if (step.action === 'fill' && step.secret) needed.add(step.secret);
      }
    }
    const have = new Set([
      ...suite.storedSecretNames,
      ...Object.keys(this.options.configSecrets(suite.name)),
    ]);
    return [...needed].filter(name => !have.has(name)).sort();
  }

  private present(suite: StoredSuite): TestSuite {
    const { storedSecretNames, ...rest } = suite;
    return {
      ...rest,
      secretsSet: [
        ...new Set([
          ...storedSecretNames,
          ...Object.keys(this.options.configSecrets(suite.name)),
        ]),
      ].sort(),
    };
  }

  /** The suite and its owner, with read and `permissions` required on the owner. */
  private async suiteAccess(
    credentials: BackstageCredentials,
    name: string,
    permissions: EntityPermission[],
    fresh = permissions.length > 0,
  ): Promise<SuiteDecision> {
    if (!SUITE_NAME_PATTERN.test(name)) {
      throw new InputError(
        `"${name}" is not a suite name (lower-case letters, digits and dashes)`,
      );
    }
    const suite = await this.options.store.getSuite(name);
    if (!suite) throw new NotFoundError(`There is no test suite "${name}"`);
    const decided = await this.options.access.entity(
      credentials,
      suite.entityRef,
      {
        require: [testRecorderSuiteReadPermission, ...permissions],
        fresh,
      },
    );
    return { suite, entity: decided.entity, entityRef: decided.entityRef };
  }

  private audit<T>(
    eventId: string,
    credentials: BackstageCredentials,
    meta: Record<string, string | number | boolean | null | string[]>,
    action: () => Promise<T>,
    successMeta?: (result: T) => Record<string, string>,
  ): Promise<T> {
    return audited(
      this.options.auditor,
      {
        eventId,
        severityLevel: 'medium',
        meta: { ...meta, actor: userOf(credentials) },
      },
      action,
      successMeta,
    );
  }
}

function parseDefinition(value: unknown): TestSuiteDefinition {
  let definition: TestSuiteDefinition;
  try {
    definition = parseTestSuiteDefinition(value);
  } catch (error) {
    throw new InputError(`definition: ${(error as Error).message}`);
  }
  const schedule = definition.schedule;
  if (schedule?.timeZone) {
    try {
      Intl.DateTimeFormat('en-US', { timeZone: schedule.timeZone });
    } catch {
      throw new InputError(
        `definition.schedule.timeZone: "${schedule.timeZone}" is not a time zone this server knows (IANA names such as Europe/Berlin)`,
      );
    }
  }
  return definition;
}

function checkFileName(fileName: string) {
  if (!FILE_NAME.test(fileName)) {
    throw new InputError(
      `fileName: "${fileName}" must be 1-128 letters, digits, dots, dashes or underscores`,
    );
  }
}

/** Entity refs are case-insensitive, as the catalog treats them. */
function sameEntityRef(a: string, b: string): boolean {
  return a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');
}

function checkSecretName(name: string) {
  if (!SECRET_NAME.test(name)) {
    throw new InputError(
      `"${name}" is not a secret name: upper-case letters, digits and underscores, e.g. ACCOUNT_PASSWORD`,
    );
  }
}

/** The suite names an entity's `comet.dev/test-suites` lists; a bad value lists none. */
export function annotatedSuites(entity: Entity): string[] {
  try {
    return parseTestSuitesAnnotation(
      entity.metadata.annotations?.[TEST_SUITES_ANNOTATION],
    );
  } catch {
    return [];
  }
}

function principalOf(credentials: BackstageCredentials): {
  type?: string;
  subject?: string;
  userEntityRef?: string;
} {
  return credentials.principal as {
    type?: string;
    subject?: string;
    userEntityRef?: string;
  };
}

function isPipelinesService(credentials: BackstageCredentials): boolean {
  const principal = principalOf(credentials);
  return (
    principal.type === 'service' && principal.subject === 'plugin:pipelines'
  );
}

function requirePipelinesService(credentials: BackstageCredentials) {
  if (!isPipelinesService(credentials)) {
    throw new NotAllowedError(
      'Only the pipelines plugin starts suite runs for pipeline steps',
    );
  }
}

/** Who did it: the user's entity ref, or the service's subject. */
export function userOf(credentials: BackstageCredentials): string {
  const principal = principalOf(credentials);
  return principal.userEntityRef ?? principal.subject ?? 'unknown';
}
