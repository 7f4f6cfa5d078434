import express from 'express';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JiraProduct } from '@internal/plugin-jira-common';
import { isBounded, JqlError, parseJql } from './jql';
import {
  DEFAULT_FAKE_USERS,
  FAKE_ISSUE_TYPES,
  FAKE_PRIORITIES,
  FakeAttachment,
  FakeBoard,
  FakeComment,
  FakeComponent,
  FakeHistory,
  FakeIssue,
  FakeIssueType,
  FakeProject,
  FakeSprint,
  FakeStatus,
  FakeUser,
  FakeVersion,
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JIRA_FAKE_FIELDS,
  JiraFakeError,
  JiraFakeRole,
  JiraFakeState,
  JiraFakeUserSeed,
  STATUS_CATEGORIES,
} from './JiraFakeState';

export {
  DEFAULT_FAKE_USERS,
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JIRA_FAKE_FIELDS,
  JiraFakeState,
};
export type { JiraFakeRole, JiraFakeUserSeed };

export type JiraFakeOptions = {
  /** `cloud` (REST v3, ADF, Basic email:apiToken) or `datacenter` (REST v2, wiki, Bearer PAT). */
  product?: JiraProduct;
  /** The accounts and their credentials; DEFAULT_FAKE_USERS when absent. */
  users?: JiraFakeUserSeed[];
  /** Seeds the example dataset (`state.seedExample()`). Default false: no projects. */
  example?: boolean;
  /** "Now" of the example dataset (its sprint and changelog are relative to it). */
  now?: Date;
  /**
   * Milliseconds to wait before each answer, so a benchmark against the fake sees a network's
   * round trip instead of loopback's. Default 0.
   */
  latencyMs?: number;
};

export type JiraFakeStartOptions = JiraFakeOptions & {
  /** A path the REST API is served under (a Jira behind `/jira`). Default: the root. */
  contextPath?: string;
};

type Handler = (
  req: express.Request,
  ctx: { user: FakeUser; base: string },
) => unknown | { status: number; body: unknown } | Promise<unknown>;

const REMOVED_SEARCH_MESSAGE =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';
const UNAUTHENTICATED = 'Client must be authenticated to access this resource.';
const ISSUE_NOT_FOUND =
  'Issue does not exist or you do not have permission to see it.';
const NOT_ADF =
  'Operation value must be an Atlassian Document (see the Atlassian Document Format)';

/** Jira's date format: `2024-05-01T10:15:30.000+0000`. */
export function jiraDate(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

const REPLY = Symbol('reply');

function reply(status: number, body: unknown) {
  return { [REPLY]: true, status, body };
}

function isReply(value: unknown): value is { status: number; body: unknown } {
  return typeof value === 'object' && value !== null && REPLY in value;
}

function numberParam(value: unknown, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.floor(n) : fallback;
}

function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap(v => String(v).split(','))
    .map(v => v.trim())
    .filter(Boolean);
  return items;
}

function isAdfDoc(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: string }).type === 'doc' &&
    Array.isArray((value as { content?: unknown }).content)
  );
}

function adfIsEmpty(value: unknown): boolean {
  return !JSON.stringify(value).match(/"text":"[^"]*\S/);
}

/**
 * A local Jira that answers as Atlassian's REST documentation says: Cloud's REST v3 (ADF
 * descriptions, Basic auth with an account's email and API token, the enhanced JQL search with
 * `nextPageToken`, the approximate count, 410 on the removed `/search`) or, with
 * `product: 'datacenter'`, Data Center's REST v2 (wiki markup, Bearer personal access tokens,
 * `startAt`/`total` search, serverInfo's `deploymentType: "Server"`); the Agile 1.0 API
 * (boards, sprints, sprint issues) on both. Errors are Jira's `{"errorMessages":[…],"errors":{…}}`
 * with its statuses: 400 for bad JQL and invalid fields, 401 without valid credentials, 403
 * without a permission or the XSRF header, 404 for unknown projects and issues, 429/503 with
 * `Retry-After` when `state.throttle(…)` asks for it.
 *
 * `await JiraFake.start()` listens on 127.0.0.1 on a free port (tests, benchmarks) and gives
 * its `url`; `new JiraFake().router` does not listen, for the portal's `/api/fakes/jira`.
 */
export class JiraFake {
  readonly state: JiraFakeState;
  readonly router: express.Router;
  readonly product: JiraProduct;
  private readonly latencyMs: number;
  private server?: Server;
  private baseUrl?: string;

  /** A fake listening on 127.0.0.1 on a free port; `close()` it when done. */
  static async start(options: JiraFakeStartOptions = {}): Promise<JiraFake> {
    const fake = new JiraFake(options);
    const contextPath = (options.contextPath ?? '').replace(/\/+$/, '');
    const app = express();
    app.use(contextPath || '/', fake.router);
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake.server = server;
    fake.baseUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }${contextPath}`;
    return fake;
  }

  constructor(options: JiraFakeOptions = {}) {
    this.product = options.product ?? 'cloud';
    this.state = new JiraFakeState(this.product);
    for (const user of options.users ?? DEFAULT_FAKE_USERS) {
      this.state.addUser(user);
    }
    if (options.example) this.state.seedExample({ now: options.now });
    this.latencyMs = options.latencyMs ?? 0;
    this.router = this.createRouter();
  }

  /** The base URL, as `jira.instances[].baseUrl` takes it (after `start()`). */
  get url(): string {
    if (!this.baseUrl) {
      throw new Error(
        'This JiraFake is not listening: create it with JiraFake.start()',
      );
    }
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close(error => (error ? reject(error) : resolve())),
    );
  }

  private get api() {
    return this.product === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  }

  // -------------------------------------------------------------------------------------------
  // JSON as Jira writes it

  private userJson(user: FakeUser | undefined, base: string) {
    if (!user) return null;
    const avatarUrls = Object.fromEntries(
      [48, 24, 16, 32].map(size => [
        `${size}x${size}`,
        `${base}/secure/useravatar?size=${size}&ownerId=${encodeURIComponent(
          user.name,
        )}`,
      ]),
    );
    if (this.product === 'cloud') {
      return {
        self: `${base}/rest/api/3/user?accountId=${encodeURIComponent(
          user.accountId,
        )}`,
        accountId: user.accountId,
        accountType: 'atlassian',
        emailAddress: user.emailAddress,
        avatarUrls,
        displayName: user.displayName,
        active: user.active,
        timeZone: 'Europe/London',
      };
    }
    return {
      self: `${base}/rest/api/2/user?username=${encodeURIComponent(user.name)}`,
      key: user.key,
      name: user.name,
      emailAddress: user.emailAddress,
      avatarUrls,
      displayName: user.displayName,
      active: user.active,
      timeZone: 'Europe/London',
    };
  }

  private statusJson(status: FakeStatus, base: string) {
    const category = STATUS_CATEGORIES[status.category];
    return {
      self: `${base}${this.api}/status/${status.id}`,
      description: '',
      iconUrl: `${base}/images/icons/statuses/generic.png`,
      name: status.name,
      id: status.id,
      statusCategory: {
        self: `${base}${this.api}/statuscategory/${category.id}`,
        ...category,
      },
    };
  }

  private issueTypeJson(type: FakeIssueType, base: string) {
    return {
      self: `${base}${this.api}/issuetype/${type.id}`,
      id: type.id,
      description: type.description,
      iconUrl: `${base}/images/icons/issuetypes/${type.name.toLowerCase()}.svg`,
      name: type.name,
      subtask: type.subtask,
      hierarchyLevel: type.hierarchyLevel,
    };
  }

  private priorityJson(id: string, base: string) {
    const priority = FAKE_PRIORITIES.find(p => p.id === id)!;
    return {
      self: `${base}${this.api}/priority/${priority.id}`,
      iconUrl: `${base}/images/icons/priorities/${priority.name.toLowerCase()}.svg`,
      name: priority.name,
      id: priority.id,
    };
  }

  private componentJson(
    component: FakeComponent,
    project: FakeProject,
    base: string,
    full = false,
  ) {
    return {
      self: `${base}${this.api}/component/${component.id}`,
      id: component.id,
      name: component.name,
      ...(component.description ? { description: component.description } : {}),
      ...(full
        ? {
            ...(component.leadAccountId
              ? {
                  lead: this.userJson(
                    this.state.userById(component.leadAccountId),
                    base,
                  ),
                }
              : {}),
            assigneeType: 'PROJECT_DEFAULT',
            project: project.key,
            projectId: Number(project.id),
          }
        : {}),
    };
  }

  private versionJson(
    version: FakeVersion,
    project: FakeProject,
    base: string,
  ) {
    return {
      self: `${base}${this.api}/version/${version.id}`,
      id: version.id,
      name: version.name,
      archived: version.archived,
      released: version.released,
      ...(version.releaseDate ? { releaseDate: version.releaseDate } : {}),
      projectId: Number(project.id),
    };
  }

  private sprintJson(sprint: FakeSprint, base: string) {
    return {
      id: sprint.id,
      self: `${base}/rest/agile/1.0/sprint/${sprint.id}`,
      state: sprint.state,
      name: sprint.name,
      ...(sprint.startDate
        ? { startDate: sprint.startDate.toISOString() }
        : {}),
      ...(sprint.endDate ? { endDate: sprint.endDate.toISOString() } : {}),
      ...(sprint.completeDate
        ? { completeDate: sprint.completeDate.toISOString() }
        : {}),
      originBoardId: sprint.boardId,
      goal: sprint.goal ?? '',
    };
  }

  private boardJson(board: FakeBoard, base: string) {
    const project = this.state.project(board.projectKey)!;
    return {
      id: board.id,
      self: `${base}/rest/agile/1.0/board/${board.id}`,
      name: board.name,
      type: board.type,
      location: {
        projectId: Number(project.id),
        displayName: `${project.name} (${project.key})`,
        projectName: project.name,
        projectKey: project.key,
        projectTypeKey: 'software',
        name: `${project.name} (${project.key})`,
      },
    };
  }

  private projectBrief(project: FakeProject, base: string) {
    return {
      self: `${base}${this.api}/project/${project.id}`,
      id: project.id,
      key: project.key,
      name: project.name,
      projectTypeKey: 'software',
      simplified: false,
      avatarUrls: {
        '48x48': `${base}/secure/projectavatar?pid=${project.id}`,
      },
    };
  }

  private commentJson(comment: FakeComment, issue: FakeIssue, base: string) {
    const author = this.userJson(this.state.userById(comment.authorId), base);
    return {
      self: `${base}${this.api}/issue/${issue.id}/comment/${comment.id}`,
      id: comment.id,
      author,
      body: comment.body,
      updateAuthor: author,
      created: jiraDate(comment.created),
      updated: jiraDate(comment.updated),
      ...(this.product === 'cloud' ? { jsdPublic: true } : {}),
    };
  }

  private attachmentJson(attachment: FakeAttachment, base: string) {
    return {
      self: `${base}${this.api}/attachment/${attachment.id}`,
      id: attachment.id,
      filename: attachment.filename,
      author: this.userJson(this.state.userById(attachment.authorId), base),
      created: jiraDate(attachment.created),
      size: attachment.size,
      mimeType: attachment.mimeType,
      content: `${base}${this.api}/attachment/content/${attachment.id}`,
    };
  }

  private historyJson(history: FakeHistory, base: string) {
    return {
      id: history.id,
      author: this.userJson(this.state.userById(history.authorId), base),
      created: jiraDate(history.created),
      items: history.items.map(item => ({
        field: item.field,
        fieldtype: item.fieldtype,
        ...(item.fieldId ? { fieldId: item.fieldId } : {}),
        from: item.from,
        fromString: item.fromString,
        to: item.to,
        toString: item.toString,
      })),
    };
  }

  /** The issue with the fields asked for (`*all`, `*navigable`, names, `-name`). */
  private issueJson(
    issue: FakeIssue,
    base: string,
    options: {
      fields?: string[];
      defaultFields: 'all' | 'navigable' | 'id';
      expand?: string[];
    },
  ) {
    const project = this.state.project(issue.projectKey)!;
    const requested = options.fields;
    const wanted = (name: string) => {
      const list = requested ?? [
        options.defaultFields === 'id' ? 'id' : `*${options.defaultFields}`,
      ];
      if (list.includes(`-${name}`)) return false;
      if (list.includes(name)) return true;
      if (list.includes('*all')) return true;
      if (list.includes('*navigable')) return name !== 'comment';
      return false;
    };
    const fields: Record<string, unknown> = {};
    const status = this.state.status(issue.statusId);
    const type = FAKE_ISSUE_TYPES.find(t => t.id === issue.issueTypeId)!;
    const all: Record<string, () => unknown> = {
      summary: () => issue.summary,
      status: () => this.statusJson(status, base),
      issuetype: () => this.issueTypeJson(type, base),
      priority: () => this.priorityJson(issue.priorityId, base),
      assignee: () =>
        this.userJson(this.state.userById(issue.assigneeId), base),
      reporter: () =>
        this.userJson(this.state.userById(issue.reporterId), base),
      creator: () => this.userJson(this.state.userById(issue.reporterId), base),
      labels: () => issue.labels,
      components: () =>
        issue.components.map(id =>
          this.componentJson(
            project.components.find(c => c.id === id)!,
            project,
            base,
          ),
        ),
      fixVersions: () =>
        issue.fixVersions.map(id =>
          this.versionJson(
            project.versions.find(v => v.id === id)!,
            project,
            base,
          ),
        ),
      created: () => jiraDate(issue.created),
      updated: () => jiraDate(issue.updated),
      resolution: () =>
        issue.resolution
          ? {
              self: `${base}${this.api}/resolution/10000`,
              id: '10000',
              description: 'Work has been completed on this issue.',
              name: issue.resolution,
            }
          : null,
      resolutiondate: () =>
        issue.resolutionDate ? jiraDate(issue.resolutionDate) : null,
      description: () => issue.description ?? null,
      project: () => this.projectBrief(project, base),
      comment: () => ({
        comments: issue.comments.map(c => this.commentJson(c, issue, base)),
        self: `${base}${this.api}/issue/${issue.id}/comment`,
        maxResults: issue.comments.length,
        total: issue.comments.length,
        startAt: 0,
      }),
      attachment: () =>
        issue.attachments.map(a => this.attachmentJson(a, base)),
      subtasks: () => [],
      parent: () => {
        const parent = issue.parentKey && this.state.issue(issue.parentKey);
        return parent
          ? {
              id: parent.id,
              key: parent.key,
              self: `${base}${this.api}/issue/${parent.id}`,
              fields: {
                summary: parent.summary,
                status: this.statusJson(
                  this.state.status(parent.statusId),
                  base,
                ),
              },
            }
          : undefined;
      },
      [JIRA_FAKE_FIELDS.storyPoints]: () =>
        issue.customFields[JIRA_FAKE_FIELDS.storyPoints] ?? null,
      [JIRA_FAKE_FIELDS.sprint]: () =>
        issue.sprintIds.length
          ? issue.sprintIds.map(id => {
              const sprint = this.state.sprints.find(s => s.id === id)!;
              return {
                id: sprint.id,
                name: sprint.name,
                state: sprint.state,
                boardId: sprint.boardId,
                goal: sprint.goal ?? '',
                ...(sprint.startDate
                  ? { startDate: sprint.startDate.toISOString() }
                  : {}),
                ...(sprint.endDate
                  ? { endDate: sprint.endDate.toISOString() }
                  : {}),
              };
            })
          : null,
      [JIRA_FAKE_FIELDS.team]: () => {
        const team = issue.customFields[JIRA_FAKE_FIELDS.team] as
          | { id: string; value: string }
          | undefined;
        return team
          ? {
              self: `${base}${this.api}/customFieldOption/${team.id}`,
              value: team.value,
              id: team.id,
            }
          : null;
      },
    };
    for (const [name, value] of Object.entries(all)) {
      if (wanted(name)) {
        const v = value();
        if (v !== undefined) fields[name] = v;
      }
    }
    const onlyId = requested === undefined && options.defaultFields === 'id';
    if (onlyId) return { id: issue.id };
    const json: Record<string, unknown> = {
      expand:
        'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
      id: issue.id,
      self: `${base}${this.api}/issue/${issue.id}`,
      key: issue.key,
      fields,
    };
    if (options.expand?.includes('changelog')) {
      json.changelog = {
        startAt: 0,
        maxResults: issue.changelog.length,
        total: issue.changelog.length,
        histories: issue.changelog.map(h => this.historyJson(h, base)),
      };
    }
    return json;
  }

  // -------------------------------------------------------------------------------------------
  // the router

  private authenticate(req: express.Request): FakeUser | undefined {
    const header = req.headers.authorization ?? '';
    if (this.product === 'cloud') {
      const basic = /^Basic\s+(.+)$/i.exec(header);
      if (!basic) return undefined;
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const user = this.state.userByEmail(decoded.slice(0, colon));
      return user?.apiTokens.includes(decoded.slice(colon + 1))
        ? user
        : undefined;
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    if (!bearer) return undefined;
    return this.state.users.find(u =>
      u.personalAccessTokens.includes(bearer[1].trim()),
    );
  }

  private createRouter(): express.Router {
    const router = express.Router();
    if (this.latencyMs > 0) {
      router.use((_req, _res, next) => {
        setTimeout(next, this.latencyMs);
      });
    }
    router.use(express.json({ limit: '10mb' }));

    const users = new WeakMap<express.Request, FakeUser>();
    router.use((req, res, next) => {
      this.state.recordCall({
        method: req.method,
        path: req.path,
        query: { ...req.query },
        headers: {
          'user-agent': req.headers['user-agent'],
          'x-atlassian-token': req.headers['x-atlassian-token'] as
            | string
            | undefined,
          'content-type': req.headers['content-type'],
          authorization: req.headers.authorization?.split(' ')[0],
        },
      });
      const throttle = this.state.takeThrottle();
      if (throttle) {
        const reset = new Date(Date.now() + throttle.retryAfterSeconds * 1000);
        if (throttle.format === 'seconds') {
          res.setHeader('Retry-After', String(throttle.retryAfterSeconds));
        } else if (throttle.format === 'http-date') {
          res.setHeader('Retry-After', reset.toUTCString());
        }
        res.setHeader('X-RateLimit-Limit', '100');
        res.setHeader('X-RateLimit-Remaining', '0');
        res.setHeader('X-RateLimit-Reset', reset.toISOString());
        res.setHeader('RateLimit-Reason', 'jira-burst-based');
        res.status(throttle.status).json({
          errorMessages: [
            throttle.status === 429
              ? 'Rate limit exceeded.'
              : 'Jira is temporarily unavailable.',
          ],
          errors: {},
        });
        return;
      }
      // serverInfo answers anonymous callers; credentials that are sent must be valid
      const anonymous =
        !req.headers.authorization &&
        req.method === 'GET' &&
        /^\/rest\/api\/[23]\/serverInfo$/.test(req.path);
      const user = this.authenticate(req);
      if (!user && !anonymous) {
        res.status(401).json({ errorMessages: [UNAUTHENTICATED], errors: {} });
        return;
      }
      // Atlassian's XSRF protection refuses writes from browser user agents without the header
      const browser = /Mozilla|Chrome|Safari/i.test(
        req.headers['user-agent'] ?? '',
      );
      if (
        req.method !== 'GET' &&
        browser &&
        String(req.headers['x-atlassian-token']).toLowerCase() !== 'no-check'
      ) {
        res.status(403).type('text/plain').send('XSRF check failed');
        return;
      }
      if (user) users.set(req, user);
      next();
    });

    const handle =
      (fn: Handler) => async (req: express.Request, res: express.Response) => {
        const base = `${req.protocol}://${req.get('host')}${req.baseUrl}`;
        try {
          const result = await fn(req, { user: users.get(req)!, base });
          if (isReply(result)) {
            if (result.body === undefined) res.status(result.status).end();
            else res.status(result.status).json(result.body);
          } else if (result === undefined) {
            res.status(204).end();
          } else {
            res.json(result);
          }
        } catch (error) {
          if (error instanceof JiraFakeError) {
            res.status(error.status).json({
              errorMessages: error.errorMessages,
              errors: error.errors,
            });
          } else if (error instanceof JqlError) {
            res
              .status(400)
              .json({ errorMessages: [error.message], errors: {} });
          } else {
            res.status(500).json({
              errorMessages: [`Internal server error: ${String(error)}`],
              errors: {},
            });
          }
        }
      };
    const api = this.api;
    const cloud = this.product === 'cloud';

    const needIssue = (key: string) => {
      const issue = this.state.issue(key);
      if (!issue) throw new JiraFakeError(404, [ISSUE_NOT_FOUND]);
      return issue;
    };
    const needProject = (key: string) => {
      const project = this.state.project(key);
      if (!project) {
        throw new JiraFakeError(404, [
          `No project could be found with key '${key}'.`,
        ]);
      }
      return project;
    };
    const needWrite = (user: FakeUser, message: string) => {
      if (user.role === 'read') throw new JiraFakeError(403, [message]);
    };
    const params = (req: express.Request) => ({
      ...(req.query as Record<string, unknown>),
      ...(req.method === 'POST' && typeof req.body === 'object'
        ? req.body
        : {}),
    });

    // ---- server info, users, projects ----------------------------------------------------
    const serverInfo: Handler = (_req, { base }) => ({
      baseUrl: base,
      version: cloud ? '1001.0.0-SNAPSHOT' : '9.12.12',
      versionNumbers: cloud ? [1001, 0, 0] : [9, 12, 12],
      deploymentType: cloud ? 'Cloud' : 'Server',
      buildNumber: cloud ? 100280 : 9120012,
      buildDate: '2024-06-01T00:00:00.000+0000',
      serverTime: jiraDate(new Date()),
      scmInfo: 'fake',
      serverTitle: 'Jira',
    });
    router.get('/rest/api/2/serverInfo', handle(serverInfo));
    if (cloud) router.get('/rest/api/3/serverInfo', handle(serverInfo));

    router.get(
      `${api}/myself`,
      handle((_req, { user, base }) => this.userJson(user, base)),
    );

    router.get(
      `${api}/user/search`,
      handle((req, { base }) => {
        const query = cloud ? req.query.query : req.query.username;
        if (cloud && !query && !req.query.accountId) {
          throw new JiraFakeError(400, [
            "The query parameter 'query' or 'accountId' is required.",
          ]);
        }
        if (!cloud && !query) {
          throw new JiraFakeError(400, [
            'The username query parameter was not provided',
          ]);
        }
        const needle = String(query ?? '').toLowerCase();
        const max = numberParam(req.query.maxResults, 50);
        const start = numberParam(req.query.startAt, 0);
        return this.state.users
          .filter(u =>
            req.query.accountId
              ? u.accountId === req.query.accountId
              : [u.emailAddress, u.displayName, u.name].some(v =>
                  v.toLowerCase().startsWith(needle),
                ) || u.displayName.toLowerCase().includes(` ${needle}`),
          )
          .slice(start, start + max)
          .map(u => this.userJson(u, base));
      }),
    );

    router.get(
      `${api}/user`,
      handle((req, { base }) => {
        const id = String(
          (cloud ? req.query.accountId : req.query.username ?? req.query.key) ??
            '',
        );
        const user = this.state.userById(id);
        if (!user) {
          throw new JiraFakeError(404, [
            cloud
              ? `Specified user does not exist or you do not have required permissions`
              : `The user named '${id}' does not exist`,
          ]);
        }
        return this.userJson(user, base);
      }),
    );

    router.get(
      `${api}/project`,
      handle((_req, { base }) =>
        [...this.state.projects.values()].map(p => this.projectBrief(p, base)),
      ),
    );
    if (cloud) {
      router.get(
        `${api}/project/search`,
        handle((req, { base }) => {
          // `query`: key or name contains it, ignoring case; `orderBy`: key (default) or name
          const needle = String(req.query.query ?? '').toLowerCase();
          const orderBy = String(req.query.orderBy ?? 'key');
          const order = /^([+-]?)(key|name)$/.exec(orderBy);
          if (!order) {
            throw new JiraFakeError(400, [
              `The value '${orderBy}' is invalid for the orderBy parameter (the fake knows key and name).`,
            ]);
          }
          const field = order[2] as 'key' | 'name';
          const all = [...this.state.projects.values()]
            .filter(
              p =>
                !needle ||
                p.key.toLowerCase().includes(needle) ||
                p.name.toLowerCase().includes(needle),
            )
            .sort(
              (a, b) =>
                (order[1] === '-' ? -1 : 1) *
                a[field].localeCompare(b[field], 'en-US'),
            );
          const start = numberParam(req.query.startAt, 0);
          const max = numberParam(req.query.maxResults, 50);
          const values = all.slice(start, start + max);
          return {
            self: `${base}${req.originalUrl}`,
            maxResults: max,
            startAt: start,
            total: all.length,
            isLast: start + values.length >= all.length,
            values: values.map(p => this.projectBrief(p, base)),
          };
        }),
      );
    }
    router.get(
      `${api}/project/:key`,
      handle((req, { base }) => {
        const project = needProject(req.params.key);
        return {
          expand:
            'description,lead,issueTypes,url,projectKeys,permissions,insight',
          ...this.projectBrief(project, base),
          description: '',
          lead: this.userJson(this.state.userById(project.leadAccountId), base),
          components: project.components.map(c =>
            this.componentJson(c, project, base),
          ),
          issueTypes: FAKE_ISSUE_TYPES.map(t => this.issueTypeJson(t, base)),
          versions: project.versions.map(v =>
            this.versionJson(v, project, base),
          ),
          style: 'classic',
        };
      }),
    );
    router.get(
      `${api}/project/:key/versions`,
      handle((req, { base }) => {
        const project = needProject(req.params.key);
        return project.versions.map(v => this.versionJson(v, project, base));
      }),
    );
    router.get(
      `${api}/project/:key/components`,
      handle((req, { base }) => {
        const project = needProject(req.params.key);
        return project.components.map(c =>
          this.componentJson(c, project, base, true),
        );
      }),
    );
    router.post(
      `${api}/component`,
      handle((req, { user, base }) => {
        const body = req.body ?? {};
        if (user.role !== 'admin') {
          throw new JiraFakeError(403, [
            'The user does not have permission to complete this operation.',
          ]);
        }
        const project = needProject(
          String(body.project ?? body.projectId ?? ''),
        );
        if (typeof body.name !== 'string' || !body.name.trim()) {
          throw new JiraFakeError(400, [], {
            name: 'The component name specified is invalid - cannot be empty.',
          });
        }
        const leadId = cloud ? body.leadAccountId : body.leadUserName;
        const lead = leadId ? this.state.userById(String(leadId)) : undefined;
        if (leadId && !lead) {
          throw new JiraFakeError(400, [], {
            [cloud ? 'leadAccountId' : 'leadUserName']: cloud
              ? 'The user does not exist.'
              : `The user '${leadId}' does not exist.`,
          });
        }
        const component = this.state.addComponent(project.key, {
          name: body.name.trim(),
          description: body.description,
          leadAccountId: lead?.accountId,
        });
        return reply(201, this.componentJson(component, project, base, true));
      }),
    );

    // ---- search -------------------------------------------------------------------------
    const gone = handle(() => {
      throw new JiraFakeError(410, [REMOVED_SEARCH_MESSAGE]);
    });
    if (cloud) {
      router.get('/rest/api/3/search', gone);
      router.post('/rest/api/3/search', gone);
      router.get('/rest/api/2/search', gone);
      router.post('/rest/api/2/search', gone);

      const enhanced: Handler = (req, { user, base }) => {
        const p = params(req);
        const jql = String(p.jql ?? '');
        const query = parseJql(jql);
        if (!isBounded(query)) {
          throw new JiraFakeError(400, [
            'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
          ]);
        }
        const issues = this.state.query(query, user);
        const hash = createHash('sha256')
          .update(jql)
          .digest('hex')
          .slice(0, 12);
        let offset = 0;
        if (p.nextPageToken) {
          try {
            const token = JSON.parse(
              Buffer.from(String(p.nextPageToken), 'base64url').toString(),
            );
            if (token.q !== hash || !Number.isInteger(token.o))
              throw new Error();
            offset = token.o;
          } catch {
            throw new JiraFakeError(400, [
              'The provided next page token is invalid or expired.',
            ]);
          }
        }
        const fields = listParam(p.fields);
        const limit =
          fields && fields.every(f => f === 'id' || f === 'key') ? 5000 : 100;
        const max = Math.max(1, Math.min(numberParam(p.maxResults, 50), limit));
        const page = issues.slice(offset, offset + max);
        const isLast = offset + page.length >= issues.length;
        return {
          issues: page.map(issue =>
            this.issueJson(issue, base, {
              fields,
              defaultFields: 'id',
              expand: listParam(p.expand),
            }),
          ),
          // Jira sends the key with a null value on the last page
          nextPageToken: isLast
            ? null
            : Buffer.from(
                JSON.stringify({ o: offset + page.length, q: hash }),
              ).toString('base64url'),
          isLast,
        };
      };
      router.get('/rest/api/3/search/jql', handle(enhanced));
      router.post('/rest/api/3/search/jql', handle(enhanced));
      router.post(
        '/rest/api/3/search/approximate-count',
        handle((req, { user }) => {
          const query = parseJql(String(req.body?.jql ?? ''));
          if (!isBounded(query)) {
            throw new JiraFakeError(400, [
              'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
            ]);
          }
          return { count: this.state.query(query, user).length };
        }),
      );
    } else {
      const search: Handler = (req, { user, base }) => {
        const p = params(req);
        const issues = this.state.query(parseJql(String(p.jql ?? '')), user);
        const startAt = Math.max(0, numberParam(p.startAt, 0));
        const max = Math.max(0, Math.min(numberParam(p.maxResults, 50), 1000));
        return {
          expand: 'schema,names',
          startAt,
          maxResults: max,
          total: issues.length,
          issues: issues.slice(startAt, startAt + max).map(issue =>
            this.issueJson(issue, base, {
              fields: listParam(p.fields),
              defaultFields: 'navigable',
              expand: listParam(p.expand),
            }),
          ),
        };
      };
      router.get('/rest/api/2/search', handle(search));
      router.post('/rest/api/2/search', handle(search));
    }

    // ---- issues -------------------------------------------------------------------------
    router.get(
      `${api}/issue/createmeta/:project/issuetypes`,
      handle((req, { base }) => {
        needProject(req.params.project);
        const start = numberParam(req.query.startAt, 0);
        const max = numberParam(req.query.maxResults, 50);
        const types = FAKE_ISSUE_TYPES.slice(start, start + max).map(t =>
          this.issueTypeJson(t, base),
        );
        const page = {
          maxResults: max,
          startAt: start,
          total: FAKE_ISSUE_TYPES.length,
        };
        return cloud
          ? { ...page, issueTypes: types }
          : {
              ...page,
              isLast: start + types.length >= FAKE_ISSUE_TYPES.length,
              values: types,
            };
      }),
    );
    router.get(
      `${api}/issue/createmeta/:project/issuetypes/:typeId`,
      handle((req, { base }) => {
        const project = needProject(req.params.project);
        const type = FAKE_ISSUE_TYPES.find(t => t.id === req.params.typeId);
        if (!type) {
          throw new JiraFakeError(404, [
            `Issue type with id '${req.params.typeId}' does not exist or is not valid for project '${project.key}'.`,
          ]);
        }
        const fields = this.createFields(project, type, base);
        const start = numberParam(req.query.startAt, 0);
        const max = numberParam(req.query.maxResults, 50);
        const page = fields.slice(start, start + max);
        const meta = { maxResults: max, startAt: start, total: fields.length };
        return cloud
          ? { ...meta, fields: page }
          : {
              ...meta,
              isLast: start + page.length >= fields.length,
              values: page,
            };
      }),
    );

    router.post(
      `${api}/issue`,
      handle((req, { user, base }) => {
        const issue = this.createIssue(req.body?.fields, user);
        return reply(201, {
          id: issue.id,
          key: issue.key,
          self: `${base}${api}/issue/${issue.id}`,
        });
      }),
    );

    router.get(
      `${api}/issue/:key`,
      handle((req, { base }) =>
        this.issueJson(needIssue(req.params.key), base, {
          fields: listParam(req.query.fields),
          defaultFields: 'all',
          expand: listParam(req.query.expand),
        }),
      ),
    );

    if (cloud) {
      router.get(
        `${api}/issue/:key/changelog`,
        handle((req, { base }) => {
          const issue = needIssue(req.params.key);
          const start = Math.max(0, numberParam(req.query.startAt, 0));
          const max = Math.max(
            1,
            Math.min(numberParam(req.query.maxResults, 100), 100),
          );
          const values = issue.changelog.slice(start, start + max);
          const isLast = start + values.length >= issue.changelog.length;
          return {
            self: `${base}${req.originalUrl}`,
            ...(isLast
              ? {}
              : {
                  nextPage: `${base}${api}/issue/${
                    issue.key
                  }/changelog?startAt=${
                    start + values.length
                  }&maxResults=${max}`,
                }),
            maxResults: max,
            startAt: start,
            total: issue.changelog.length,
            isLast,
            values: values.map(h => this.historyJson(h, base)),
          };
        }),
      );
    }

    router.get(
      `${api}/issue/:key/transitions`,
      handle((req, { base }) => {
        const issue = needIssue(req.params.key);
        return {
          expand: 'transitions',
          transitions: this.state.transitionsOf(issue).map(t => ({
            id: t.id,
            name: t.name,
            to: this.statusJson(this.state.status(t.to), base),
            hasScreen: false,
            isGlobal: false,
            isInitial: false,
            isAvailable: true,
            isConditional: false,
            isLooped: false,
          })),
        };
      }),
    );
    router.post(
      `${api}/issue/:key/transitions`,
      handle((req, { user }) => {
        const issue = needIssue(req.params.key);
        needWrite(user, 'You do not have permission to transition this issue.');
        const id = req.body?.transition?.id;
        if (id === undefined || id === null || id === '') {
          throw new JiraFakeError(400, ["Missing 'transition' identifier"]);
        }
        this.state.transition(issue, String(id), user.accountId);
        return reply(204, undefined);
      }),
    );

    router.get(
      `${api}/issue/:key/comment`,
      handle((req, { base }) => {
        const issue = needIssue(req.params.key);
        const start = Math.max(0, numberParam(req.query.startAt, 0));
        const max = Math.max(0, numberParam(req.query.maxResults, 5000));
        const order = String(req.query.orderBy ?? 'created');
        const sorted = [...issue.comments].sort(
          (a, b) =>
            a.created.getTime() - b.created.getTime() ||
            Number(a.id) - Number(b.id),
        );
        if (order === '-created') sorted.reverse();
        return {
          startAt: start,
          maxResults: max,
          total: sorted.length,
          comments: sorted
            .slice(start, start + max)
            .map(c => this.commentJson(c, issue, base)),
        };
      }),
    );
    router.post(
      `${api}/issue/:key/comment`,
      handle((req, { user, base }) => {
        const issue = needIssue(req.params.key);
        needWrite(
          user,
          'You do not have the permission to comment on this issue.',
        );
        const body = req.body?.body;
        if (cloud ? !isAdfDoc(body) : typeof body !== 'string') {
          throw new JiraFakeError(400, [], {
            comment: cloud ? NOT_ADF : 'Comment body can not be empty!',
          });
        }
        if (cloud ? adfIsEmpty(body) : !String(body).trim()) {
          throw new JiraFakeError(400, [], {
            comment: 'Comment body can not be empty!',
          });
        }
        const comment = this.state.addComment(issue, {
          authorId: user.accountId,
          body,
        });
        return reply(201, this.commentJson(comment, issue, base));
      }),
    );

    router.post(
      `${api}/issue/:key/attachments`,
      express.raw({ type: () => true, limit: '20mb' }),
      async (req, res, next) => {
        // The documented XSRF rule: attachments need this header, whatever the client
        if (
          String(req.headers['x-atlassian-token']).toLowerCase() !== 'no-check'
        ) {
          res.status(403).type('text/plain').send('XSRF check failed');
          return;
        }
        next();
      },
      handle(async (req, { user, base }) => {
        const issue = needIssue(req.params.key);
        needWrite(
          user,
          'You do not have permission to create attachments for this issue.',
        );
        const type = String(req.headers['content-type'] ?? '');
        if (!type.startsWith('multipart/form-data')) {
          throw new JiraFakeError(415, [
            `Unsupported media type '${type}': attachments are multipart/form-data`,
          ]);
        }
        let form: FormData;
        try {
          form = await new Response(req.body as Buffer, {
            headers: { 'content-type': type },
          }).formData();
        } catch {
          throw new JiraFakeError(400, [
            'The multipart body could not be read.',
          ]);
        }
        const files = form
          .getAll('file')
          .filter((f): f is File => typeof f !== 'string');
        if (files.length === 0) {
          throw new JiraFakeError(400, [
            "The request has no part named 'file' with a file in it.",
          ]);
        }
        const added = [];
        for (const file of files) {
          added.push(
            this.state.addAttachment(issue, {
              filename: file.name,
              mimeType: file.type || 'application/octet-stream',
              content: Buffer.from(await file.arrayBuffer()),
              authorId: user.accountId,
            }),
          );
        }
        return added.map(a => this.attachmentJson(a, base));
      }),
    );
    router.get(`${api}/attachment/content/:id`, (req, res) => {
      for (const issue of this.state.issues.values()) {
        const attachment = issue.attachments.find(a => a.id === req.params.id);
        if (attachment) {
          res.type(attachment.mimeType).send(attachment.content);
          return;
        }
      }
      res.status(404).json({
        errorMessages: [
          `The attachment with id '${req.params.id}' does not exist`,
        ],
        errors: {},
      });
    });

    // ---- agile --------------------------------------------------------------------------
    router.get(
      '/rest/agile/1.0/board',
      handle((req, { base }) => {
        const key = req.query.projectKeyOrId as string | undefined;
        if (key && !this.state.project(key)) {
          throw new JiraFakeError(400, [
            `No project could be found with key or id '${key}'.`,
          ]);
        }
        const project = key ? this.state.project(key) : undefined;
        const boards = this.state.boards.filter(
          b =>
            (!project || b.projectKey === project.key) &&
            (!req.query.type || b.type === req.query.type) &&
            (!req.query.name ||
              b.name
                .toLowerCase()
                .includes(String(req.query.name).toLowerCase())),
        );
        const start = numberParam(req.query.startAt, 0);
        const max = Math.max(
          1,
          Math.min(numberParam(req.query.maxResults, 50), 50),
        );
        const values = boards.slice(start, start + max);
        return {
          maxResults: max,
          startAt: start,
          total: boards.length,
          isLast: start + values.length >= boards.length,
          values: values.map(b => this.boardJson(b, base)),
        };
      }),
    );
    const needBoard = (id: string) => {
      const board = this.state.boards.find(b => String(b.id) === id);
      if (!board) {
        throw new JiraFakeError(404, [
          'The requested board cannot be viewed because it either does not exist or you do not have permission to view it.',
        ]);
      }
      return board;
    };
    const needSprint = (id: string) => {
      const sprint = this.state.sprints.find(s => String(s.id) === id);
      if (!sprint) {
        throw new JiraFakeError(404, [`Sprint with id ${id} does not exist.`]);
      }
      return sprint;
    };
    router.get(
      '/rest/agile/1.0/board/:id',
      handle((req, { base }) => this.boardJson(needBoard(req.params.id), base)),
    );
    router.get(
      '/rest/agile/1.0/board/:id/sprint',
      handle((req, { base }) => {
        const board = needBoard(req.params.id);
        if (board.type !== 'scrum') {
          throw new JiraFakeError(400, ['The board does not support sprints']);
        }
        const states = listParam(req.query.state);
        const sprints = this.state.sprints.filter(
          s => s.boardId === board.id && (!states || states.includes(s.state)),
        );
        const start = numberParam(req.query.startAt, 0);
        const max = Math.max(
          1,
          Math.min(numberParam(req.query.maxResults, 50), 50),
        );
        const values = sprints.slice(start, start + max);
        return {
          maxResults: max,
          startAt: start,
          isLast: start + values.length >= sprints.length,
          values: values.map(s => this.sprintJson(s, base)),
        };
      }),
    );
    router.get(
      '/rest/agile/1.0/sprint/:id',
      handle((req, { base }) =>
        this.sprintJson(needSprint(req.params.id), base),
      ),
    );
    router.get(
      '/rest/agile/1.0/sprint/:id/issue',
      handle((req, { user, base }) => {
        const sprint = needSprint(req.params.id);
        const jql = req.query.jql ? String(req.query.jql) : '';
        const matching = new Set(
          this.state.query(parseJql(jql), user).map(i => i.id),
        );
        const issues = this.state
          .query(parseJql('ORDER BY rank'), user)
          .filter(i => i.sprintIds.includes(sprint.id) && matching.has(i.id));
        const start = Math.max(0, numberParam(req.query.startAt, 0));
        const max = Math.max(
          1,
          Math.min(numberParam(req.query.maxResults, 50), 100),
        );
        return {
          expand: 'schema,names',
          startAt: start,
          maxResults: max,
          total: issues.length,
          issues: issues.slice(start, start + max).map(issue =>
            this.issueJson(issue, base, {
              fields: listParam(req.query.fields),
              defaultFields: 'navigable',
              expand: listParam(req.query.expand),
            }),
          ),
        };
      }),
    );

    // ---- anything else ------------------------------------------------------------------
    router.use((req, res) => {
      res.status(404).json({
        message: `null for uri: ${req.protocol}://${req.get('host')}${
          req.originalUrl
        }`,
        'status-code': 404,
      });
    });
    router.use(
      (
        error: Error & { type?: string; status?: number },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        res.status(error.status ?? 400).json({
          errorMessages: [
            error.type === 'entity.parse.failed'
              ? 'Unexpected character in the JSON body: the request body is not valid JSON.'
              : error.message,
          ],
          errors: {},
        });
      },
    );
    return router;
  }

  // -------------------------------------------------------------------------------------------
  // create metadata and create

  private createFields(
    project: FakeProject,
    type: FakeIssueType,
    base: string,
  ) {
    const field = (
      fieldId: string,
      name: string,
      schema: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ) => ({
      required: false,
      schema,
      name,
      key: fieldId,
      fieldId,
      hasDefaultValue: false,
      operations: ['set'],
      ...extra,
    });
    const fields = [
      field(
        'summary',
        'Summary',
        { type: 'string', system: 'summary' },
        { required: true },
      ),
      field(
        'issuetype',
        'Issue Type',
        { type: 'issuetype', system: 'issuetype' },
        {
          required: true,
          allowedValues: [this.issueTypeJson(type, base)],
        },
      ),
      field(
        'project',
        'Project',
        { type: 'project', system: 'project' },
        {
          required: true,
          allowedValues: [this.projectBrief(project, base)],
        },
      ),
      field('description', 'Description', {
        type: 'string',
        system: 'description',
      }),
      field('assignee', 'Assignee', { type: 'user', system: 'assignee' }),
      field('labels', 'Labels', {
        type: 'array',
        items: 'string',
        system: 'labels',
      }),
      field(
        'components',
        'Components',
        { type: 'array', items: 'component', system: 'components' },
        {
          allowedValues: project.components.map(c =>
            this.componentJson(c, project, base),
          ),
        },
      ),
      field(
        'fixVersions',
        'Fix versions',
        { type: 'array', items: 'version', system: 'fixVersions' },
        {
          allowedValues: project.versions.map(v =>
            this.versionJson(v, project, base),
          ),
        },
      ),
      field(
        'priority',
        'Priority',
        { type: 'priority', system: 'priority' },
        {
          allowedValues: FAKE_PRIORITIES.map(p =>
            this.priorityJson(p.id, base),
          ),
          hasDefaultValue: true,
        },
      ),
      field(
        JIRA_FAKE_FIELDS.team,
        'Team',
        {
          type: 'option',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
          customId: 10001,
        },
        {
          allowedValues: [
            { id: '10100', value: 'Payments Core' },
            { id: '10101', value: 'Storefront' },
            { id: '10102', value: 'Finance Platform' },
          ].map(o => ({
            self: `${base}${this.api}/customFieldOption/${o.id}`,
            ...o,
          })),
        },
      ),
    ];
    if (!type.subtask && type.name !== 'Epic') {
      fields.push(
        field(JIRA_FAKE_FIELDS.storyPoints, 'Story Points', {
          type: 'number',
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:float',
          customId: 10016,
        }),
        field(JIRA_FAKE_FIELDS.sprint, 'Sprint', {
          type: 'array',
          items: 'json',
          custom: 'com.pyxis.greenhopper.jira:gh-sprint',
          customId: 10020,
        }),
      );
    }
    if (type.subtask) {
      fields.push(
        field(
          'parent',
          'Parent',
          { type: 'issuelink', system: 'parent' },
          {
            required: true,
          },
        ),
      );
    }
    return fields;
  }

  private createIssue(
    fields: Record<string, any> | undefined,
    user: FakeUser,
  ): FakeIssue {
    const cloud = this.product === 'cloud';
    const errors: Record<string, string> = {};
    if (!fields || typeof fields !== 'object') {
      throw new JiraFakeError(400, [], {
        project: 'Specify a valid project ID or key',
        summary: 'You must specify a summary of the issue.',
        issuetype: 'Specify an issue type',
      });
    }
    const projectRef = fields.project?.key ?? fields.project?.id;
    const project = projectRef
      ? this.state.project(String(projectRef))
      : undefined;
    if (!project) {
      errors.project = projectRef
        ? 'Specify a valid project ID or key'
        : 'Specify a valid project ID or key';
    } else if (user.role === 'read') {
      errors.project =
        'You do not have permission to create issues in this project.';
    }
    let type: FakeIssueType | undefined;
    if (!fields.issuetype || (!fields.issuetype.id && !fields.issuetype.name)) {
      errors.issuetype = 'Specify an issue type';
    } else {
      type = FAKE_ISSUE_TYPES.find(
        t =>
          t.id === String(fields.issuetype.id ?? '') ||
          t.name.toLowerCase() ===
            String(fields.issuetype.name ?? '').toLowerCase(),
      );
      if (!type) errors.issuetype = 'Specify a valid issue type';
    }
    const summary = fields.summary;
    if (typeof summary !== 'string' || !summary.trim()) {
      errors.summary = 'You must specify a summary of the issue.';
    } else if (summary.length > 255) {
      errors.summary = 'Summary must be less than 255 characters.';
    }
    if (fields.description !== undefined && fields.description !== null) {
      if (
        cloud
          ? !isAdfDoc(fields.description)
          : typeof fields.description !== 'string'
      ) {
        errors.description = cloud
          ? NOT_ADF
          : 'Operation value must be a string';
      }
    }
    let assigneeId: string | undefined;
    if (fields.assignee) {
      const ref = cloud
        ? fields.assignee.accountId
        : fields.assignee.name ?? fields.assignee.key;
      const assignee = this.state.users.find(u => {
        if (!ref) return false;
        if (cloud) return u.accountId === ref;
        return fields.assignee.name ? u.name === ref : u.key === ref;
      });
      if (!assignee) {
        errors.assignee = cloud
          ? 'Specified user does not exist or you do not have required permissions'
          : `User '${ref}' does not exist.`;
      } else {
        assigneeId = assignee.accountId;
      }
    }
    const labels: string[] = [];
    for (const label of fields.labels ?? []) {
      if (typeof label !== 'string' || /\s/.test(label)) {
        errors.labels = `The label '${label}' contains spaces which is invalid.`;
      } else {
        labels.push(label);
      }
    }
    const components: string[] = [];
    for (const ref of fields.components ?? []) {
      const component = project?.components.find(
        c => c.id === String(ref.id ?? '') || c.name === ref.name,
      );
      if (!component) {
        errors.components = ref.name
          ? `Component name '${ref.name}' is not valid`
          : `Component with id '${ref.id}' does not exist.`;
      } else {
        components.push(component.name);
      }
    }
    const fixVersions: string[] = [];
    for (const ref of fields.fixVersions ?? []) {
      const version = project?.versions.find(
        v => v.id === String(ref.id ?? '') || v.name === ref.name,
      );
      if (!version) {
        errors.fixVersions = `Version name '${
          ref.name ?? ref.id
        }' is not valid`;
      } else {
        fixVersions.push(version.name);
      }
    }
    let priority: string | undefined;
    if (fields.priority) {
      const found = FAKE_PRIORITIES.find(
        p =>
          p.id === String(fields.priority.id ?? '') ||
          p.name === fields.priority.name,
      );
      if (!found)
        errors.priority =
          'Specify the Priority (id or name) in the string format';
      priority = found?.name;
    }
    let parentKey: string | undefined;
    if (type?.subtask) {
      const parentRef = fields.parent?.key ?? fields.parent?.id;
      const parent = parentRef
        ? this.state.issue(String(parentRef))
        : undefined;
      if (!parent) {
        errors.parent = parentRef
          ? `Could not find issue by id or key '${parentRef}'.`
          : 'Issue type is a sub-task but parent issue key or id not specified.';
      }
      parentKey = parent?.key;
    }
    const customFields: Record<string, unknown> = {};
    let storyPoints: number | undefined;
    const sprintIds: number[] = [];
    const known = new Set([
      'project',
      'issuetype',
      'summary',
      'description',
      'assignee',
      'labels',
      'components',
      'fixVersions',
      'priority',
      'parent',
      'reporter',
    ]);
    for (const [key, value] of Object.entries(fields)) {
      if (known.has(key)) continue;
      const onScreen =
        key === JIRA_FAKE_FIELDS.team ||
        ((key === JIRA_FAKE_FIELDS.storyPoints ||
          key === JIRA_FAKE_FIELDS.sprint) &&
          type !== undefined &&
          !type.subtask &&
          type.name !== 'Epic');
      if (!onScreen) {
        errors[
          key
        ] = `Field '${key}' cannot be set. It is not on the appropriate screen, or unknown.`;
        continue;
      }
      if (key === JIRA_FAKE_FIELDS.storyPoints) {
        if (value !== null && typeof value !== 'number') {
          errors[key] = 'Operation value must be a number';
        } else if (typeof value === 'number') {
          storyPoints = value;
        }
      } else if (key === JIRA_FAKE_FIELDS.sprint) {
        const sprint = this.state.sprints.find(s => s.id === Number(value));
        if (!sprint) errors[key] = `Sprint with id ${value} does not exist.`;
        else sprintIds.push(sprint.id);
      } else if (key === JIRA_FAKE_FIELDS.team) {
        const option = [
          { id: '10100', value: 'Payments Core' },
          { id: '10101', value: 'Storefront' },
          { id: '10102', value: 'Finance Platform' },
        ].find(
          o =>
            o.id === String((value as any)?.id ?? '') ||
            o.value === (value as any)?.value,
        );
        if (!option)
          errors[key] = `Option value '${JSON.stringify(value)}' is not valid`;
        else customFields[key] = option;
      }
    }
    if (Object.keys(errors).length) throw new JiraFakeError(400, [], errors);
    const issue = this.state.addIssue({
      projectKey: project!.key,
      issueType: type!.id,
      summary: summary.trim(),
      description: fields.description ?? null,
      priority,
      labels,
      components,
      fixVersions,
      storyPoints,
      sprintIds,
      parentKey,
      customFields,
      reporterEmail: user.emailAddress,
    });
    issue.assigneeId = assigneeId;
    return issue;
  }
}
