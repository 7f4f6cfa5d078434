import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import { createFakesPlugin, FAKE_LOADERS, FakeLoader } from './plugin';

const SONARQUBE_DEMO_TOKEN = 'squ_comet_fake_demo_token_not_a_secret';

// Jest keeps a Node package's dynamic import() native, which its VM cannot run; these loaders
// stand in for FAKE_LOADERS' imports and record which fakes were loaded.
const loaded: string[] = [];
const recordingLoaders: FakeLoader[] = [
  {
    name: 'jenkins',
    load: async () => {
      loaded.push('jenkins');
      const { JenkinsFake } = jest.requireActual(
        '@internal/plugin-jenkins-node/testUtils',
      );
      const fake = new JenkinsFake();
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'sonarqube',
    load: async () => {
      loaded.push('sonarqube');
      const { SonarQubeFake } = jest.requireActual(
        '@internal/plugin-sonarqube-node/testUtils',
      );
      const fake = new SonarQubeFake();
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'jira',
    load: async () => {
      loaded.push('jira');
      const { JiraFake } = jest.requireActual(
        '@internal/plugin-jira-node/testUtils',
      );
      const fake = new JiraFake({ example: true });
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'github',
    load: async () => {
      loaded.push('github');
      const { GitHubFake } = jest.requireActual(
        '@internal/plugin-github-node/testUtils',
      );
      const fake = new GitHubFake();
      return { router: fake.router, close: () => fake.close() };
    },
  },
  {
    name: 'openai',
    load: async () => {
      loaded.push('openai');
      const { OpenAiFake } = jest.requireActual(
        '@internal/plugin-ai-assistant-backend/testUtils',
      );
      const fake = new OpenAiFake({ mode: 'demo' });
      return { router: fake.router, close: () => fake.close() };
    },
  },
];

async function start(fakes: Record<string, boolean>) {
  loaded.length = 0;
  return startTestBackend({
    features: [
      createFakesPlugin(recordingLoaders),
      mockServices.rootConfig.factory({ data: { comet: { fakes } } }),
    ],
  });
}

describe('fakesPlugin', () => {
  it('has a loader for each comet.fakes key', () => {
    expect(FAKE_LOADERS.map(f => f.name)).toEqual([
      'jenkins',
      'sonarqube',
      'jira',
      'github',
      'openai',
    ]);
    expect(recordingLoaders.map(f => f.name)).toEqual(
      FAKE_LOADERS.map(f => f.name),
    );
  });

  it('serves only the fakes that are on, and loads no other', async () => {
    const backend = await start({ sonarqube: true, jenkins: false });
    try {
      expect(loaded).toEqual(['sonarqube']);
      // No Backstage token: the fake checks its own credentials, as SonarQube does
      const status = await request(backend.server)
        .get(
          '/api/fakes/sonarqube/api/qualitygates/project_status?projectKey=comet-examples_payments-api',
        )
        .set('Authorization', `Bearer ${SONARQUBE_DEMO_TOKEN}`);
      expect(status.status).toBe(200);
      expect(status.body.projectStatus.status).toBe('OK');
      const refused = await request(backend.server)
        .get(
          '/api/fakes/sonarqube/api/qualitygates/project_status?projectKey=comet-examples_payments-api',
        )
        .set('Authorization', 'Bearer not-a-token');
      expect(refused.status).toBe(401);
      expect(
        (await request(backend.server).get('/api/fakes/jenkins/api/json'))
          .status,
      ).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('serves the Jenkins fake alone when only it is on', async () => {
    const backend = await start({ jenkins: true });
    try {
      expect(loaded).toEqual(['jenkins']);
      const jenkins = await request(backend.server)
        .get('/api/fakes/jenkins/api/json')
        .auth('comet', 'comet-fake-jenkins-token');
      expect(jenkins.status).toBe(200);
      expect(jenkins.body.jobs.length).toBeGreaterThan(0);
      const refused = await request(backend.server)
        .get('/api/fakes/jenkins/api/json')
        .auth('comet', 'wrong-token');
      expect(refused.status).toBe(401);
    } finally {
      await backend.stop();
    }
  });

  it('serves the OpenAI-compatible fake in demo mode, checking its key', async () => {
    const backend = await start({ openai: true });
    try {
      expect(loaded).toEqual(['openai']);
      const models = await request(backend.server)
        .get('/api/fakes/openai/models')
        .set('Authorization', 'Bearer comet-demo-openai-key');
      expect(models.status).toBe(200);
      expect(models.body.data[0].id).toBe('comet-demo-model');
      const refused = await request(backend.server)
        .get('/api/fakes/openai/models')
        .set('Authorization', 'Bearer wrong');
      expect(refused.status).toBe(401);
    } finally {
      await backend.stop();
    }
  });

  it('switches a simulated outage of one fake on and off over /api/fakes/control', async () => {
    const backend = await start({ jira: true, jenkins: true });
    const jiraProject = () =>
      request(backend.server)
        .get('/api/fakes/jira/rest/api/3/project/PAY')
        .auth('comet@example.com', 'jira_fake_demo_api_token_not_a_secret');
    try {
      expect((await jiraProject()).status).toBe(200);

      const started = await request(backend.server)
        .put('/api/fakes/control/outages/jira')
        .send({});
      expect(started.status).toBe(200);
      expect(started.body).toEqual({ name: 'jira', status: 503 });
      const down = await jiraProject();
      expect(down.status).toBe(503);
      expect(down.body.message).toContain(
        'The jira fake is in a simulated outage',
      );
      // The other fakes still answer
      const jenkins = await request(backend.server)
        .get('/api/fakes/jenkins/api/json')
        .auth('comet', 'comet-fake-jenkins-token');
      expect(jenkins.status).toBe(200);
      expect(
        (await request(backend.server).get('/api/fakes/control/outages')).body,
      ).toEqual({ outages: [{ name: 'jira', status: 503 }] });

      // Another status replaces it
      await request(backend.server)
        .put('/api/fakes/control/outages/jira')
        .send({ status: 502 })
        .expect(200, { name: 'jira', status: 502 });
      expect((await jiraProject()).status).toBe(502);

      await request(backend.server)
        .delete('/api/fakes/control/outages/jira')
        .expect(200, { name: 'jira', ended: true });
      expect((await jiraProject()).status).toBe(200);
      await request(backend.server)
        .delete('/api/fakes/control/outages/jira')
        .expect(200, { name: 'jira', ended: false });
      expect(
        (await request(backend.server).get('/api/fakes/control/outages')).body,
      ).toEqual({ outages: [] });
    } finally {
      await backend.stop();
    }
  });

  it('refuses an outage of a fake that is not served, or with another status', async () => {
    const backend = await start({ jira: true });
    try {
      const unknown = await request(backend.server)
        .put('/api/fakes/control/outages/sonarqube')
        .send({});
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toBe(
        'No fake named "sonarqube" is served here; the served fakes are jira (comet.fakes.<name>)',
      );
      expect(
        (
          await request(backend.server).delete(
            '/api/fakes/control/outages/sonarqube',
          )
        ).status,
      ).toBe(404);
      const bad = await request(backend.server)
        .put('/api/fakes/control/outages/jira')
        .send({ status: 200 });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toBe(
        'Invalid outage status 200 for the jira fake: use one of 500, 502, 503, 504 (503 when omitted)',
      );
      expect(
        (await request(backend.server).get('/api/fakes/control/outages')).body,
      ).toEqual({ outages: [] });
    } finally {
      await backend.stop();
    }
  });

  it('serves nothing and loads no fake when none is on', async () => {
    const backend = await start({});
    try {
      expect(loaded).toEqual([]);
      // Even a signed-in user finds nothing there
      const res = await request(backend.server)
        .get(
          '/api/fakes/sonarqube/api/qualitygates/project_status?projectKey=comet-examples_payments-api',
        )
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });
});
