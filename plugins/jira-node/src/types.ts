import type {
  JiraBoard,
  JiraComment,
  JiraCreatedIssue,
  JiraCreateIssueInput,
  JiraCreateMeta,
  JiraIssue,
  JiraIssueDetail,
  JiraProduct,
  JiraSearchPage,
  JiraSprint,
  JiraTransition,
  JiraUser,
  JiraVersion,
} from '@internal/plugin-jira-common';

/** One `jira.instances[]` entry, read and checked. */
export type JiraInstanceConfig = {
  name: string;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Where browsers open issues; baseUrl unless `browseUrl` is set. Without a trailing slash. */
  browseUrl: string;
  /** Undefined: detected from /rest/api/2/serverInfo on first use. */
  product?: JiraProduct;
  auth:
    | { type: 'basic'; email: string; apiToken: string }
    | { type: 'bearer'; token: string };
  /** Display name → field id (`customfield_10016`). */
  customFields: Record<string, string>;
};

/** Why a Jira call failed, as the UI and actions explain it. */
export type JiraErrorKind =
  | 'badRequest' // 400: bad JQL, a field Jira refuses (Jira's own messages in `jiraMessages`)
  | 'unauthorized' // 401: the credentials of the instance
  | 'forbidden' // 403: the account lacks a Jira permission
  | 'notFound' // 404: project, issue, board…
  | 'rateLimited' // 429 after the bounded waits
  | 'unavailable' // 5xx, 503 after the bounded waits
  | 'network' // connection refused, timeout
  | 'gone'; // 410: an API Jira removed

export class JiraError extends Error {
  readonly name = 'JiraError';
  readonly kind: JiraErrorKind;
  /** The HTTP status, when Jira answered. */
  readonly status?: number;
  readonly instance: string;
  /** Jira's `errorMessages` and `errors` values, verbatim (never credentials). */
  readonly jiraMessages: string[];
  /** Jira's `errors` object: field id → message. */
  readonly fieldErrors: Record<string, string>;
  /** From Retry-After / X-RateLimit-Reset, when rate limited. */
  readonly retryAfterMs?: number;

  constructor(options: {
    message: string;
    kind: JiraErrorKind;
    instance: string;
    status?: number;
    jiraMessages?: string[];
    fieldErrors?: Record<string, string>;
    retryAfterMs?: number;
  }) {
    super(options.message);
    this.kind = options.kind;
    this.instance = options.instance;
    this.status = options.status;
    this.jiraMessages = options.jiraMessages ?? [];
    this.fieldErrors = options.fieldErrors ?? {};
    this.retryAfterMs = options.retryAfterMs;
  }
}

export type JiraChangelogEntry = {
  /** ISO 8601 */
  created: string;
  items: Array<{
    /** `status`, `Story Points`, `Sprint`, … */
    field: string;
    fieldId?: string;
    from?: string | null;
    fromString?: string | null;
    to?: string | null;
    toString?: string | null;
  }>;
};

/**
 * A client of one Jira instance, the same for Cloud (REST v3, Agile 1.0) and Data Center
 * (REST v2, Agile 1.0). Every method throws a `JiraError`. Reads retry 429/503 after
 * `Retry-After` (bounded by `maxRetryWaitSeconds`); writes never retry.
 */
export interface JiraClient {
  readonly instance: JiraInstanceConfig;
  /** The configured product, or the one serverInfo reports (asked once). */
  product(): Promise<JiraProduct>;

  /**
   * One page of a JQL search. Cloud: POST /rest/api/3/search/jql with `nextPageToken` (a null
   * or absent token, or `isLast`, ends it); Data Center: /rest/api/2/search with `startAt`
   * (the token is the next `startAt`). `total` is not filled here: see `count`.
   */
  search(options: {
    jql: string;
    pageToken?: string;
    /** Default `jira.pageSize` (100). */
    maxResults?: number;
    /** Jira field ids; default: what `JiraIssue` needs plus the configured custom fields. */
    fields?: string[];
  }): Promise<JiraSearchPage>;
  /** Every page of a search, one call per page, holding one page at a time. */
  searchPages(options: {
    jql: string;
    maxResults?: number;
    fields?: string[];
  }): AsyncIterable<JiraIssue[]>;
  /** Cloud: POST /rest/api/3/search/approximate-count; Data Center: `total` of maxResults=0. */
  count(jql: string): Promise<number>;

  /** The issue with its description and up to `comments` latest comments (default 20). */
  getIssue(
    key: string,
    options?: { comments?: number },
  ): Promise<JiraIssueDetail>;
  getTransitions(key: string): Promise<JiraTransition[]>;
  /**
   * Moves the issue by the transition's name (case-insensitive) or id. A name that is not
   * allowed now throws `badRequest` listing the allowed names.
   */
  transitionIssue(key: string, transition: string): Promise<JiraTransition>;
  /** Markdown, converted to ADF (Cloud) or wiki markup (Data Center). */
  addComment(key: string, markdown: string): Promise<JiraComment>;
  /** POST /rest/api/{3|2}/issue/{key}/attachments, multipart, with X-Atlassian-Token: no-check. */
  addAttachment(
    key: string,
    file: { filename: string; content: Buffer; contentType?: string },
  ): Promise<{ id: string; filename: string; size: number }>;
  createIssue(
    projectKey: string,
    input: JiraCreateIssueInput,
  ): Promise<JiraCreatedIssue>;
  /** The create metadata of one project (GET /rest/api/{3|2}/issue/createmeta/{key}/issuetypes[/id]). */
  getCreateMeta(
    projectKey: string,
  ): Promise<JiraCreateMeta['projects'][number]>;
  /**
   * Projects whose key or name contains `query` (ignoring case), by key, at most `maxResults`,
   * and how many match: Cloud pages GET /rest/api/3/project/search?query=; Data Center reads
   * GET /rest/api/2/project (every project the account may browse) and narrows it here.
   */
  listProjects(options: { query?: string; maxResults: number }): Promise<{
    projects: Array<{ id: string; key: string; name: string }>;
    total: number;
  }>;
  /** 404 is `notFound` naming the key. */
  getProject(
    projectKey: string,
  ): Promise<{ id: string; key: string; name: string }>;
  /** GET /rest/api/{3|2}/project/{key}/components: every component of the project. */
  getComponents(
    projectKey: string,
  ): Promise<Array<{ id: string; name: string; description?: string }>>;
  createComponent(options: {
    projectKey: string;
    name: string;
    description?: string;
    /** Account id (Cloud) or user name (Data Center). */
    lead?: string;
  }): Promise<{ id: string; name: string }>;
  /** GET /rest/api/3/user/search?query= (Cloud) or /rest/api/2/user/search?username= (DC). */
  findUserByEmail(email: string): Promise<JiraUser | undefined>;

  /** GET /rest/agile/1.0/board?projectKeyOrId= */
  getBoards(projectKey: string): Promise<JiraBoard[]>;
  /** GET /rest/agile/1.0/board/{id}/sprint?state=active; undefined when none is active. */
  getActiveSprint(boardId: number): Promise<JiraSprint | undefined>;
  /** Every issue of a sprint (GET /rest/agile/1.0/sprint/{id}/issue, paged). */
  getSprintIssues(
    sprintId: number,
    options?: { jql?: string },
  ): Promise<JiraIssue[]>;
  /** Every changelog entry of an issue, oldest first (paged). */
  getChangelog(key: string): Promise<JiraChangelogEntry[]>;
  /** GET /rest/api/{3|2}/project/{key}/versions */
  getVersions(projectKey: string): Promise<JiraVersion[]>;
}
