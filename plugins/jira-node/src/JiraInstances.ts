import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { ExternalApiMetrics, selectInstance } from '@internal/backend-common';
import {
  ANNOTATION_JIRA_PROJECT_KEY,
  JIRA_CONFIG_KEY,
} from '@internal/plugin-jira-common';
import { DefaultJiraClient } from './JiraClient';
import type { JiraRequestListener } from './JiraHttp';
import type { JiraClient, JiraInstanceConfig } from './types';

const INSTANCE_NAME = /^[A-Za-z0-9_.-]+$/;
const CUSTOM_FIELD_ID = /^customfield_\d+$/;

/** The settings every client shares (`jira.*` beside `instances`). */
export type JiraClientSettings = {
  timeoutMs: number;
  maxRetryWaitMs: number;
  pageSize: number;
  cacheTtlMs: number;
};

export type JiraInstancesOptions = {
  logger?: LoggerService;
  /** For tests and benchmarks: another fetch, recorded waits, a call listener. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onRequest?: JiraRequestListener;
  /** `comet.external.*` metrics; fromConfig uses the global meter's (`jira`). */
  metrics?: ExternalApiMetrics;
};

function configError(message: string) {
  return new Error(`Invalid Jira config: ${message}`);
}

function readUrl(value: string, key: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(
      `${key} "${value}" is not a URL; expected the Jira site, e.g. https://acme.atlassian.net or https://jira.example.com`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`${key} "${value}" must be an http or https URL`);
  }
  if (url.username || url.password) {
    throw configError(
      `${key} must not carry credentials; use the instance's email/apiToken or personalAccessToken`,
    );
  }
  if (url.search || url.hash) {
    throw configError(`${key} "${value}" must not have a query or a fragment`);
  }
  if (/\/rest(\/|$)/.test(url.pathname)) {
    throw configError(
      `${key} "${value}" must be the site URL without /rest/…, e.g. ${url.origin}`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

function readNumber(
  config: Config,
  key: string,
  fallback: number,
  check: (n: number) => boolean,
  expected: string,
): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!check(value)) {
    throw configError(
      `${JIRA_CONFIG_KEY}.${key} is ${value}; expected ${expected}`,
    );
  }
  return value;
}

function readInstance(c: Config, index: number): JiraInstanceConfig {
  const at = `${JIRA_CONFIG_KEY}.instances[${index}]`;
  const name = c.getOptionalString('name');
  if (!name) {
    throw configError(
      `${at}.name is missing: every Jira instance needs a name (the one jira/project-key: <name>/<KEY> uses; "default" for the default one)`,
    );
  }
  if (!INSTANCE_NAME.test(name)) {
    throw configError(
      `${at}.name "${name}" may only have letters, digits, "-", "_" and "."`,
    );
  }
  const rawBaseUrl = c.getOptionalString('baseUrl');
  if (!rawBaseUrl) {
    throw configError(
      `${at}.baseUrl is missing (the Jira site, e.g. https://acme.atlassian.net)`,
    );
  }
  const baseUrl = readUrl(rawBaseUrl, `${at}.baseUrl`);
  const rawBrowseUrl = c.getOptionalString('browseUrl');
  const browseUrl = rawBrowseUrl
    ? readUrl(rawBrowseUrl, `${at}.browseUrl`)
    : baseUrl;

  const product = c.getOptionalString('product');
  if (
    product !== undefined &&
    product !== 'cloud' &&
    product !== 'datacenter'
  ) {
    throw configError(
      `${at}.product is "${product}"; expected "cloud" or "datacenter" (or leave it out to detect it)`,
    );
  }
  const email = c.getOptionalString('email');
  const apiToken = c.getOptionalString('apiToken');
  const token = c.getOptionalString('personalAccessToken');
  const cloudAuth = email !== undefined || apiToken !== undefined;
  let auth: JiraInstanceConfig['auth'];
  if (cloudAuth && token !== undefined) {
    throw configError(
      `${at} sets both email/apiToken (Jira Cloud) and personalAccessToken (Jira Data Center); keep the one of its product`,
    );
  } else if (token !== undefined) {
    if (product === 'cloud') {
      throw configError(
        `${at}.personalAccessToken is for Jira Data Center, but ${at}.product is "cloud": set ${at}.email and ${at}.apiToken instead`,
      );
    }
    if (!token.trim()) {
      throw configError(`${at}.personalAccessToken is empty`);
    }
    auth = { type: 'bearer', token };
  } else if (cloudAuth) {
    if (product === 'datacenter') {
      throw configError(
        `${at}.email/apiToken are Jira Cloud credentials, but ${at}.product is "datacenter": set ${at}.personalAccessToken instead`,
      );
    }
    if (!email) {
      throw configError(
        `${at}.email is missing: a Jira Cloud instance authenticates with the email of an Atlassian account and its apiToken`,
      );
    }
    if (!apiToken) {
      throw configError(
        `${at}.apiToken is missing: a Jira Cloud instance authenticates with email and apiToken (an API token of ${email})`,
      );
    }
    auth = { type: 'basic', email, apiToken };
  } else if (product === 'cloud') {
    throw configError(
      `${at}.apiToken is missing: a Jira Cloud instance authenticates with ${at}.email and ${at}.apiToken`,
    );
  } else if (product === 'datacenter') {
    throw configError(
      `${at}.personalAccessToken is missing: a Jira Data Center instance authenticates with a personal access token`,
    );
  } else {
    throw configError(
      `${at} has no credentials: set email and apiToken (Jira Cloud) or personalAccessToken (Jira Data Center)`,
    );
  }

  const customFields: Record<string, string> = {};
  // Read whole: names such as "Story points" are not valid config keys for getString
  const rawFields = c.getOptional('customFields') ?? {};
  if (typeof rawFields !== 'object' || Array.isArray(rawFields)) {
    throw configError(
      `${at}.customFields must map names to field ids, e.g. { "Story points": "customfield_10016" }`,
    );
  }
  for (const [fieldName, id] of Object.entries(rawFields)) {
    if (typeof id !== 'string' || !CUSTOM_FIELD_ID.test(id)) {
      throw configError(
        `${at}.customFields["${fieldName}"] is "${id}"; expected a field id such as customfield_10016`,
      );
    }
    customFields[fieldName] = id;
  }
  return {
    name,
    baseUrl,
    browseUrl,
    ...(product ? { product: product as 'cloud' | 'datacenter' } : {}),
    auth,
    customFields,
  };
}

/**
 * The configured Jira instances (`jira.instances[]`), read and checked at start-up with
 * errors that name the key to fix, and one client per instance (so a detected product is
 * asked once). Without instances Jira is off: `isConfigured()` is false and one line says so.
 */
export class JiraInstances {
  private readonly clients = new Map<string, JiraClient>();

  static fromConfig(
    config: Config,
    options: JiraInstancesOptions = {},
  ): JiraInstances {
    const root = config.getOptionalConfig(JIRA_CONFIG_KEY);
    const entries = root?.getOptionalConfigArray('instances') ?? [];
    const instances: JiraInstanceConfig[] = [];
    entries.forEach((entry, index) => {
      const instance = readInstance(entry, index);
      const first = instances.findIndex(i => i.name === instance.name);
      if (first >= 0) {
        throw configError(
          `${JIRA_CONFIG_KEY}.instances[${index}].name "${instance.name}" is already the name of ${JIRA_CONFIG_KEY}.instances[${first}]; instance names must be unique`,
        );
      }
      instances.push(instance);
    });
    const settings: JiraClientSettings = {
      timeoutMs:
        (root
          ? readNumber(
              root,
              'requestTimeoutSeconds',
              10,
              n => n > 0,
              'more than 0 seconds',
            )
          : 10) * 1000,
      maxRetryWaitMs:
        (root
          ? readNumber(
              root,
              'maxRetryWaitSeconds',
              10,
              n => n >= 0,
              '0 seconds or more',
            )
          : 10) * 1000,
      pageSize: root
        ? readNumber(
            root,
            'pageSize',
            100,
            n => Number.isInteger(n) && n >= 1 && n <= 5000,
            'a whole number from 1 to 5000',
          )
        : 100,
      cacheTtlMs:
        (root
          ? readNumber(
              root,
              'cacheTtlSeconds',
              60,
              n => n >= 0,
              '0 seconds or more',
            )
          : 60) * 1000,
    };
    if (instances.length === 0) {
      options.logger?.info(
        `Jira is off: no ${JIRA_CONFIG_KEY}.instances configured (add one with name, baseUrl and credentials to turn on the Jira tab)`,
      );
    } else {
      options.logger?.info(
        `Jira instances: ${instances
          .map(
            i =>
              `"${i.name}" (${i.baseUrl}, ${
                i.product ?? 'product detected on first use'
              })`,
          )
          .join(', ')}`,
      );
    }
    return new JiraInstances(instances, settings, {
      ...options,
      metrics: options.metrics ?? ExternalApiMetrics.forRootService('jira'),
    });
  }

  constructor(
    private readonly instances: JiraInstanceConfig[],
    readonly settings: JiraClientSettings = {
      timeoutMs: 10_000,
      maxRetryWaitMs: 10_000,
      pageSize: 100,
      cacheTtlMs: 60_000,
    },
    private readonly options: JiraInstancesOptions = {},
  ) {}

  isConfigured(): boolean {
    return this.instances.length > 0;
  }

  /** The configured instances. They hold credentials: show only names and URLs. */
  list(): JiraInstanceConfig[] {
    return [...this.instances];
  }

  /**
   * The named instance, or the default one (no name): the instance called `default`, else the
   * only one. Unknown names are a NotFoundError listing the configured ones; no name with
   * several instances and none called `default` is an InputError naming the annotation.
   */
  instance(name?: string): JiraInstanceConfig {
    return selectInstance(this.instances, name, {
      system: 'Jira',
      configKey: `${JIRA_CONFIG_KEY}.instances`,
      annotation: ANNOTATION_JIRA_PROJECT_KEY,
    });
  }

  /** The client of the named instance (one per instance). */
  client(name: string): JiraClient {
    return this.select(name);
  }

  /** The client of the named instance, or of the default one when `name` is undefined. */
  select(name: string | undefined): JiraClient {
    const instance = this.instance(name);
    let client = this.clients.get(instance.name);
    if (!client) {
      client = DefaultJiraClient.create(instance, {
        timeoutMs: this.settings.timeoutMs,
        maxRetryWaitMs: this.settings.maxRetryWaitMs,
        pageSize: this.settings.pageSize,
        fetch: this.options.fetch,
        sleep: this.options.sleep,
        onRequest: this.options.onRequest,
        metrics: this.options.metrics,
      });
      this.clients.set(instance.name, client);
    }
    return client;
  }
}
