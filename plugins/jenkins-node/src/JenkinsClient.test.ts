import { mockServices } from '@backstage/backend-test-utils';
import { createJenkinsFakeRouter, JenkinsFakeRouter } from './testUtils';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  JenkinsClient,
  jobPath,
  jobUrl,
  queueItemBelongsTo,
} from './JenkinsClient';
import type { JenkinsInstance } from './JenkinsInstances';

describe('JenkinsClient', () => {
  let fake: JenkinsFakeRouter;
  let server: http.Server;
  let instance: JenkinsInstance;
  let slowMs = 0;

  beforeAll(async () => {
    fake = createJenkinsFakeRouter({ queueDelayMs: 0, buildDurationMs: 1000 });
    const app = express()
      .use('/slow', async (_req, res) => {
        await new Promise(resolve => setTimeout(resolve, slowMs));
        res.json({});
      })
      .use('/jenkins', fake);
    server = http.createServer(app);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = {
      name: 'default',
      baseUrl: `http://127.0.0.1:${port}/jenkins`,
      username: 'comet',
      apiKey: 'comet-fake-jenkins-token',
      projectCountLimit: 50,
      extraRequestHeaders: { 'X-Proxy': 'yes' },
      crumbIssuer: true,
    };
  });

  afterAll(() => new Promise(resolve => server.close(resolve)));

  const client = (
    options: Partial<Parameters<typeof JenkinsClient.create>[0]> = {},
  ) =>
    JenkinsClient.create({
      logger: mockServices.logger.mock(),
      cacheTtlMs: 0,
      ...options,
    });
  const location = () => ({ instance, jobFullName: 'payments/payments-api' });

  it('encodes every job segment', () => {
    expect(jobPath('a b/feature%2Fx')).toBe('/job/a%20b/job/feature%252Fx');
    expect(jobUrl(instance, 'a b/c')).toBe(
      `${instance.baseUrl}/job/a%20b/job/c/`,
    );
  });

  it('asks only for the fields it needs, with a build range', async () => {
    fake.fake.requests.length = 0;
    const job = await client().getJobWithBuilds(location(), { from: 2, to: 5 });
    expect(job.builds!.map(b => b.number)).toEqual([10, 9, 8]);
    expect(decodeURIComponent(fake.fake.requests[0].path)).toMatch(
      /tree=.*builds\[number,url,result.*\]\{2,5\}/,
    );
  });

  it('retries 429 after Retry-After and 5xx with backoff', async () => {
    fake.fake.failNext({ status: 429, retryAfterSeconds: 1, count: 1 });
    fake.fake.failNext({ status: 502, count: 1 });
    fake.fake.requests.length = 0;
    const started = Date.now();
    const job = await client({ maxRetries: 2 }).getJob(location());
    expect(job.name).toBe('payments-api');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.fake.requests.map(r => r.status)).toEqual([429, 502, 200]);
  });

  it('gives up after maxRetries with a message naming instance and path', async () => {
    fake.fake.failNext({ status: 503, count: 2 });
    await expect(client({ maxRetries: 1 }).getJob(location())).rejects.toThrow(
      'Jenkins instance "default" failed (HTTP 503) for GET /job/payments/job/payments-api/api/json',
    );
  });

  it('fetches a crumb for POSTs and follows the queue item', async () => {
    fake.fake.requests.length = 0;
    const c = client();
    const { queueId } = await c.triggerBuild(location(), {
      DEPLOY_ENV: 'production',
    });
    expect(
      fake.fake.requests.map(
        r => `${r.method} ${r.path.split('?')[0]} ${r.status}`,
      ),
    ).toEqual([
      'GET /jenkins/crumbIssuer/api/json 200',
      'POST /jenkins/job/payments/job/payments-api/buildWithParameters 201',
    ]);
    // The fake starts a queued build shortly after; wait for it, then check its number.
    let item = await c.getQueueItem(location(), queueId);
    for (const deadline = Date.now() + 10_000; !item?.executable; ) {
      if (Date.now() > deadline)
        throw new Error('the queued build never started');
      await new Promise(resolve => setImmediate(resolve));
      item = await c.getQueueItem(location(), queueId);
    }
    expect(item!.executable!.number).toBe(13);
    // The crumb is reused.
    await c.abortBuild(location(), 13);
    expect(
      fake.fake.requests.filter(r => r.path.includes('crumbIssuer')),
    ).toHaveLength(1);
  });

  it('coalesces identical concurrent GETs and caches them briefly', async () => {
    fake.fake.requests.length = 0;
    const c = client({ cacheTtlMs: 5000 });
    await Promise.all([
      c.getJob(location()),
      c.getJob(location()),
      c.getJob(location()),
    ]);
    await c.getJob(location());
    expect(fake.fake.requests).toHaveLength(1);
    expect(c.totalCalls).toBe(1);
  });

  it('times out a call that hangs', async () => {
    slowMs = 1500;
    const slow = {
      ...instance,
      baseUrl: instance.baseUrl.replace('/jenkins', '/slow'),
    };
    await expect(
      client({ timeoutMs: 200, maxRetries: 0 }).getJob({
        instance: slow,
        jobFullName: 'x',
      }),
    ).rejects.toThrow(
      'Jenkins instance "default" is unreachable: GET /job/x/api/json failed (no answer within 200 ms)',
    );
  });

  const queuedFor = (jobFullName: string) =>
    [...fake.fake.state.queue.values()].filter(
      item => item.jobFullName === jobFullName,
    ).length;

  it('never repeats a build trigger, even when Jenkins answers 503 after queueing it', async () => {
    const c = client({ maxRetries: 2 });
    const before = queuedFor('payments/payments-api');
    fake.fake.failNext({
      status: 503,
      pathIncludes: '/buildWithParameters',
      afterHandling: true,
    });
    fake.fake.requests.length = 0;
    await expect(
      c.triggerBuild(location(), { DEPLOY_ENV: 'staging' }),
    ).rejects.toThrow(
      'Jenkins instance "default" failed (HTTP 503) for POST /job/payments/job/payments-api/buildWithParameters; Comet does not repeat it, since Jenkins may have acted on it: check the job before trying again',
    );
    expect(
      fake.fake.requests.filter(r => r.method === 'POST').map(r => r.status),
    ).toEqual([503]);
    expect(queuedFor('payments/payments-api')).toBe(before + 1);

    // A 429 before Jenkins acted is not repeated either; aborts neither
    fake.fake.failNext({ status: 429, retryAfterSeconds: 0, count: 2 });
    await expect(c.abortBuild(location(), 10)).rejects.toThrow(
      /rate limiting Comet \(HTTP 429\) for POST \/job\/payments\/job\/payments-api\/10\/stop/,
    );
    expect(queuedFor('payments/payments-api')).toBe(before + 1);
    // ...while a GET is retried after the same answer
    const job = await c.getJob(location());
    expect(job.name).toBe('payments-api');
  });

  it('reads a queue item only through the job it builds', async () => {
    const c = client();
    const { queueId } = await c.triggerBuild(location(), {
      DEPLOY_ENV: 'staging',
    });
    const item = await c.getQueueItem(location(), queueId);
    expect(item?.id).toBe(queueId);
    expect(
      await c.getQueueItem(
        { instance, jobFullName: 'storefront/storefront-web' },
        queueId,
      ),
    ).toBeUndefined();
    // A job of the same name in another folder is another job
    expect(
      await c.getQueueItem({ instance, jobFullName: 'payments-api' }, queueId),
    ).toBeUndefined();
  });

  it('matches queue items by the decoded job path under any Jenkins root', () => {
    const item = (url: string, name?: string) => ({
      id: 1,
      task: { url, name },
    });
    expect(
      queueItemBelongsTo(
        item(
          'https://ci.example.com/jenkins/job/a%20b/job/feature%252Fx/',
          'feature%2Fx',
        ),
        'a b/feature%2Fx',
      ),
    ).toBe(true);
    expect(
      queueItemBelongsTo(
        item('https://ci.example.com/job/x/job/a/job/b/'),
        'a/b',
      ),
    ).toBe(false);
    expect(
      queueItemBelongsTo(
        item('https://ci.example.com/job/a/job/b/', 'c'),
        'a/b',
      ),
    ).toBe(false);
    expect(queueItemBelongsTo({ id: 1 }, 'a/b')).toBe(false);
  });

  it('reads the console in chunks of at most consoleChunkBytes, cut between characters', async () => {
    const job = fake.fake.state.jobs.get('payments/payments-api')!;
    const build = job.builds.find(b => b.number === 9)!;
    build.logLines.push('Grüße aus Zürich: ✓ €€€'.repeat(20));
    const whole = fake.fake.state.view(build).log;
    expect(fake.fake.state.view(build).building).toBe(false);
    const c = client({ consoleChunkBytes: 100 });
    fake.fake.requests.length = 0;
    let start = 0;
    let text = '';
    let reads = 0;
    for (;;) {
      reads++;
      const chunk = await c.getProgressiveText(location(), 9, start);
      expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(100);
      expect(chunk.text).not.toContain('\uFFFD');
      expect(chunk.nextStart).toBe(start + Buffer.byteLength(chunk.text));
      text += chunk.text;
      start = chunk.nextStart;
      if (!chunk.more) break;
      expect(chunk.truncated).toBe(true);
    }
    expect(text).toBe(whole);
    expect(start).toBe(Buffer.byteLength(whole));
    // One request per chunk: nothing beyond a chunk was read twice
    expect(fake.fake.requests).toHaveLength(reads);
    expect(reads).toBeGreaterThanOrEqual(
      Math.ceil(Buffer.byteLength(whole) / 100),
    );
  });

  it('streams the whole console without a limit', async () => {
    const build = fake.fake.state.jobs
      .get('payments/payments-api')!
      .builds.find(b => b.number === 8)!;
    build.logLines.push('x'.repeat(300_000));
    const stream = await client({ consoleChunkBytes: 100 }).streamConsoleText(
      location(),
      8,
    );
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    expect(Buffer.concat(parts).toString('utf8')).toBe(
      fake.fake.state.view(build).log,
    );
  });

  it('reads a finished build, its stage view and its test report as the fake holds them', async () => {
    const c = client();
    const job = fake.fake.state.jobs.get('payments/payments-api')!;
    const finished = job.builds.find(b => !fake.fake.state.view(b).building)!;
    const view = fake.fake.state.view(finished);

    const build = await c.getBuild(location(), finished.number);
    expect(build).toMatchObject({
      number: finished.number,
      result: view.result,
      building: false,
    });

    const stages = await c.getStageView(location(), finished.number);
    expect(stages!.id).toBe(String(finished.number));
    expect(stages!.stages?.length).toBeGreaterThan(0);

    const report = await c.getTestReport(location(), finished.number);
    expect(report).toMatchObject({
      failCount: finished.tests!.failed,
      skipCount: finished.tests!.skipped,
      passCount:
        finished.tests!.total -
        finished.tests!.failed -
        finished.tests!.skipped,
    });
    expect(report!.suites?.[0].cases).toHaveLength(finished.tests!.total);
  });

  it('answers undefined for the stage view of a freestyle job and the report of a missing build', async () => {
    const c = client();
    const freestyle = {
      instance,
      jobFullName: 'payments/payments-api-nightly',
    };
    const number = fake.fake.state.jobs.get('payments/payments-api-nightly')!
      .builds[0].number;
    await expect(c.getStageView(freestyle, number)).resolves.toBeUndefined();
    // No build 99999: Jenkins answers 404, which means "no report" here.
    await expect(c.getTestReport(location(), 99999)).resolves.toBeUndefined();
    // getBuild has no such excuse: a missing build is a NotFoundError.
    await expect(c.getBuild(location(), 99999)).rejects.toMatchObject({
      name: 'NotFoundError',
      message:
        'Jenkins instance "default" has nothing at GET /job/payments/job/payments-api/99999/api/json (HTTP 404)',
    });
  });

  it('creates a job in a folder, reads its config.xml back, and refuses a duplicate', async () => {
    const c = client();
    const configXml =
      "<?xml version='1.1' encoding='UTF-8'?><project><description>made by a test</description></project>";
    await c.createJob({
      instance,
      folderFullName: 'payments',
      name: 'client-created',
      configXml,
    });
    const created = fake.fake.state.jobs.get('payments/client-created')!;
    expect(created.kind).toBe('freestyle');
    await expect(
      c.getConfigXml({ instance, jobFullName: 'payments/client-created' }),
    ).resolves.toBe(configXml);

    await expect(
      c.createJob({
        instance,
        folderFullName: 'payments',
        name: 'client-created',
        configXml,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'Jenkins instance "default" refused to create "client-created" at POST /job/payments/createItem: A job already exists with the name \'client-created\'',
    });
    await expect(
      c.createJob({ instance, name: 'bad:name', configXml }),
    ).rejects.toThrow(
      'Jenkins instance "default" refused to create "bad:name" at POST /createItem: "bad:name" is not a valid job name',
    );
    expect(fake.fake.state.jobs.has('bad:name')).toBe(false);
  });

  it('names the credentials problem on 401 and 403', async () => {
    await expect(
      client().getJob({
        instance: { ...instance, apiKey: 'wrong-token' },
        jobFullName: 'payments/payments-api',
      }),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringContaining(
        'rejected the credentials of user "comet" (HTTP 401)',
      ),
    });
    // The read-only user may read but not build.
    await expect(
      client().triggerBuild({
        instance: {
          ...instance,
          username: 'viewer',
          apiKey: 'viewer-fake-jenkins-token',
        },
        jobFullName: 'payments/payments-api',
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('denied user "viewer" (HTTP 403)'),
    });
  });
});
