import {
  createApiRef,
  DiscoveryApi,
  FetchApi,
} from '@backstage/frontend-plugin-api';
import type {
  JiraActiveSprint,
  JiraComment,
  JiraCreatedIssue,
  JiraCreateIssueInput,
  JiraCreateMeta,
  JiraEntityIssuesPage,
  JiraIssueDetail,
  JiraIssueFilters,
  JiraNotice,
  JiraOverview,
  JiraReleaseNotes,
  JiraSearchPage,
  JiraTransition,
  JiraVersion,
} from '@internal/plugin-jira-common';

/** A page of issues with what the user should know about it (stale answers, …). */
export type JiraIssuePage = JiraSearchPage & { notices: JiraNotice[] };

export type JiraEntityIssuesRequest = JiraIssueFilters & {
  entityRef: string;
  pageToken?: string;
  /** 1..100; the backend's default is 25. */
  limit?: number;
};

export type JiraIssueRequest = { entityRef: string; key: string };

export type JiraAttachment = { id: string; filename: string; size: number };

/** What the Jira UI reads and writes through `/api/jira` (the backend holds every token). */
export interface JiraApi {
  getOverview(entityRef: string): Promise<JiraOverview>;
  /** A page of the entity's issues with each one's latest linked pipeline run. */
  getEntityIssues(
    request: JiraEntityIssuesRequest,
  ): Promise<JiraEntityIssuesPage>;
  getCreateMeta(entityRef: string): Promise<JiraCreateMeta>;
  createIssue(
    entityRef: string,
    input: JiraCreateIssueInput,
  ): Promise<JiraCreatedIssue>;
  getActiveSprint(entityRef: string): Promise<JiraActiveSprint>;
  getVersions(entityRef: string): Promise<{ versions: JiraVersion[] }>;
  getReleaseNotes(request: {
    entityRef: string;
    version: string;
  }): Promise<JiraReleaseNotes>;
  getIssue(request: JiraIssueRequest): Promise<JiraIssueDetail>;
  getTransitions(
    request: JiraIssueRequest,
  ): Promise<{ transitions: JiraTransition[] }>;
  transitionIssue(
    request: JiraIssueRequest & { transition: string },
  ): Promise<JiraTransition>;
  addComment(
    request: JiraIssueRequest & { body: string },
  ): Promise<JiraComment>;
  addAttachment(
    request: JiraIssueRequest & { filename: string; content: Blob },
  ): Promise<JiraAttachment>;
  /** Open issues assigned to the signed-in user, on every instance. */
  getMyIssues(request?: { limit?: number }): Promise<JiraIssuePage>;
  /** Raw JQL, not narrowed to an entity (needs `jira.search.jql`). */
  search(request: {
    jql: string;
    instance?: string;
    pageToken?: string;
    limit?: number;
  }): Promise<JiraSearchPage>;
}

export const jiraApiRef = createApiRef<JiraApi>().with({
  id: 'plugin.jira.api',
  pluginId: 'jira',
});

/**
 * A refused or failed call, carrying the backend's own message verbatim (Jira's message for
 * bad JQL, the instance and what to check for Jira's 401/403), so the UI can show it as is.
 */
export class JiraApiError extends Error {
  readonly name = 'JiraApiError';
  /** The HTTP status the backend answered. */
  readonly status: number;
  /** The backend's error name: `NotConfigured`, `NotFoundError`, `InputError`, `JiraError`, … */
  readonly errorName: string;
  /** Field id → message, when the backend reports which fields Jira refused. */
  readonly fieldErrors: Record<string, string>;

  constructor(options: {
    message: string;
    status: number;
    errorName: string;
    fieldErrors?: Record<string, string>;
  }) {
    super(options.message);
    this.status = options.status;
    this.errorName = options.errorName;
    this.fieldErrors = options.fieldErrors ?? {};
  }
}

/** The backend answers 503 `NotConfigured` while `jira.instances` is not set. */
export function isNotConfigured(error: unknown): error is JiraApiError {
  return (
    error instanceof JiraApiError &&
    error.status === 503 &&
    error.errorName === 'NotConfigured'
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every(v => typeof v === 'string')
  );
}

/**
 * Reads an error answer. The contract is Backstage's `{ error: { name, message } }`; Jira's
 * per-field messages are taken from `fieldErrors` (beside or inside `error`) when present.
 */
async function errorFromResponse(
  response: Response,
  what: string,
): Promise<JiraApiError> {
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
      : `The Jira backend answered ${response.status}${
          response.statusText ? ` ${response.statusText}` : ''
        } to ${what}`;
  const fieldErrors = [
    body?.fieldErrors,
    error?.fieldErrors,
    body?.errors,
  ].find(isStringRecord);
  return new JiraApiError({
    message,
    status: response.status,
    errorName: typeof error?.name === 'string' ? error.name : 'Error',
    fieldErrors,
  });
}

type Query = Record<string, string | number | string[] | undefined>;

export class JiraClientApi implements JiraApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    body?: { json: unknown } | { raw: Blob },
  ): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('jira');
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === '') continue;
      // Arrays are repeated parameters: `status=A&status=B`
      for (const item of Array.isArray(value) ? value : [value]) {
        params.append(name, String(item));
      }
    }
    const search = params.toString();
    const init: RequestInit = { method };
    if (body && 'json' in body) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body.json);
    } else if (body) {
      init.headers = { 'Content-Type': 'application/octet-stream' };
      init.body = body.raw;
    }
    const response = await this.options.fetchApi.fetch(
      `${base}/${path}${search ? `?${search}` : ''}`,
      init,
    );
    if (!response.ok) {
      throw await errorFromResponse(response, `${method} /${path}`);
    }
    return (await response.json()) as T;
  }

  getOverview(entityRef: string) {
    return this.call<JiraOverview>('GET', 'entity/overview', { entityRef });
  }

  async getEntityIssues(
    request: JiraEntityIssuesRequest,
  ): Promise<JiraEntityIssuesPage> {
    const { entityRef, status, type, assignee, jql, pageToken, limit } =
      request;
    const page = await this.call<
      JiraIssuePage & Partial<Pick<JiraEntityIssuesPage, 'linkedRuns'>>
    >('GET', 'entity/issues', {
      entityRef,
      status,
      type,
      assignee,
      jql: jql?.trim(),
      pageToken,
      limit,
    });
    // A backend from before linked runs answers without them
    return { ...page, linkedRuns: page.linkedRuns ?? {} };
  }

  getCreateMeta(entityRef: string) {
    return this.call<JiraCreateMeta>('GET', 'entity/create-meta', {
      entityRef,
    });
  }

  createIssue(entityRef: string, input: JiraCreateIssueInput) {
    return this.call<JiraCreatedIssue>(
      'POST',
      'entity/issues',
      { entityRef },
      { json: input },
    );
  }

  getActiveSprint(entityRef: string) {
    return this.call<JiraActiveSprint>('GET', 'entity/sprint', { entityRef });
  }

  getVersions(entityRef: string) {
    return this.call<{ versions: JiraVersion[] }>('GET', 'entity/versions', {
      entityRef,
    });
  }

  getReleaseNotes(request: { entityRef: string; version: string }) {
    return this.call<JiraReleaseNotes>('GET', 'entity/release-notes', request);
  }

  getIssue({ entityRef, key }: JiraIssueRequest) {
    return this.call<JiraIssueDetail>(
      'GET',
      `issues/${encodeURIComponent(key)}`,
      { entityRef },
    );
  }

  getTransitions({ entityRef, key }: JiraIssueRequest) {
    return this.call<{ transitions: JiraTransition[] }>(
      'GET',
      `issues/${encodeURIComponent(key)}/transitions`,
      { entityRef },
    );
  }

  transitionIssue({
    entityRef,
    key,
    transition,
  }: JiraIssueRequest & { transition: string }) {
    return this.call<JiraTransition>(
      'POST',
      `issues/${encodeURIComponent(key)}/transitions`,
      { entityRef },
      { json: { transition } },
    );
  }

  addComment({ entityRef, key, body }: JiraIssueRequest & { body: string }) {
    return this.call<JiraComment>(
      'POST',
      `issues/${encodeURIComponent(key)}/comments`,
      { entityRef },
      { json: { body } },
    );
  }

  addAttachment({
    entityRef,
    key,
    filename,
    content,
  }: JiraIssueRequest & { filename: string; content: Blob }) {
    return this.call<JiraAttachment>(
      'POST',
      `issues/${encodeURIComponent(key)}/attachments`,
      { entityRef, filename },
      { raw: content },
    );
  }

  getMyIssues(request: { limit?: number } = {}) {
    return this.call<JiraIssuePage>('GET', 'me/issues', {
      limit: request.limit,
    });
  }

  search(request: {
    jql: string;
    instance?: string;
    pageToken?: string;
    limit?: number;
  }) {
    return this.call<JiraSearchPage>('GET', 'search', request);
  }
}
