// An integration test of the module with the two plugins it connects.
/* eslint-disable @backstage/no-mixed-plugin-imports */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import jenkinsPlugin from '@internal/plugin-jenkins-backend';
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import pipelinesModuleJenkins from './index';

jest.setTimeout(60_000);

const component = (name: string, jobs: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'jenkins.io/job-full-name': jobs },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

describe('pipelines-backend-module-jenkins', () => {
  let fake: JenkinsFake;
  let baseUrl: string;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    fake = await JenkinsFake.start({ contextPath: '/jenkins' });
    baseUrl = fake.url;
    backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        pipelinesModuleJenkins,
        jenkinsPlugin,
        mockServices.rootConfig.factory({
          data: {
            pipelines: {
              dataDir: path.join(
                os.tmpdir(),
                `comet-jenkins-module-${process.pid}`,
              ),
              worker: { enabled: false },
            },
            jenkins: {
              instances: [
                {
                  name: 'default',
                  baseUrl,
                  username: 'comet',
                  apiKey: 'comet-fake-jenkins-token',
                },
                {
                  name: 'legacy',
                  baseUrl,
                  username: 'legacy-bot',
                  apiKey: 'legacy-fake-jenkins-token',
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            component(
              'storefront-web',
              'storefront/storefront-web,legacy:payments/payments-api-nightly',
            ),
            component(
              'payments-web',
              'payments/payments-api,folder/payments-build',
            ),
          ],
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await fake?.close();
  });

  it('shows Jenkins builds in the unified CI/CD list, through the jenkins backend', async () => {
    const res = await request(backend.server)
      .get('/api/pipelines/ci-runs')
      .query({
        entityRef: 'component:default/storefront-web',
        provider: 'jenkins',
        limit: 10,
      })
      .set('Authorization', mockCredentials.user.header())
      .expect(200);
    expect(res.body.providers).toEqual([{ id: 'jenkins', title: 'Jenkins' }]);
    expect(res.body.errors).toEqual([]);
    expect(res.body.runs).toHaveLength(10);
    const run = res.body.runs[0];
    expect(run).toMatchObject({
      provider: 'jenkins',
      entityRef: 'component:default/storefront-web',
      links: [
        {
          title: 'Open in Jenkins',
          url: expect.stringMatching(new RegExp(`^${baseUrl}/job/`)),
        },
      ],
    });
    expect(['succeeded', 'failed']).toContain(run.status);
    expect(run.commit.sha).toMatch(/^[0-9a-f]{40}$/);
    const pipelines = new Set(res.body.runs.map((r: any) => r.pipeline));
    expect(pipelines.has('legacy:payments/payments-api-nightly')).toBe(true);
    const branches = new Set(
      res.body.runs
        .filter((r: any) => r.pipeline.startsWith('storefront/'))
        .map((r: any) => r.branch),
    );
    expect(branches.has('main')).toBe(true);
    const times = res.body.runs.map((r: any) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('lists the jobs that work and says which job could not be loaded', async () => {
    const res = await request(backend.server)
      .get('/api/pipelines/ci-runs')
      .query({ entityRef: 'component:default/payments-web', limit: 10 })
      .set('Authorization', mockCredentials.user.header())
      .expect(200);
    expect(res.body.runs.length).toBeGreaterThan(0);
    expect(
      res.body.runs.every((r: any) => r.pipeline === 'payments/payments-api'),
    ).toBe(true);
    expect(res.body.errors).toEqual([
      {
        provider: 'jenkins',
        source: 'Jenkins job folder/payments-build (instance default)',
        message: expect.stringMatching(
          /^Jenkins instance "default" has no job "folder\/payments-build".*HTTP 404/,
        ),
      },
    ]);
    expect(JSON.stringify(res.body.errors)).not.toContain(
      'comet-fake-jenkins-token',
    );
  });
});
