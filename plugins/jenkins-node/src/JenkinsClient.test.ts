import { mockServices } from '@backstage/backend-test-utils';
import { createJenkinsFakeRouter, JenkinsFakeRouter } from './testUtils';
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JenkinsClient, jobPath } from './JenkinsClient';
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
    await new Promise(resolve => setTimeout(resolve, 50));
    const item = await c.getQueueItem(instance, queueId);
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
});
