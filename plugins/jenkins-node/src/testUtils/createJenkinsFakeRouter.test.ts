import express from 'express';
import request from 'supertest';
import { createJenkinsFakeRouter } from './createJenkinsFakeRouter';

const AUTH = `Basic ${Buffer.from('comet:comet-fake-jenkins-token').toString(
  'base64',
)}`;

function setup(now = { t: 1_700_000_000_000 }) {
  const router = createJenkinsFakeRouter({
    now: () => now.t,
    queueDelayMs: 1000,
    buildDurationMs: 10_000,
  });
  const app = express().use('/jenkins', router);
  return { app, router, now };
}

describe('createJenkinsFakeRouter', () => {
  it('checks credentials like Jenkins', async () => {
    const { app, router } = setup();
    const anonymous = await request(app).get('/jenkins/api/json');
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers['x-you-are-authenticated-as']).toBe('anonymous');

    const wrongToken = await request(app)
      .get('/jenkins/api/json')
      .set(
        'Authorization',
        `Basic ${Buffer.from('comet:wrong').toString('base64')}`,
      );
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.headers['www-authenticate']).toMatch(/Basic/);

    const viewer = `Basic ${Buffer.from(
      'viewer:viewer-fake-jenkins-token',
    ).toString('base64')}`;
    const read = await request(app)
      .get('/jenkins/job/payments/api/json')
      .set('Authorization', viewer);
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('payments');

    const crumb = await request(app)
      .get('/jenkins/crumbIssuer/api/json')
      .set('Authorization', viewer);
    expect(crumb.status).toBe(200);
    expect(crumb.body.crumb).toBe(router.fake.crumbFor('viewer'));

    const build = await request(app)
      .post('/jenkins/job/payments/job/payments-api/build')
      .set('Authorization', viewer)
      .set('Jenkins-Crumb', crumb.body.crumb);
    expect(build.status).toBe(403);
    expect(build.text).toContain('missing the Job/Build permission');
    expect(router.fake.state.queue.size).toBe(0);
  });

  it('honours tree with build ranges, nested in folders', async () => {
    const { app } = setup();
    const res = await request(app)
      .get('/jenkins/job/storefront/job/storefront-web/api/json')
      .query({ tree: 'name,jobs[name,builds[number,result]{0,2}]' })
      .set('Authorization', AUTH)
      .expect(200);
    expect(res.body._class).toBe(
      'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
    );
    expect(res.body.jobs.map((j: any) => j.name)).toEqual([
      'main',
      'feature%2Fcheckout',
      'PR-42',
    ]);
    expect(res.body.jobs[0].builds).toHaveLength(2);
    expect(Object.keys(res.body.jobs[0].builds[0]).sort()).toEqual([
      '_class',
      'number',
      'result',
    ]);
    expect(res.body.jobs[0].builds[0].number).toBe(12);
    await request(app)
      .get('/jenkins/job/storefront/job/nope/api/json')
      .set('Authorization', AUTH)
      .expect(404);
  });

  it('queues, runs, streams and aborts a parameterized build', async () => {
    const { app, now } = setup();
    await request(app)
      .post('/jenkins/job/payments/job/payments-api/buildWithParameters')
      .set('Authorization', AUTH)
      .expect(403);
    const { crumb } = (
      await request(app)
        .get('/jenkins/crumbIssuer/api/json')
        .set('Authorization', AUTH)
    ).body;
    const queued = await request(app)
      .post('/jenkins/job/payments/job/payments-api/buildWithParameters')
      .set('Authorization', AUTH)
      .set('Jenkins-Crumb', crumb)
      .type('form')
      .send({ DEPLOY_ENV: 'production', DRY_RUN: 'false' })
      .expect(201);
    const queuePath = new URL(queued.headers.location).pathname;
    expect(queuePath).toMatch(/^\/jenkins\/queue\/item\/\d+\/$/);
    let item = await request(app)
      .get(`${queuePath}api/json`)
      .set('Authorization', AUTH);
    expect(item.body._class).toBe('hudson.model.Queue$WaitingItem');
    expect(item.body.executable).toBeUndefined();
    now.t += 1500;
    item = await request(app)
      .get(`${queuePath}api/json`)
      .set('Authorization', AUTH);
    expect(item.body.executable.number).toBe(13);

    const build = await request(app)
      .get('/jenkins/job/payments/job/payments-api/13/api/json')
      .set('Authorization', AUTH);
    expect(build.body.building).toBe(true);
    expect(build.body.result).toBeNull();
    expect(build.body.actions[1].parameters).toEqual([
      {
        _class: 'hudson.model.StringParameterValue',
        name: 'BRANCH',
        value: 'main',
      },
      {
        _class: 'hudson.model.StringParameterValue',
        name: 'DEPLOY_ENV',
        value: 'production',
      },
      {
        _class: 'hudson.model.BooleanParameterValue',
        name: 'DRY_RUN',
        value: false,
      },
    ]);

    now.t += 3000;
    const first = await request(app)
      .get(
        '/jenkins/job/payments/job/payments-api/13/logText/progressiveText?start=0',
      )
      .set('Authorization', AUTH);
    expect(first.headers['x-more-data']).toBe('true');
    const size = Number(first.headers['x-text-size']);
    expect(first.text).toMatch(/^Started by user comet\n/);
    expect(Buffer.byteLength(first.text)).toBe(size);

    await request(app)
      .post('/jenkins/job/payments/job/payments-api/13/stop')
      .set('Authorization', AUTH)
      .set('Jenkins-Crumb', crumb)
      .expect(302);
    now.t += 60_000;
    const rest = await request(app)
      .get(
        `/jenkins/job/payments/job/payments-api/13/logText/progressiveText?start=${size}`,
      )
      .set('Authorization', AUTH);
    expect(rest.headers['x-more-data']).toBeUndefined();
    expect(rest.text).toBe('Aborted by comet\nFinished: ABORTED\n');
    const stages = await request(app)
      .get('/jenkins/job/payments/job/payments-api/13/wfapi/describe')
      .set('Authorization', AUTH);
    expect(stages.body.status).toBe('ABORTED');
  });

  it('creates jobs from config.xml and simulates 429', async () => {
    const { app, router } = setup();
    const { crumb } = (
      await request(app)
        .get('/jenkins/crumbIssuer/api/json')
        .set('Authorization', AUTH)
    ).body;
    const xml = `<?xml version='1.1' encoding='UTF-8'?><flow-definition><description>new</description><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.BooleanParameterDefinition><name>FAST</name><defaultValue>true</defaultValue></hudson.model.BooleanParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></flow-definition>`;
    await request(app)
      .post('/jenkins/job/payments/createItem?name=new-job')
      .set('Authorization', AUTH)
      .set('Jenkins-Crumb', crumb)
      .type('application/xml')
      .send(xml)
      .expect(200);
    await request(app)
      .post('/jenkins/job/payments/createItem?name=new-job')
      .set('Authorization', AUTH)
      .set('Jenkins-Crumb', crumb)
      .type('application/xml')
      .send(xml)
      .expect(400)
      .expect('X-Error', /already exists/);
    const job = await request(app)
      .get('/jenkins/job/payments/job/new-job/api/json')
      .set('Authorization', AUTH)
      .expect(200);
    expect(job.body.property[0].parameterDefinitions[0]).toMatchObject({
      name: 'FAST',
      type: 'BooleanParameterDefinition',
    });

    router.fake.failNext({ status: 429, retryAfterSeconds: 2 });
    await request(app)
      .get('/jenkins/api/json')
      .set('Authorization', AUTH)
      .expect(429)
      .expect('Retry-After', '2');
    await request(app)
      .get('/jenkins/api/json')
      .set('Authorization', AUTH)
      .expect(200);
  });
});

describe('progressive text before the first line', () => {
  it('is empty, so offsets only ever grow with printed text', async () => {
    const now = { t: 1_700_000_000_000 };
    const router = createJenkinsFakeRouter({
      now: () => now.t,
      queueDelayMs: 0,
      buildDurationMs: 100_000,
    });
    const app = express().use('/jenkins', router);
    const { crumb } = (
      await request(app)
        .get('/jenkins/crumbIssuer/api/json')
        .set('Authorization', AUTH)
    ).body;
    await request(app)
      .post('/jenkins/job/payments/job/payments-api-nightly/build')
      .set('Authorization', AUTH)
      .set('Jenkins-Crumb', crumb)
      .expect(201);
    const empty = await request(app)
      .get(
        '/jenkins/job/payments/job/payments-api-nightly/13/logText/progressiveText?start=0',
      )
      .set('Authorization', AUTH);
    expect(empty.text).toBe('');
    expect(empty.headers['x-text-size']).toBe('0');
    expect(empty.headers['x-more-data']).toBe('true');
  });
});
