import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from './SonarQubeClient';
import express from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SonarQubeFake } from './testUtils';

const USER_TOKEN = 'squ_user_token_for_tests_0001';
const PROJECT_TOKEN = 'sqp_payments_analysis_token_01';
const GLOBAL_TOKEN = 'sqa_global_analysis_token_0001';

describe('SonarQubeClient against the SonarQube fake', () => {
  let fake: SonarQubeFake;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      contextPath: '/sonar',
      tokens: [
        { token: USER_TOKEN, type: 'user', admin: true },
        {
          token: PROJECT_TOKEN,
          type: 'project-analysis',
          projects: ['comet-examples_payments-api'],
        },
        { token: GLOBAL_TOKEN, type: 'global-analysis' },
      ],
    });
    baseUrl = fake.url;
  });

  afterAll(async () => {
    await fake.close();
  });

  function client(
    instances: Array<Record<string, unknown>>,
    options: { maxRetries?: number } = {},
  ) {
    return SonarQubeClient.fromConfig(
      new ConfigReader({ sonarqube: { instances } } as any),
      options,
    );
  }

  const main = () => client([{ name: 'main', baseUrl, apiKey: USER_TOKEN }]);

  it('reads measures and the gate of the main branch, a branch and a pull request, with Basic and Bearer tokens', async () => {
    for (const tokenKind of ['Basic', 'Bearer']) {
      const c = client([
        { name: 'main', baseUrl, apiKey: USER_TOKEN, tokenKind },
      ]);
      const { name, measures } = await c.getMeasures({
        projectKey: 'comet-examples_payments-api',
      });
      expect(name).toBe('Payments API');
      expect(measures).toMatchObject({
        alert_status: 'OK',
        coverage: '84.2',
        ncloc: '18420',
        reliability_rating: expect.stringMatching(/^[1-5]\.0$/),
      });
    }
    const pr = await main().getQualityGate({
      projectKey: 'comet-examples_payments-api',
      pullRequest: '42',
    });
    expect(pr.status).toBe('ERROR');
    expect(pr.conditions.filter(c => c.status === 'ERROR')).toEqual([
      expect.objectContaining({
        metricKey: 'new_coverage',
        actualValue: '42.3',
        errorThreshold: '80',
      }),
      expect.objectContaining({ metricKey: 'new_reliability_rating' }),
    ]);
    const branch = await main().getMeasures({
      projectKey: 'comet-examples_product-catalog',
      branch: 'develop',
    });
    expect(branch.measures.alert_status).toBe('ERROR');
    expect(
      await main().listBranches({ projectKey: 'comet-examples_payments-api' }),
    ).toEqual({
      branches: [
        expect.objectContaining({
          name: 'main',
          isMain: true,
          qualityGateStatus: 'OK',
        }),
        expect.objectContaining({ name: 'release/1.x', isMain: false }),
      ],
      pullRequests: [
        expect.objectContaining({
          key: '42',
          title: 'Partial refunds',
          qualityGateStatus: 'ERROR',
        }),
      ],
    });
  });

  it('pages issues up to the 10,000-result limit', async () => {
    const c = main();
    const first = await c.searchIssues({
      projectKey: 'comet-examples_product-catalog',
      page: 1,
      pageSize: 100,
    });
    expect(first.total).toBe(10_000);
    expect(first.issues).toHaveLength(100);
    expect(first.issues[0].component).toMatch(/^src\//);
    const last = await c.searchIssues({
      projectKey: 'comet-examples_product-catalog',
      page: 20,
      pageSize: 500,
    });
    expect(last.issues).toHaveLength(500);
    expect(last.issues[0].key).not.toBe(first.issues[0].key);
    await expect(
      c.searchIssues({
        projectKey: 'comet-examples_product-catalog',
        page: 21,
        pageSize: 500,
      }),
    ).rejects.toThrow(
      'SonarQube returns only the first 10000 issues of a search',
    );
    const bugs = await c.searchIssues({
      projectKey: 'comet-examples_product-catalog',
      types: ['BUG'],
      page: 1,
      pageSize: 10,
    });
    expect(bugs.total).toBe(2000);
    expect(bugs.issues.every(i => i.type === 'BUG')).toBe(true);
    // The fake enforces the limit too, as SonarQube does
    const raw = await fetch(
      `${baseUrl}/api/issues/search?componentKeys=comet-examples_product-catalog&p=101&ps=100`,
      { headers: { authorization: `Bearer ${USER_TOKEN}` } },
    );
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      errors: [
        {
          msg: 'Can return only the first 10000 results. 10100th result asked.',
        },
      ],
    });
  });

  it('reads the history oldest first', async () => {
    const history = await main().getMeasureHistory({
      projectKey: 'comet-examples_payments-api',
      metrics: ['coverage', 'bugs'],
    });
    expect(history.metrics.map(m => m.metric)).toEqual(['coverage', 'bugs']);
    const coverage = history.metrics[0].history;
    expect(coverage).toHaveLength(12);
    expect(Date.parse(coverage[0].date)).toBeLessThan(
      Date.parse(coverage[11].date),
    );
    expect(coverage[11].value).toBe('84.2');
  });

  it('says precisely what is wrong: bad token, token without access, unknown key, unknown instance, never analysed', async () => {
    const bad = client([{ name: 'main', baseUrl, apiKey: 'not-a-token' }]);
    const badError = await bad
      .getMeasures({ projectKey: 'comet-examples_payments-api' })
      .catch(e => e);
    expect(badError.name).toBe('ServiceUnavailableError');
    expect(badError.message).toBe(
      'SonarQube instance "main": GET api/measures/component for project "comet-examples_payments-api" was refused (401): the configured token is invalid, expired or missing: Invalid authentication credentials',
    );
    expect(badError.message).not.toContain('not-a-token');

    const projectToken = client([
      { name: 'main', baseUrl, apiKey: PROJECT_TOKEN },
    ]);
    await expect(
      projectToken.getMeasures({ projectKey: 'comet-examples_payments-api' }),
    ).resolves.toBeDefined();
    const denied = await projectToken
      .getMeasures({ projectKey: 'comet-examples_ledger-worker' })
      .catch(e => e);
    expect(denied.name).toBe('NotAllowedError');
    expect(denied.message).toContain(
      'SonarQube instance "main": GET api/measures/component for project "comet-examples_ledger-worker" was refused (403)',
    );
    const global = client([{ name: 'main', baseUrl, apiKey: GLOBAL_TOKEN }]);
    await expect(
      global.searchIssues({
        projectKey: 'comet-examples_payments-api',
        page: 1,
        pageSize: 10,
      }),
    ).rejects.toThrow(/GET api\/issues\/search .* was refused \(403\)/);
    // ... but a global analysis token may read the gate, as a scanner waiting for it does
    await expect(
      global.getQualityGate({ projectKey: 'comet-examples_payments-api' }),
    ).resolves.toMatchObject({ status: 'OK' });

    const unknown = await main()
      .getMeasures({ projectKey: 'no-such-project' })
      .catch(e => e);
    expect(unknown.name).toBe('NotFoundError');
    expect(unknown.message).toBe(
      'SonarQube instance "main": GET api/measures/component for project "no-such-project": not found (404): Component key \'no-such-project\' not found',
    );
    await expect(
      main().getMeasures({
        projectKey: 'comet-examples_payments-api',
        branch: 'nope',
      }),
    ).rejects.toThrow(
      "Component 'comet-examples_payments-api' on branch 'nope' not found",
    );

    await expect(
      main().getMeasures({ instance: 'cloud', projectKey: 'x' }),
    ).rejects.toThrow(
      'Unknown SonarQube instance "cloud" (from sonarqube.org/project-key); sonarqube.instances has "main"',
    );

    const never = await main().getMeasures({
      projectKey: 'comet-examples_new-service',
    });
    expect(never.measures).toEqual({});
    expect(
      await main().getQualityGate({ projectKey: 'comet-examples_new-service' }),
    ).toEqual({ status: 'NONE', conditions: [] });
  });

  it('retries a 429 after Retry-After and a 503, and reports an unreachable instance', async () => {
    fake.failNext('api/measures/component', 429, { retryAfter: 1 });
    fake.failNext('api/measures/component', 503);
    fake.resetCalls();
    const started = Date.now();
    await expect(
      main().getMeasures({ projectKey: 'comet-examples_payments-api' }),
    ).resolves.toMatchObject({ name: 'Payments API' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(
      fake.calls.filter(c => c.path === 'api/measures/component'),
    ).toHaveLength(3);

    const down = client(
      [
        {
          name: 'down',
          baseUrl: 'http://127.0.0.1:9/sonar',
          apiKey: USER_TOKEN,
        },
      ],
      { maxRetries: 0 },
    );
    await expect(
      down.getMeasures({ projectKey: 'comet-examples_payments-api' }),
    ).rejects.toThrow(
      /^SonarQube instance "down": GET api\/measures\/component for project "comet-examples_payments-api" failed: /,
    );
  });

  it('does not follow a redirect, so the token never reaches another host', async () => {
    // Another host that records what reaches it
    const received: Array<{ path: string; authorization?: string }> = [];
    const elsewhere = express();
    elsewhere.use((req, res) => {
      received.push({
        path: req.path,
        authorization: req.headers.authorization,
      });
      res.json({ component: { name: 'Stolen', measures: [] } });
    });
    const server = elsewhere.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const elsewhereUrl = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }`;
    try {
      for (const status of [301, 302, 307, 308]) {
        fake.redirectNext(
          'api/measures/component',
          `${elsewhereUrl}/collect`,
          status,
        );
        const error = await main()
          .getMeasures({ projectKey: 'comet-examples_payments-api' })
          .then(
            () => undefined,
            e => e as Error,
          );
        expect(error?.name).toBe('ServiceUnavailableError');
        expect(error?.message).toBe(
          `SonarQube instance "main": GET api/measures/component for project "comet-examples_payments-api" answered with a redirect (${status}), which Comet does not follow so that the token stays with the configured host: set baseUrl to the URL SonarQube answers on`,
        );
        expect(error?.message).not.toContain(USER_TOKEN);
      }
      expect(received).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('reads the single-instance shorthand as the default instance', () => {
    const c = SonarQubeClient.fromConfig(
      new ConfigReader({
        sonarqube: {
          baseUrl: `${baseUrl}/`,
          apiKey: USER_TOKEN,
          externalBaseUrl: 'https://sonar.example.com',
        },
      }),
    );
    expect(c.listInstances()).toEqual([
      {
        name: 'default',
        externalBaseUrl: 'https://sonar.example.com',
        organization: undefined,
      },
    ]);
    expect(c.dashboardUrl({ projectKey: 'a', branch: 'b/c' })).toBe(
      'https://sonar.example.com/dashboard?id=a&branch=b%2Fc',
    );
  });
});
