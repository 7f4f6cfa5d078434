import { createServer, Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { JiraHttp, retryAfterMs } from './JiraHttp';
import { JiraError, JiraInstanceConfig } from './types';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from './testUtils';

function instance(baseUrl: string): JiraInstanceConfig {
  return {
    name: 'edge',
    baseUrl,
    browseUrl: baseUrl,
    auth: {
      type: 'basic',
      email: JIRA_FAKE_DEMO_EMAIL,
      apiToken: JIRA_FAKE_DEMO_API_TOKEN,
    },
    customFields: {},
  };
}

describe('retryAfterMs', () => {
  const now = Date.parse('2024-06-01T12:00:00Z');
  const headers = (init: Record<string, string>) => new Headers(init);

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs(headers({ 'Retry-After': '7' }), now)).toBe(7000);
    expect(retryAfterMs(headers({ 'Retry-After': '0.5' }), now)).toBe(500);
    expect(
      retryAfterMs(
        headers({ 'Retry-After': 'Sat, 01 Jun 2024 12:00:09 GMT' }),
        now,
      ),
    ).toBe(9000);
    expect(
      retryAfterMs(
        headers({ 'Retry-After': 'Sat, 01 Jun 2024 11:00:00 GMT' }),
        now,
      ),
    ).toBe(0);
  });

  it('falls back to X-RateLimit-Reset as a timestamp, epoch seconds or milliseconds, or seconds', () => {
    expect(
      retryAfterMs(
        headers({ 'X-RateLimit-Reset': '2024-06-01T12:00:04.000Z' }),
        now,
      ),
    ).toBe(4000);
    expect(
      retryAfterMs(
        headers({ 'X-RateLimit-Reset': String(now / 1000 + 3) }),
        now,
      ),
    ).toBe(3000);
    expect(
      retryAfterMs(headers({ 'X-RateLimit-Reset': String(now + 2500) }), now),
    ).toBe(2500);
    expect(retryAfterMs(headers({ 'X-RateLimit-Reset': '5' }), now)).toBe(5000);
    expect(
      retryAfterMs(headers({ 'X-RateLimit-Reset': 'soon' }), now),
    ).toBeUndefined();
    expect(
      retryAfterMs(headers({ 'Retry-After': 'later' }), now),
    ).toBeUndefined();
    expect(retryAfterMs(headers({}), now)).toBeUndefined();
  });
});

describe('JiraHttp', () => {
  let server: Server;
  let url: string;
  let answer: (req: {
    url?: string;
    method?: string;
    headers: Record<string, unknown>;
  }) => {
    status: number;
    headers?: Record<string, string>;
    body?: string;
  };
  const seen: Array<{ url?: string; headers: Record<string, unknown> }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      const { status, headers, body } = answer(req);
      res.writeHead(status, headers);
      res.end(body);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  async function failure(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(JiraError);
      return error as JiraError;
    }
    throw new Error('Expected a JiraError');
  }

  it('does not follow a redirect, so credentials stay with the configured host', async () => {
    answer = () => ({
      status: 302,
      headers: { Location: 'https://evil.example.com/' },
    });
    const error = await failure(
      new JiraHttp({ instance: instance(url) }).send({
        url: '/rest/api/3/myself',
      }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', status: 302 });
    expect(error.message).toBe(
      'Jira instance "edge" answered GET /rest/api/3/myself with a redirect (302), which Comet does not follow so that credentials stay with the configured host: set jira.instances[name=edge].baseUrl to the URL Jira answers on',
    );
    expect(seen).toHaveLength(1);
  });

  it('says when a success is not JSON, and accepts an empty one', async () => {
    answer = () => ({
      status: 200,
      headers: { 'Content-Type': 'text/html' },
      body: '<html>login</html>',
    });
    const error = await failure(
      new JiraHttp({ instance: instance(url) }).send({
        url: '/rest/api/3/myself',
      }),
    );
    expect(error.message).toBe(
      `Jira instance "edge" answered GET /rest/api/3/myself with a body that is not JSON: is jira.instances[name=edge].baseUrl (${url}) the Jira site URL?`,
    );
    answer = () => ({ status: 204 });
    await expect(
      new JiraHttp({ instance: instance(url) }).send({
        url: '/x',
        method: 'POST',
        body: { a: 1 },
      }),
    ).resolves.toBeUndefined();
    expect(seen[1].headers['content-type']).toBe('application/json');
  });

  it("keeps a short plain-text error, drops a proxy's HTML page, and reads a Jersey message", async () => {
    answer = () => ({
      status: 403,
      headers: { 'Content-Type': 'text/plain' },
      body: 'XSRF check failed',
    });
    await expect(
      new JiraHttp({ instance: instance(url) }).send({
        url: '/a',
        method: 'POST',
        body: {},
      }),
    ).rejects.toMatchObject({
      kind: 'forbidden',
      jiraMessages: ['XSRF check failed'],
    });
    answer = () => ({
      status: 502,
      body: '<html><body>Bad gateway</body></html>',
    });
    const gateway = await failure(
      new JiraHttp({ instance: instance(url) }).send({ url: '/b' }),
    );
    expect(gateway).toMatchObject({
      kind: 'unavailable',
      status: 502,
      jiraMessages: [],
    });
    expect(gateway.message).toBe('Jira instance "edge" failed on GET /b (502)');
    answer = () => ({
      status: 404,
      body: JSON.stringify({ message: 'null for uri: /c', 'status-code': 404 }),
    });
    const missing = await failure(
      new JiraHttp({ instance: instance(url) }).send({ url: '/c' }),
    );
    expect(missing.message).toBe(
      'Jira instance "edge" found nothing at GET /c (404): null for uri: /c',
    );
    answer = () => ({
      status: 409,
      body: JSON.stringify({ errorMessages: ['conflict'], errors: { x: 'y' } }),
    });
    await expect(
      new JiraHttp({ instance: instance(url) }).send({
        url: '/d',
        method: 'PUT',
        body: {},
        subject: 'issue X-1',
      }),
    ).rejects.toMatchObject({
      kind: 'badRequest',
      status: 409,
      jiraMessages: ['conflict', 'y'],
      fieldErrors: { x: 'y' },
      message:
        'Jira instance "edge" rejected PUT /d for issue X-1 (409): conflict; y',
    });
  });

  it('backs off on a 503 without Retry-After and serialises query parameters', async () => {
    let calls = 0;
    answer = () =>
      ++calls < 3 ? { status: 503 } : { status: 200, body: '{"ok":true}' };
    const waits: number[] = [];
    const http = new JiraHttp({
      instance: instance(url),
      sleep: async ms => {
        waits.push(ms);
      },
    });
    await expect(
      http.send({
        url: '/rest/api/3/issue/PAY-1',
        searchParams: {
          fields: ['summary', 'status'],
          expand: [],
          n: 5,
          skip: undefined,
          o: { a: 1 },
        },
      }),
    ).resolves.toEqual({ ok: true });
    expect(waits).toEqual([1000, 2000]);
    expect(seen[2].url).toBe(
      '/rest/api/3/issue/PAY-1?fields=summary%2Cstatus&n=5&o=%7B%22a%22%3A1%7D',
    );
    expect(seen[2].headers['user-agent']).toBe('Comet-Jira-Client');
  });

  it("reports the removed search as gone, with Atlassian's migration message", async () => {
    const fake = await JiraFake.start();
    try {
      const http = new JiraHttp({ instance: instance(fake.url) });
      const error = await failure(
        http.send({
          url: '/rest/api/3/search',
          searchParams: { jql: 'project = X' },
        }),
      );
      expect(error.kind).toBe('gone');
      expect(error.status).toBe(410);
      expect(error.message).toBe(
        'Jira instance "edge" no longer offers GET /rest/api/3/search (410 Gone): The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      );
    } finally {
      await fake.close();
    }
  });
});
