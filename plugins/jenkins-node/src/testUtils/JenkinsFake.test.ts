import { JenkinsFake } from './JenkinsFake';

const AUTH = `Basic ${Buffer.from('comet:comet-fake-jenkins-token').toString(
  'base64',
)}`;

describe('JenkinsFake', () => {
  it('listens on 127.0.0.1 under a context path and answers as the router does', async () => {
    const fake = await JenkinsFake.start({ contextPath: '/jenkins/' });
    try {
      expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jenkins$/);
      const response = await fetch(`${fake.url}/job/payments/api/json`, {
        headers: { Authorization: AUTH },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { fullName: string }).fullName).toBe(
        'payments',
      );
      expect(fake.requests).toEqual([
        {
          method: 'GET',
          path: '/jenkins/job/payments/api/json',
          user: 'comet',
          status: 200,
        },
      ]);
      expect(fake.state).toBe(fake.router.fake.state);
    } finally {
      await fake.close();
    }
  });

  it('waits latencyMs before each answer', async () => {
    const fake = await JenkinsFake.start({ latencyMs: 200 });
    try {
      const started = performance.now();
      const response = await fetch(`${fake.url}/api/json`, {
        headers: { Authorization: AUTH },
      });
      expect(response.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await fake.close();
    }
  });

  it('gives a router without listening, and says so when asked for its url', async () => {
    const fake = new JenkinsFake();
    expect(typeof fake.router).toBe('function');
    expect(() => fake.url).toThrow(/not listening/);
    await fake.close();
  });

  it('fails the next matching request when told to', async () => {
    const fake = await JenkinsFake.start();
    try {
      fake.failNext({
        status: 429,
        retryAfterSeconds: 3,
        pathIncludes: 'payments',
      });
      const failed = await fetch(`${fake.url}/job/payments/api/json`, {
        headers: { Authorization: AUTH },
      });
      expect(failed.status).toBe(429);
      expect(failed.headers.get('retry-after')).toBe('3');
      const next = await fetch(`${fake.url}/job/payments/api/json`, {
        headers: { Authorization: AUTH },
      });
      expect(next.status).toBe(200);
    } finally {
      await fake.close();
    }
  });
});
