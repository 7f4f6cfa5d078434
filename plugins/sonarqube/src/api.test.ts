import { SonarQubeClientApi } from './api';

function client(answer: (url: string) => Response) {
  const urls: string[] = [];
  const api = new SonarQubeClientApi({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (async (url: string) => {
        urls.push(url);
        return answer(url);
      }) as any,
    },
  });
  return { api, urls };
}

const json = (body: unknown, status = 200, statusText = 'OK') =>
  new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' },
  });

const entityRef = 'component:default/payments-api';

describe('SonarQubeClientApi', () => {
  it('reads every view from /api/sonarqube with the scope in the query', async () => {
    const { api, urls } = client(() => json({ ok: true }));
    await api.getSummary(entityRef);
    await api.getProject({ entityRef, project: 'acme_api', branch: 'develop' });
    await api.getBranches({ entityRef, project: 'acme_api' });
    await api.getHistory({
      entityRef,
      project: 'acme_api',
      pullRequest: '42',
      metrics: ['coverage', 'bugs'],
    });
    await api.getHotspots({ entityRef, page: 2, pageSize: 25 });
    await expect(api.getTable('group:default/team-a')).resolves.toEqual({
      ok: true,
    });
    const parsed = urls.map(u => new URL(u));
    expect(parsed.map(u => u.pathname)).toEqual([
      '/api/sonarqube/summary',
      '/api/sonarqube/project',
      '/api/sonarqube/branches',
      '/api/sonarqube/history',
      '/api/sonarqube/hotspots',
      '/api/sonarqube/table',
    ]);
    expect(Object.fromEntries(parsed[1].searchParams)).toEqual({
      entityRef,
      project: 'acme_api',
      branch: 'develop',
    });
    expect(Object.fromEntries(parsed[3].searchParams)).toEqual({
      entityRef,
      project: 'acme_api',
      pullRequest: '42',
      metrics: 'coverage,bugs',
    });
    expect(Object.fromEntries(parsed[4].searchParams)).toEqual({
      entityRef,
      page: '2',
      pageSize: '25',
    });
    expect(parsed[5].searchParams.get('entityRef')).toBe(
      'group:default/team-a',
    );
  });

  it('joins filters with commas and leaves unset and empty ones out', async () => {
    const { api, urls } = client(() =>
      json({ issues: [], total: 0, page: 1, pageSize: 50, reachableTotal: 0 }),
    );
    await api.getIssues({
      entityRef,
      project: undefined,
      types: ['BUG', 'VULNERABILITY'],
      severities: [],
      page: 1,
      pageSize: 50,
    });
    const url = new URL(urls[0]);
    expect(url.pathname).toBe('/api/sonarqube/issues');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      entityRef,
      types: 'BUG,VULNERABILITY',
      page: '1',
      pageSize: '50',
    });
  });

  it("fails with a ResponseError that carries the backend's error", async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'NotFoundError',
            message:
              'component:default/nope has no sonarqube.org/project-key annotation',
          },
          response: { statusCode: 404 },
        },
        404,
        'Not Found',
      ),
    );
    const failure = api.getSummary('component:default/nope');
    await expect(failure).rejects.toThrow('Request failed with 404 Not Found');
    await expect(failure).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 404,
      cause: {
        name: 'NotFoundError',
        message:
          'component:default/nope has no sonarqube.org/project-key annotation',
      },
    });
  });
});
