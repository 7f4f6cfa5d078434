import express from 'express';
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
});
