import { ResponseError } from '@backstage/errors';
import { GitHubApiError, GitHubClientApi, isGitHubNotConfigured } from './api';

type Call = { url: string; init?: RequestInit };

function client(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const api = new GitHubClientApi({
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

describe('GitHubClientApi', () => {
  it('calls every route of the contract with its method, path, query and body', async () => {
    const { api, calls } = client(() => json({ ok: true }));
    const ref = 'component:default/payments-api';
    await api.getConfig();
    await api.getRepository(ref);
    await api.listWorkflowRuns(ref, {
      branch: 'main',
      status: 'completed',
      page: 2,
      perPage: 50,
    });
    await api.listWorkflowRuns(ref);
    await api.listJobs(ref, 1001);
    await api.rerunWorkflowRun(ref, 1001);
    await api.cancelWorkflowRun(ref, 1002);
    await api.listPullRequests(ref, { state: 'open' });
    await api.listPullRequests(ref);
    await api.getPullRequest(ref, 42);
    await api.listCommits(ref, { perPage: 20 });
    await api.listCommits(ref);
    await api.getCycleTime(ref, { days: 90 });
    await api.getCycleTime(ref);
    await api.createPullRequest(ref, {
      title: 'Add a pipeline',
      files: { '.comet/pipeline.yaml': 'steps: []\n' },
    });
    await api.createPullRequest(
      ref,
      { title: 'As me', files: { '.comet/pipeline.yaml': 'x' } },
      { userToken: 'gho_alice' },
    );
    const seen = calls.map(c => {
      const url = new URL(c.url);
      return `${c.init?.method} ${url.pathname}${url.search}`;
    });
    const base = '/api/github/entities/component/default/payments-api';
    expect(seen).toEqual([
      'GET /api/github/config',
      `GET ${base}/repository`,
      `GET ${base}/workflow-runs?branch=main&status=completed&page=2&perPage=50`,
      `GET ${base}/workflow-runs`,
      `GET ${base}/workflow-runs/1001/jobs`,
      `POST ${base}/workflow-runs/1001/rerun`,
      `POST ${base}/workflow-runs/1002/cancel`,
      `GET ${base}/pull-requests?state=open`,
      `GET ${base}/pull-requests`,
      `GET ${base}/pull-requests/42`,
      `GET ${base}/commits?perPage=20`,
      `GET ${base}/commits`,
      `GET ${base}/cycle-time?days=90`,
      `GET ${base}/cycle-time`,
      `POST ${base}/pull-requests`,
      `POST ${base}/pull-requests`,
    ]);
    expect(calls[0].init?.body).toBeUndefined();
    expect(calls[14].init?.headers).toEqual({
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(String(calls[14].init?.body))).toEqual({
      title: 'Add a pipeline',
      files: { '.comet/pipeline.yaml': 'steps: []\n' },
    });
    // The user's own token goes in its header, for that request only
    expect(calls[15].init?.headers).toEqual({
      'Content-Type': 'application/json',
      'x-github-user-token': 'gho_alice',
    });
  });

  it('accepts an entity ref in parts, lower-cases the kind and escapes each segment', async () => {
    const { api, calls } = client(() => json({ branch: 'main', commits: [] }));
    expect(
      await api.listCommits({ kind: 'Component', name: 'pay ments#1' }),
    ).toEqual({ branch: 'main', commits: [] });
    await api.listCommits('Group:team-a/web?x');
    expect(calls.map(c => c.url)).toEqual([
      'http://localhost:7007/api/github/entities/component/default/pay%20ments%231/commits',
      'http://localhost:7007/api/github/entities/group/team-a/web%3Fx/commits',
    ]);
  });

  it("throws the backend's message verbatim, with its status and name", async () => {
    const message =
      'GitHub repository comet-examples/gone on github.com does not exist or the credentials cannot see it';
    const { api } = client(() =>
      json(
        {
          error: { name: 'NotFoundError', message },
          response: { statusCode: 404 },
        },
        404,
        'Not Found',
      ),
    );
    const error = await api
      .getRepository('component:default/gone')
      .catch(e => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error.message).toBe(message);
    expect(error.status).toBe(404);
    expect(error.errorName).toBe('NotFoundError');
    expect(ResponseError.is(error.cause)).toBe(true);
    expect(error.cause.statusCode).toBe(404);
    expect(isGitHubNotConfigured(error)).toBe(false);
  });

  it('recognises 503 as GitHub not configured, also without a response field', async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'ServiceUnavailableError',
            message:
              'GitHub is not configured: set integrations.github in app-config.yaml',
          },
        },
        503,
        'Service Unavailable',
      ),
    );
    const error = await api
      .listPullRequests('component:default/x')
      .catch(e => e);
    expect(error.message).toBe(
      'GitHub is not configured: set integrations.github in app-config.yaml',
    );
    expect(isGitHubNotConfigured(error)).toBe(true);
    expect(isGitHubNotConfigured(new Error('x'))).toBe(false);
  });

  it('names the status and the route when the error body is not a Backstage error', async () => {
    const { api } = client(({ url }) =>
      url.endsWith('/config')
        ? new Response('<html>proxy error</html>', {
            status: 504,
            statusText: 'Gateway Timeout',
          })
        : json({ error: { name: 'Error', message: '   ' } }, 500, ''),
    );
    const proxy = await api.getConfig().catch(e => e);
    expect(proxy.message).toBe(
      'The GitHub backend answered 504 Gateway Timeout to GET /config',
    );
    expect(proxy.errorName).toBe('Error');
    const blank = await api
      .getCycleTime('component:default/x', { days: 30 })
      .catch(e => e);
    expect(blank.message).toBe(
      'The GitHub backend answered 500 to GET /entities/component/default/x/cycle-time',
    );
    expect(blank.status).toBe(500);
  });

  it('keeps a backend error without a name as a plain Error name', async () => {
    const { api } = client(() =>
      json({ error: { message: 'Refused' } }, 403, 'Forbidden'),
    );
    const error = await api
      .rerunWorkflowRun('component:default/x', 1)
      .catch(e => e);
    expect(error.message).toBe('Refused');
    expect(error.errorName).toBe('Error');
    expect(error.status).toBe(403);
  });
});
