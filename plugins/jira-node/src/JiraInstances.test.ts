import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { JiraInstances } from './JiraInstances';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from './testUtils';

const cloud = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  baseUrl: `https://${name}.atlassian.net/`,
  email: 'bot@example.com',
  apiToken: `token-of-${name}`,
  ...extra,
});

function read(jira: unknown) {
  return JiraInstances.fromConfig(new ConfigReader({ jira } as any));
}

function errorOf(jira: unknown): string {
  try {
    read(jira);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('Expected the config to be refused');
}

describe('JiraInstances', () => {
  it('reads instances into configs: trimmed URLs, auth kind, product, custom fields', () => {
    const instances = read({
      instances: [
        cloud('acme', {
          browseUrl: 'https://jira.acme.example.com/',
          customFields: { 'Story points': 'customfield_10016' },
        }),
        {
          name: 'jira-dc',
          baseUrl: 'https://jira.internal.example.com/jira//',
          product: 'datacenter',
          personalAccessToken: 'pat-value',
        },
      ],
    });
    expect(instances.isConfigured()).toBe(true);
    expect(instances.list()).toEqual([
      {
        name: 'acme',
        baseUrl: 'https://acme.atlassian.net',
        browseUrl: 'https://jira.acme.example.com',
        auth: {
          type: 'basic',
          email: 'bot@example.com',
          apiToken: 'token-of-acme',
        },
        customFields: { 'Story points': 'customfield_10016' },
      },
      {
        name: 'jira-dc',
        baseUrl: 'https://jira.internal.example.com/jira',
        browseUrl: 'https://jira.internal.example.com/jira',
        product: 'datacenter',
        auth: { type: 'bearer', token: 'pat-value' },
        customFields: {},
      },
    ]);
    expect(instances.settings).toEqual({
      timeoutMs: 10_000,
      maxRetryWaitMs: 10_000,
      pageSize: 100,
      cacheTtlMs: 60_000,
    });
  });

  it('selects the named instance, the one called default, or the only one', () => {
    const several = read({ instances: [cloud('acme'), cloud('default')] });
    expect(several.select(undefined).instance.name).toBe('default');
    expect(several.select('acme').instance.name).toBe('acme');
    expect(several.client('acme')).toBe(several.select('acme'));
    expect(
      read({ instances: [cloud('acme')] }).select(undefined).instance.name,
    ).toBe('acme');
    expect(() => several.select('other')).toThrow(
      expect.objectContaining({
        name: 'NotFoundError',
        message:
          'Unknown Jira instance "other" (from jira/project-key); jira.instances has "acme", "default"',
      }),
    );
    expect(() =>
      read({ instances: [cloud('a'), cloud('b')] }).select(undefined),
    ).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message:
          'jira/project-key names no Jira instance, and jira.instances has several ("a", "b") with none called "default"; write the instance name in jira/project-key',
      }),
    );
  });

  it('is off, with one log line, when nothing is configured', () => {
    const logger = mockServices.logger.mock();
    const none = JiraInstances.fromConfig(new ConfigReader({}), { logger });
    expect(none.isConfigured()).toBe(false);
    expect(none.list()).toEqual([]);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      'Jira is off: no jira.instances configured (add one with name, baseUrl and credentials to turn on the Jira tab)',
    );
    expect(() => none.select(undefined)).toThrow(
      'Jira is not configured: add an instance under jira.instances',
    );
    expect(
      JiraInstances.fromConfig(
        new ConfigReader({ jira: { instances: [] } }),
      ).isConfigured(),
    ).toBe(false);
  });

  it('logs the configured instances without their credentials', () => {
    const logger = mockServices.logger.mock();
    JiraInstances.fromConfig(
      new ConfigReader({ jira: { instances: [cloud('acme')] } }),
      { logger },
    );
    expect(logger.info).toHaveBeenCalledWith(
      'Jira instances: "acme" (https://acme.atlassian.net, product detected on first use)',
    );
    expect(JSON.stringify((logger.info as jest.Mock).mock.calls)).not.toContain(
      'token-of-acme',
    );
  });

  it.each([
    [
      'a cloud instance without apiToken',
      {
        instances: [
          cloud('a'),
          {
            name: 'b',
            baseUrl: 'https://b.atlassian.net',
            product: 'cloud',
            email: 'x@example.com',
          },
        ],
      },
      'Invalid Jira config: jira.instances[1].apiToken is missing: a Jira Cloud instance authenticates with email and apiToken (an API token of x@example.com)',
    ],
    [
      'a cloud instance without any credentials',
      {
        instances: [
          { name: 'b', baseUrl: 'https://b.atlassian.net', product: 'cloud' },
        ],
      },
      'Invalid Jira config: jira.instances[0].apiToken is missing: a Jira Cloud instance authenticates with jira.instances[0].email and jira.instances[0].apiToken',
    ],
    [
      'an apiToken without email',
      {
        instances: [
          { name: 'b', baseUrl: 'https://b.atlassian.net', apiToken: 't' },
        ],
      },
      'Invalid Jira config: jira.instances[0].email is missing: a Jira Cloud instance authenticates with the email of an Atlassian account and its apiToken',
    ],
    [
      'both kinds of credentials',
      { instances: [cloud('a', { personalAccessToken: 'p' })] },
      'Invalid Jira config: jira.instances[0] sets both email/apiToken (Jira Cloud) and personalAccessToken (Jira Data Center); keep the one of its product',
    ],
    [
      'no credentials',
      { instances: [{ name: 'a', baseUrl: 'https://a.example.com' }] },
      'Invalid Jira config: jira.instances[0] has no credentials: set email and apiToken (Jira Cloud) or personalAccessToken (Jira Data Center)',
    ],
    [
      'a data center instance without a token',
      {
        instances: [
          {
            name: 'a',
            baseUrl: 'https://a.example.com',
            product: 'datacenter',
          },
        ],
      },
      'Invalid Jira config: jira.instances[0].personalAccessToken is missing: a Jira Data Center instance authenticates with a personal access token',
    ],
    [
      'a personal access token on cloud',
      {
        instances: [
          {
            name: 'a',
            baseUrl: 'https://a.example.com',
            product: 'cloud',
            personalAccessToken: 'p',
          },
        ],
      },
      'Invalid Jira config: jira.instances[0].personalAccessToken is for Jira Data Center, but jira.instances[0].product is "cloud": set jira.instances[0].email and jira.instances[0].apiToken instead',
    ],
    [
      'cloud credentials on data center',
      { instances: [cloud('a', { product: 'datacenter' })] },
      'Invalid Jira config: jira.instances[0].email/apiToken are Jira Cloud credentials, but jira.instances[0].product is "datacenter": set jira.instances[0].personalAccessToken instead',
    ],
    [
      'an empty personal access token',
      {
        instances: [
          {
            name: 'a',
            baseUrl: 'https://a.example.com',
            personalAccessToken: ' ',
          },
        ],
      },
      'Invalid Jira config: jira.instances[0].personalAccessToken is empty',
    ],
    [
      'an unknown product',
      { instances: [cloud('a', { product: 'server' })] },
      'Invalid Jira config: jira.instances[0].product is "server"; expected "cloud" or "datacenter" (or leave it out to detect it)',
    ],
    [
      'a bad URL',
      { instances: [cloud('a', { baseUrl: 'acme.atlassian.net' })] },
      'Invalid Jira config: jira.instances[0].baseUrl "acme.atlassian.net" is not a URL; expected the Jira site, e.g. https://acme.atlassian.net or https://jira.example.com',
    ],
    [
      'a URL of another scheme',
      { instances: [cloud('a', { baseUrl: 'ftp://acme.example.com' })] },
      'Invalid Jira config: jira.instances[0].baseUrl "ftp://acme.example.com" must be an http or https URL',
    ],
    [
      'a REST URL',
      {
        instances: [
          cloud('a', { baseUrl: 'https://acme.atlassian.net/rest/api/3' }),
        ],
      },
      'Invalid Jira config: jira.instances[0].baseUrl "https://acme.atlassian.net/rest/api/3" must be the site URL without /rest/…, e.g. https://acme.atlassian.net',
    ],
    [
      'a URL with a query',
      {
        instances: [cloud('a', { browseUrl: 'https://acme.example.com/?x=1' })],
      },
      'Invalid Jira config: jira.instances[0].browseUrl "https://acme.example.com/?x=1" must not have a query or a fragment',
    ],
    [
      'a URL with credentials',
      {
        instances: [
          cloud('a', { baseUrl: 'https://user:secret@acme.example.com' }),
        ],
      },
      "Invalid Jira config: jira.instances[0].baseUrl must not carry credentials; use the instance's email/apiToken or personalAccessToken",
    ],
    [
      'a missing baseUrl',
      { instances: [{ name: 'a', personalAccessToken: 'p' }] },
      'Invalid Jira config: jira.instances[0].baseUrl is missing (the Jira site, e.g. https://acme.atlassian.net)',
    ],
    [
      'a missing name',
      {
        instances: [
          { baseUrl: 'https://a.example.com', personalAccessToken: 'p' },
        ],
      },
      'Invalid Jira config: jira.instances[0].name is missing: every Jira instance needs a name (the one jira/project-key: <name>/<KEY> uses; "default" for the default one)',
    ],
    [
      'a name with a slash',
      { instances: [cloud('a/b')] },
      'Invalid Jira config: jira.instances[0].name "a/b" may only have letters, digits, "-", "_" and "."',
    ],
    [
      'a duplicate name',
      { instances: [cloud('acme'), cloud('other'), cloud('acme')] },
      'Invalid Jira config: jira.instances[2].name "acme" is already the name of jira.instances[0]; instance names must be unique',
    ],
    [
      'a custom field that is not a field id',
      {
        instances: [
          cloud('a', { customFields: { 'Story points': 'Story Points' } }),
        ],
      },
      'Invalid Jira config: jira.instances[0].customFields["Story points"] is "Story Points"; expected a field id such as customfield_10016',
    ],
    [
      'custom fields that are not a map',
      { instances: [cloud('a', { customFields: ['customfield_10016'] })] },
      'Invalid Jira config: jira.instances[0].customFields must map names to field ids, e.g. { "Story points": "customfield_10016" }',
    ],
    [
      'a page size out of range',
      { instances: [cloud('a')], pageSize: 10000 },
      'Invalid Jira config: jira.pageSize is 10000; expected a whole number from 1 to 5000',
    ],
    [
      'a zero timeout',
      { instances: [cloud('a')], requestTimeoutSeconds: 0 },
      'Invalid Jira config: jira.requestTimeoutSeconds is 0; expected more than 0 seconds',
    ],
  ])('refuses %s, naming the key', (_what, jira, message) => {
    expect(errorOf(jira)).toBe(message);
  });

  it('never puts a token in an error', () => {
    const message = errorOf({
      instances: [
        cloud('a', {
          apiToken: 'super-secret-token',
          personalAccessToken: 'another-secret',
        }),
      ],
    });
    expect(message).not.toContain('super-secret-token');
    expect(message).not.toContain('another-secret');
  });

  it('builds one client per instance with the shared settings, which talk to Jira', async () => {
    const fake = await JiraFake.start({ example: true });
    try {
      const seen: string[] = [];
      const instances = JiraInstances.fromConfig(
        new ConfigReader({
          jira: {
            instances: [
              {
                name: 'default',
                baseUrl: fake.url,
                email: JIRA_FAKE_DEMO_EMAIL,
                apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                customFields: { 'Story points': 'customfield_10016' },
              },
            ],
            pageSize: 7,
            requestTimeoutSeconds: 5,
            maxRetryWaitSeconds: 2,
            cacheTtlSeconds: 30,
          },
        }),
        {
          onRequest: event =>
            seen.push(`${event.method} ${event.path} ${event.status}`),
        },
      );
      expect(instances.settings).toEqual({
        timeoutMs: 5000,
        maxRetryWaitMs: 2000,
        pageSize: 7,
        cacheTtlMs: 30_000,
      });
      const client = instances.select(undefined);
      expect(instances.select('default')).toBe(client);
      const page = await client.search({ jql: 'project = PAY' });
      expect(page.issues).toHaveLength(7);
      expect(seen).toEqual([
        'GET /rest/api/2/serverInfo 200',
        'POST /rest/api/3/search/jql 200',
      ]);
    } finally {
      await fake.close();
    }
  });
});
