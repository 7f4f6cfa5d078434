import { isNotConfigured, JiraApiError, JiraClientApi } from './api';

type Call = { url: string; init?: RequestInit };

function client(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const api = new JiraClientApi({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (async (url: string, init?: RequestInit) => {
        const call = { url, init };
        calls.push(call);
        return answer(call);
      }) as any,
    },
  });
  return { api, calls };
}

const json = (body: unknown, status = 200, statusText = 'OK') =>
  new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' },
  });

describe('JiraClientApi', () => {
  it('sends filters as repeated query parameters and leaves empty ones out', async () => {
    const { api, calls } = client(() =>
      json({ issues: [], notices: [], nextPageToken: 'n2' }),
    );
    const page = await api.getEntityIssues({
      entityRef: 'component:default/payments-api',
      status: ['To Do', 'In Progress'],
      type: ['Bug'],
      assignee: [],
      jql: '  labels = flaky ',
      pageToken: 'n1',
      limit: 25,
    });
    expect(page.nextPageToken).toBe('n2');
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/api/jira/entity/issues');
    expect(url.searchParams.getAll('status')).toEqual(['To Do', 'In Progress']);
    expect(url.searchParams.getAll('type')).toEqual(['Bug']);
    expect(url.searchParams.has('assignee')).toBe(false);
    expect(url.searchParams.get('jql')).toBe('labels = flaky');
    expect(url.searchParams.get('pageToken')).toBe('n1');
    expect(url.searchParams.get('limit')).toBe('25');
    expect(url.searchParams.get('entityRef')).toBe(
      'component:default/payments-api',
    );
    expect(calls[0].init?.method).toBe('GET');
  });

  it("keeps each issue's linked run, and reads a page without linkedRuns as none", async () => {
    const run = {
      runId: 'r-1',
      entityRef: 'component:default/payments-api',
      pipeline: 'payments-ci',
      runNumber: 12,
      status: 'succeeded',
      path: '/pipelines/runs/r-1',
      updatedAt: '2026-11-20T10:00:00.000Z',
    };
    const request = { entityRef: 'component:default/payments-api' };
    const withRuns = client(() =>
      json({ issues: [], notices: [], linkedRuns: { 'PAY-1': run } }),
    );
    expect(await withRuns.api.getEntityIssues(request)).toEqual({
      issues: [],
      notices: [],
      linkedRuns: { 'PAY-1': run },
    });
    const older = client(() => json({ issues: [], notices: [] }));
    expect(await older.api.getEntityIssues(request)).toEqual({
      issues: [],
      notices: [],
      linkedRuns: {},
    });
  });

  it('calls every route of the contract with its method, path and body', async () => {
    const { api, calls } = client(() => json({}));
    const entityRef = 'component:default/payments-api';
    await api.getOverview(entityRef);
    await api.getCreateMeta(entityRef);
    await api.createIssue(entityRef, { issueType: 'Bug', summary: 'Broken' });
    await api.getActiveSprint(entityRef);
    await api.getVersions(entityRef);
    await api.getReleaseNotes({ entityRef, version: '1.5.0' });
    await api.getIssue({ entityRef, key: 'PAY-1' });
    await api.getTransitions({ entityRef, key: 'PAY-1' });
    await api.transitionIssue({ entityRef, key: 'PAY-1', transition: 'Done' });
    await api.addComment({ entityRef, key: 'PAY-1', body: '**hi**' });
    await api.addAttachment({
      entityRef,
      key: 'PAY-1',
      filename: 'trace.zip',
      content: new Blob(['zip']),
    });
    await api.getMyIssues({ limit: 5 });
    await api.getMyIssues();
    await api.search({ jql: 'project = OPS', instance: 'dc' });
    const seen = calls.map(c => {
      const url = new URL(c.url);
      return `${c.init?.method} ${url.pathname.replace('/api/jira', '')}${
        url.search
      }`;
    });
    const ref = 'entityRef=component%3Adefault%2Fpayments-api';
    expect(seen).toEqual([
      `GET /entity/overview?${ref}`,
      `GET /entity/create-meta?${ref}`,
      `POST /entity/issues?${ref}`,
      `GET /entity/sprint?${ref}`,
      `GET /entity/versions?${ref}`,
      `GET /entity/release-notes?${ref}&version=1.5.0`,
      `GET /issues/PAY-1?${ref}`,
      `GET /issues/PAY-1/transitions?${ref}`,
      `POST /issues/PAY-1/transitions?${ref}`,
      `POST /issues/PAY-1/comments?${ref}`,
      `POST /issues/PAY-1/attachments?${ref}&filename=trace.zip`,
      'GET /me/issues?limit=5',
      'GET /me/issues',
      'GET /search?jql=project+%3D+OPS&instance=dc',
    ]);
    expect(JSON.parse(String(calls[2].init?.body))).toEqual({
      issueType: 'Bug',
      summary: 'Broken',
    });
    expect(calls[2].init?.headers).toEqual({
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(String(calls[8].init?.body))).toEqual({
      transition: 'Done',
    });
    expect(JSON.parse(String(calls[9].init?.body))).toEqual({ body: '**hi**' });
    expect(calls[10].init?.headers).toEqual({
      'Content-Type': 'application/octet-stream',
    });
    expect(calls[10].init?.body).toBeInstanceOf(Blob);
  });

  it("turns an error body into an Error carrying the backend's message verbatim", async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'JiraError',
            message:
              'Jira instance "default" refused Comet\'s credentials (401): check jira.instances[default].apiToken',
          },
          response: { statusCode: 502 },
        },
        502,
        'Bad Gateway',
      ),
    );
    const error = await api.getOverview('component:default/x').catch(e => e);
    expect(error).toBeInstanceOf(JiraApiError);
    expect(error.message).toBe(
      'Jira instance "default" refused Comet\'s credentials (401): check jira.instances[default].apiToken',
    );
    expect(error.status).toBe(502);
    expect(error.errorName).toBe('JiraError');
    expect(isNotConfigured(error)).toBe(false);
  });

  it('recognises NotConfigured and keeps field errors the backend sends', async () => {
    const { api } = client(({ url }) =>
      url.includes('overview')
        ? json(
            {
              error: {
                name: 'NotConfigured',
                message:
                  'Jira is not configured: set jira.instances in app-config.yaml (docs/jira.md)',
              },
            },
            503,
          )
        : json(
            {
              error: { name: 'InputError', message: 'Jira refused the issue' },
              fieldErrors: { summary: 'You must specify a summary' },
            },
            400,
          ),
    );
    const notConfigured = await api
      .getOverview('component:default/x')
      .catch(e => e);
    expect(isNotConfigured(notConfigured)).toBe(true);
    const refused = await api
      .createIssue('component:default/x', { issueType: 'Bug', summary: 'x' })
      .catch(e => e);
    expect(refused.fieldErrors).toEqual({
      summary: 'You must specify a summary',
    });
  });

  it('names the status and the route when the error body is not JSON', async () => {
    const { api } = client(
      () =>
        new Response('<html>proxy error</html>', {
          status: 504,
          statusText: 'Gateway Timeout',
        }),
    );
    const error = await api.getVersions('component:default/x').catch(e => e);
    expect(error.message).toBe(
      'The Jira backend answered 504 Gateway Timeout to GET /entity/versions',
    );
    expect(error.errorName).toBe('Error');
  });
});
