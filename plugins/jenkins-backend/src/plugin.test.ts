/*
 * The Jenkins plugin end to end inside a test backend: REST API, permissions, audit events,
 * against the local Jenkins fake on an ephemeral port.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  createJenkinsFakeRouter,
  JenkinsFakeRouter,
} from '@internal/plugin-jenkins-node/testUtils';
import type {
  JenkinsBuild,
  JenkinsEntityJobsResponse,
} from '@internal/plugin-jenkins-common';
import express from 'express';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import request from 'supertest';
import { jenkinsPlugin } from './plugin';

jest.setTimeout(60_000);

const API_KEY = 'comet-fake-jenkins-token';

function component(name: string, annotations: Record<string, string>) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

const entities = [
  component('payments-api', {
    'jenkins.io/job-full-name':
      'payments/payments-api,legacy:payments/payments-api-nightly',
  }),
  component('storefront-web', {
    'jenkins.io/job-full-name': 'storefront/storefront-web',
  }),
  component('broken', { 'jenkins.io/job-full-name': 'payments/../../script' }),
  component('unknown-instance', {
    'jenkins.io/job-full-name': 'nowhere:payments/payments-api',
  }),
  component('missing-job', {
    'jenkins.io/job-full-name': 'payments/does-not-exist',
  }),
  component('bad-token', {
    'jenkins.io/job-full-name': 'wrongkey:payments/payments-api',
  }),
  component('unreachable', {
    'jenkins.io/job-full-name': 'down:payments/payments-api',
  }),
  component('no-jenkins', {}),
];

async function startFake() {
  const fake = createJenkinsFakeRouter({
    queueDelayMs: 200,
    buildDurationMs: 3000,
  });
  const app = express().use('/jenkins', fake);
  const server = http.createServer(app);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { fake, server, baseUrl: `http://127.0.0.1:${port}/jenkins` };
}

let downUrl = 'http://127.0.0.1:1/jenkins';

async function closedPort() {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

function jenkinsConfig(baseUrl: string) {
  return {
    jenkins: {
      cacheTtlSeconds: 2,
      requestTimeoutSeconds: 3,
      maxRetries: 1,
      triggerWaitSeconds: 5,
      instances: [
        { name: 'default', baseUrl, username: 'comet', apiKey: API_KEY },
        {
          name: 'legacy',
          baseUrl,
          username: 'legacy-bot',
          apiKey: 'legacy-fake-jenkins-token',
        },
        {
          name: 'wrongkey',
          baseUrl,
          username: 'comet',
          apiKey: 'not-the-token',
        },
        // Nothing listens on port 9 (discard) on loopback.
        {
          name: 'down',
          baseUrl: downUrl,
          username: 'comet',
          apiKey: API_KEY,
        },
      ],
    },
  };
}

describe('jenkins plugin', () => {
  let fake: JenkinsFakeRouter;
  let fakeServer: http.Server;
  let baseUrl: string;
  let server: any;
  let stopBackend: () => Promise<void>;
  const auditEvents: Array<{
    eventId: string;
    meta: unknown;
    outcome?: string;
    error?: string;
  }> = [];
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    ({ fake, server: fakeServer, baseUrl } = await startFake());
    downUrl = `http://127.0.0.1:${await closedPort()}/jenkins`;
    const backend = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({ data: jenkinsConfig(baseUrl) }),
        mockServices.auditor.mock({
          createEvent: async (options: any) => {
            const event = {
              eventId: options.eventId,
              meta: options.meta,
            } as (typeof auditEvents)[number];
            auditEvents.push(event);
            return {
              success: async () => {
                event.outcome = 'success';
              },
              fail: async ({ error }: { error: Error }) => {
                event.outcome = 'failure';
                event.error = error.message;
              },
            };
          },
        }).factory,
        catalogServiceMock.factory({ entities }),
      ],
    });
    server = backend.server;
    stopBackend = () => backend.stop();
  });

  afterAll(async () => {
    await stopBackend();
    await new Promise(resolve => fakeServer.close(resolve));
  });

  it('lists the jobs of an entity on two instances with their latest builds', async () => {
    const res = await request(server)
      .get('/api/jenkins/entity-jobs')
      .query({ entityRef: 'component:default/payments-api', limit: 5 })
      .set('Authorization', user)
      .expect(200);
    const body = res.body as JenkinsEntityJobsResponse & { configured: true };
    expect(body.configured).toBe(true);
    expect(body.jobs.map(j => j.jobRef)).toEqual([
      'default:payments/payments-api',
      'legacy:payments/payments-api-nightly',
    ]);
    const [api, nightly] = body.jobs;
    expect(api.error).toBeUndefined();
    expect(api.job).toMatchObject({ kind: 'pipeline', buildable: true });
    expect(api.job!.parameters.map(p => `${p.name}:${p.type}`)).toEqual([
      'BRANCH:string',
      'DEPLOY_ENV:choice',
      'DRY_RUN:boolean',
    ]);
    expect(api.builds).toHaveLength(5);
    expect(api.builds[0]).toMatchObject({
      number: 12,
      jobRef: 'default:payments/payments-api',
      url: `${baseUrl}/job/payments/job/payments-api/12/`,
      branch: 'main',
    });
    expect(api.builds[0].commit!.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(api.builds[0].causes.length).toBeGreaterThan(0);
    expect(api.nextOffset).toBe(5);
    expect(nightly.job!.kind).toBe('freestyle');
    // The legacy instance's job was read with the legacy instance's credentials.
    expect(
      fake.fake.requests.some(
        r => r.user === 'legacy-bot' && r.path.includes('payments-api-nightly'),
      ),
    ).toBe(true);
  });

  it('merges the branch jobs of a multibranch project and filters by branch', async () => {
    const res = await request(server)
      .get('/api/jenkins/entity-jobs')
      .query({ entityRef: 'component:default/storefront-web', limit: 20 })
      .set('Authorization', user)
      .expect(200);
    const [job] = res.body.jobs;
    expect(job.job.kind).toBe('multibranch');
    expect(job.job.children.map((c: any) => c.branch)).toEqual([
      'main',
      'feature/checkout',
      'PR-42',
    ]);
    const branches = new Set(job.builds.map((b: any) => b.branch));
    expect(branches).toEqual(new Set(['main', 'feature/checkout', 'PR-42']));
    const times = job.builds.map((b: any) => Date.parse(b.startedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const filtered = await request(server)
      .get('/api/jenkins/builds')
      .query({
        entityRef: 'component:default/storefront-web',
        job: 'default:storefront/storefront-web',
        branch: 'feature/checkout',
      })
      .set('Authorization', user)
      .expect(200);
    expect(filtered.body.builds).toHaveLength(4);
    expect(
      filtered.body.builds.every(
        (b: any) =>
          b.jobRef === 'default:storefront/storefront-web/feature%2Fcheckout',
      ),
    ).toBe(true);
  });

  it('pages through builds with offsets and merges all jobs with a cursor', async () => {
    const page2 = await request(server)
      .get('/api/jenkins/builds')
      .query({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
        offset: 10,
        limit: 5,
      })
      .set('Authorization', user)
      .expect(200);
    expect(page2.body.builds.map((b: any) => b.number)).toEqual([2, 1]);
    expect(page2.body.nextOffset).toBeUndefined();

    const first = await request(server)
      .get('/api/jenkins/entity-builds')
      .query({ entityRef: 'component:default/payments-api', limit: 15 })
      .set('Authorization', user)
      .expect(200);
    expect(first.body.builds).toHaveLength(15);
    expect(first.body.errors).toEqual([]);
    const next = await request(server)
      .get('/api/jenkins/entity-builds')
      .query({
        entityRef: 'component:default/payments-api',
        limit: 15,
        cursor: first.body.nextCursor,
      })
      .set('Authorization', user)
      .expect(200);
    expect(next.body.builds).toHaveLength(9);
    expect(next.body.nextCursor).toBeUndefined();
    const keys = [...first.body.builds, ...next.body.builds].map(
      (b: any) => `${b.jobRef}#${b.number}`,
    );
    expect(new Set(keys).size).toBe(24);
  });

  it('shows build details: parameters, commits, tests, artifacts and stages', async () => {
    const res = await request(server)
      .get('/api/jenkins/builds/12')
      .query({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
      })
      .set('Authorization', user)
      .expect(200);
    const build = res.body as JenkinsBuild;
    expect(build.parameters).toEqual({
      BRANCH: 'main',
      DEPLOY_ENV: 'staging',
      DRY_RUN: true,
    });
    expect(build.changes.length).toBeGreaterThan(0);
    expect(build.stages!.map(s => s.name)).toEqual([
      'Checkout',
      'Build',
      'Test',
      'Deploy',
    ]);
    for (const artifact of build.artifacts) {
      expect(artifact.url).toBe(
        `${baseUrl}/job/payments/job/payments-api/12/artifact/${artifact.relativePath}`,
      );
    }
    expect(build.tests!.total).toBeGreaterThan(0);

    const freestyle = await request(server)
      .get('/api/jenkins/builds/3')
      .query({
        entityRef: 'component:default/payments-api',
        job: 'legacy:payments/payments-api-nightly',
      })
      .set('Authorization', user)
      .expect(200);
    expect(freestyle.body.stages).toBeUndefined();

    const tests = await request(server)
      .get('/api/jenkins/builds/12/tests')
      .query({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
      })
      .set('Authorization', user)
      .expect(200);
    expect(tests.body.total).toBe(build.tests!.total);
    expect(tests.body.failures).toHaveLength(build.tests!.failed);
  });

  it('triggers with typed parameters, streams the console, aborts and rebuilds, with audit events', async () => {
    const entityRef = 'component:default/payments-api';
    const job = 'default:payments/payments-api';
    await request(server)
      .post('/api/jenkins/builds')
      .send({ entityRef, job, parameters: { DEPLOY_ENV: 'mars' } })
      .set('Authorization', user)
      .expect(400)
      .expect(res =>
        expect(res.body.error.message).toMatch(
          /DEPLOY_ENV .* must be one of staging, production/,
        ),
      );
    await request(server)
      .post('/api/jenkins/builds')
      .send({ entityRef, job, parameters: { NOPE: 'x' } })
      .set('Authorization', user)
      .expect(400)
      .expect(res =>
        expect(res.body.error.message).toMatch(
          /no parameter "NOPE"; its parameters are BRANCH, DEPLOY_ENV, DRY_RUN/,
        ),
      );

    const triggered = await request(server)
      .post('/api/jenkins/builds')
      .send({
        entityRef,
        job,
        parameters: {
          DEPLOY_ENV: 'production',
          DRY_RUN: false,
          BRANCH: 'release/1.2',
        },
      })
      .set('Authorization', user)
      .expect(201);
    expect(triggered.body).toMatchObject({ jobRef: job, buildNumber: 13 });
    const trigger = auditEvents.find(
      e => e.eventId === 'build-trigger' && e.outcome === 'success',
    );
    expect(trigger!.meta).toEqual({
      entityRef,
      job,
      parameterNames: ['DEPLOY_ENV', 'DRY_RUN', 'BRANCH'],
    });

    const build = await request(server)
      .get('/api/jenkins/builds/13')
      .query({ entityRef, job })
      .set('Authorization', user)
      .expect(200);
    expect(build.body.parameters).toEqual({
      BRANCH: 'release/1.2',
      DEPLOY_ENV: 'production',
      DRY_RUN: false,
    });
    expect(build.body.status).toBe('running');

    const stream = await request(server)
      .get('/api/jenkins/builds/13/log/stream')
      .query({ entityRef, job })
      .set('Authorization', user)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => done(null, text));
      });
    const events = String(stream.body);
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    expect(events.match(/event: chunk/g)!.length).toBeGreaterThan(1);
    expect(events).toMatch(/Started by user comet/);
    expect(events).toMatch(/Finished: SUCCESS/);
    expect(events).toMatch(/event: end/);

    const whole = await request(server)
      .get('/api/jenkins/builds/13/console')
      .query({ entityRef, job })
      .set('Authorization', user)
      .expect(200);
    expect(whole.text).toMatch(/Parameter DEPLOY_ENV=production\n/);

    const again = await request(server)
      .post('/api/jenkins/builds/13/rebuild')
      .send({ entityRef, job })
      .set('Authorization', user)
      .expect(201);
    expect(again.body.buildNumber).toBe(14);
    const rebuilt = await request(server)
      .get('/api/jenkins/builds/14')
      .query({ entityRef, job })
      .set('Authorization', user)
      .expect(200);
    expect(rebuilt.body.parameters).toEqual(build.body.parameters);

    await request(server)
      .post('/api/jenkins/builds/14/abort')
      .send({ entityRef, job })
      .set('Authorization', user)
      .expect(200);
    const log = await request(server)
      .get('/api/jenkins/builds/14/log')
      .query({ entityRef, job, start: 0 })
      .set('Authorization', user)
      .expect(200);
    expect(log.body.more).toBe(false);
    expect(log.body.text).toMatch(/Aborted by comet\nFinished: ABORTED\n$/);
    expect(auditEvents.map(e => `${e.eventId}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['build-rebuild:success', 'build-abort:success']),
    );
    expect(JSON.stringify(auditEvents)).not.toContain(API_KEY);
  });

  it('explains bad annotations and broken instances per job, without crashing', async () => {
    const jobsOf = async (name: string) =>
      (
        await request(server)
          .get('/api/jenkins/entity-jobs')
          .query({ entityRef: `component:default/${name}` })
          .set('Authorization', user)
          .expect(200)
      ).body;
    expect((await jobsOf('broken')).error.message).toBe(
      'The jenkins.io/job-full-name entry "payments/../../script" is not a valid job: the job name contains "." or ".." segments',
    );
    expect((await jobsOf('unknown-instance')).jobs[0].error.message).toBe(
      'jenkins.io/job-full-name entry "nowhere:payments/payments-api" names the Jenkins instance "nowhere", which is not in jenkins.instances (configured: default, legacy, wrongkey, down)',
    );
    const missing = (await jobsOf('missing-job')).jobs[0].error;
    expect(missing.name).toBe('NotFoundError');
    expect(missing.message).toMatch(
      /^Jenkins instance "default" has no job "payments\/does-not-exist" \(jenkins.io\/job-full-name entry "payments\/does-not-exist"\)/,
    );
    const badToken = (await jobsOf('bad-token')).jobs[0].error;
    expect(badToken.message).toMatch(
      /^Jenkins instance "wrongkey" rejected the credentials of user "comet" \(HTTP 401\) for GET \/job\/payments\/job\/payments-api\/api\/json: the API token .* is wrong or expired$/,
    );
    const down = (await jobsOf('unreachable')).jobs[0].error;
    expect(down.message).toMatch(
      /^Jenkins instance "down" is unreachable: GET \/job\/payments\/job\/payments-api\/api\/json failed \(ECONNREFUSED\)$/,
    );
    expect(JSON.stringify([badToken, down])).not.toContain(API_KEY);
    expect((await jobsOf('no-jenkins')).error.message).toBe(
      'component:default/no-jenkins has no jenkins.io/job-full-name annotation',
    );
  });

  it('never lets a request reach a job the annotation does not name', async () => {
    const before = fake.fake.requests.length;
    for (const job of [
      'default:payments/payments-api/../../admin',
      'default:payments/payments-api/..',
      'default:payments%2Fpayments-api',
      'default:payments',
      'legacy:payments/payments-api',
      'default:storefront/storefront-web/a/b',
      'http://evil.example.com/job',
    ]) {
      const res = await request(server)
        .get('/api/jenkins/builds')
        .query({ entityRef: 'component:default/storefront-web', job })
        .set('Authorization', user);
      expect([400, 404]).toContain(res.status);
    }
    expect(fake.fake.requests.length).toBe(before);
  });

  it('pages no deeper than offset 1000 and asks Jenkins for no more builds than a page needs', async () => {
    const entityRef = 'component:default/payments-api';
    const job = 'default:payments/payments-api';
    const deep = await request(server)
      .get('/api/jenkins/builds')
      .query({ entityRef, job, offset: 1001, limit: 5 })
      .set('Authorization', user)
      .expect(400);
    expect(deep.body.error.message).toMatch(/offset.*1000/);
    const tooDeepCursor = Buffer.from('o:10000').toString('base64url');
    const deepCursor = await request(server)
      .get('/api/jenkins/entity-builds')
      .query({ entityRef, limit: 200, cursor: tooDeepCursor })
      .set('Authorization', user)
      .expect(400);
    expect(deepCursor.body.error.message).toBe(
      "cursor points at offset 10000; it must be at most 1000: Comet does not page deeper into a job's builds; older builds are in Jenkins",
    );

    const windows = () =>
      fake.fake.requests.flatMap(r =>
        [
          ...decodeURIComponent(r.path).matchAll(
            /builds\[[^{]*\{(\d+),(\d+)\}/g,
          ),
        ].map(m => ({ from: Number(m[1]), to: Number(m[2]) })),
      );
    fake.fake.requests.length = 0;
    await request(server)
      .get('/api/jenkins/builds')
      .query({ entityRef, job, offset: 1000, limit: 100 })
      .set('Authorization', user)
      .expect(200);
    expect(windows()).toContainEqual({ from: 1000, to: 1101 });
    expect(Math.max(...windows().map(w => w.to))).toBe(1101);

    fake.fake.requests.length = 0;
    await request(server)
      .get('/api/jenkins/entity-builds')
      .query({
        entityRef: 'component:default/storefront-web',
        limit: 200,
        cursor: Buffer.from('o:1000').toString('base64url'),
      })
      .set('Authorization', user)
      .expect(200);
    // The job and each branch job of the multibranch project: at most offset + limit + 1
    expect(windows().length).toBeGreaterThan(0);
    expect(Math.max(...windows().map(w => w.to))).toBe(1201);
  });

  it('reads a queue item only through the job it builds', async () => {
    const state = fake.fake.state;
    const item = state.enqueue(
      state.jobs.get('storefront/storefront-web/main')!,
      [],
      [],
    );
    const foreign = await request(server)
      .get(`/api/jenkins/queue/${item.id}`)
      .query({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
      })
      .set('Authorization', user)
      .expect(404);
    expect(foreign.body.error.message).toBe(
      `Jenkins instance "default" has no queue item ${item.id} of default:payments/payments-api`,
    );
    const own = await request(server)
      .get(`/api/jenkins/queue/${item.id}`)
      .query({
        entityRef: 'component:default/storefront-web',
        job: 'default:storefront/storefront-web/main',
      })
      .set('Authorization', user)
      .expect(200);
    expect(own.body.queueId).toBe(item.id);
  });

  it('reads a long console in chunks of at most 1 MiB and downloads it whole', async () => {
    const entityRef = 'component:default/payments-api';
    const job = 'default:payments/payments-api';
    const build = fake.fake.state.jobs
      .get('payments/payments-api')!
      .builds.find(b => b.number === 3)!;
    build.logLines.push('ü'.repeat(1_300_000));
    const whole = fake.fake.state.view(build).log;
    expect(Buffer.byteLength(whole)).toBeGreaterThan(2 * 1024 * 1024);

    let start = 0;
    let text = '';
    const chunks: Array<{ bytes: number; truncated?: boolean }> = [];
    for (;;) {
      const chunk = (
        await request(server)
          .get('/api/jenkins/builds/3/log')
          .query({ entityRef, job, start })
          .set('Authorization', user)
          .expect(200)
      ).body;
      chunks.push({
        bytes: Buffer.byteLength(chunk.text),
        truncated: chunk.truncated,
      });
      expect(chunk.nextStart).toBe(start + Buffer.byteLength(chunk.text));
      text += chunk.text;
      start = chunk.nextStart;
      if (!chunk.more) break;
    }
    expect(chunks.length).toBe(3);
    for (const chunk of chunks) {
      expect(chunk.bytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(chunks.map(c => c.truncated)).toEqual([true, true, false]);
    expect(text).toBe(whole);

    const download = await request(server)
      .get('/api/jenkins/builds/3/console')
      .query({ entityRef, job })
      .set('Authorization', user)
      .expect(200);
    expect(download.text).toBe(whole);
  });

  it("refuses jobs outside the owner group's comet.resourceScopes, saying why", async () => {
    const scoped = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({
          data: {
            ...jenkinsConfig(baseUrl),
            comet: {
              resourceScopes: {
                'team-a': { jenkins: ['payments/*', 'legacy:payments/*'] },
              },
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
      ],
    });
    try {
      // team-a owns both entities; only payments/* is theirs.
      const allowed = await request(scoped.server)
        .get('/api/jenkins/entity-jobs')
        .query({ entityRef: 'component:default/payments-api', limit: 1 })
        .set('Authorization', user)
        .expect(200);
      expect(allowed.body.jobs.map((j: any) => j.error)).toEqual([
        undefined,
        undefined,
      ]);

      const refused = await request(scoped.server)
        .get('/api/jenkins/entity-jobs')
        .query({ entityRef: 'component:default/storefront-web', limit: 1 })
        .set('Authorization', user)
        .expect(200);
      expect(refused.body.jobs[0].builds).toEqual([]);
      expect(refused.body.jobs[0].error).toEqual({
        name: 'NotAllowedError',
        message:
          'jenkins.io/job-full-name entry "storefront/storefront-web" of component:default/storefront-web is refused: default:storefront/storefront-web is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.jenkins: payments/*, legacy:payments/*)',
      });

      const trigger = await request(scoped.server)
        .post('/api/jenkins/builds')
        .send({
          entityRef: 'component:default/storefront-web',
          job: 'storefront/storefront-web',
        })
        .set('Authorization', user)
        .expect(403);
      expect(trigger.body.error.message).toMatch(/outside the scopes/);
    } finally {
      await scoped.stop();
    }
  });
});

describe('jenkins permissions and configuration', () => {
  it('requires jenkins.build.read and jenkins.build.trigger on the entity', async () => {
    const backend = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({
          data: jenkinsConfig('http://127.0.0.1:9/jenkins'),
        }),
        mockServices.permissions.mock({
          authorize: async (requests: any[]) =>
            requests.map(r => ({
              result:
                r.permission.name === 'jenkins.build.read' &&
                r.resourceRef === 'component:default/payments-api'
                  ? AuthorizeResult.ALLOW
                  : AuthorizeResult.DENY,
            })),
          // The same policy as a decision per permission, with a condition on the entity
          authorizeConditional: async (requests: any[]) =>
            requests.map(r =>
              r.permission.name === 'jenkins.build.read'
                ? {
                    result: AuthorizeResult.CONDITIONAL,
                    pluginId: 'catalog',
                    resourceType: 'catalog-entity',
                    conditions: {
                      allOf: [
                        {
                          rule: 'IS_ENTITY_KIND',
                          resourceType: 'catalog-entity',
                          params: { kinds: ['Component'] },
                        },
                        {
                          rule: 'HAS_METADATA',
                          resourceType: 'catalog-entity',
                          params: { key: 'name', value: 'payments-api' },
                        },
                      ],
                    },
                  }
                : { result: AuthorizeResult.DENY },
            ),
        }).factory,
        catalogServiceMock.factory({ entities }),
      ],
    });
    const user = mockCredentials.user.header();
    const denied = await request(backend.server)
      .post('/api/jenkins/builds')
      .send({
        entityRef: 'component:default/payments-api',
        job: 'default:payments/payments-api',
      })
      .set('Authorization', user);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe(
      'You are not allowed to jenkins.build.trigger on component:default/payments-api',
    );
    for (const path of ['/builds/1/abort', '/builds/1/rebuild']) {
      await request(backend.server)
        .post(`/api/jenkins${path}`)
        .send({
          entityRef: 'component:default/payments-api',
          job: 'default:payments/payments-api',
        })
        .set('Authorization', user)
        .expect(403);
    }
    await request(backend.server)
      .get(
        '/api/jenkins/entity-jobs?entityRef=component:default/storefront-web',
      )
      .set('Authorization', user)
      .expect(403);
    await request(backend.server)
      .get(
        '/api/jenkins/builds/1/log?entityRef=component:default/storefront-web&job=default:storefront/storefront-web/main',
      )
      .set('Authorization', user)
      .expect(403);
    await backend.stop();
  });

  it('requires jenkins.build.abort, not jenkins.build.trigger, to stop a build', async () => {
    const backend = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({
          data: jenkinsConfig('http://127.0.0.1:9/jenkins'),
        }),
        mockServices.permissions.mock({
          authorize: async (requests: any[]) =>
            requests.map(r => ({
              result:
                r.permission.name === 'jenkins.build.abort'
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            })),
          authorizeConditional: async (requests: any[]) =>
            requests.map(r => ({
              result:
                r.permission.name === 'jenkins.build.abort'
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            })),
        }).factory,
        catalogServiceMock.factory({ entities }),
      ],
    });
    try {
      const denied = await request(backend.server)
        .post('/api/jenkins/builds/1/abort')
        .send({
          entityRef: 'component:default/payments-api',
          job: 'default:payments/payments-api',
        })
        .set('Authorization', mockCredentials.user.header())
        .expect(403);
      expect(denied.body.error.message).toBe(
        'You are not allowed to jenkins.build.abort on component:default/payments-api',
      );
    } finally {
      await backend.stop();
    }
  });

  it('says which config key turns Jenkins on when it is not configured', async () => {
    const backend = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({ data: {} }),
        catalogServiceMock.factory({ entities }),
      ],
    });
    const res = await request(backend.server)
      .get('/api/jenkins/entity-jobs?entityRef=component:default/payments-api')
      .set('Authorization', mockCredentials.user.header())
      .expect(200);
    expect(res.body).toEqual({
      configured: false,
      message:
        'Jenkins is not configured: set jenkins.instances (name, baseUrl, username, apiKey) in app-config.yaml to turn it on',
    });
    await backend.stop();
  });

  it('reads the single-instance shorthand of the community plugin', async () => {
    const backend = await startTestBackend({
      features: [
        jenkinsPlugin,
        mockServices.rootConfig.factory({
          data: {
            jenkins: {
              baseUrl: 'https://jenkins.example.com/',
              username: 'u',
              apiKey: 'k',
            },
          },
        }),
        catalogServiceMock.factory({ entities }),
      ],
    });
    const res = await request(backend.server)
      .get('/api/jenkins/config')
      .set('Authorization', mockCredentials.user.header());
    expect(res.body).toEqual({ configured: true, instances: ['default'] });
    await backend.stop();
  });
});
