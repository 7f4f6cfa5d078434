/*
 * Roadie's Jira plugin, run from its public source for `yarn bench:jira` (the npm registry on
 * the benchmark machine answers 404 for `@roadiehq/backstage-plugin-jira`).
 *
 * Source: https://github.com/RoadieHQ/roadie-backstage-plugins
 *   commit ce2ebacdc4889d48059b59db721300d7f3d3b0ad (HEAD of the snapshot read; the newest
 *   commit touching the plugin's src/ is 66767874243309aef960e55054866a15bdd95978),
 *   package `@roadiehq/backstage-plugin-jira` 2.14.0,
 *   files plugins/frontend/backstage-plugin-jira/src/api/index.ts (class JiraAPI),
 *   src/api/strategies/base.ts, src/api/strategies/factory.ts,
 *   src/api/strategies/cloud/index.ts, src/api/strategies/cloud/types.ts,
 *   src/api/strategies/datacenter/index.ts, src/api/strategies/datacenter/types.ts.
 * License: Apache-2.0 (the package.json's `license`; the repository's LICENSE is the Apache
 *   License 2.0). Copyright 2021/2025 Larder Software Limited, as each file's header says.
 *
 * Changes made (nothing else; the request logic is verbatim):
 *  - imports removed (`@backstage/core-plugin-api`, `luxon`, `../types`, the strategy files,
 *    which are inlined below in dependency order);
 *  - TypeScript types loosened: `Status`, `Ticket`, `IssueType`, `IssuesCounter`, `Project`,
 *    `ConfigApi`, `DiscoveryApi`, `ErrorApi`, `FetchApi` are `any`-based aliases, so one
 *    callback parameter gets an explicit `: any` (getProjectDetails' `issueType` filter); the
 *    `createApiRef` export (`jiraApiRef`) is removed;
 *  - JiraAPI's methods the overview card does not call are left out: getIssueDetails,
 *    getLinkedPullRequests, getUserDetails (the "my tickets" home card), and the two private
 *    helpers only they use, logError and getDomainFromApiUrl (so the `errorApi` field, now
 *    read by nothing, loses its `private` modifier to keep the compiler's unused check quiet);
 *  - shims, below the copied code and marked: `createRoadieJiraApi` gives JiraAPI a discovery
 *    API whose proxy base URL is the Jira base URL, a config API (`jira.proxyPath: ''`,
 *    `jira.apiVersion: 3`, `jira.product: 'cloud'`, all documented options of the plugin) and a
 *    fetch API that adds the `Authorization` header, as Backstage's proxy (`/jira/api`, with
 *    `headers.Authorization`) does in the plugin's README set-up. The proxy hop itself is not
 *    run, which favours Roadie slightly. `roadieOverviewCard` calls the API in the order the
 *    EntityJiraOverviewCard's hooks do (see its comment); it is not Roadie's code.
 */

/* eslint-disable */

type Status = any;
type Ticket = any;
type IssueType = any;
type IssuesCounter = any;
type Project = any;
type ConfigApi = any;
type DiscoveryApi = any;
type ErrorApi = any;
type FetchApi = { fetch: typeof fetch };

// ---- src/api/strategies/base.ts --------------------------------------------------------------

export type JiraProductStrategyOptions = {
  fetchApi: FetchApi;
};

export abstract class JiraProductStrategy {
  constructor(protected options: JiraProductStrategyOptions) {}

  abstract pagedIssuesRequest(
    apiUrl: string,
    jql: string,
    maxResults?: number,
  ): Promise<Ticket[]>;
}

// ---- src/api/strategies/cloud/types.ts -------------------------------------------------------

export type SearchCloudResponse = {
  nextPageToken: string;
  maxResults: number;
  total: number;
  issues: Ticket[];
};

// ---- src/api/strategies/cloud/index.ts -------------------------------------------------------

export class JiraCloudStrategy extends JiraProductStrategy {
  async pagedIssuesRequest(
    apiUrl: string,
    jql: string,
    maxResults?: number,
  ): Promise<Ticket[]> {
    let issues: Ticket[] = [];
    let nextPageToken: string | undefined;
    do {
      const data = {
        jql,
        maxResults: maxResults ?? 5000,
        fields: [
          'key',
          'issuetype',
          'summary',
          'status',
          'assignee',
          'priority',
          'parent',
          'created',
          'updated',
          'project',
        ],
        nextPageToken,
      };
      const request = await this.options.fetchApi.fetch(`${apiUrl}search/jql`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(data),
      });
      if (!request.ok) {
        throw new Error(
          `failed to fetch data, status ${request.status}: ${request.statusText}`,
        );
      }
      const response: SearchCloudResponse = await request.json();
      nextPageToken = response.nextPageToken;
      issues = issues.concat(response.issues);
    } while (nextPageToken !== undefined);

    return issues;
  }
}

// ---- src/api/strategies/datacenter/types.ts --------------------------------------------------

export type SearchDataCenterResponse = {
  startAt: number;
  maxResults: number;
  total: number;
  issues: Ticket[];
};

// ---- src/api/strategies/datacenter/index.ts --------------------------------------------------

export class JiraDataCenterStrategy extends JiraProductStrategy {
  async pagedIssuesRequest(
    apiUrl: string,
    jql: string,
    maxResults?: number,
  ): Promise<Ticket[]> {
    let issues: Ticket[] = [];
    let startAt: number | undefined;
    do {
      const data = {
        jql,
        maxResults: maxResults ?? -1,
        fields: [
          'key',
          'issuetype',
          'summary',
          'status',
          'assignee',
          'priority',
          'parent',
          'created',
          'updated',
          'project',
        ],
        startAt,
      };
      const request = await this.options.fetchApi.fetch(`${apiUrl}search`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(data),
      });
      if (!request.ok) {
        throw new Error(
          `failed to fetch data, status ${request.status}: ${request.statusText}`,
        );
      }
      const response: SearchDataCenterResponse = await request.json();
      const lastElement = response.startAt + response.maxResults;
      startAt = response.total > lastElement ? lastElement : undefined;
      issues = issues.concat(response.issues);
    } while (startAt !== undefined);

    return issues;
  }
}

// ---- src/api/strategies/factory.ts -----------------------------------------------------------

export class JiraProductStrategyFactory {
  static createStrategy(
    product: string,
    options: JiraProductStrategyOptions,
  ): JiraProductStrategy {
    switch (product) {
      case 'datacenter':
        return new JiraDataCenterStrategy(options);
      default:
        return new JiraCloudStrategy(options);
    }
  }
}

// ---- src/api/index.ts (class JiraAPI, the methods the overview card calls) -------------------

const DEFAULT_PROXY_PATH = '/jira/api';
const DEFAULT_REST_API_VERSION = 'latest';
const DONE_STATUS_CATEGORY = 'Done';

type Options = {
  discoveryApi: DiscoveryApi;
  configApi: ConfigApi;
  fetchApi: FetchApi;
  errorApi?: ErrorApi;
};

export class JiraAPI {
  private readonly discoveryApi: DiscoveryApi;
  private readonly proxyPath: string;
  private readonly apiVersion: string;
  private readonly strategy: JiraProductStrategy;
  private readonly confluenceActivityFilter: string | undefined;
  private readonly fetchApi: FetchApi;
  readonly errorApi?: ErrorApi;

  constructor(options: Options) {
    this.discoveryApi = options.discoveryApi;

    const proxyPath = options.configApi.getOptionalString('jira.proxyPath');
    this.proxyPath = proxyPath ?? DEFAULT_PROXY_PATH;

    const apiVersion = options.configApi.getOptionalNumber('jira.apiVersion');
    this.apiVersion = apiVersion
      ? apiVersion.toString()
      : DEFAULT_REST_API_VERSION;

    const product =
      options.configApi.getOptionalString('jira.product') ?? 'cloud';
    this.strategy = JiraProductStrategyFactory.createStrategy(product, options);

    this.confluenceActivityFilter = options.configApi.getOptionalString(
      'jira.confluenceActivityFilter',
    );

    this.fetchApi = options.fetchApi;
    this.errorApi = options.errorApi;
  }

  private generateProjectUrl = (url: string) =>
    new URL(url).origin +
    new URL(url).pathname.replace(/\/rest\/api\/.*$/g, '');

  private async getUrls() {
    const proxyUrl = await this.discoveryApi.getBaseUrl('proxy');
    return {
      apiUrl: `${proxyUrl}${this.proxyPath}/rest/api/${this.apiVersion}/`,
      baseUrl: `${proxyUrl}${this.proxyPath}`,
    };
  }

  private convertToString = (arrayElement: Array<string>): string =>
    arrayElement
      .filter(Boolean)
      .map(i => `'${i}'`)
      .join(',');

  private async getIssuesPaged({
    apiUrl,
    projectKey,
    component,
    label,
    statusesNames,
  }: {
    apiUrl: string;
    projectKey: string;
    component: string;
    label: string;
    statusesNames: Array<string>;
  }) {
    const statusesString = this.convertToString(statusesNames);

    const jql = `project = "${projectKey}"
      ${statusesString ? `AND status in (${statusesString})` : ''}
      ${component ? `AND component = "${component}"` : ''}
      ${label ? `AND labels in (${label})` : ''}
      AND statuscategory not in ("Done") 
    `;

    return this.strategy.pagedIssuesRequest(apiUrl, jql);
  }

  async getProjectDetails(
    projectKey: string,
    component: string,
    label: string,
    statusesNames: Array<string>,
  ) {
    const { apiUrl } = await this.getUrls();

    const request = await this.fetchApi.fetch(
      `${apiUrl}project/${projectKey}`,
      {
        headers: {
          'Content-Type': 'application/json',
        },
      },
    );
    if (!request.ok) {
      throw new Error(
        `failed to fetch data, status ${request.status}: ${request.statusText}`,
      );
    }
    const project = (await request.json()) as Project;

    const foundIssues = await this.getIssuesPaged({
      apiUrl,
      projectKey,
      component,
      label,
      statusesNames,
    });

    const issuesCounter: IssuesCounter[] = project.issueTypes
      .filter((issueType: any) => issueType.name !== 'Sub-task')
      .map(
        (issueType: IssueType): IssuesCounter => ({
          name: issueType.name,
          iconUrl: issueType.iconUrl,
          total: foundIssues.filter(
            issue => issue.fields?.issuetype.name === issueType.name,
          ).length,
        }),
      );

    const ticketIds: string[] = foundIssues.map(issue => issue.key);

    const tickets = foundIssues.map(index => {
      return {
        key: index.key,
        summary: index?.fields?.summary,
        assignee: {
          displayName: index?.fields?.assignee?.displayName,
          avatarUrl: index?.fields?.assignee?.avatarUrls['48x48'],
        },
        status: index?.fields?.status?.name,
        priority: index?.fields?.priority,
        created: index?.fields?.created,
        updated: index?.fields?.updated,
      };
    });
    return {
      project: {
        name: project.name,
        iconUrl: project.avatarUrls['48x48'],
        type: project.projectTypeKey,
        url: this.generateProjectUrl(project.self),
      },
      issues: issuesCounter,
      ticketIds,
      tickets,
    };
  }

  async getActivityStream(
    size: number,
    projectKey: string,
    componentName: string | undefined,
    ticketIds: string[] | undefined,
    label: string | undefined,
    isBearerAuth: boolean,
  ) {
    const { baseUrl } = await this.getUrls();

    let filterUrl = `streams=key+IS+${projectKey}`;
    if (ticketIds && (componentName || label)) {
      filterUrl += `&streams=issue-key+IS+${ticketIds.join('+')}`;
      filterUrl += this.confluenceActivityFilter
        ? `&${this.confluenceActivityFilter}=activity+IS+NOT+*`
        : '';
      // Filter to remove all the changes done in Confluence, otherwise they are also shown as part of the component's activity stream
    }

    const request = await this.fetchApi.fetch(
      isBearerAuth
        ? `${baseUrl}/activity?maxResults=${size}&${filterUrl}`
        : `${baseUrl}/activity?maxResults=${size}&${filterUrl}&os_authType=basic`,
      {},
    );
    if (!request.ok) {
      throw new Error(
        `failed to fetch data, status ${request.status}: ${request.statusText}`,
      );
    }
    const activityStream = await request.text();

    return activityStream;
  }

  async getStatuses(projectKey: string) {
    const { apiUrl } = await this.getUrls();

    const request = await this.fetchApi.fetch(
      `${apiUrl}project/${projectKey}/statuses`,
      {
        headers: {
          'Content-Type': 'application/json',
        },
      },
    );
    if (!request.ok) {
      throw new Error(
        `failed to fetch data, status ${request.status}: ${request.statusText}`,
      );
    }
    const statuses = (await request.json()) as Array<Status>;

    return [
      ...new Set(
        statuses
          .flatMap(status => status.statuses)
          .filter(
            status => status.statusCategory?.name !== DONE_STATUS_CATEGORY,
          )
          .map(it => it.name),
      ),
    ];
  }

  async jqlQuery(query: string, maxResults?: number) {
    const { apiUrl } = await this.getUrls();

    return this.strategy.pagedIssuesRequest(apiUrl, query, maxResults);
  }
}

/* eslint-enable */

// ---- shims (not Roadie's code) ---------------------------------------------------------------

/**
 * A JiraAPI that calls `baseUrl` directly with `authorization`, as the browser does through
 * Backstage's proxy. `fetchImpl` lets the benchmark count, guard or rewrite the traffic.
 */
export function createRoadieJiraApi(options: {
  baseUrl: string;
  authorization: string;
  fetchImpl?: typeof fetch;
}): JiraAPI {
  const fetchImpl = options.fetchImpl ?? fetch;
  const strings: Record<string, string> = {
    'jira.proxyPath': '',
    'jira.product': 'cloud',
  };
  return new JiraAPI({
    discoveryApi: { getBaseUrl: async () => options.baseUrl },
    configApi: {
      getOptionalString: (key: string) => strings[key],
      getOptionalNumber: (key: string) =>
        key === 'jira.apiVersion' ? 3 : undefined,
    },
    fetchApi: {
      fetch: ((input: any, init?: RequestInit) =>
        fetchImpl(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string> | undefined),
            Authorization: options.authorization,
          },
        })) as typeof fetch,
    },
  });
}

export type RoadieCardResult = {
  /** Issues the card holds (not done, every page read). */
  issues: number;
  /** Each hook's error, as the card would show it; empty when all loaded. */
  errors: string[];
};

/**
 * What EntityJiraOverviewCard (src/components/JiraOverviewCard/JiraOverviewCard.tsx) loads for
 * an entity with only `jira/project-key`: useProjectInfo → getProjectDetails(projectKey, '',
 * '', []) first (line 117); once project and issues are there (line 200) it renders Selectors
 * (useStatuses → getStatuses, Selectors.tsx:60) and ActivityStream (useActivityStream with
 * size 25, ActivityStream.tsx:134–137; not Bearer auth for an API token), which load at the
 * same time. Each hook turns an error into the card's error message (hooks/utils.ts).
 */
export async function roadieOverviewCard(
  api: JiraAPI,
  projectKey: string,
): Promise<RoadieCardResult> {
  const message = (error: unknown) =>
    error instanceof Error ? error.message : String(error);
  let details: Awaited<ReturnType<JiraAPI['getProjectDetails']>>;
  try {
    details = await api.getProjectDetails(projectKey, '', '', []);
  } catch (error) {
    return { issues: 0, errors: [`project: ${message(error)}`] };
  }
  const errors: string[] = [];
  await Promise.all([
    api
      .getStatuses(projectKey)
      .catch(error => errors.push(`statuses: ${message(error)}`)),
    api
      .getActivityStream(
        25,
        projectKey,
        undefined,
        details.ticketIds,
        undefined,
        false,
      )
      .catch(error => errors.push(`activity: ${message(error)}`)),
  ]);
  return { issues: details.tickets.length, errors };
}
