import type {
  JiraComment,
  JiraIssueDetail,
  JiraLinkedRun,
  JiraStatusCategory,
  JiraTransition,
} from '@internal/plugin-jira-common';
import { JiraClientApi } from '../api';
import { issue, overview, sprint } from './fixtures';

/** A request the UI sent, as the backend received it. */
export type RecordedRequest = {
  method: string;
  /** Under `/api/jira`, e.g. `issues/PAY-1/transitions` */
  path: string;
  query: URLSearchParams;
  contentType?: string;
  /** A JSON body, parsed. */
  json?: unknown;
  /** A raw body (attachments), as text. */
  text?: string;
};

type Status = { name: string; category: JiraStatusCategory };

const TO_DO: Status = { name: 'To Do', category: 'new' };
const IN_PROGRESS: Status = { name: 'In Progress', category: 'indeterminate' };
const DONE: Status = { name: 'Done', category: 'done' };

/** Jira's simplified workflow: the transitions out of each status. */
const WORKFLOW: Record<string, JiraTransition[]> = {
  'To Do': [{ id: '11', name: 'Start progress', to: IN_PROGRESS }],
  'In Progress': [
    { id: '21', name: 'Done', to: DONE },
    { id: '31', name: 'Stop progress', to: TO_DO },
  ],
  Done: [{ id: '41', name: 'Reopen', to: TO_DO }],
};

const BASE = 'http://localhost:7007/api/jira';

/**
 * `/api/jira` in memory, answering the routes of `jira-backend`'s router the way it does
 * (status codes, `{ error: { name, message } }` bodies, writes that change what later reads
 * answer). The UI talks to it through the real `JiraClientApi`.
 */
export class FakeJiraBackend {
  readonly issues = new Map<string, JiraIssueDetail>();
  linkedRuns: Record<string, JiraLinkedRun> | undefined = {};
  readonly requests: RecordedRequest[] = [];
  readonly api: JiraClientApi;
  private readonly failures: Array<{
    method: string;
    path: RegExp;
    status: number;
    body: unknown;
  }> = [];
  private clock = Date.parse('2026-11-21T09:00:00.000Z');

  constructor() {
    this.api = new JiraClientApi({
      discoveryApi: { getBaseUrl: async () => BASE },
      fetchApi: { fetch: this.fetch as typeof fetch },
    });
  }

  add(detail: Partial<JiraIssueDetail> & { key: string }): JiraIssueDetail {
    const full: JiraIssueDetail = {
      ...issue(detail.key),
      descriptionMarkdown: '',
      descriptionHtml: '',
      comments: [],
      ...detail,
    };
    this.issues.set(full.key, full);
    return full;
  }

  /** The next `method` request to a path matching `path` answers this error. */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    error: { name: string; message: string },
  ) {
    this.failures.push({ method, path, status, body: { error } });
  }

  /** Requests other than reads of the tab's panels. */
  writes(): RecordedRequest[] {
    return this.requests.filter(r => r.method !== 'GET');
  }

  private now() {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  private readonly fetch = async (
    url: string,
    init: RequestInit = {},
  ): Promise<Response> => {
    const parsed = new URL(url);
    const method = init.method ?? 'GET';
    const path = parsed.pathname.replace(/^\/api\/jira\//, '');
    const headers = (init.headers ?? {}) as Record<string, string>;
    const request: RecordedRequest = {
      method,
      path,
      query: parsed.searchParams,
      contentType: headers['Content-Type'],
    };
    if (typeof init.body === 'string') request.json = JSON.parse(init.body);
    else if (init.body) request.text = await readText(init.body as Blob);
    this.requests.push(request);

    const failure = this.failures.findIndex(
      f => f.method === method && f.path.test(path),
    );
    if (failure >= 0) {
      const [{ status, body }] = this.failures.splice(failure, 1);
      return json(body, status);
    }
    try {
      return json(...this.answer(request));
    } catch (e) {
      return json(
        { error: { name: 'NotFoundError', message: (e as Error).message } },
        404,
      );
    }
  };

  private issue(key: string): JiraIssueDetail {
    const found = this.issues.get(decodeURIComponent(key));
    if (!found) throw new Error(`Issue ${key} was not found`);
    return found;
  }

  private answer(request: RecordedRequest): [unknown, number?] {
    const { method, path, query } = request;
    const route = `${method} ${path}`;
    if (route === 'GET entity/overview') return [overview];
    if (route === 'GET entity/sprint') return [sprint];
    if (route === 'GET entity/versions') return [{ versions: [] }];
    if (route === 'GET entity/issues') {
      const issues = [...this.issues.values()].map(
        ({ descriptionHtml, descriptionMarkdown, comments, ...rest }) => rest,
      );
      return [
        {
          issues,
          total: issues.length,
          notices: [],
          ...(this.linkedRuns ? { linkedRuns: this.linkedRuns } : {}),
        },
      ];
    }
    const match =
      /^issues\/([^/]+)(?:\/(transitions|comments|attachments))?$/.exec(path);
    if (!match) throw new Error(`No route ${route}`);
    const current = this.issue(match[1]);
    const allowed = WORKFLOW[current.status.name] ?? [];
    switch (`${method} ${match[2] ?? ''}`) {
      case 'GET ':
        return [current];
      case 'GET transitions':
        return [{ transitions: allowed }];
      case 'POST transitions': {
        const wanted = (request.json as { transition?: string }).transition;
        const found = allowed.find(t => t.id === wanted);
        if (!found) {
          return [
            {
              error: {
                name: 'InputError',
                message: `issue ${current.key} cannot take the transition "${wanted}" now`,
              },
            },
            400,
          ];
        }
        current.status = found.to;
        current.updated = this.now();
        return [found];
      }
      case 'POST comments': {
        const comment: JiraComment = {
          id: String(current.comments.length + 1000),
          author: { id: 'acc-me', displayName: 'Grace Hopper' },
          bodyMarkdown: (request.json as { body: string }).body,
          created: this.now(),
        };
        current.comments = [...current.comments, comment];
        current.updated = comment.created;
        return [comment, 201];
      }
      case 'POST attachments': {
        const filename = query.get('filename') ?? '';
        const size = request.text?.length ?? 0;
        if (size === 0) {
          return [
            {
              error: {
                name: 'InputError',
                message: 'The attachment is empty',
              },
            },
            400,
          ];
        }
        current.updated = this.now();
        return [{ id: '7001', filename, size }, 201];
      }
      default:
        throw new Error(`No route ${route}`);
    }
  }
}

/** jsdom's files are read by its FileReader (they have no `text()`). */
function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}
