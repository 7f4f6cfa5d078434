import { TestRecorderApiError, TestRecorderClient, isConflict } from './api';
import { FakeSocket } from './__testUtils__/fixtures';

const BASE = 'http://localhost:7007/api/test-recorder';

type Seen = {
  method: string;
  url: string;
  body?: unknown;
  contentType?: string;
};

function client(
  answer: (seen: Seen) => Response = () => Response.json({}),
  options: { base?: string; token?: string } = {},
) {
  const seen: Seen[] = [];
  const sockets: Array<{ url: string; protocols?: string[] }> = [];
  const objects: Blob[] = [];
  const api = new TestRecorderClient({
    discoveryApi: { getBaseUrl: async () => options.base ?? BASE },
    fetchApi: {
      fetch: (async (url: string, init?: RequestInit) => {
        const entry: Seen = {
          method: init?.method ?? 'GET',
          url,
          body: init?.body ? JSON.parse(String(init.body)) : undefined,
          contentType: (init?.headers as any)?.['Content-Type'],
        };
        seen.push(entry);
        return answer(entry);
      }) as typeof fetch,
    },
    identityApi: { getCredentials: async () => ({ token: options.token }) },
    createWebSocket: (url, protocols) => {
      sockets.push({ url, protocols });
      return new FakeSocket();
    },
    createObjectUrl: blob => {
      objects.push(blob);
      return `blob:${objects.length}`;
    },
  });
  return { api, seen, sockets, objects };
}

describe('TestRecorderClient', () => {
  it('calls every route with its method, path, query and JSON body', async () => {
    const { api, seen } = client(({ method, url }) =>
      method === 'DELETE' || url.includes('/secrets/')
        ? new Response(null, { status: 204 })
        : Response.json({ version: 5 }),
    );
    const definition = { name: 'a-b', baseUrl: 'http://x', tests: [] };
    await api.getConfig();
    await api.getEntitySuites('component:default/shop');
    await api.createSuite({ entityRef: 'component:default/shop', definition });
    await api.getSuite('a b');
    await api.deleteSuite('a-b');
    await api.getVersions('a-b');
    await api.getVersion('a-b', 2);
    await api.getCode('a-b', 2);
    await api.getCode('a-b');
    await api.setSecret('a-b', 'api/token', 's3cret');
    await api.deleteSecret('a-b', 'token');
    await api.getTestHistory('a-b', 't1', 20);
    await api.runSuite('a-b', { retries: 2, project: 'Pixel 7' });
    await api.listRuns({ suite: 'a-b', limit: 20, cursor: 'c2' });
    await api.getRun('r1');
    await api.startRecording({
      entityRef: 'component:default/shop',
      viewport: { width: 1, height: 2 },
    });
    await api.saveRecordingSecrets('sess', 'a-b');
    await expect(
      api.updateSuite('a-b', { definition, baseVersion: 4 }),
    ).resolves.toEqual({ version: 5 });
    expect(seen.map(s => `${s.method} ${s.url.slice(BASE.length)}`)).toEqual([
      'GET /config',
      'GET /suites?entityRef=component%3Adefault%2Fshop',
      'POST /suites',
      'GET /suites/a%20b',
      'DELETE /suites/a-b',
      'GET /suites/a-b/versions',
      'GET /suites/a-b/versions/2',
      'GET /suites/a-b/code?version=2',
      'GET /suites/a-b/code',
      'PUT /suites/a-b/secrets/api%2Ftoken',
      'DELETE /suites/a-b/secrets/token',
      'GET /suites/a-b/tests/t1/history?limit=20',
      'POST /suites/a-b/runs',
      'GET /runs?suite=a-b&limit=20&cursor=c2',
      'GET /runs/r1',
      'POST /recordings',
      'POST /recordings/sess/secrets',
      'PUT /suites/a-b',
    ]);
    expect(seen[2].body).toEqual({
      entityRef: 'component:default/shop',
      definition,
    });
    expect(seen[2].contentType).toBe('application/json');
    expect(seen[9].body).toEqual({ value: 's3cret' });
    expect(seen[12].body).toEqual({ retries: 2, project: 'Pixel 7' });
    expect(seen[16].body).toEqual({ suiteName: 'a-b' });
    expect(seen[17].body).toEqual({ definition, baseVersion: 4 });
  });

  it('sends quarantine, cancel, baseline and stop as the contract says', async () => {
    const { api, seen } = client(() => new Response(null, { status: 204 }));
    await api.setQuarantine('s', 't', true);
    await api.cancelRun('r');
    await api.acceptBaseline('r', { testId: 't', stepId: 'st' });
    await api.stopRecording('sess');
    expect(seen.map(s => [s.method, s.url.slice(BASE.length), s.body])).toEqual(
      [
        ['POST', '/suites/s/tests/t/quarantine', { quarantined: true }],
        ['POST', '/runs/r/cancel', undefined],
        ['POST', '/runs/r/baselines', { testId: 't', stepId: 'st' }],
        ['DELETE', '/recordings/sess', undefined],
      ],
    );
  });

  it("surfaces the backend's own error message, name and status", async () => {
    const { api } = client(() =>
      Response.json(
        {
          error: {
            name: 'ConflictError',
            message: 'Suite a-b is at version 5, not 4',
          },
          response: { statusCode: 409 },
        },
        { status: 409 },
      ),
    );
    const error = await api
      .updateSuite('a-b', {
        definition: { name: 'a-b', baseUrl: 'http://x', tests: [] },
        baseVersion: 4,
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(TestRecorderApiError);
    expect(error.message).toBe('Suite a-b is at version 5, not 4');
    expect(error.errorName).toBe('ConflictError');
    expect(isConflict(error)).toBe(true);
    expect(isConflict(new Error('x'))).toBe(false);
  });

  it('says which call failed when the body is not an error body', async () => {
    const { api } = client(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
        }),
    );
    await expect(api.getRun('r1')).rejects.toThrow(
      'The test recorder backend answered 502 Bad Gateway to GET /runs/r1',
    );
  });

  it('fetches exports with the token and hands out a blob URL', async () => {
    const { api, seen, objects } = client(
      () =>
        new Response('ZIPDATA', {
          headers: { 'Content-Type': 'application/zip' },
        }),
    );
    await expect(api.getExportObjectUrl('a-b', 3)).resolves.toBe('blob:1');
    expect(seen.map(s => s.url.slice(BASE.length))).toEqual([
      '/suites/a-b/export?version=3',
    ]);
    expect(await objects[0].text()).toBe('ZIPDATA');
  });

  it('hands out artifacts as absolute signed URLs, which the page CSP allows', async () => {
    const { api, seen, objects } = client(() =>
      Response.json({ url: '/artifacts/art%2F1?expires=9&sig=abc' }),
    );
    await expect(api.getArtifactUrl('art/1')).resolves.toBe(
      `${BASE}/artifacts/art%2F1?expires=9&sig=abc`,
    );
    expect(seen).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: `${BASE}/artifacts/art%2F1/url`,
      }),
    ]);
    // Never a blob: URL, which img-src 'self' data: refuses
    expect(objects).toEqual([]);
  });

  it('opens the trace viewer on the absolute signed URL', async () => {
    const relative = client(() =>
      Response.json({ url: '/artifacts/t1?sig=abc%2Bdef' }),
    );
    await expect(relative.api.getTraceViewerUrl('t1')).resolves.toBe(
      `${BASE}/trace-viewer/index.html?trace=${encodeURIComponent(
        `${BASE}/artifacts/t1?sig=abc%2Bdef`,
      )}`,
    );
    expect(relative.seen[0].method).toBe('POST');
    expect(relative.seen[0].url).toBe(`${BASE}/artifacts/t1/url`);

    const bare = client(() => Response.json({ url: 'artifacts/t1?sig=x' }));
    const viewer = new URL(await bare.api.getTraceViewerUrl('t1'));
    expect(viewer.searchParams.get('trace')).toBe(`${BASE}/artifacts/t1?sig=x`);

    const absolute = client(() =>
      Response.json({ url: 'https://cdn.example/t1?sig=y' }),
    );
    const viewer2 = new URL(await absolute.api.getTraceViewerUrl('t1'));
    expect(viewer2.searchParams.get('trace')).toBe(
      'https://cdn.example/t1?sig=y',
    );
  });

  it('opens the recording socket on ws(s) with the token as the sub-protocol', async () => {
    const plain = client(undefined, { token: 'tok-123' });
    await plain.api.openRecordingSocket('sess 1');
    expect(plain.sockets).toEqual([
      {
        url: 'ws://localhost:7007/api/test-recorder/recordings/socket?session=sess%201',
        protocols: ['tok-123'],
      },
    ]);
    const secure = client(undefined, {
      base: 'https://comet.example/api/test-recorder/',
    });
    await secure.api.openRecordingSocket('s2');
    expect(secure.sockets).toEqual([
      {
        url: 'wss://comet.example/api/test-recorder/recordings/socket?session=s2',
        protocols: undefined,
      },
    ]);
  });
});
