import express from 'express';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { SONARQUBE_FAKE_DEMO_TOKEN, SonarQubeFake } from './SonarQubeFake';

const auth = { authorization: `Bearer ${SONARQUBE_FAKE_DEMO_TOKEN}` };

describe('SonarQubeFake', () => {
  it('listens on 127.0.0.1 under its context path until closed', async () => {
    const fake = await SonarQubeFake.start({ contextPath: '/sonar/' });
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sonar$/);
    const res = await fetch(
      `${fake.url}/api/qualitygates/project_status?projectKey=comet-examples_payments-api`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    expect((await res.json()).projectStatus.status).toBe('OK');
    expect(fake.state.projects.get('comet-examples_payments-api')?.name).toBe(
      'Payments API',
    );
    const { url } = fake;
    await fake.close();
    await expect(
      fetch(`${url}/api/projects/search`, { headers: auth }),
    ).rejects.toThrow('fetch failed');
    // Closing again is harmless
    await expect(fake.close()).resolves.toBeUndefined();
  });

  it('serves at the root without a context path', async () => {
    const fake = await SonarQubeFake.start();
    try {
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${fake.url}/api/projects/search`, {
        headers: auth,
      });
      expect(res.status).toBe(200);
    } finally {
      await fake.close();
    }
  });

  it('gives a router to mount without listening, and has no url then', async () => {
    const fake = new SonarQubeFake({
      tokens: [{ token: 'reader', type: 'user' }],
    });
    expect(() => fake.url).toThrow(
      'This SonarQubeFake is not listening: create it with SonarQubeFake.start()',
    );
    const app = express().use('/api/fakes/sonarqube', fake.router);
    const res = await request(app)
      .get('/api/fakes/sonarqube/api/measures/component')
      .query({ component: 'comet-examples_payments-api', metricKeys: 'ncloc' })
      .set('authorization', 'Bearer reader');
    expect(res.status).toBe(200);
    expect(res.body.component.measures).toEqual([
      { metric: 'ncloc', value: '18420' },
    ]);
    expect(fake.calls).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: 'api/measures/component',
      }),
    ]);
    await fake.close();
  });

  it('waits latencyMs before each answer', async () => {
    const fake = await SonarQubeFake.start({ latencyMs: 150 });
    try {
      const started = performance.now();
      const res = await fetch(`${fake.url}/api/projects/search`, {
        headers: auth,
      });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    } finally {
      await fake.close();
    }
  });

  describe('as a SonarQube', () => {
    const fake = new SonarQubeFake();
    const app = express().use(fake.router);
    const admin = (req: request.Test) =>
      req.set('authorization', `Bearer ${SONARQUBE_FAKE_DEMO_TOKEN}`);

    afterAll(() => fake.close());

    it('takes a scanner upload, queues it, then delivers a signed quality gate webhook', async () => {
      const deliveries: Array<{ headers: any; body: string }> = [];
      const receiver = express()
        .use(express.text({ type: '*/*' }))
        .post('/hook', (req, res) => {
          deliveries.push({ headers: req.headers, body: req.body });
          res.sendStatus(200);
        })
        .listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      try {
        const hook = await admin(
          request(app)
            .post('/api/webhooks/create')
            .type('form')
            .send({
              name: 'comet',
              url: `http://127.0.0.1:${
                (receiver.address() as AddressInfo).port
              }/hook`,
              secret: 's3cret',
              project: 'comet-examples_ledger-worker',
            }),
        );
        expect(hook.body.webhook).toMatchObject({
          name: 'comet',
          hasSecret: true,
        });
        // Anonymous analysis is allowed by default, as the example pipelines use it
        const submitted = await request(app)
          .post('/api/ce/submit')
          .type('form')
          .send({
            projectKey: 'comet-examples_ledger-worker',
            revision: 'abc123',
            gate: 'error',
            characteristic: 'pullRequest=99\nbranch=feature/y',
            pendingMs: '0',
          });
        expect(submitted.status).toBe(200);
        const task = await admin(
          request(app).get('/api/ce/task').query({ id: submitted.body.taskId }),
        );
        expect(task.body.task).toMatchObject({
          componentKey: 'comet-examples_ledger-worker',
          pullRequest: '99',
        });
        const deadline = Date.now() + 10_000;
        while (deliveries.length === 0 && Date.now() < deadline) {
          await new Promise(resolve => setTimeout(resolve, 20));
        }
        expect(deliveries).toHaveLength(1);
        const [delivery] = deliveries;
        expect(delivery.headers['x-sonar-webhook-hmac-sha256']).toBe(
          createHmac('sha256', 's3cret').update(delivery.body).digest('hex'),
        );
        expect(JSON.parse(delivery.body)).toMatchObject({
          taskId: submitted.body.taskId,
          revision: 'abc123',
          project: { key: 'comet-examples_ledger-worker' },
          branch: { name: '99', type: 'PULL_REQUEST', isMain: false },
          qualityGate: { status: 'ERROR' },
        });
      } finally {
        receiver.closeAllConnections();
        await new Promise(resolve => receiver.close(resolve));
      }
    });

    it('refuses what SonarQube refuses', async () => {
      const badGate = await request(app)
        .post('/api/ce/submit')
        .type('form')
        .send({ projectKey: 'comet-examples_ledger-worker', gate: 'MAYBE' });
      expect(badGate.status).toBe(400);
      expect(badGate.body).toEqual({
        errors: [
          {
            msg: "Value of parameter 'gate' (MAYBE) must be one of: [OK, ERROR]",
          },
        ],
      });
      // A token with a password is a login, which the fake does not know
      const login = await request(app)
        .get('/api/projects/search')
        .set(
          'authorization',
          `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        );
      expect(login.status).toBe(401);
      const basic = await request(app)
        .get('/api/projects/search')
        .set(
          'authorization',
          `Basic ${Buffer.from(`${SONARQUBE_FAKE_DEMO_TOKEN}:`).toString(
            'base64',
          )}`,
        );
      expect(basic.status).toBe(200);
      const unknownTask = await admin(
        request(app).get('/api/ce/task').query({ id: 'nope' }),
      );
      expect(unknownTask.status).toBe(404);
      const unknownUrl = await admin(request(app).get('/api/nothing/here'));
      expect(unknownUrl.status).toBe(404);
      expect(unknownUrl.body.errors[0].msg).toBe(
        'Unknown url : /api/nothing/here',
      );
      const noGate = await admin(
        request(app).post('/api/qualitygates/select').type('form').send({
          projectKey: 'comet-examples_ledger-worker',
          gateName: 'Nope',
        }),
      );
      expect(noGate.status).toBe(404);
    });

    it('sets project tags as SonarQube checks them, and shows them on the project', async () => {
      const key = 'comet-examples_ledger-worker';
      const set = await admin(
        request(app).post('/api/project_tags/set').type('form').send({
          project: key,
          tags: 'Comet-Entity.component.default.a+b, c#,,c#',
        }),
      );
      expect(set.status).toBe(204);
      const shown = await admin(
        request(app).get('/api/components/show').query({ component: key }),
      );
      expect(shown.status).toBe(200);
      expect(shown.body).toEqual({
        component: {
          key,
          name: fake.state.projects.get(key)!.name,
          qualifier: 'TRK',
          analysisDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*\+0000$/),
          tags: ['comet-entity.component.default.a+b', 'c#'],
          visibility: 'private',
        },
        ancestors: [],
      });

      const refused = async (form: Record<string, string>, token?: string) => {
        const req = request(app)
          .post('/api/project_tags/set')
          .type('form')
          .send(form);
        const res = await (token === undefined
          ? admin(req)
          : req.set('authorization', `Bearer ${token}`));
        return [res.status, res.body.errors?.[0]?.msg];
      };
      expect(await refused({ project: key, tags: 'under_score' })).toEqual([
        400,
        "Tag 'under_score' is invalid. Tags accept only the characters: a-z, 0-9, '+', '-', '#', '.'",
      ]);
      expect(await refused({ project: key })).toEqual([
        400,
        "The 'tags' parameter is missing",
      ]);
      expect(await refused({ project: 'nope', tags: 'x' })).toEqual([
        404,
        "Component key 'nope' not found",
      ]);
      // Only an administrator may tag
      fake.state.tokens.set('reader', { token: 'reader', type: 'user' });
      expect(await refused({ project: key, tags: 'x' }, 'reader')).toEqual([
        403,
        'Insufficient privileges',
      ]);
      const anonymous = await request(app)
        .post('/api/project_tags/set')
        .type('form')
        .send({ project: key, tags: 'x' });
      expect(anonymous.status).toBe(401);
      // Clearing them: an empty list
      expect(await refused({ project: key, tags: '' })).toEqual([
        204,
        undefined,
      ]);
      expect(fake.state.projects.get(key)!.tags).toEqual([]);

      const unknown = await admin(
        request(app).get('/api/components/show').query({ component: 'nope' }),
      );
      expect(unknown.status).toBe(404);
    });

    it('fails the next requests to a path as told, then answers again', async () => {
      fake.failNext('api/server/version', 502, { times: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await request(app).get('/api/server/version')).status);
      }
      expect(statuses).toEqual([502, 502, 200]);
    });

    it('serves the pages links point at, escaping what it shows', async () => {
      const page = await request(app)
        .get('/dashboard')
        .query({ id: 'comet-examples_payments-api' });
      expect(page.type).toBe('text/html');
      expect(page.text).toContain(
        'dashboard of project Payments API (comet-examples_payments-api)',
      );
      const escaped = await request(app)
        .get('/project/issues')
        .query({ id: '<script>' });
      expect(escaped.text).toContain('&#60;script&#62;');
      expect(escaped.text).not.toContain('<script>');
    });
  });
});
