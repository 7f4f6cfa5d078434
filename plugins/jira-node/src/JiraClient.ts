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
import { JiraHttp, JiraHttpOptions, JiraHttpRequest } from './JiraHttp';
import { JiraJsClient, loadJiraJsAgile, loadJiraJsCloud } from './jiraJs';
import {
  ISSUE_FIELDS,
  issueUrl,
  mapComment,
  mapCreateField,
  mapHistory,
  mapIssue,
  mapTransition,
  mapUser,
  mapVersion,
  RawComment,
  RawHistory,
  RawIssue,
  RawTransition,
  RawUser,
} from './mapping';
import {
  adfToHtml,
  adfToMarkdown,
  bodyToAdf,
  markdownToAdf,
  markdownToWiki,
} from './markup';
import {
  JiraChangelogEntry,
  JiraClient,
  JiraError,
  JiraInstanceConfig,
} from './types';

export type DefaultJiraClientOptions = Omit<JiraHttpOptions, 'instance'> & {
  /** Issues per search call. Default 100. */
  pageSize?: number;
};

const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$|^\d+$/;
const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]*$|^\d+$/;
const CUSTOM_FIELD_ID = /^customfield_\d+$/;
/** Projects per call of Cloud's paged project search (its default page). */
const PROJECT_PAGE = 50;

type RawPage<T> = {
  startAt?: number;
  maxResults?: number;
  total?: number;
  isLast?: boolean;
  values?: T[];
};

/**
 * A `JiraClient` of one instance. Jira Cloud's platform calls (REST v3) go through jira.js's
 * functions and Agile 1.0 boards and sprints through its Agile functions, both driven by
 * Comet's own transport (`JiraHttp`: timeouts, the bounded retry of reads, errors); Data Center
 * speaks REST v2 with the same transport. Descriptions and comments are converted between
 * Markdown and ADF (Cloud) or wiki markup (Data Center).
 */
export class DefaultJiraClient implements JiraClient {
  private readonly http: JiraHttp;
  private readonly pageSize: number;
  private detected?: Promise<JiraProduct>;

  static create(
    instance: JiraInstanceConfig,
    options: DefaultJiraClientOptions = {},
  ): DefaultJiraClient {
    return new DefaultJiraClient(instance, options);
  }

  constructor(
    readonly instance: JiraInstanceConfig,
    options: DefaultJiraClientOptions = {},
  ) {
    this.http = new JiraHttp({ ...options, instance });
    this.pageSize = options.pageSize ?? 100;
  }

  product(): Promise<JiraProduct> {
    if (this.instance.product) return Promise.resolve(this.instance.product);
    this.detected ??= this.http
      .send<{ deploymentType?: string }>({
        url: '/rest/api/2/serverInfo',
        subject: 'its server info (to tell Cloud from Data Center)',
      })
      .then(info =>
        info?.deploymentType === 'Cloud'
          ? ('cloud' as const)
          : ('datacenter' as const),
      )
      .catch(error => {
        this.detected = undefined;
        throw error;
      });
    return this.detected;
  }

  // -------------------------------------------------------------------------------------------
  // helpers

  private async dialect() {
    const product = await this.product();
    return {
      product,
      cloud: product === 'cloud',
      api: product === 'cloud' ? '/rest/api/3' : '/rest/api/2',
    };
  }

  private client(context: Pick<JiraHttpRequest, 'read' | 'subject'>) {
    return this.http.client(context) as unknown as JiraJsClient;
  }

  private send<T>(request: JiraHttpRequest): Promise<T> {
    return this.http.send<T>(request);
  }

  private badRequest(message: string): JiraError {
    return new JiraError({
      kind: 'badRequest',
      instance: this.instance.name,
      message: `Jira instance "${this.instance.name}": ${message}`,
    });
  }

  private issueKey(key: string): string {
    if (!ISSUE_KEY.test(key)) {
      throw this.badRequest(
        `"${key}" is not an issue key (a project key, "-" and a number, e.g. PAY-123)`,
      );
    }
    return key.toUpperCase();
  }

  private projectKey(key: string): string {
    if (!PROJECT_KEY.test(key)) {
      throw this.badRequest(`"${key}" is not a Jira project key (e.g. PAY)`);
    }
    return key.toUpperCase();
  }

  private get defaultFields(): string[] {
    return [...ISSUE_FIELDS, ...Object.values(this.instance.customFields)];
  }

  /** Every page of a `startAt` paged list. */
  private async allPages<T>(
    fetchPage: (startAt: number) => Promise<RawPage<T>>,
  ): Promise<T[]> {
    const all: T[] = [];
    for (let startAt = 0; ; ) {
      const page = await fetchPage(startAt);
      const values = page.values ?? [];
      all.push(...values);
      startAt += values.length;
      const done =
        values.length === 0 ||
        page.isLast === true ||
        (page.total !== undefined && startAt >= page.total) ||
        (page.isLast === undefined && page.total === undefined);
      if (done) return all;
    }
  }

  // -------------------------------------------------------------------------------------------
  // search

  async search(options: {
    jql: string;
    pageToken?: string;
    maxResults?: number;
    fields?: string[];
  }): Promise<JiraSearchPage> {
    const { cloud } = await this.dialect();
    const fields = options.fields ?? this.defaultFields;
    const maxResults = options.maxResults ?? this.pageSize;
    if (cloud) {
      const jira = await loadJiraJsCloud();
      const page = (await jira.searchAndReconsileIssuesUsingJqlPost(
        this.client({ read: true, subject: 'the JQL search' }),
        {
          jql: options.jql,
          nextPageToken: options.pageToken,
          maxResults,
          fields,
        },
      )) as unknown as {
        issues?: RawIssue[];
        nextPageToken?: string | null;
        isLast?: boolean;
      };
      const next =
        page.isLast !== true &&
        typeof page.nextPageToken === 'string' &&
        page.nextPageToken
          ? page.nextPageToken
          : undefined;
      return {
        issues: (page.issues ?? []).map(i => mapIssue(i, this.instance)),
        ...(next ? { nextPageToken: next } : {}),
      };
    }
    const startAt =
      options.pageToken === undefined ? 0 : Number(options.pageToken);
    if (!Number.isInteger(startAt) || startAt < 0) {
      throw this.badRequest(
        `the page token "${options.pageToken}" is not a Data Center search position (a number)`,
      );
    }
    const page = await this.send<{
      startAt: number;
      total: number;
      issues: RawIssue[];
    }>({
      method: 'POST',
      url: '/rest/api/2/search',
      body: { jql: options.jql, startAt, maxResults, fields },
      read: true,
      subject: 'the JQL search',
    });
    const issues = (page.issues ?? []).map(i => mapIssue(i, this.instance));
    const seen = startAt + issues.length;
    return {
      issues,
      ...(issues.length > 0 && seen < page.total
        ? { nextPageToken: String(seen) }
        : {}),
      total: page.total,
    };
  }

  async *searchPages(options: {
    jql: string;
    maxResults?: number;
    fields?: string[];
  }): AsyncIterable<JiraIssue[]> {
    let pageToken: string | undefined;
    for (;;) {
      const page = await this.search({ ...options, pageToken });
      yield page.issues;
      if (!page.nextPageToken) return;
      if (page.nextPageToken === pageToken) {
        throw new JiraError({
          kind: 'unavailable',
          instance: this.instance.name,
          message: `Jira instance "${this.instance.name}" answered the same search page token twice; stopped paging`,
        });
      }
      pageToken = page.nextPageToken;
    }
  }

  async count(jql: string): Promise<number> {
    const { cloud } = await this.dialect();
    if (cloud) {
      const jira = await loadJiraJsCloud();
      const result = (await jira.countIssues(
        this.client({ read: true, subject: 'the JQL count' }),
        { jql },
      )) as { count?: number };
      return result.count ?? 0;
    }
    const page = await this.send<{ total: number }>({
      method: 'POST',
      url: '/rest/api/2/search',
      body: { jql, startAt: 0, maxResults: 0, fields: ['id'] },
      read: true,
      subject: 'the JQL count',
    });
    return page.total ?? 0;
  }

  // -------------------------------------------------------------------------------------------
  // issues

  async getIssue(
    key: string,
    options: { comments?: number } = {},
  ): Promise<JiraIssueDetail> {
    const issueKey = this.issueKey(key);
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    const fields = [...this.defaultFields, 'description'];
    const comments = options.comments ?? 20;
    const [issueResult, commentsResult] = await Promise.allSettled([
      cloud
        ? loadJiraJsCloud().then(
            jira =>
              jira.getIssue(this.client({ subject }), {
                issueIdOrKey: issueKey,
                fields,
              }) as unknown as Promise<RawIssue>,
          )
        : this.send<RawIssue>({
            url: `${api}/issue/${issueKey}`,
            searchParams: { fields },
            subject,
          }),
      comments > 0
        ? this.send<{ comments?: RawComment[] }>({
            url: `${api}/issue/${issueKey}/comment`,
            searchParams: { orderBy: '-created', maxResults: comments },
            subject,
          })
        : Promise.resolve({ comments: [] as RawComment[] }),
    ]);
    // The issue's own failure (a 404 names the issue) before its comments'
    if (issueResult.status === 'rejected') throw issueResult.reason;
    if (commentsResult.status === 'rejected') throw commentsResult.reason;
    const raw = issueResult.value;
    const latest = commentsResult.value;
    const description = bodyToAdf(raw.fields?.description);
    return {
      ...mapIssue(raw, this.instance),
      descriptionMarkdown: adfToMarkdown(description),
      descriptionHtml: adfToHtml(description),
      // the latest ones, oldest first
      comments: (latest.comments ?? []).map(mapComment).reverse(),
    };
  }

  async getTransitions(key: string): Promise<JiraTransition[]> {
    const issueKey = this.issueKey(key);
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    const result = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).getTransitions(this.client({ subject }), {
          issueIdOrKey: issueKey,
        })) as unknown as { transitions?: RawTransition[] })
      : await this.send<{ transitions?: RawTransition[] }>({
          url: `${api}/issue/${issueKey}/transitions`,
          subject,
        });
    return (result.transitions ?? []).map(mapTransition);
  }

  /**
   * By the transition's id or name, else by the status it leads to (both case-insensitive):
   * "Done" finds the transition named Done or the one that moves the issue to Done.
   */
  async transitionIssue(
    key: string,
    transition: string,
  ): Promise<JiraTransition> {
    const issueKey = this.issueKey(key);
    const available = await this.getTransitions(issueKey);
    const wanted = transition.trim().toLowerCase();
    const found =
      available.find(t => t.id === transition.trim()) ??
      available.find(t => t.name.toLowerCase() === wanted) ??
      available.find(t => t.to.name.toLowerCase() === wanted);
    if (!found) {
      throw this.badRequest(
        `issue ${issueKey} cannot take the transition "${transition}" now; ${
          available.length
            ? `the allowed ones are ${available
                .map(t => `"${t.name}" (to ${t.to.name})`)
                .join(', ')}`
            : 'it has no transition the account may take'
        }`,
      );
    }
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    if (cloud) {
      await (
        await loadJiraJsCloud()
      ).doTransition(this.client({ subject }), {
        issueIdOrKey: issueKey,
        transition: { id: found.id },
      });
    } else {
      await this.send({
        method: 'POST',
        url: `${api}/issue/${issueKey}/transitions`,
        body: { transition: { id: found.id } },
        subject,
      });
    }
    return found;
  }

  async addComment(key: string, markdown: string): Promise<JiraComment> {
    const issueKey = this.issueKey(key);
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    const raw = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).addComment(this.client({ subject }), {
          issueIdOrKey: issueKey,
          body: markdownToAdf(markdown) as never,
        })) as unknown as RawComment)
      : await this.send<RawComment>({
          method: 'POST',
          url: `${api}/issue/${issueKey}/comment`,
          body: { body: markdownToWiki(markdown) },
          subject,
        });
    return mapComment(raw);
  }

  async addAttachment(
    key: string,
    file: { filename: string; content: Buffer; contentType?: string },
  ): Promise<{ id: string; filename: string; size: number }> {
    const issueKey = this.issueKey(key);
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    const blob = new Blob([new Uint8Array(file.content)], {
      type: file.contentType ?? 'application/octet-stream',
    });
    let result: Array<{ id: string | number; filename: string; size: number }>;
    if (cloud) {
      result = (await (
        await loadJiraJsCloud()
      ).addAttachment(this.client({ subject }), {
        issueIdOrKey: issueKey,
        attachments: { filename: file.filename, content: blob },
      })) as unknown as typeof result;
    } else {
      const form = new FormData();
      form.append('file', blob, file.filename);
      result = await this.send({
        method: 'POST',
        url: `${api}/issue/${issueKey}/attachments`,
        body: form,
        headers: { 'X-Atlassian-Token': 'no-check' },
        subject,
      });
    }
    const [attachment] = result ?? [];
    if (!attachment) {
      throw new JiraError({
        kind: 'unavailable',
        instance: this.instance.name,
        message: `Jira instance "${this.instance.name}" accepted the attachment ${file.filename} on ${subject} but answered no attachment`,
      });
    }
    return {
      id: String(attachment.id),
      filename: attachment.filename,
      size: attachment.size,
    };
  }

  /** The configured field id of a custom field name (or the id itself). */
  private customFieldId(nameOrId: string): string {
    if (CUSTOM_FIELD_ID.test(nameOrId)) return nameOrId;
    const { customFields } = this.instance;
    const exact = customFields[nameOrId];
    if (exact) return exact;
    const lower = nameOrId.toLowerCase();
    const loose = Object.entries(customFields).find(
      ([name]) => name.toLowerCase() === lower,
    );
    if (loose) return loose[1];
    throw this.badRequest(
      `the custom field "${nameOrId}" is not configured: add it to jira.instances[name=${this.instance.name}].customFields or pass its field id (customfield_…)`,
    );
  }

  async createIssue(
    projectKey: string,
    input: JiraCreateIssueInput,
  ): Promise<JiraCreatedIssue> {
    const key = this.projectKey(projectKey);
    const { cloud, api } = await this.dialect();
    const fields: Record<string, unknown> = {
      project: { key },
      issuetype: /^\d+$/.test(input.issueType)
        ? { id: input.issueType }
        : { name: input.issueType },
      summary: input.summary,
    };
    if (input.description !== undefined && input.description.trim()) {
      fields.description = cloud
        ? markdownToAdf(input.description)
        : markdownToWiki(input.description);
    }
    if (input.assignee) {
      if (cloud) fields.assignee = { accountId: input.assignee };
      // Data Center: a user key (JiraUser.id there, e.g. JIRAUSER10100) or a user name
      else if (/^JIRAUSER\d+$/.test(input.assignee)) {
        fields.assignee = { key: input.assignee };
      } else fields.assignee = { name: input.assignee };
    }
    if (input.labels?.length) fields.labels = input.labels;
    if (input.components?.length) {
      fields.components = input.components.map(name => ({ name }));
    }
    for (const [name, value] of Object.entries(input.customFields ?? {})) {
      fields[this.customFieldId(name)] = value;
    }
    const subject = `a new issue in project ${key}`;
    const created = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).createIssue(this.client({ subject }), {
          fields: fields as never,
        })) as unknown as { id: string; key: string })
      : await this.send<{ id: string; key: string }>({
          method: 'POST',
          url: `${api}/issue`,
          body: { fields },
          subject,
        });
    return {
      key: created.key,
      id: String(created.id),
      url: issueUrl(this.instance, created.key),
    };
  }

  async getCreateMeta(
    projectKey: string,
  ): Promise<JiraCreateMeta['projects'][number]> {
    const key = this.projectKey(projectKey);
    const { cloud, api } = await this.dialect();
    const subject = `project ${key}`;
    const jira = cloud ? await loadJiraJsCloud() : undefined;
    type RawType = { id: string; name: string; subtask?: boolean };
    type RawField = Parameters<typeof mapCreateField>[0];
    const project = await this.getProject(key);
    const types = await this.allPages<RawType>(async startAt => {
      const page = jira
        ? ((await jira.getCreateIssueMetaIssueTypes(this.client({ subject }), {
            projectIdOrKey: key,
            startAt,
            maxResults: 50,
          })) as unknown as RawPage<RawType> & { issueTypes?: RawType[] })
        : await this.send<RawPage<RawType>>({
            url: `${api}/issue/createmeta/${key}/issuetypes`,
            searchParams: { startAt, maxResults: 50 },
            subject,
          });
      return { ...page, values: page.values ?? (page as any).issueTypes ?? [] };
    });
    const fieldsOf = (typeId: string) =>
      this.allPages<RawField>(async startAt => {
        const page = jira
          ? ((await jira.getCreateIssueMetaIssueTypeId(
              this.client({ subject }),
              {
                projectIdOrKey: key,
                issueTypeId: typeId,
                startAt,
                maxResults: 50,
              },
            )) as unknown as RawPage<RawField> & { fields?: RawField[] })
          : await this.send<RawPage<RawField>>({
              url: `${api}/issue/createmeta/${key}/issuetypes/${encodeURIComponent(
                typeId,
              )}`,
              searchParams: { startAt, maxResults: 50 },
              subject,
            });
        return { ...page, values: page.values ?? (page as any).fields ?? [] };
      });
    // A few at a time: a project rarely has more than a handful of issue types
    const issueTypes: JiraCreateMeta['projects'][number]['issueTypes'] = [];
    for (let i = 0; i < types.length; i += 4) {
      const batch = types.slice(i, i + 4);
      const fields = await Promise.all(batch.map(t => fieldsOf(String(t.id))));
      batch.forEach((type, index) => {
        issueTypes.push({
          id: String(type.id),
          name: type.name,
          subtask: type.subtask ?? false,
          fields: fields[index].map(mapCreateField),
        });
      });
    }
    return {
      instance: this.instance.name,
      key: project.key,
      name: project.name,
      issueTypes,
    };
  }

  async listProjects(options: { query?: string; maxResults: number }): Promise<{
    projects: Array<{ id: string; key: string; name: string }>;
    total: number;
  }> {
    const { cloud, api } = await this.dialect();
    const query = options.query?.trim() || undefined;
    const maxResults = Math.max(1, options.maxResults);
    type RawProject = { id: string | number; key: string; name: string };
    const brief = (p: RawProject) => ({
      id: String(p.id),
      key: p.key,
      name: p.name,
    });
    if (!cloud) {
      // Data Center answers every project the account may browse, in one list
      const needle = query?.toLocaleLowerCase('en-US');
      const all = (
        await this.send<RawProject[]>({
          url: `${api}/project`,
          subject: 'its projects',
        })
      )
        .filter(
          p =>
            !needle ||
            p.key.toLocaleLowerCase('en-US').includes(needle) ||
            p.name.toLocaleLowerCase('en-US').includes(needle),
        )
        .sort((a, b) => a.key.localeCompare(b.key, 'en-US'));
      return {
        projects: all.slice(0, maxResults).map(brief),
        total: all.length,
      };
    }
    const projects: Array<{ id: string; key: string; name: string }> = [];
    let total = 0;
    for (let startAt = 0; projects.length < maxResults; ) {
      const page = await this.send<RawPage<RawProject>>({
        url: `${api}/project/search`,
        searchParams: {
          query,
          orderBy: 'key',
          startAt,
          maxResults: Math.min(PROJECT_PAGE, maxResults - projects.length),
        },
        subject: 'its projects',
      });
      const values = page.values ?? [];
      projects.push(...values.map(brief));
      total = page.total ?? startAt + values.length;
      startAt += values.length;
      if (values.length === 0 || page.isLast === true || startAt >= total) {
        break;
      }
    }
    return { projects, total };
  }

  async getProject(
    projectKey: string,
  ): Promise<{ id: string; key: string; name: string }> {
    const key = this.projectKey(projectKey);
    const { cloud, api } = await this.dialect();
    const subject = `project ${key}`;
    const project = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).getProject(this.client({ subject }), {
          projectIdOrKey: key,
        })) as unknown as { id: string; key: string; name: string })
      : await this.send<{ id: string; key: string; name: string }>({
          url: `${api}/project/${key}`,
          subject,
        });
    return { id: String(project.id), key: project.key, name: project.name };
  }

  async getComponents(
    projectKey: string,
  ): Promise<Array<{ id: string; name: string; description?: string }>> {
    const key = this.projectKey(projectKey);
    const { api } = await this.dialect();
    const components = await this.send<
      Array<{ id: string; name: string; description?: string }>
    >({
      url: `${api}/project/${key}/components`,
      subject: `project ${key}`,
    });
    return components.map(c => ({
      id: String(c.id),
      name: c.name,
      ...(c.description ? { description: c.description } : {}),
    }));
  }

  async createComponent(options: {
    projectKey: string;
    name: string;
    description?: string;
    lead?: string;
  }): Promise<{ id: string; name: string }> {
    const key = this.projectKey(options.projectKey);
    const { cloud, api } = await this.dialect();
    const subject = `project ${key} (component "${options.name}")`;
    const component = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).createComponent(this.client({ subject }), {
          project: key,
          name: options.name,
          description: options.description,
          leadAccountId: options.lead,
        })) as unknown as { id: string; name: string })
      : await this.send<{ id: string; name: string }>({
          method: 'POST',
          url: `${api}/component`,
          body: {
            project: key,
            name: options.name,
            description: options.description,
            leadUserName: options.lead,
          },
          subject,
        });
    return { id: String(component.id), name: component.name };
  }

  async findUserByEmail(email: string): Promise<JiraUser | undefined> {
    const { cloud, api } = await this.dialect();
    const subject = `users matching ${email}`;
    const users = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).findUsers(this.client({ subject }), {
          query: email,
        })) as unknown as RawUser[])
      : await this.send<RawUser[]>({
          url: `${api}/user/search`,
          searchParams: { username: email },
          subject,
        });
    const lower = email.toLowerCase();
    const exact = users.find(u => u.emailAddress?.toLowerCase() === lower);
    // Cloud hides the email of accounts that keep it private; a query by email still finds them
    const hidden =
      users.length === 1 && !users[0].emailAddress ? users[0] : undefined;
    return mapUser(exact ?? hidden);
  }

  // -------------------------------------------------------------------------------------------
  // agile

  async getBoards(projectKey: string): Promise<JiraBoard[]> {
    const key = this.projectKey(projectKey);
    const agile = await loadJiraJsAgile();
    const subject = `the boards of project ${key}`;
    const boards = await this.allPages<{
      id: number;
      name: string;
      type: string;
    }>(
      startAt =>
        agile.getAllBoards(this.client({ subject }), {
          projectKeyOrId: key,
          startAt,
          maxResults: 50,
        }) as unknown as Promise<
          RawPage<{ id: number; name: string; type: string }>
        >,
    );
    return boards.map(b => ({ id: b.id, name: b.name, type: b.type }));
  }

  async getActiveSprint(boardId: number): Promise<JiraSprint | undefined> {
    const agile = await loadJiraJsAgile();
    const subject = `board ${boardId}`;
    let page: RawPage<JiraSprint>;
    try {
      page = (await agile.getAllSprints(this.client({ subject }), {
        boardId,
        state: 'active',
        maxResults: 1,
      })) as unknown as RawPage<JiraSprint>;
    } catch (error) {
      // A kanban board has no sprints, so no active one
      if (
        error instanceof JiraError &&
        error.kind === 'badRequest' &&
        error.jiraMessages.some(m => /does not support sprints/i.test(m))
      ) {
        return undefined;
      }
      throw error;
    }
    const sprint = page.values?.[0];
    if (!sprint) return undefined;
    return {
      id: sprint.id,
      name: sprint.name,
      state: sprint.state,
      ...(sprint.startDate ? { startDate: sprint.startDate } : {}),
      ...(sprint.endDate ? { endDate: sprint.endDate } : {}),
      ...(sprint.goal ? { goal: sprint.goal } : {}),
    };
  }

  async getSprintIssues(
    sprintId: number,
    options: { jql?: string } = {},
  ): Promise<JiraIssue[]> {
    const issues: JiraIssue[] = [];
    for (let startAt = 0; ; ) {
      const page = await this.send<{ total: number; issues: RawIssue[] }>({
        url: `/rest/agile/1.0/sprint/${encodeURIComponent(
          String(sprintId),
        )}/issue`,
        searchParams: {
          startAt,
          maxResults: this.pageSize,
          jql: options.jql,
          fields: this.defaultFields,
        },
        subject: `sprint ${sprintId}`,
      });
      const batch = page.issues ?? [];
      issues.push(...batch.map(i => mapIssue(i, this.instance)));
      startAt += batch.length;
      if (batch.length === 0 || startAt >= page.total) return issues;
    }
  }

  async getChangelog(key: string): Promise<JiraChangelogEntry[]> {
    const issueKey = this.issueKey(key);
    const { cloud, api } = await this.dialect();
    const subject = `issue ${issueKey}`;
    let histories: RawHistory[];
    if (cloud) {
      const jira = await loadJiraJsCloud();
      histories = await this.allPages<RawHistory>(
        startAt =>
          jira.getChangeLogs(this.client({ subject }), {
            issueIdOrKey: issueKey,
            startAt,
            maxResults: 100,
          }) as unknown as Promise<RawPage<RawHistory>>,
      );
    } else {
      // Data Center has no paged changelog resource: the issue carries all of it
      const issue = await this.send<RawIssue>({
        url: `${api}/issue/${issueKey}`,
        searchParams: { fields: 'summary', expand: 'changelog' },
        subject,
      });
      histories = issue.changelog?.histories ?? [];
    }
    return histories
      .map(mapHistory)
      .sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
  }

  async getVersions(projectKey: string): Promise<JiraVersion[]> {
    const key = this.projectKey(projectKey);
    const { cloud, api } = await this.dialect();
    const subject = `project ${key}`;
    const versions = cloud
      ? ((await (
          await loadJiraJsCloud()
        ).getProjectVersions(this.client({ subject }), {
          projectIdOrKey: key,
        })) as unknown as Array<{
          id: string;
          name: string;
          released?: boolean;
          releaseDate?: string;
        }>)
      : await this.send<
          Array<{
            id: string;
            name: string;
            released?: boolean;
            releaseDate?: string;
          }>
        >({ url: `${api}/project/${key}/versions`, subject });
    return versions.map(v => mapVersion(v, key));
  }
}
