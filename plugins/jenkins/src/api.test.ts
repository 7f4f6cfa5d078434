import type { JenkinsLogChunk } from '@internal/plugin-jenkins-common';
import { JenkinsClientApi } from './api';

type Call = { url: string; init?: RequestInit };

function client(answer: (call: Call) => Response) {
  const calls: Call[] = [];
  const api = new JenkinsClientApi({
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

/** A Server-Sent Events answer, delivered in the given pieces (split anywhere). */
function eventStream(pieces: string[]) {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    }),
    { headers: { 'Content-Type': 'text/event-stream' } },
  );
}

const buildRequest = {
  entityRef: 'component:default/payments-api',
  job: 'default:payments/payments-api',
  number: 12,
};

describe('JenkinsClientApi', () => {
  it('reads entity jobs from /api/jenkins with only the parameters that are set', async () => {
    const { api, calls } = client(() => json({ configured: true, jobs: [] }));
    await expect(
      api.getEntityJobs({
        entityRef: 'component:default/payments-api',
        limit: 10,
        branch: '',
      }),
    ).resolves.toEqual({ configured: true, jobs: [] });
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/api/jenkins/entity-jobs');
    expect(url.searchParams.get('entityRef')).toBe(
      'component:default/payments-api',
    );
    expect(url.searchParams.get('limit')).toBe('10');
    // An empty branch means "all branches": it is not sent
    expect(url.searchParams.has('branch')).toBe(false);
  });

  it('puts the build number in the path and the job in the query', async () => {
    const { api, calls } = client(({ url }) =>
      url.includes('/console')
        ? new Response('Started by user Ada\nFinished: SUCCESS\n')
        : json({ number: 12 }),
    );
    await api.listBuilds({
      entityRef: buildRequest.entityRef,
      job: buildRequest.job,
      offset: 10,
      limit: 5,
      branch: 'feature/x',
    });
    await api.getJob({ entityRef: buildRequest.entityRef, job: 'default:y' });
    await api.getBuild(buildRequest);
    await api.getTestReport(buildRequest);
    await expect(api.getConsoleText(buildRequest)).resolves.toBe(
      'Started by user Ada\nFinished: SUCCESS\n',
    );
    const urls = calls.map(c => new URL(c.url));
    expect(urls.map(u => u.pathname)).toEqual([
      '/api/jenkins/builds',
      '/api/jenkins/jobs',
      '/api/jenkins/builds/12',
      '/api/jenkins/builds/12/tests',
      '/api/jenkins/builds/12/console',
    ]);
    expect(Object.fromEntries(urls[0].searchParams)).toEqual({
      entityRef: 'component:default/payments-api',
      job: 'default:payments/payments-api',
      offset: '10',
      limit: '5',
      branch: 'feature/x',
    });
    expect(urls[1].searchParams.get('job')).toBe('default:y');
    for (const url of urls.slice(2)) {
      expect(url.searchParams.get('job')).toBe('default:payments/payments-api');
      expect(url.searchParams.has('number')).toBe(false);
    }
  });

  it('posts triggers, aborts and rebuilds as JSON', async () => {
    const { api, calls } = client(({ url }) =>
      url.includes('/abort')
        ? json({})
        : json({ jobRef: 'default:payments/payments-api', queueId: 7 }),
    );
    await expect(
      api.triggerBuild({
        entityRef: buildRequest.entityRef,
        job: buildRequest.job,
        parameters: { BRANCH: 'main', DRY_RUN: false },
      }),
    ).resolves.toEqual({ jobRef: 'default:payments/payments-api', queueId: 7 });
    await expect(api.abortBuild(buildRequest)).resolves.toBeUndefined();
    await api.rebuild(buildRequest);
    expect(
      calls.map(c => [
        new URL(c.url).pathname,
        c.init?.method,
        JSON.parse(String(c.init?.body)),
      ]),
    ).toEqual([
      [
        '/api/jenkins/builds',
        'POST',
        {
          entityRef: 'component:default/payments-api',
          job: 'default:payments/payments-api',
          parameters: { BRANCH: 'main', DRY_RUN: false },
        },
      ],
      [
        '/api/jenkins/builds/12/abort',
        'POST',
        {
          entityRef: 'component:default/payments-api',
          job: 'default:payments/payments-api',
        },
      ],
      [
        '/api/jenkins/builds/12/rebuild',
        'POST',
        {
          entityRef: 'component:default/payments-api',
          job: 'default:payments/payments-api',
        },
      ],
    ]);
    expect(
      (calls[0].init?.headers as Record<string, string>)['Content-Type'],
    ).toBe('application/json');
  });

  it("turns an error answer into a ResponseError carrying the backend's error", async () => {
    const { api } = client(() =>
      json(
        {
          error: {
            name: 'NotAllowedError',
            message:
              'You are not allowed to jenkins.build.trigger on component:default/payments-api',
          },
          response: { statusCode: 403 },
        },
        403,
        'Forbidden',
      ),
    );
    const failure = api.triggerBuild({
      entityRef: buildRequest.entityRef,
      job: 'x:y',
    });
    await expect(failure).rejects.toThrow('Request failed with 403 Forbidden');
    await expect(failure).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 403,
      cause: {
        name: 'NotAllowedError',
        message:
          'You are not allowed to jenkins.build.trigger on component:default/payments-api',
      },
    });
    await expect(api.getConsoleText(buildRequest)).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 403,
    });
  });

  it('follows the console as Server-Sent Events, split anywhere, until the end event', async () => {
    const { api, calls } = client(() =>
      eventStream([
        'event: chunk\ndata: {"text":"+ npm ci\\n","nextStart":9,"more":true}\n',
        '\n: keep-alive\n\nevent: chunk\ndata: {"text":"+ npm t',
        'est\\n","nextStart":20,"more":true}\n\nevent: end\ndata: {"nextStart":20}\n\n',
        'event: chunk\ndata: {"text":"never read","nextStart":30,"more":false}\n\n',
      ]),
    );
    const chunks: JenkinsLogChunk[] = [];
    const controller = new AbortController();
    await api.streamLog({
      ...buildRequest,
      start: 0,
      signal: controller.signal,
      onChunk: chunk => chunks.push(chunk),
    });
    expect(chunks).toEqual([
      { text: '+ npm ci\n', nextStart: 9, more: true },
      { text: '+ npm test\n', nextStart: 20, more: true },
      { text: '', nextStart: 20, more: false },
    ]);
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/api/jenkins/builds/12/log/stream');
    expect(url.searchParams.get('start')).toBe('0');
    expect(calls[0].init?.signal).toBe(controller.signal);
    expect((calls[0].init?.headers as Record<string, string>).Accept).toBe(
      'text/event-stream',
    );
  });

  it('fails the stream with the error event message', async () => {
    const { api } = client(() =>
      eventStream([
        'event: chunk\ndata: {"text":"a","nextStart":1,"more":true}\n\n',
        'event: error\ndata: {"message":"Jenkins instance \\"default\\" at https://jenkins.example.com did not answer within 30 s"}\n\n',
      ]),
    );
    const chunks: JenkinsLogChunk[] = [];
    await expect(
      api.streamLog({ ...buildRequest, onChunk: chunk => chunks.push(chunk) }),
    ).rejects.toThrow(
      'Jenkins instance "default" at https://jenkins.example.com did not answer within 30 s',
    );
    expect(chunks.map(c => c.text)).toEqual(['a']);
  });

  it('ends quietly when the stream closes without an end event', async () => {
    const { api } = client(() =>
      eventStream([
        'event: chunk\ndata: {"text":"partial","nextStart":7,"more":true}\n\n',
      ]),
    );
    const chunks: JenkinsLogChunk[] = [];
    await api.streamLog({ ...buildRequest, onChunk: c => chunks.push(c) });
    expect(chunks).toEqual([{ text: 'partial', nextStart: 7, more: true }]);
  });

  it('reads the log once when the answer has no streaming body', async () => {
    const { api, calls } = client(({ url }) =>
      url.includes('/log/stream')
        ? new Response(null, { status: 200 })
        : json({ text: 'whole log\n', nextStart: 10, more: false }),
    );
    const chunks: JenkinsLogChunk[] = [];
    await api.streamLog({
      ...buildRequest,
      start: 4,
      onChunk: c => chunks.push(c),
    });
    expect(chunks).toEqual([
      { text: 'whole log\n', nextStart: 10, more: false },
    ]);
    const fallback = new URL(calls[1].url);
    expect(fallback.pathname).toBe('/api/jenkins/builds/12/log');
    expect(fallback.searchParams.get('start')).toBe('4');
  });
});
