import {
  ExplainFailureApiError,
  ExplainFailureClient,
  FailureRulesInvalidError,
} from './api';

function client(respond: (url: string, init: RequestInit) => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const api = new ExplainFailureClient({
    discoveryApi: {
      getBaseUrl: async (pluginId: string) =>
        `http://localhost:7007/api/${pluginId}`,
    },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return respond(url, init);
      }) as any,
    },
  });
  return { api, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

describe('ExplainFailureClient', () => {
  it('calls the assistant backend with JSON', async () => {
    const { api, calls } = client(() => json(200, { category: 'lint' }));
    await expect(
      api.explainRun({
        runId: 'jenkins:default:a#1',
        entityRef: 'component:default/a',
      }),
    ).resolves.toEqual({ category: 'lint' });
    await api.getRules();
    await api.saveRules('rules: []\n', 3);
    await api.testRules({ rules: 'rules: []', log: 'x' });
    expect(calls.map(c => [c.init.method, c.url, c.init.body ?? null])).toEqual(
      [
        [
          'POST',
          'http://localhost:7007/api/ai-assistant/explain',
          JSON.stringify({
            runId: 'jenkins:default:a#1',
            entityRef: 'component:default/a',
          }),
        ],
        ['GET', 'http://localhost:7007/api/ai-assistant/rules', null],
        [
          'PUT',
          'http://localhost:7007/api/ai-assistant/rules',
          JSON.stringify({ yaml: 'rules: []\n', baseVersion: 3 }),
        ],
        [
          'POST',
          'http://localhost:7007/api/ai-assistant/rules/test',
          JSON.stringify({ rules: 'rules: []', log: 'x' }),
        ],
      ],
    );
    expect(
      (calls[0].init.headers as Record<string, string>)['content-type'],
    ).toBe('application/json');
  });

  it("rejects with the backend's message, the problems of refused rules, or the status", async () => {
    const refused = client(() =>
      json(404, {
        error: { name: 'NotFoundError', message: 'Comet run x cannot be read' },
      }),
    );
    const error = await refused.api.explainRun({ runId: 'x' }).catch(e => e);
    expect(error).toBeInstanceOf(ExplainFailureApiError);
    expect(error).toEqual(
      expect.objectContaining({
        message: 'Comet run x cannot be read',
        status: 404,
      }),
    );

    const invalid = client(() =>
      json(400, {
        error: { name: 'InputError', message: 'The rules have 1 problem' },
        issues: [{ field: 'id', path: 'rules[0].id', message: 'bad', line: 2 }],
      }),
    );
    const rulesError = await invalid.api.saveRules('x', 0).catch(e => e);
    expect(rulesError).toBeInstanceOf(FailureRulesInvalidError);
    expect(rulesError.issues).toEqual([
      { field: 'id', path: 'rules[0].id', message: 'bad', line: 2 },
    ]);
    expect(rulesError.status).toBe(400);

    const proxy = client(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
        }),
    );
    await expect(proxy.api.getRules()).rejects.toThrow(
      'The AI assistant answered 502 Bad Gateway',
    );
    const empty = client(() => new Response(null, { status: 200 }));
    await expect(empty.api.getRules()).resolves.toBeUndefined();
  });
});
