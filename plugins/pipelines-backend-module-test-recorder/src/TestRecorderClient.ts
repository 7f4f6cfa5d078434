import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type {
  TestRun,
  TestRunSummary,
} from '@internal/plugin-test-recorder-common';

/** The body of `POST /api/test-recorder/pipeline-runs`. */
export type TestRecorderPipelineRunRequest = {
  entityRef: string;
  suite: string;
  baseUrl?: string;
  retries?: number;
  project?: string;
  commit?: string;
  pipelineRunId: string;
};

const TEST_RECORDER_PLUGIN_ID = 'test-recorder';
const REQUEST_TIMEOUT_MS = 30_000;
/** Statuses worth asking again for: the backend restarting, or asking us to slow down. */
const RETRIED_STATUSES = [429, 502, 503, 504];

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('Cancelled'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('Cancelled'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Backstage's error body `{ error: { name, message } }`, or the raw text. */
async function errorMessageOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (typeof body?.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return text.trim().slice(0, 500) || '(no message)';
}

/**
 * The test-recorder backend's pipeline routes, called as the pipelines plugin (its own
 * service credentials): the actor of a pipeline step is Comet, not a user.
 */
export class TestRecorderClient {
  static create(options: {
    discovery: DiscoveryService;
    auth: AuthService;
    /** Base of the backoff between retries of a failed GET (doubles each time). */
    retryDelayMs?: number;
  }) {
    return new TestRecorderClient(
      options.discovery,
      options.auth,
      options.retryDelayMs ?? 500,
    );
  }

  private constructor(
    private readonly discovery: DiscoveryService,
    private readonly auth: AuthService,
    private readonly retryDelayMs: number,
  ) {}

  /** Starts a run of the suite; answers once it is queued. */
  async startPipelineRun(
    body: TestRecorderPipelineRunRequest,
    signal?: AbortSignal,
  ): Promise<TestRunSummary> {
    return this.request<TestRunSummary>('POST', '/pipeline-runs', {
      body,
      signal,
    });
  }

  async getRun(runId: string, signal?: AbortSignal): Promise<TestRun> {
    return this.request<TestRun>('GET', `/runs/${encodeURIComponent(runId)}`, {
      signal,
      retries: 3,
    });
  }

  async cancelRun(runId: string): Promise<void> {
    await this.request<unknown>(
      'POST',
      `/runs/${encodeURIComponent(runId)}/cancel`,
      {},
    );
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; signal?: AbortSignal; retries?: number },
  ): Promise<T> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const baseUrl = await this.discovery.getBaseUrl(TEST_RECORDER_PLUGIN_ID);
      const { token } = await this.auth.getPluginRequestToken({
        onBehalfOf: await this.auth.getOwnServiceCredentials(),
        targetPluginId: TEST_RECORDER_PLUGIN_ID,
      });
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      const where = `test-recorder backend: ${method} ${path}`;
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(options.body !== undefined
              ? { 'content-type': 'application/json' }
              : {}),
          },
          body:
            options.body !== undefined
              ? JSON.stringify(options.body)
              : undefined,
          signal: options.signal
            ? AbortSignal.any([options.signal, timeout])
            : timeout,
        });
      } catch (error) {
        if (options.signal?.aborted) throw new Error('Cancelled');
        const reason = timeout.aborted
          ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
          : (error as Error).message;
        if (attempt < retries) {
          await sleep(this.retryDelayMs * 2 ** attempt, options.signal);
          continue;
        }
        throw new Error(`${where} failed: ${reason}`);
      }
      if (response.ok) {
        const text = await response.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const message = await errorMessageOf(response);
      if (attempt < retries && RETRIED_STATUSES.includes(response.status)) {
        const retryAfterSeconds = Number(response.headers.get('retry-after'));
        await sleep(
          Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0
            ? Math.min(retryAfterSeconds, 60) * 1000
            : this.retryDelayMs * 2 ** attempt,
          options.signal,
        );
        continue;
      }
      throw new Error(
        `${where} answered ${response.status} ${response.statusText}: ${message}`,
      );
    }
  }
}
