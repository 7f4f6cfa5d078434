import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
  IdentityApi,
} from '@backstage/frontend-plugin-api';
import type {
  TestHistory,
  TestRun,
  TestRunSummary,
  TestSuite,
  TestSuiteDefinition,
  TestSuiteSummary,
  TestSuiteVersion,
} from '@internal/plugin-test-recorder-common';
import type { RecordingSocket } from './recordingMessages';

/** `GET /config`: what the backend can do here. */
export type TestRecorderConfig = {
  enabled: boolean;
  allowedOrigins: string[];
  videoAvailable: boolean;
  videoUnavailableReason?: string;
  sandboxAvailable: boolean;
  sandboxUnavailableReason?: string;
  /** Playwright device descriptor names. */
  devices: string[];
  testIdAttribute: string;
  maxConcurrentRuns: number;
  /** Whether "Create Jira bug" works for the signed-in user (Jira is configured). */
  jiraBugs?: boolean;
};

export type JiraBugRequest = {
  projectKey?: string;
  summary?: string;
  issueType?: string;
};

export type MissingSuite = {
  name: string;
  reason: 'not-found' | 'owned-by-another-entity';
  ownerEntityRef?: string;
};

export type EntitySuites = {
  suites: TestSuiteSummary[];
  /** The names in `comet.dev/test-suites`. */
  annotated: string[];
  missing: MissingSuite[];
};

export type SuiteFile = { path: string; content: string };

export type RunRequest = {
  testIds?: string[];
  retries?: number;
  /** A Playwright device name. */
  project?: string;
  baseUrl?: string;
};

export type RunsPage = { runs: TestRunSummary[]; nextCursor?: string };

export type RecordingRequest = {
  suiteName?: string;
  entityRef: string;
  baseUrl?: string;
  startUrl?: string;
  viewport: { width: number; height: number };
  testId?: string;
};

export type RecordingSession = {
  sessionId: string;
  baseUrl: string;
  expiresAt: string;
};

/** What the test recorder UI reads and writes through `/api/test-recorder`. */
export interface TestRecorderApi {
  getConfig(): Promise<TestRecorderConfig>;
  getEntitySuites(entityRef: string): Promise<EntitySuites>;
  createSuite(request: {
    entityRef: string;
    definition: TestSuiteDefinition;
    message?: string;
  }): Promise<TestSuite>;
  getSuite(name: string): Promise<TestSuite>;
  /** Fails with a 409 `ConflictError` when `baseVersion` is no longer the latest. */
  updateSuite(
    name: string,
    request: {
      definition: TestSuiteDefinition;
      baseVersion: number;
      message?: string;
    },
  ): Promise<TestSuite>;
  deleteSuite(name: string): Promise<void>;
  getVersions(name: string): Promise<{ versions: TestSuiteVersion[] }>;
  getVersion(
    name: string,
    version: number,
  ): Promise<TestSuiteVersion & { definition: TestSuiteDefinition }>;
  getCode(name: string, version?: number): Promise<{ files: SuiteFile[] }>;
  /** The runnable Playwright project as a blob URL (revoke it when done). */
  getExportObjectUrl(name: string, version?: number): Promise<string>;
  setSecret(name: string, secretName: string, value: string): Promise<void>;
  deleteSecret(name: string, secretName: string): Promise<void>;
  setQuarantine(
    name: string,
    testId: string,
    quarantined: boolean,
  ): Promise<void>;
  getTestHistory(
    name: string,
    testId: string,
    limit?: number,
  ): Promise<TestHistory>;
  runSuite(name: string, request: RunRequest): Promise<TestRunSummary>;
  listRuns(query: {
    entityRef?: string;
    suite?: string;
    limit?: number;
    cursor?: string;
  }): Promise<RunsPage>;
  getRun(runId: string): Promise<TestRun>;
  cancelRun(runId: string): Promise<void>;
  acceptBaseline(
    runId: string,
    request: { testId: string; stepId: string },
  ): Promise<void>;
  /** Files a Jira bug for a failed test, through the Jira plugin, as the user. */
  createJiraBug(
    runId: string,
    testId: string,
    request: JiraBugRequest,
  ): Promise<{ key: string; url: string }>;
  /**
   * A signed URL of an artifact (valid one hour) on the backend's origin. `<img>` and
   * `<video>` cannot send the bearer token, and the portal's Content-Security-Policy
   * (`img-src 'self' data:`, media from `'self'`) refuses `blob:` URLs.
   */
  getArtifactUrl(artifactId: string): Promise<string>;
  /** Playwright's Trace Viewer on a signed URL of the trace. */
  getTraceViewerUrl(artifactId: string): Promise<string>;
  startRecording(request: RecordingRequest): Promise<RecordingSession>;
  stopRecording(sessionId: string): Promise<void>;
  saveRecordingSecrets(
    sessionId: string,
    suiteName: string,
  ): Promise<{ saved: string[] }>;
  openRecordingSocket(sessionId: string): Promise<RecordingSocket>;
}

export const testRecorderApiRef = createApiRef<TestRecorderApi>().with({
  id: 'plugin.test-recorder.api',
  pluginId: 'test-recorder',
});

/** A refused or failed call, with the backend's own message. */
export class TestRecorderApiError extends Error {
  readonly name = 'TestRecorderApiError';
  readonly status: number;
  /** The backend's error name: `ConflictError`, `NotAllowedError`, `InputError`, … */
  readonly errorName: string;

  constructor(options: { message: string; status: number; errorName: string }) {
    super(options.message);
    this.status = options.status;
    this.errorName = options.errorName;
  }
}

export function isConflict(error: unknown): error is TestRecorderApiError {
  return error instanceof TestRecorderApiError && error.status === 409;
}

async function errorFromResponse(
  response: Response,
  what: string,
): Promise<TestRecorderApiError> {
  const text = await response.text().catch(() => '');
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  const message =
    typeof error?.message === 'string' && error.message
      ? error.message
      : `The test recorder backend answered ${response.status}${
          response.statusText ? ` ${response.statusText}` : ''
        } to ${what}`;
  return new TestRecorderApiError({
    message,
    status: response.status,
    errorName: typeof error?.name === 'string' ? error.name : 'Error',
  });
}

type Query = Record<string, string | number | undefined>;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const enc = encodeURIComponent;

export type TestRecorderClientOptions = {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
  identityApi: Pick<IdentityApi, 'getCredentials'>;
  /** Opens the socket; tests pass a fake. */
  createWebSocket?: (url: string, protocols?: string[]) => RecordingSocket;
  /** Turns fetched bytes (an export) into a URL a download link can use. */
  createObjectUrl?: (blob: Blob) => string;
};

export class TestRecorderClient implements TestRecorderApi {
  constructor(private readonly options: TestRecorderClientOptions) {}

  private baseUrl() {
    return this.options.discoveryApi.getBaseUrl('test-recorder');
  }

  private async request(
    method: Method,
    path: string,
    query: Query = {},
    json?: unknown,
  ): Promise<Response> {
    const base = await this.baseUrl();
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }
    const search = params.toString();
    const init: RequestInit = { method };
    if (json !== undefined) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(json);
    }
    const response = await this.options.fetchApi.fetch(
      `${base}/${path}${search ? `?${search}` : ''}`,
      init,
    );
    if (!response.ok) {
      throw await errorFromResponse(response, `${method} /${path}`);
    }
    return response;
  }

  private async json<T>(
    method: Method,
    path: string,
    query?: Query,
    body?: unknown,
  ): Promise<T> {
    const response = await this.request(method, path, query, body);
    return (await response.json()) as T;
  }

  private async none(
    method: Method,
    path: string,
    body?: unknown,
  ): Promise<void> {
    await this.request(method, path, {}, body);
  }

  private async objectUrl(path: string, query?: Query): Promise<string> {
    const response = await this.request('GET', path, query);
    const blob = await response.blob();
    const create =
      this.options.createObjectUrl ?? ((b: Blob) => URL.createObjectURL(b));
    return create(blob);
  }

  getConfig() {
    return this.json<TestRecorderConfig>('GET', 'config');
  }

  getEntitySuites(entityRef: string) {
    return this.json<EntitySuites>('GET', 'suites', { entityRef });
  }

  createSuite(request: {
    entityRef: string;
    definition: TestSuiteDefinition;
    message?: string;
  }) {
    return this.json<TestSuite>('POST', 'suites', {}, request);
  }

  getSuite(name: string) {
    return this.json<TestSuite>('GET', `suites/${enc(name)}`);
  }

  updateSuite(
    name: string,
    request: {
      definition: TestSuiteDefinition;
      baseVersion: number;
      message?: string;
    },
  ) {
    return this.json<TestSuite>('PUT', `suites/${enc(name)}`, {}, request);
  }

  deleteSuite(name: string) {
    return this.none('DELETE', `suites/${enc(name)}`);
  }

  getVersions(name: string) {
    return this.json<{ versions: TestSuiteVersion[] }>(
      'GET',
      `suites/${enc(name)}/versions`,
    );
  }

  getVersion(name: string, version: number) {
    return this.json<TestSuiteVersion & { definition: TestSuiteDefinition }>(
      'GET',
      `suites/${enc(name)}/versions/${version}`,
    );
  }

  getCode(name: string, version?: number) {
    return this.json<{ files: SuiteFile[] }>(
      'GET',
      `suites/${enc(name)}/code`,
      { version },
    );
  }

  getExportObjectUrl(name: string, version?: number) {
    return this.objectUrl(`suites/${enc(name)}/export`, { version });
  }

  setSecret(name: string, secretName: string, value: string) {
    return this.none('PUT', `suites/${enc(name)}/secrets/${enc(secretName)}`, {
      value,
    });
  }

  deleteSecret(name: string, secretName: string) {
    return this.none(
      'DELETE',
      `suites/${enc(name)}/secrets/${enc(secretName)}`,
    );
  }

  setQuarantine(name: string, testId: string, quarantined: boolean) {
    return this.none(
      'POST',
      `suites/${enc(name)}/tests/${enc(testId)}/quarantine`,
      { quarantined },
    );
  }

  getTestHistory(name: string, testId: string, limit?: number) {
    return this.json<TestHistory>(
      'GET',
      `suites/${enc(name)}/tests/${enc(testId)}/history`,
      { limit },
    );
  }

  runSuite(name: string, request: RunRequest) {
    return this.json<TestRunSummary>(
      'POST',
      `suites/${enc(name)}/runs`,
      {},
      request,
    );
  }

  listRuns(query: {
    entityRef?: string;
    suite?: string;
    limit?: number;
    cursor?: string;
  }) {
    return this.json<RunsPage>('GET', 'runs', query);
  }

  getRun(runId: string) {
    return this.json<TestRun>('GET', `runs/${enc(runId)}`);
  }

  cancelRun(runId: string) {
    return this.none('POST', `runs/${enc(runId)}/cancel`);
  }

  acceptBaseline(runId: string, request: { testId: string; stepId: string }) {
    return this.none('POST', `runs/${enc(runId)}/baselines`, request);
  }

  createJiraBug(runId: string, testId: string, request: JiraBugRequest) {
    return this.json<{ key: string; url: string }>(
      'POST',
      `runs/${enc(runId)}/tests/${enc(testId)}/jira-bug`,
      undefined,
      request,
    );
  }

  async getArtifactUrl(artifactId: string) {
    const base = await this.baseUrl();
    const { url } = await this.json<{ url: string }>(
      'POST',
      `artifacts/${enc(artifactId)}/url`,
    );
    // The signed URL is relative to the backend's base URL; pages and the viewer need it absolute
    return /^https?:\/\//.test(url)
      ? url
      : `${base}${url.startsWith('/') ? '' : '/'}${url}`;
  }

  async getTraceViewerUrl(artifactId: string) {
    const base = await this.baseUrl();
    const trace = await this.getArtifactUrl(artifactId);
    return `${base}/trace-viewer/index.html?trace=${enc(trace)}`;
  }

  startRecording(request: RecordingRequest) {
    return this.json<RecordingSession>('POST', 'recordings', {}, request);
  }

  stopRecording(sessionId: string) {
    return this.none('DELETE', `recordings/${enc(sessionId)}`);
  }

  saveRecordingSecrets(sessionId: string, suiteName: string) {
    return this.json<{ saved: string[] }>(
      'POST',
      `recordings/${enc(sessionId)}/secrets`,
      {},
      { suiteName },
    );
  }

  async openRecordingSocket(sessionId: string): Promise<RecordingSocket> {
    const base = new URL(await this.baseUrl());
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    base.pathname = `${base.pathname.replace(/\/$/, '')}/recordings/socket`;
    base.search = `session=${enc(sessionId)}`;
    // A browser WebSocket cannot send an Authorization header: the token travels as the
    // sub-protocol, as the signals plugin does
    const { token } = await this.options.identityApi.getCredentials();
    const create =
      this.options.createWebSocket ??
      ((url: string, protocols?: string[]) => new WebSocket(url, protocols));
    return create(base.toString(), token ? [token] : undefined);
  }
}
