import { mockServices } from '@backstage/backend-test-utils';
import { JenkinsClient } from './JenkinsClient';
import type { JenkinsInstance } from './JenkinsInstances';
import { JenkinsFake } from './testUtils';

describe('JenkinsClient.listJobs', () => {
  let fake: JenkinsFake;
  let instance: JenkinsInstance;

  beforeAll(async () => {
    fake = await JenkinsFake.start({
      contextPath: '/jenkins',
      buildsPerJob: 1,
      jobs: [
        { fullName: 'payments', kind: 'folder' },
        { fullName: 'payments/payments-api', kind: 'pipeline' },
        { fullName: 'payments/legacy', kind: 'folder' },
        { fullName: 'payments/legacy/nightly', kind: 'freestyle' },
        { fullName: 'payments/legacy/deep', kind: 'folder' },
        { fullName: 'payments/legacy/deep/job', kind: 'freestyle' },
        { fullName: 'storefront', kind: 'folder' },
        { fullName: 'storefront/web', kind: 'multibranch' },
        { fullName: 'storefront/web/main', kind: 'pipeline' },
        { fullName: 'storefront/web/PR-1', kind: 'pipeline' },
        { fullName: 'empty', kind: 'folder' },
        { fullName: 'top level job', kind: 'freestyle' },
      ],
    });
    instance = {
      name: 'ci',
      baseUrl: fake.url,
      username: 'comet',
      apiKey: 'comet-fake-jenkins-token',
      projectCountLimit: 50,
      extraRequestHeaders: {},
      crumbIssuer: true,
    };
  });

  afterAll(() => fake.close());

  const client = () =>
    JenkinsClient.create({ logger: mockServices.logger.mock(), cacheTtlMs: 0 });

  it('lists jobs in folders and multibranch projects, one call per folder, never opening a multibranch project', async () => {
    const before = fake.requests.length;
    const { jobs, truncated } = await client().listJobs(instance);
    expect(jobs.map(j => j.fullName).sort()).toEqual([
      'payments/legacy/deep/job',
      'payments/legacy/nightly',
      'payments/payments-api',
      'storefront/web',
      'top level job',
    ]);
    expect(truncated).toBe(false);
    expect(jobs.find(j => j.fullName === 'storefront/web')).toEqual({
      fullName: 'storefront/web',
      url: `${fake.url}/job/storefront/job/web/`,
      class:
        'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject',
    });
    expect(jobs.find(j => j.fullName === 'top level job')?.url).toBe(
      `${fake.url}/job/top%20level%20job/`,
    );
    const paths = fake.requests
      .slice(before)
      .map(r => decodeURIComponent(r.path.split('?')[0]))
      .sort();
    expect(paths).toEqual([
      '/jenkins/api/json',
      '/jenkins/job/empty/api/json',
      '/jenkins/job/payments/api/json',
      '/jenkins/job/payments/job/legacy/api/json',
      '/jenkins/job/payments/job/legacy/job/deep/api/json',
      '/jenkins/job/storefront/api/json',
    ]);
    expect(
      fake.requests.slice(before).every(r => r.status === 200 && r.user),
    ).toBe(true);
  });

  it('says truncated when a folder lies below the last level, holds more than perFolder items, or would pass maxFolders', async () => {
    const shallow = await client().listJobs(instance, { depth: 2 });
    expect(shallow.truncated).toBe(true);
    expect(shallow.jobs.map(j => j.fullName).sort()).toEqual([
      'payments/payments-api',
      'storefront/web',
      'top level job',
    ]);

    const narrow = await client().listJobs(instance, { perFolder: 2 });
    expect(narrow.truncated).toBe(true);

    const closed = await client().listJobs(instance, { maxFolders: 0 });
    expect(closed).toEqual({
      jobs: [
        {
          fullName: 'top level job',
          url: `${fake.url}/job/top%20level%20job/`,
          class: 'hudson.model.FreeStyleProject',
        },
      ],
      truncated: true,
    });
  });

  it('names the instance and the folder when Jenkins fails', async () => {
    fake.failNext({ status: 503, pathIncludes: '/job/storefront/' });
    await expect(
      JenkinsClient.create({
        logger: mockServices.logger.mock(),
        cacheTtlMs: 0,
        maxRetries: 0,
      }).listJobs(instance),
    ).rejects.toThrow(
      'Jenkins instance "ci" failed (HTTP 503) for GET /job/storefront/api/json',
    );
    const wrongKey = await client()
      .listJobs({ ...instance, apiKey: 'not-the-token' })
      .catch(e => e);
    expect(wrongKey.message).toContain(
      'Jenkins instance "ci" rejected the credentials of user "comet" (HTTP 401) for GET /api/json',
    );
    expect(wrongKey.message).not.toContain('not-the-token');
  });
});
