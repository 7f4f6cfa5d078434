import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  PipelineLogLine,
  PipelineRun,
  PipelineRunPage,
  PipelineRunStatus,
} from '@internal/plugin-pipelines-common';
import type {
  CiRunsPage,
  LogStreamHandlers,
  PipelineArtifact,
  PipelineFile,
  PipelinesApi,
  PipelineStats,
  ValidationResult,
} from './PipelinesApi';
import { parseServerSentEvents } from './serverSentEvents';
import { reconnectDelayMs } from './reconnect';

type Query = Record<string, string | number | boolean | undefined>;

/** Talks to `/api/pipelines` with the signed-in user's token. */
export class PipelinesClient implements PipelinesApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;
  /** GETs under way, by URL: a page asking for the same thing twice at once sends one request. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  static create(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    return new PipelinesClient(options);
  }

  private constructor(options: {
    discoveryApi: DiscoveryApi;
    fetchApi: FetchApi;
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  private async url(path: string, query?: Query) {
    const base = await this.discoveryApi.getBaseUrl('pipelines');
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const search = params.toString();
    return `${base}${path}${search ? `?${search}` : ''}`;
  }

  private async request(
    path: string,
    init?: RequestInit & { query?: Query },
  ): Promise<Response> {
    return this.send(await this.url(path, init?.query), init);
  }

  private async send(url: string, init?: RequestInit): Promise<Response> {
    const response = await this.fetchApi.fetch(url, init);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return response;
  }

  private async json<T>(
    path: string,
    init?: RequestInit & { query?: Query },
  ): Promise<T> {
    if (init?.method && init.method !== 'GET') {
      return (await this.request(path, init)).json();
    }
    const url = await this.url(path, init?.query);
    const pending = this.inFlight.get(url);
    if (pending) return pending as Promise<T>;
    const response = this.send(url, init)
      .then(r => r.json())
      .finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, response);
    return response;
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  listCiRuns(query: Parameters<PipelinesApi['listCiRuns']>[0]) {
    return this.json<CiRunsPage>('/ci-runs', { query });
  }

  listRuns(query: Parameters<PipelinesApi['listRuns']>[0]) {
    return this.json<PipelineRunPage>('/runs', { query });
  }

  getLatestRuns(entityRef: string) {
    return this.json<{ runs: PipelineRun[] }>('/latest-runs', {
      query: { entityRef },
    });
  }

  getRun(runId: string) {
    return this.json<PipelineRun>(`/runs/${encodeURIComponent(runId)}`);
  }

  triggerRun(request: Parameters<PipelinesApi['triggerRun']>[0]) {
    return this.post<PipelineRun>('/runs', request);
  }

  cancelRun(runId: string) {
    return this.post<PipelineRun>(
      `/runs/${encodeURIComponent(runId)}/cancel`,
      {},
    );
  }

  rerun(runId: string, options?: { failedOnly?: boolean }) {
    return this.post<PipelineRun>(
      `/runs/${encodeURIComponent(runId)}/rerun`,
      options ?? {},
    );
  }

  decide(
    runId: string,
    jobRunId: string,
    decision: 'approve' | 'reject',
    comment?: string,
  ) {
    return this.post<PipelineRun>(
      `/runs/${encodeURIComponent(runId)}/jobs/${encodeURIComponent(
        jobRunId,
      )}/decision`,
      { decision, comment },
    );
  }

  getLogs(
    runId: string,
    options?: { after?: number; limit?: number; jobRunId?: string },
  ) {
    return this.json<{ lines: PipelineLogLine[]; nextAfter?: number }>(
      `/runs/${encodeURIComponent(runId)}/logs`,
      { query: options },
    );
  }

  async downloadLog(runId: string): Promise<Blob> {
    const parts: string[] = [];
    let after = -1;
    for (;;) {
      const { lines } = await this.getLogs(runId, { after, limit: 10_000 });
      for (const line of lines) parts.push(line.text, '\n');
      if (lines.length < 10_000) break;
      after = lines[lines.length - 1].seq;
    }
    return new Blob(parts, { type: 'text/plain' });
  }

  streamLogs(runId: string, after: number, handlers: LogStreamHandlers) {
    const controller = new AbortController();
    let lastSeq = after;
    let attempt = 0;
    const run = async () => {
      while (!controller.signal.aborted) {
        if (!attempt) handlers.onState?.({ state: 'connecting' });
        let ended = false;
        try {
          const response = await this.request(
            `/runs/${encodeURIComponent(runId)}/logs/stream`,
            {
              query: { after: lastSeq },
              headers: { accept: 'text/event-stream' },
              signal: controller.signal,
            },
          );
          if (!response.body) throw new Error('The log stream has no body');
          handlers.onState?.({ state: 'live' });
          attempt = 0;
          let batch: PipelineLogLine[] = [];
          for await (const events of parseServerSentEvents(response.body)) {
            for (const event of events) {
              if (event.event === 'line') {
                const line = JSON.parse(event.data) as PipelineLogLine;
                if (line.seq > lastSeq) {
                  batch.push(line);
                  lastSeq = line.seq;
                }
              } else if (event.event === 'run') {
                handlers.onRun?.(JSON.parse(event.data));
              } else if (event.event === 'end') {
                ended = true;
                if (batch.length) handlers.onLines(batch);
                batch = [];
                handlers.onState?.({ state: 'ended' });
                handlers.onEnd?.(
                  (JSON.parse(event.data) as { status: PipelineRunStatus })
                    .status,
                );
              }
            }
            if (batch.length) {
              handlers.onLines(batch);
              batch = [];
            }
          }
          if (ended) return;
          throw new Error('The log stream closed before the run ended');
        } catch (error) {
          if (controller.signal.aborted) return;
          const status = (error as ResponseError).response?.status;
          // 4xx other than 429 will not get better by retrying
          if (status && status >= 400 && status < 500 && status !== 429) {
            handlers.onState?.({
              state: 'reconnecting',
              attempt: -1,
              retryInMs: 0,
              error: (error as Error).message,
            });
            return;
          }
          attempt += 1;
          const retryInMs = reconnectDelayMs(attempt);
          handlers.onState?.({
            state: 'reconnecting',
            attempt,
            retryInMs,
            error: (error as Error).message,
          });
          await new Promise<void>(resolve => {
            const timer = setTimeout(resolve, retryInMs);
            controller.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
    };
    run();
    return () => controller.abort();
  }

  async listArtifacts(runId: string) {
    const { artifacts } = await this.json<{ artifacts: PipelineArtifact[] }>(
      `/runs/${encodeURIComponent(runId)}/artifacts`,
    );
    return artifacts;
  }

  async downloadArtifact(artifact: PipelineArtifact & { runId: string }) {
    const path = artifact.path.split('/').map(encodeURIComponent).join('/');
    const response = await this.request(
      `/runs/${encodeURIComponent(
        artifact.runId,
      )}/artifacts/${encodeURIComponent(artifact.jobRunId)}/${path}`,
    );
    return response.blob();
  }

  listPipelines(entityRef: string) {
    return this.json<{ repositoryUrl?: string; pipelines: PipelineFile[] }>(
      '/pipelines',
      { query: { entityRef } },
    );
  }

  validate(yaml: string, file?: string) {
    return this.post<ValidationResult>('/validate', { yaml, file });
  }

  getStats(query: { entityRef: string; pipeline?: string; last?: number }) {
    return this.json<{ pipelines: PipelineStats[] }>('/stats', { query });
  }
}
