import { ResponseError } from '@backstage/errors';
import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  JenkinsBuild,
  JenkinsBuildSummary,
  JenkinsEntityJobsResponse,
  JenkinsJob,
  JenkinsLogChunk,
  JenkinsTriggerResult,
} from '@internal/plugin-jenkins-common';

export type JenkinsBuildRequest = {
  entityRef: string;
  /** `instance:folder/job` */
  job: string;
  number: number;
};

export type JenkinsTestReport = {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  failures: { className: string; name: string; errorDetails?: string }[];
};

/** What the Jenkins UI reads from `/api/jenkins` (the backend holds every token). */
export interface JenkinsApi {
  getEntityJobs(request: {
    entityRef: string;
    limit?: number;
    branch?: string;
  }): Promise<JenkinsEntityJobsResponse>;
  listBuilds(request: {
    entityRef: string;
    job: string;
    offset?: number;
    limit?: number;
    branch?: string;
  }): Promise<{
    job: JenkinsJob;
    builds: JenkinsBuildSummary[];
    nextOffset?: number;
  }>;
  getJob(request: { entityRef: string; job: string }): Promise<JenkinsJob>;
  getBuild(request: JenkinsBuildRequest): Promise<JenkinsBuild>;
  getTestReport(request: JenkinsBuildRequest): Promise<JenkinsTestReport>;
  getConsoleText(request: JenkinsBuildRequest): Promise<string>;
  /**
   * Follows the console live (Server-Sent Events): calls `onChunk` with each new piece of
   * text until Jenkins says there is no more, or `signal` aborts.
   */
  streamLog(
    request: JenkinsBuildRequest & {
      start?: number;
      onChunk: (chunk: JenkinsLogChunk) => void;
      signal?: AbortSignal;
    },
  ): Promise<void>;
  triggerBuild(request: {
    entityRef: string;
    job: string;
    parameters?: Record<string, string | boolean>;
  }): Promise<JenkinsTriggerResult>;
  abortBuild(request: JenkinsBuildRequest): Promise<void>;
  rebuild(request: JenkinsBuildRequest): Promise<JenkinsTriggerResult>;
}

export const jenkinsApiRef = createApiRef<JenkinsApi>().with({
  id: 'plugin.jenkins.api',
  pluginId: 'jenkins',
});

export class JenkinsClientApi implements JenkinsApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async url(
    path: string,
    params: Record<string, string | number | undefined>,
  ) {
    const base = await this.options.discoveryApi.getBaseUrl('jenkins');
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query.set(key, String(value));
    }
    return `${base}/${path}?${query}`;
  }

  private async call(url: string, init?: RequestInit) {
    const response = await this.options.fetchApi.fetch(url, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }

  private async get<T>(
    path: string,
    params: Record<string, string | number | undefined>,
  ): Promise<T> {
    return (await (await this.call(await this.url(path, params))).json()) as T;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const response = await this.call(await this.url(path, {}), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as T;
  }

  getEntityJobs(request: {
    entityRef: string;
    limit?: number;
    branch?: string;
  }) {
    return this.get<JenkinsEntityJobsResponse>('entity-jobs', request);
  }

  listBuilds(request: {
    entityRef: string;
    job: string;
    offset?: number;
    limit?: number;
    branch?: string;
  }) {
    return this.get<{
      job: JenkinsJob;
      builds: JenkinsBuildSummary[];
      nextOffset?: number;
    }>('builds', request);
  }

  getJob(request: { entityRef: string; job: string }) {
    return this.get<JenkinsJob>('jobs', request);
  }

  getBuild({ number, ...request }: JenkinsBuildRequest) {
    return this.get<JenkinsBuild>(`builds/${number}`, request);
  }

  getTestReport({ number, ...request }: JenkinsBuildRequest) {
    return this.get<JenkinsTestReport>(`builds/${number}/tests`, request);
  }

  async getConsoleText({ number, ...request }: JenkinsBuildRequest) {
    return (
      await this.call(await this.url(`builds/${number}/console`, request))
    ).text();
  }

  async streamLog(
    request: JenkinsBuildRequest & {
      start?: number;
      onChunk: (chunk: JenkinsLogChunk) => void;
      signal?: AbortSignal;
    },
  ) {
    const { number, onChunk, signal, entityRef, job, start } = request;
    const response = await this.call(
      await this.url(`builds/${number}/log/stream`, { entityRef, job, start }),
      {
        headers: { Accept: 'text/event-stream' },
        signal,
      },
    );
    if (!response.body) {
      // No streaming body (old browsers, tests): read the log once.
      const chunk = await this.get<JenkinsLogChunk>(`builds/${number}/log`, {
        entityRef,
        job,
        start,
      });
      onChunk(chunk);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data) continue;
        if (event === 'chunk') onChunk(JSON.parse(data) as JenkinsLogChunk);
        if (event === 'error') throw new Error(JSON.parse(data).message);
        if (event === 'end') {
          onChunk({
            text: '',
            nextStart: JSON.parse(data).nextStart,
            more: false,
          });
          return;
        }
      }
    }
  }

  triggerBuild(request: {
    entityRef: string;
    job: string;
    parameters?: Record<string, string | boolean>;
  }) {
    return this.post<JenkinsTriggerResult>('builds', request);
  }

  async abortBuild({ number, ...request }: JenkinsBuildRequest) {
    await this.post(`builds/${number}/abort`, request);
  }

  rebuild({ number, ...request }: JenkinsBuildRequest) {
    return this.post<JenkinsTriggerResult>(`builds/${number}/rebuild`, request);
  }
}
