import { mockServices } from '@backstage/backend-test-utils';
import { createJenkinsFakeRouter, JenkinsFakeRouter } from '@internal/fakes';
import express from 'express';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { JenkinsClient } from '../service/JenkinsClient';
import type { JenkinsInstance } from '../service/JenkinsInstances';
import { createJenkinsActions } from './createJenkinsActions';

describe('jenkins scaffolder actions', () => {
  let fake: JenkinsFakeRouter;
  let server: http.Server;
  let instance: JenkinsInstance;
  let workspacePath: string;

  beforeAll(async () => {
    fake = createJenkinsFakeRouter({ queueDelayMs: 100 });
    server = http.createServer(express().use('/jenkins', fake));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    instance = {
      name: 'default',
      baseUrl: `http://127.0.0.1:${
        (server.address() as AddressInfo).port
      }/jenkins`,
      username: 'comet',
      apiKey: 'comet-fake-jenkins-token',
      projectCountLimit: 50,
      extraRequestHeaders: {},
      crumbIssuer: true,
    };
    workspacePath = fs.mkdtempSync(
      path.join(os.tmpdir(), 'comet-jenkins-scaffolder-'),
    );
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
    fs.rmSync(workspacePath, { recursive: true, force: true });
  });

  function run(id: string, input: Record<string, unknown>) {
    const [create, build] = createJenkinsActions({
      client: JenkinsClient.create({
        logger: mockServices.logger.mock(),
        cacheTtlMs: 0,
      }),
      instances: [instance],
    });
    const action = id === create.id ? create : build;
    const output: Record<string, unknown> = {};
    const ctx = {
      input,
      workspacePath,
      logger: mockServices.logger.mock(),
      output: (name: string, value: unknown) => {
        output[name] = value;
      },
      checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
      createTemporaryDirectory: async () => workspacePath,
      getInitiatorCredentials: async () => ({} as any),
      task: { id: 'task' },
    };
    return action.handler(ctx as any).then(() => output);
  }

  it('creates a Pipeline job reading the Jenkinsfile of the new repository, then builds it', async () => {
    const output = await run('jenkins:job:create', {
      folder: 'payments',
      name: 'refunds-api',
      repoUrl: 'https://git.example.com/acme/refunds-api.git',
      description: 'Refunds <API>',
      parameters: [
        {
          name: 'DEPLOY_ENV',
          type: 'choice',
          choices: ['staging', 'production'],
        },
      ],
    });
    expect(output).toEqual({
      jobFullName: 'payments/refunds-api',
      jobUrl: `${instance.baseUrl}/job/payments/job/refunds-api/`,
      annotation: 'payments/refunds-api',
    });
    const job = fake.fake.state.jobs.get('payments/refunds-api')!;
    expect(job.kind).toBe('pipeline');
    expect(job.description).toBe('Refunds <API>');
    expect(job.configXml).toContain(
      '<url>https://git.example.com/acme/refunds-api.git</url>',
    );
    expect(job.configXml).toContain('<scriptPath>Jenkinsfile</scriptPath>');
    expect(job.parameters).toEqual([
      {
        type: 'choice',
        name: 'DEPLOY_ENV',
        choices: ['staging', 'production'],
        description: undefined,
      },
    ]);

    const build = await run('jenkins:job:build', {
      job: 'payments/refunds-api',
      parameters: { DEPLOY_ENV: 'production' },
      waitSeconds: 10,
    });
    expect(build).toMatchObject({
      buildNumber: 1,
      buildUrl: `${instance.baseUrl}/job/payments/job/refunds-api/1/`,
    });
    expect(job.builds[0].parameters).toEqual([
      { name: 'DEPLOY_ENV', value: 'production' },
    ]);
  });

  it('creates a job from a config.xml template in the workspace, and refuses duplicates', async () => {
    fs.writeFileSync(
      path.join(workspacePath, 'config.xml'),
      "<?xml version='1.1' encoding='UTF-8'?><project><description>from a template</description></project>",
    );
    await run('jenkins:job:create', {
      name: 'templated',
      configXmlPath: 'config.xml',
    });
    expect(fake.fake.state.jobs.get('templated')!.kind).toBe('freestyle');
    await expect(
      run('jenkins:job:create', {
        name: 'templated',
        configXmlPath: 'config.xml',
      }),
    ).rejects.toThrow(
      /refused to create "templated" at POST \/createItem: A job already exists/,
    );
    await expect(
      run('jenkins:job:create', {
        name: 'x',
        configXmlPath: '../../etc/passwd',
      }),
    ).rejects.toThrow(/outside/i);
    await expect(
      run('jenkins:job:create', { name: '..', configXml: '<project/>' }),
    ).rejects.toThrow(/cannot be used/);
    await expect(
      run('jenkins:job:create', {
        name: 'y',
        configXml: '<project/>',
        instance: 'nope',
      }),
    ).rejects.toThrow(
      'No Jenkins instance "nope" in jenkins.instances (configured: default)',
    );
  });
});
