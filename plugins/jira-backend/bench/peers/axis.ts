/*
 * Axis' Jira Dashboard backend, run from its public source for `yarn bench:jira` (the npm
 * registry on the benchmark machine answers 404 for `@axis-backstage/plugin-jira-dashboard-common`,
 * a dependency of `@axis-backstage/plugin-jira-dashboard-backend`).
 *
 * Source: https://github.com/AxisCommunications/backstage-plugins
 *   commit 541f6c377e312092bcaaac4113ddc2305596787e (HEAD of the snapshot read; the newest
 *   commit touching the backend's src/ is b59789b6a2fd60d761bada6e2207e40b253fcd3c),
 *   package `@axis-backstage/plugin-jira-dashboard-backend` 6.1.5,
 *   files plugins/jira-dashboard-backend/src/config.ts, src/lib.ts, src/queries.ts,
 *   src/filters.ts, src/api.ts, src/service/service.ts, src/service/router.ts, and the
 *   annotation names of plugins/jira-dashboard-common/src/annotations.ts.
 * License: Apache-2.0 (the `license` of both packages' package.json; note the repository's
 *   root LICENSE file is the MIT License, Copyright (c) 2023 Axis Communications).
 *
 * Changes made (nothing else; the request logic is verbatim):
 *  - imports removed: `@axis-backstage/plugin-jira-dashboard-common` (its five annotation
 *    names are copied; its types `Filter`, `Issue`, `Project`, `JiraQueryResults`,
 *    `JiraResponse`, `JiraDataResponse` become `any` aliases) and the relative imports between
 *    the copied files, which are inlined below in dependency order;
 *  - TypeScript types loosened as just said, and the router's service types are `any`; as the
 *    catalog entity is then `any`, three callbacks in the route get explicit parameter types
 *    (`fullProjectKey: string`, `project: JiraProject`);
 *  - left out, as the `/dashboards/by-entity-ref` route does not reach them: api.ts'
 *    getProjectAvatar and getIssueByKey, service.ts' getJqlResponse and getUserIssues, the
 *    router's `/health`, `/dashboards/user-issues` and `/avatar/by-entity-ref` routes,
 *    JiraConfig's unused `resolve*` accessors, and the doc comments of queries.ts, of
 *    getAssigneUser and of searchJira (code unchanged);
 *  - shim: the router takes the catalog client as `catalogClient` (an in-memory catalog, as
 *    Comet's side of the benchmark has) instead of `new CatalogClient({ discoveryApi:
 *    discovery })`; `auth` and `httpAuth` are in-memory shims given by the benchmark.
 * The Jira calls go through Node's global `fetch`, as in the original (`callApi`).
 */

/* eslint-disable */

import express from 'express';
import Router from 'express-promise-router';
import type {
  CacheService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef, UserEntity } from '@backstage/catalog-model';
import {
  ConflictError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

type Filter = any;
type Issue = any;
type Project = any;
type JiraQueryResults = any;
type JiraResponse = any;
type JiraDataResponse = any;

// ---- plugins/jira-dashboard-common/src/annotations.ts ----------------------------------------

export const PROJECT_KEY_NAME = 'project-key';
export const JQL = 'jql';
export const COMPONENTS_NAME = 'components';
export const FILTERS_NAME = 'filter-ids';
export const INCOMING_ISSUES_STATUS = 'incoming-issues-status';

// ---- src/config.ts ---------------------------------------------------------------------------

type Config = ReturnType<RootConfigService['getConfig']>;

function parseHeaders(config: Config | undefined): Record<string, string> {
  if (!config) {
    return {};
  }
  return Object.fromEntries(
    config.keys().map(key => {
      const value = config.getString(key);
      return [key, value] as const;
    }),
  );
}

/**
 * The configuration of a Jira instance
 *
 * @public
 */
export type ConfigInstance = {
  token: string;
  headers: Record<string, string>;
  baseUrl: string;
  apiUrl?: string;
  userEmailSuffix?: string;
  defaultFilters?: Filter[];
  useApiV3?: boolean;
  cacheTtl: number; // TTL in milliseconds
};

const JIRA_CONFIG_BASE_URL = 'baseUrl';
const JIRA_CONFIG_API_URL = 'apiUrl';
const JIRA_CONFIG_TOKEN = 'token';
const JIRA_CONFIG_HEADERS = 'headers';
const JIRA_CONFIG_USER_EMAIL_SUFFIX = 'userEmailSuffix';
const JIRA_CONFIG_ANNOTATION = 'annotationPrefix';
const JIRA_FILTERS = 'defaultFilters';
const JIRA_CONFIG_USE_API_V3 = 'useApiV3';
const JIRA_CONFIG_CACHE_TTL = 'cacheTtl';

/**
 * Get cache TTL in milliseconds for a Jira instance configuration
 * Defaults to 1 hour (3,600,000 ms) if not specified
 */
function getCacheTtl(instanceConfig: Config): number {
  if (!instanceConfig.has(JIRA_CONFIG_CACHE_TTL)) {
    return 3_600_000;
  }

  return durationToMilliseconds(
    readDurationFromConfig(instanceConfig, { key: JIRA_CONFIG_CACHE_TTL }),
  );
}

/**
 * Class for reading Jira configuration from the root config
 *
 * @public
 */
export class JiraConfig {
  private instances: Record<string, ConfigInstance> = {};
  /**
   * The annotation prefix to use for Jira annotations
   */
  public readonly annotationPrefix: string;

  private constructor(config: RootConfigService) {
    const jira = config.getConfig('jiraDashboard');

    this.annotationPrefix =
      jira.getOptionalString(JIRA_CONFIG_ANNOTATION) ?? 'jira.com';

    const instances = jira.getOptionalConfigArray('instances');
    if (instances) {
      // Multiple instances form
      instances.forEach(inst => {
        const name = inst.getString('name');
        if (Object.getOwnPropertyNames(this.instances).includes(name)) {
          throw new ConflictError(
            `Duplicate jiraDashboard instances: '${name}'`,
          );
        }

        this.instances[name] = {
          token: inst.getString(JIRA_CONFIG_TOKEN),
          headers: parseHeaders(inst.getOptionalConfig(JIRA_CONFIG_HEADERS)),
          baseUrl: inst.getString(JIRA_CONFIG_BASE_URL),
          apiUrl: inst.getOptionalString(JIRA_CONFIG_API_URL),
          userEmailSuffix: inst.getOptionalString(
            JIRA_CONFIG_USER_EMAIL_SUFFIX,
          ),
          defaultFilters: inst
            .getOptionalConfigArray(JIRA_FILTERS)
            ?.map(filterConfig => ({
              name: filterConfig.getString('name'),
              shortName: filterConfig.getString('shortName'),
              query: filterConfig.getString('query'),
            })),
          useApiV3: inst.getOptionalBoolean(JIRA_CONFIG_USE_API_V3) ?? false,
          cacheTtl: getCacheTtl(inst),
        };
      });
    } else {
      // Default form
      this.instances.default = {
        token: jira.getString(JIRA_CONFIG_TOKEN),
        headers: parseHeaders(jira.getOptionalConfig(JIRA_CONFIG_HEADERS)),
        baseUrl: jira.getString(JIRA_CONFIG_BASE_URL),
        apiUrl: jira.getOptionalString(JIRA_CONFIG_API_URL),
        userEmailSuffix: jira.getOptionalString(JIRA_CONFIG_USER_EMAIL_SUFFIX),
        defaultFilters: jira
          .getOptionalConfigArray(JIRA_FILTERS)
          ?.map(filterConfig => ({
            name: filterConfig.getString('name'),
            shortName: filterConfig.getString('shortName'),
            query: filterConfig.getString('query'),
          })),
        useApiV3: jira.getOptionalBoolean(JIRA_CONFIG_USE_API_V3) ?? false,
        cacheTtl: getCacheTtl(jira),
      };
    }
  }

  /**
   * Create a JiraConfig from the root config
   */
  public static fromConfig(config: RootConfigService): JiraConfig {
    return new JiraConfig(config);
  }

  private forInstance(instanceName: string) {
    const instance = this.instances[instanceName];
    if (!instance) {
      throw new ServiceUnavailableError(
        `No such jira instance '${instanceName}'`,
      );
    }
    return instance;
  }

  /**
   * Returns the configuration all instances
   */
  getInstances() {
    return Object.getOwnPropertyNames(this.instances);
  }

  /**
   * Get the jira config for a specific instance
   */
  getInstance(instanceName?: string): ConfigInstance {
    return this.forInstance(instanceName ?? 'default');
  }
}

// ---- src/lib.ts ------------------------------------------------------------------------------

export const getAnnotations = (config: JiraConfig) => {
  const prefix = config.annotationPrefix;

  const projectKeyAnnotation = `${prefix}/${PROJECT_KEY_NAME}`;
  const jqlAnnotation = `${prefix}/${JQL}`;
  const componentsAnnotation = `${prefix}/${COMPONENTS_NAME}`;
  const filtersAnnotation = `${prefix}/${FILTERS_NAME}`;
  const incomingIssuesAnnotation = `${prefix}/${INCOMING_ISSUES_STATUS}`;

  /*   Adding support for Roadie's component annotation */
  const componentRoadieAnnotation = `${prefix}/component`;

  return {
    projectKeyAnnotation,
    jqlAnnotation,
    componentsAnnotation,
    filtersAnnotation,
    incomingIssuesAnnotation,
    componentRoadieAnnotation,
  };
};

export interface JiraProject {
  instance: ConfigInstance;
  fullProjectKey: string;
  projectKey: string;
}

/**
 * Splits a project key "instance/key" into a config instance and a project
 * key, falling back to 'default' for unprefixed keys
 */
export function splitProjectKey(
  config: JiraConfig,
  fullProjectKey: string,
): JiraProject {
  const [instance, projectKey] = fullProjectKey.split('/');
  if (!projectKey) {
    // No specific instance specified - use default
    return {
      instance: config.getInstance(),
      fullProjectKey,
      projectKey: instance,
    };
  }

  return {
    instance: config.getInstance(instance),
    fullProjectKey,
    projectKey,
  };
}

export function getApiUrl(instance: ConfigInstance) {
  return instance.apiUrl || instance.baseUrl;
}

export function replaceProjectApiUrl(
  instance: ConfigInstance,
  project: Project,
) {
  if (instance.apiUrl) {
    const apiUrl = instance.apiUrl;
    project.self = project.self.replace(apiUrl, instance.baseUrl);
  }
}

export function replaceIssuesApiUrl(instance: ConfigInstance, issues: Issue[]) {
  if (instance.apiUrl) {
    const apiUrl = instance.apiUrl;
    issues.forEach(
      issue => (issue.self = issue.self.replace(apiUrl, instance.baseUrl)),
    );
  }
}

// ---- src/queries.ts --------------------------------------------------------------------------

export type JqlQueryBuilderArgs = {
  project: string | string[];
  components?: string[];
  query?: string;
};

export const createEscapedIncludeQuery = (field: string, values: string[]) => {
  let query = `${field} in (`;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    query += `'${value}'`;
    // Add either the "," separator or close the parentheses.
    if (index === values.length - 1) {
      query += ')';
    } else {
      query += ',';
    }
  }
  return query;
};

export const jqlQueryBuilder = ({
  project,
  components,
  query,
}: JqlQueryBuilderArgs) => {
  const projectList = Array.isArray(project) ? project : [project];
  let jql = createEscapedIncludeQuery('project', projectList);
  if (components?.length) {
    jql += ` AND ${createEscapedIncludeQuery('component', components)}`;
  }
  if (query) {
    jql += ` AND ${query}`;
  }
  return jql;
};

// ---- src/filters.ts --------------------------------------------------------------------------

const openFilter: Filter = {
  name: 'Open Issues',
  shortName: 'OPEN',
  query: 'resolution = Unresolved ORDER BY updated DESC',
};

const getIncomingFilter = (incomingStatus: string): Filter => ({
  name: 'Incoming Issues',
  shortName: 'INCOMING',
  query: `status = '${incomingStatus}' ORDER BY created ASC`,
});

export const getAssigneUser = (
  instance: ConfigInstance,
  userEntity: UserEntity,
): string => {
  const emailSuffixConfig = instance.userEmailSuffix;

  return emailSuffixConfig
    ? `${userEntity.metadata.name}${emailSuffixConfig}`
    : userEntity.spec?.profile?.email || userEntity.metadata.name;
};

const getAssignedToMeFilter = (
  userEntity: UserEntity,
  instance: ConfigInstance,
): Filter => {
  const email = getAssigneUser(instance, userEntity);

  return {
    name: 'Assigned to me',
    shortName: 'ME',
    query: `assignee = "${email}" AND resolution = Unresolved ORDER BY updated DESC`,
  };
};

export const getDefaultFiltersForUser = (
  instance: ConfigInstance,
  userEntity?: UserEntity,
  incomingStatus?: string,
): Filter[] => {
  const incomingFilter = getIncomingFilter(incomingStatus ?? 'New');

  const defaultFilters =
    instance.defaultFilters?.map(filter => ({
      name: filter.name,
      query: filter.query,
      shortName: filter.shortName,
    })) || [];

  if (!userEntity) return [openFilter, incomingFilter, ...defaultFilters];

  const assigneeToMeFilter = getAssignedToMeFilter(userEntity, instance);

  return [openFilter, incomingFilter, assigneeToMeFilter, ...defaultFilters];
};

// ---- src/api.ts ------------------------------------------------------------------------------

export const getProjectInfo = async (
  project: JiraProject,
): Promise<Project> => {
  const { projectKey, instance } = project;
  const response = await callApi(
    instance,
    `${getApiUrl(instance)}project/${projectKey}`,
    {
      method: 'GET',
      headers: {
        Accept: 'application/json',
      },
    },
  );
  if (response.status !== 200) {
    throw Error(
      `Request failed with status code ${response.status}: ${response.statusText}`,
    );
  }

  const projectResponse = await response.json();
  replaceProjectApiUrl(project.instance, projectResponse);
  return projectResponse;
};

export const getFilterById = async (
  id: string,
  instance: ConfigInstance,
): Promise<Filter> => {
  const response = await callApi(
    instance,
    `${getApiUrl(instance)}filter/${id}`,
    {
      method: 'GET',
      headers: {
        Accept: 'application/json',
      },
    },
  );
  if (response.status !== 200) {
    throw Error(`${response.status}`);
  }
  const jsonResponse = await response.json();
  return { name: jsonResponse.name, query: jsonResponse.jql } as Filter;
};

export const getQueryUrl = (instance: ConfigInstance, jql?: string): string => {
  const baseUrl = getApiUrl(instance);

  if (instance.useApiV3) {
    const baseUrlWithEndpoint = `${baseUrl}search/jql`;
    if (jql) {
      return `${baseUrlWithEndpoint}?jql=${jql}&fields=*all`;
    }
    return baseUrlWithEndpoint;
  }

  const baseUrlWithEndpoint = `${baseUrl}search`;
  if (jql) {
    return `${baseUrlWithEndpoint}?jql=${jql}`;
  }
  return baseUrlWithEndpoint;
};

export const getIssuesByFilter = async (
  projects: JiraProject[],
  components: string[],
  query: string,
): Promise<Issue[]> => {
  if (projects.length === 0) {
    return [];
  }

  // All projects are expected to share the same instance — callers (getJiraProjectsFromKeys)
  // stamp every project with the same ConfigInstance, so a single batched JQL query suffices.
  const { instance } = projects[0];
  const projectKeys = projects.map(p => p.projectKey);
  const jql = jqlQueryBuilder({ project: projectKeys, components, query });
  const queryUrl = getQueryUrl(instance, jql);

  const response = await callApi(instance, queryUrl, {
    method: 'GET',
    headers: {
      Accept: 'application/json',
    },
  })
    .then(resp => resp.json())
    .catch(() => null);

  if (response?.errorMessages) {
    throw Error(
      `JQL returned Error: JQL -  ${jql} with error: ${response?.errorMessages?.[0]}`,
    );
  }

  if (response?.issues) {
    replaceIssuesApiUrl(instance, response.issues);
    return response.issues;
  }

  return [];
};

/**
 * Options available for the Jira JQL query.
 *
 * @public
 */
export type SearchOptions = {
  expand?: string[];
  fields?: string[];
  fieldsByKey?: boolean;
  properties?: string[];
  startAt?: number;
  maxResults?: number;
  validateQuery?: string;
};

export const searchJira = async (
  instance: ConfigInstance,
  jqlQuery: string,
  options: SearchOptions,
): Promise<JiraQueryResults> => {
  const queryUrl = getQueryUrl(instance);
  const requestBody = { jql: jqlQuery, ...options };

  const response = await callApi(instance, queryUrl, {
    method: 'POST',
    body: JSON.stringify(requestBody),
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
  });
  if (!response.ok) {
    throw await ResponseError.fromResponse(response);
  }
  const jsonResponse = (await response.json()) as JiraQueryResults;
  replaceIssuesApiUrl(instance, jsonResponse.issues);
  return jsonResponse;
};

export const getIssuesByComponent = async (
  projects: JiraProject[],
  componentKeys: string,
  query?: string,
): Promise<Issue[]> => {
  // Return an empty array if no projects are provided
  if (projects.length === 0) {
    return [];
  }

  const projectKeys = projects.map(project => project.projectKey);
  const components = componentKeys
    .split(',')
    .map(component => component.trim());

  const jql = jqlQueryBuilder({
    project: projectKeys,
    components,
    query,
  });

  const { instance } = projects[0];

  try {
    const queryUrl = getQueryUrl(instance, jql);
    const response = await callApi(instance, queryUrl, {
      method: 'GET',
      headers: {
        Accept: 'application/json',
      },
    }).then(resp => resp.json());

    if (!response.issues || response.issues.length === 0) {
      return [];
    }

    replaceIssuesApiUrl(instance, response.issues);
    return response.issues;
  } catch (error: any) {
    if (error.message.includes("does not exist for the field 'project'")) {
      return [];
    }
    throw error;
  }
};

/**
 * Call the Jira API using fetch.
 *
 * This function injects the auth token and custom headers.
 *
 * @public
 */
export async function callApi(
  instance: ConfigInstance,
  url: string,
  init?: RequestInit,
) {
  const requestInit = init ?? { method: 'GET' };

  // Inject custom headers from config, Authorization token and headers from the
  // request
  requestInit.headers = {
    ...instance.headers,
    Authorization: instance.token,
    ...requestInit.headers,
  };
  return fetch(url, requestInit);
}

// ---- src/service/service.ts ------------------------------------------------------------------

export const getProjectResponse = async (
  project: JiraProject,
  cache: CacheService,
): Promise<Project> => {
  let projectResponse: Project;

  projectResponse = (await cache.get(project.fullProjectKey)) as Project;

  if (projectResponse) {
    return projectResponse as Project;
  }

  try {
    projectResponse = await getProjectInfo(project);
    cache.set(project.fullProjectKey, projectResponse, {
      ttl: project.instance.cacheTtl,
    });
  } catch (err: any) {
    if (err.message !== 200) {
      throw Error(
        `Failed to get project info for project key ${project.fullProjectKey} with error: ${err.message}`,
      );
    }
  }
  return projectResponse;
};

export const getFiltersFromAnnotations = async (
  annotations: string[],
  config: ConfigInstance,
): Promise<Filter[]> => {
  const results = await Promise.allSettled(
    annotations.map(filter => getFilterById(filter, config)),
  );

  return results
    .map((result, i) => {
      if (result.status === 'rejected') {
        console.warn(
          `${result.reason.message} : Could not find filter with filter id ${annotations[i]}`,
        );
        return null;
      }
      return result.value;
    })
    .filter((filter): filter is Filter => filter !== null);
};
async function getJiraProjectsFromKeys(
  projectKeys: string[],
  instance: ConfigInstance,
  cache: CacheService,
): Promise<JiraProject[]> {
  return Promise.all(
    projectKeys.map(async key => {
      const cachedProject = (await cache.get(key)) as Project;
      const projectInfo =
        cachedProject ??
        (await getProjectInfo({
          projectKey: key,
          instance,
          fullProjectKey: '',
        }));

      if (!cachedProject) {
        cache.set(key, projectInfo, { ttl: instance.cacheTtl });
      }

      return {
        instance,
        fullProjectKey: projectInfo.key,
        projectKey: projectInfo.key,
      };
    }),
  );
}
export const getIssuesFromFilters = async (
  projectKeys: string[],
  components: string[],
  filters: Filter[],
  instance: ConfigInstance,
  cache: CacheService,
  jqlAnnotation?: string,
): Promise<JiraDataResponse[]> => {
  const projects = await getJiraProjectsFromKeys(projectKeys, instance, cache);
  return await Promise.all(
    filters.map(async filter => {
      const combinedQuery = `${jqlAnnotation ? `(${jqlAnnotation}) AND ` : ''}${
        filter.query
      }`;
      return {
        name: filter.name,
        query: jqlQueryBuilder({
          project: projectKeys,
          components,
          query: combinedQuery,
        }),
        type: 'filter',
        issues: await getIssuesByFilter(projects, components, combinedQuery),
      };
    }),
  );
};

export const getIssuesFromComponents = async (
  projectKeys: string[],
  componentAnnotations: string[],
  instance: ConfigInstance,
  cache: CacheService,
  jqlAnnotation?: string,
): Promise<JiraDataResponse[]> => {
  const projects = await getJiraProjectsFromKeys(projectKeys, instance, cache);
  return await Promise.all(
    componentAnnotations.map(async componentKey => ({
      name: componentKey,
      query: jqlQueryBuilder({
        project: projectKeys,
        components: [componentKey],
        query: jqlQueryBuilder({
          project: projectKeys,
          components: componentAnnotations,
          query: jqlAnnotation,
        }),
      }),
      type: 'component',
      issues: await getIssuesByComponent(projects, componentKey, jqlAnnotation),
    })),
  );
};

// ---- src/service/router.ts (the `/dashboards/by-entity-ref` route) ---------------------------

export interface RouterOptions {
  auth: any;
  logger: any;
  config: JiraConfig;
  /** Shim: the catalog the route reads entities from (was `discovery`). */
  catalogClient: {
    getEntityByRef(ref: string, options?: { token?: string }): Promise<any>;
  };
  httpAuth: any;
  userInfo?: any;
  cache: CacheService;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { auth, logger, config, catalogClient, httpAuth, cache } = options;

  logger.info('Initializing Jira Dashboard backend');

  const router = Router();
  router.use(express.json());

  router.get(
    '/dashboards/by-entity-ref/:kind/:namespace/:name',
    async (request, response) => {
      const { kind, namespace, name } = request.params;
      const entityRef = stringifyEntityRef({ kind, namespace, name });
      const { token } = await auth.getPluginRequestToken({
        onBehalfOf: await auth.getOwnServiceCredentials(),
        targetPluginId: 'catalog',
      });
      const entity = await catalogClient.getEntityByRef(entityRef, { token });
      const {
        projectKeyAnnotation,
        jqlAnnotation,
        componentsAnnotation,
        filtersAnnotation,
        incomingIssuesAnnotation,
        componentRoadieAnnotation,
      } = getAnnotations(config);

      if (!entity) {
        logger.info(`No entity found for ${entityRef}`);
        response
          .status(500)
          .json({ error: `No entity found for ${entityRef}` });
        return;
      }

      const fullProjectKeys =
        entity.metadata.annotations?.[projectKeyAnnotation]?.split(',')!;

      if (!fullProjectKeys) {
        const error = `No jira.com/project-key annotation found for ${entityRef}`;
        logger.info(error);
        response.status(404).json(error);
        return;
      }

      const projects = fullProjectKeys.map((fullProjectKey: string) =>
        splitProjectKey(config, fullProjectKey),
      );
      const projectResults = await Promise.allSettled(
        projects.map((project: JiraProject) =>
          getProjectResponse(project, cache),
        ),
      );

      const projectResponses: Project[] = [];
      for (const [i, result] of projectResults.entries()) {
        if (result.status === 'rejected') {
          logger.error(
            `Could not find Jira project ${projects[i].fullProjectKey}: ${
              result.reason?.message ?? result.reason
            }`,
          );
          response.status(404).json({
            error: `Jira project not found with key ${projects[i].fullProjectKey}`,
          });
          return;
        }
        projectResponses.push(result.value);
      }

      let userEntity: UserEntity | undefined;

      try {
        const credentials = await httpAuth.credentials(request, {
          allow: ['user'],
        });
        const userIdentity = credentials.principal.userEntityRef;

        userEntity = (await catalogClient.getEntityByRef(userIdentity, {
          token,
        })) as UserEntity;
      } catch (err) {
        logger.warn('Could not find user identity');
      }

      let filters: Filter[] = [];

      const incomingStatus =
        entity.metadata.annotations?.[incomingIssuesAnnotation];

      filters = getDefaultFiltersForUser(
        projects[0].instance,
        userEntity,
        incomingStatus,
      );

      const customFilterAnnotations =
        entity.metadata.annotations?.[filtersAnnotation]?.split(',')!;

      if (customFilterAnnotations) {
        filters.push(
          ...(await getFiltersFromAnnotations(
            customFilterAnnotations,
            projects[0].instance,
          )),
        );
      }
      const instance = projects[0]?.instance;

      let components =
        entity.metadata.annotations?.[componentsAnnotation]?.split(',') ?? [];

      const jqlValue = entity.metadata.annotations?.[jqlAnnotation] ?? '';

      const projectKeys = projects.map(
        (project: JiraProject) => project.projectKey,
      );
      let issues = await getIssuesFromFilters(
        projectKeys,
        components,
        filters,
        instance,
        cache,
        jqlValue,
      );

      /* Adding support for Roadie's component annotation */
      components = components.concat(
        entity.metadata.annotations?.[componentRoadieAnnotation]?.split(',') ??
          [],
      );

      if (components.length > 0) {
        const componentIssues = await getIssuesFromComponents(
          projectKeys,
          components,
          instance,
          cache,
          jqlValue,
        );
        issues = issues.concat(componentIssues);
      }

      const jiraResponse: JiraResponse = {
        project: projectResponses,
        data: issues,
      };

      response.json(jiraResponse);
    },
  );

  return router;
}
