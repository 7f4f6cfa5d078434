/*
 * The rest of SonarQubeClient against the SonarQube fake: hotspots, analyses and compute engine
 * tasks, project provisioning, links, request listeners, and how answers that are not
 * SonarQube's (timeouts, HTML, 5xx) are reported.
 */
import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from './SonarQubeClient';
import { SonarQubeFake } from './testUtils';

const ADMIN = 'squ_admin_token_for_client_tests';

function client(
  instances: Array<Record<string, unknown>>,
  options: { fetch?: typeof fetch; maxRetries?: number } = {},
  requestTimeoutSeconds?: number,
) {
  return SonarQubeClient.fromConfig(
    new ConfigReader({
      sonarqube: { instances, requestTimeoutSeconds },
    } as any),
    options,
  );
}

describe('SonarQubeClient', () => {
  let fake: SonarQubeFake;
  let main: SonarQubeClient;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      tokens: [{ token: ADMIN, type: 'user', admin: true }],
    });
    main = client([
      {
        name: 'main',
        baseUrl: fake.url,
        externalBaseUrl: 'https://sonar.example.com',
        apiKey: ADMIN,
        tokenKind: 'Bearer',
      },
    ]);
  });

  afterAll(async () => {
    await fake.close();
  });

  it('pages security hotspots with paths relative to the project and links to them', async () => {
    const page = await main.searchHotspots({
      projectKey: 'comet-examples_product-catalog',
      branch: 'develop',
      page: 1,
      pageSize: 10,
    });
    expect(page).toMatchObject({ page: 1, pageSize: 10 });
    expect(page.total).toBeGreaterThan(10);
    expect(page.hotspots).toHaveLength(10);
    const [first] = page.hotspots;
    expect(first.component).toMatch(/^src\//);
    expect(first.status).toBe('TO_REVIEW');
    expect(first.url).toBe(
      `https://sonar.example.com/security_hotspots?id=comet-examples_product-catalog&hotspots=${first.key}&branch=develop`,
    );
    const reviewed = await main.searchHotspots({
      projectKey: 'comet-examples_payments-api',
      status: 'REVIEWED',
      page: 1,
      pageSize: 100,
    });
    expect(reviewed.hotspots.every(h => h.status === 'REVIEWED')).toBe(true);
    await expect(
      main.searchHotspots({
        projectKey: 'comet-examples_payments-api',
        page: 101,
        pageSize: 100,
      }),
    ).rejects.toThrow(
      'SonarQube returns only the first 10000 hotspots of a search; page 101 of 100 is past that',
    );
  });

  it('links issues and dashboards to the branch or the pull request', () => {
    const query = { projectKey: 'acme_api', pullRequest: '7', branch: 'x' };
    expect(main.issueUrl(query, 'AX1')).toBe(
      'https://sonar.example.com/project/issues?id=acme_api&open=AX1&pullRequest=7',
    );
    expect(main.issueUrl({ projectKey: 'acme_api', branch: 'b' }, 'AX1')).toBe(
      'https://sonar.example.com/project/issues?id=acme_api&open=AX1&branch=b',
    );
    expect(main.hotspotUrl({ projectKey: 'acme_api' }, 'H1')).toBe(
      'https://sonar.example.com/security_hotspots?id=acme_api&hotspots=H1',
    );
    expect(main.dashboardUrl({ projectKey: 'acme_api', branch: 'b' })).toBe(
      'https://sonar.example.com/dashboard?id=acme_api&branch=b',
    );
  });

  it('follows an analysis from the compute engine queue to its gate', async () => {
    const projectKey = 'comet-examples_storefront-web';
    const pending = fake.publishAnalysis({
      projectKey,
      revision: 'c0ffee',
      gate: 'ERROR',
      branch: 'feature/x',
      pendingMs: 60_000,
    });
    const queued = await main.getComputeTasks({ projectKey });
    expect(queued.queue).toEqual([
      expect.objectContaining({
        id: pending.taskId,
        status: 'PENDING',
        branch: 'feature/x',
      }),
    ]);
    expect(queued.current?.status).toBe('SUCCESS');

    const done = fake.publishAnalysis({
      projectKey,
      revision: 'beef01',
      gate: 'ERROR',
      pullRequest: '12',
    });
    const tasks = await main.getComputeTasks({ projectKey });
    expect(tasks.current).toMatchObject({
      id: done.taskId,
      status: 'SUCCESS',
      pullRequest: '12',
      analysisId: done.analysisId,
    });
    const analyses = await main.listAnalyses({ projectKey, pullRequest: '12' });
    expect(analyses[0]).toEqual({
      key: done.analysisId,
      date: expect.any(String),
      revision: 'beef01',
    });
    expect(
      await main.getQualityGate({ projectKey, analysisId: done.analysisId }),
    ).toMatchObject({ status: 'ERROR' });
  });

  it('provisions a project: create, quality gate, new code definition', async () => {
    const projectKey = 'acme_client-admin-test';
    expect(await main.searchProjects({ projectKeys: [projectKey] })).toEqual(
      [],
    );
    expect(
      await main.createProject({
        projectKey,
        name: 'Client admin test',
        mainBranch: 'trunk',
        visibility: 'public',
      }),
    ).toEqual({
      key: projectKey,
      name: 'Client admin test',
      qualifier: 'TRK',
      visibility: 'public',
    });
    expect(
      (await main.searchProjects({ projectKeys: [projectKey] })).map(
        p => p.key,
      ),
    ).toEqual([projectKey]);
    // Its main branch is trunk, and reads without a branch go there
    expect(await main.getMeasures({ projectKey })).toEqual({
      name: 'Client admin test',
      measures: {},
    });
    expect(
      (await main.listBranches({ projectKey })).branches.map(b => b.name),
    ).toEqual(['trunk']);
    expect(await main.getProjectQualityGate({ projectKey })).toBe('Sonar way');
    await main.selectQualityGate({ projectKey, gateName: 'Comet strict' });
    expect(await main.getProjectQualityGate({ projectKey })).toBe(
      'Comet strict',
    );
    expect(await main.getNewCodePeriod({ projectKey })).toEqual({
      projectKey,
      type: 'PREVIOUS_VERSION',
      inherited: true,
    });
    await main.setNewCodePeriod({
      projectKey,
      type: 'NUMBER_OF_DAYS',
      value: '30',
    });
    expect(await main.getNewCodePeriod({ projectKey })).toMatchObject({
      type: 'NUMBER_OF_DAYS',
      value: '30',
      inherited: false,
    });
    // SonarQube's 400 is bad input, with its message
    const rejected = await main
      .setNewCodePeriod({ projectKey, type: 'NUMBER_OF_DAYS', value: '365' })
      .catch(e => e);
    expect(rejected.name).toBe('InputError');
    expect(rejected.message).toBe(
      `SonarQube instance "main": POST api/new_code_periods/set for project "${projectKey}" was rejected (400): Failed to parse number of days: 365`,
    );
    // A write is not retried
    fake.failNext('api/projects/create', 503);
    fake.resetCalls();
    await expect(
      main.createProject({ projectKey: 'acme_other', name: 'Other' }),
    ).rejects.toThrow(
      'SonarQube instance "main": POST api/projects/create for project "acme_other" failed with 503: Injected failure 503',
    );
    expect(fake.calls).toHaveLength(1);
  });

  it('tells listeners about each request until they unsubscribe', async () => {
    const events: unknown[] = [];
    const unsubscribe = main.onRequest(event => events.push(event));
    await main.getQualityGate({ projectKey: 'comet-examples_payments-api' });
    unsubscribe();
    unsubscribe();
    await main.getQualityGate({ projectKey: 'comet-examples_payments-api' });
    expect(events).toEqual([
      {
        instance: 'main',
        method: 'GET',
        path: 'api/qualitygates/project_status',
        status: 200,
        durationMs: expect.any(Number),
      },
    ]);
  });

  describe('answers that are not SonarQube Web API answers', () => {
    const instance = {
      name: 'odd',
      baseUrl: 'http://sonar.invalid',
      apiKey: 'squ_odd',
    };
    const answering = (response: () => Response) =>
      client([instance], {
        fetch: (async () => response()) as typeof fetch,
        maxRetries: 0,
      });

    it('names a body that is not JSON and a server error, without the token', async () => {
      const html = await answering(
        () => new Response('<html>login</html>', { status: 200 }),
      )
        .getMeasures({ projectKey: 'acme_api' })
        .catch(e => e);
      expect(html.name).toBe('ServiceUnavailableError');
      expect(html.message).toBe(
        'SonarQube instance "odd": GET api/measures/component for project "acme_api" answered 200 with a body that is not JSON (is http://sonar.invalid a SonarQube Web API URL?)',
      );
      const failed = await answering(
        () => new Response('oops', { status: 500 }),
      )
        .getMeasures({ projectKey: 'acme_api', branch: 'dev' })
        .catch(e => e);
      expect(failed.message).toBe(
        'SonarQube instance "odd": GET api/measures/component for project "acme_api" branch dev failed with 500',
      );
      expect(`${html.message}${failed.message}`).not.toContain('squ_odd');
    });

    it('accepts an empty answer to a write', async () => {
      await expect(
        answering(() => new Response(null, { status: 204 })).selectQualityGate({
          projectKey: 'acme_api',
          gateName: 'Sonar way',
        }),
      ).resolves.toBeUndefined();
    });

    it('reports a request that gets no answer in time, after retrying it', async () => {
      let attempts = 0;
      const silent = client(
        [instance],
        {
          fetch: (async (_url: unknown, init?: RequestInit) => {
            attempts += 1;
            return new Promise<Response>((_, reject) => {
              init?.signal?.addEventListener('abort', () =>
                reject(init.signal!.reason),
              );
            });
          }) as typeof fetch,
          maxRetries: 1,
        },
        0.05,
      );
      await expect(
        silent.getMeasures({ projectKey: 'acme_api' }),
      ).rejects.toThrow(
        'SonarQube instance "odd": GET api/measures/component for project "acme_api" failed: no answer within 0.05 s',
      );
      expect(attempts).toBe(2);
    });
  });
});
