import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  JenkinsClient,
  type JenkinsInstance,
} from '@internal/plugin-jenkins-node';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJenkinsActions } from './createJenkinsActions';

const { ALLOW, DENY } = AuthorizeResult;

describe('jenkins scaffolder actions', () => {
  let fake: JenkinsFake;
  let instance: JenkinsInstance;
  let workspacePath: string;

  beforeAll(async () => {
    fake = await JenkinsFake.start({
      queueDelayMs: 100,
      contextPath: '/jenkins',
    });
    instance = {
      name: 'default',
      baseUrl: fake.url,
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
    await fake.close();
    fs.rmSync(workspacePath, { recursive: true, force: true });
  });

  /** What the permission service was asked, and whether it allows jenkins.job.configure. */
  let configureAllowed = true;
  let authorized: Array<{ permission: string; principal: string }> = [];
  const initiator = mockCredentials.user('user:default/template-user');
  const permissions = mockServices.permissions.mock({
    authorize: async (requests: any[], options: any) =>
      requests.map(r => {
        authorized.push({
          permission: r.permission.name,
          principal: options.credentials.principal.userEntityRef,
        });
        return {
          result:
            r.permission.name === 'jenkins.job.configure' && configureAllowed
              ? ALLOW
              : DENY,
        };
      }),
  });

  beforeEach(() => {
    configureAllowed = true;
    authorized = [];
  });

  function run(
    id: string,
    input: Record<string, unknown>,
    instances: JenkinsInstance[] = [instance],
    /** Context fields a test sets itself, such as `isDryRun` or a logger to read. */
    extraCtx: Record<string, unknown> = {},
  ) {
    const [create, build] = createJenkinsActions({
      client: JenkinsClient.create({
        logger: mockServices.logger.mock(),
        cacheTtlMs: 0,
        instances,
      }),
      permissions,
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
      getInitiatorCredentials: async () => initiator,
      task: { id: 'task' },
      ...extraCtx,
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
    const job = fake.state.jobs.get('payments/refunds-api')!;
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
    expect(fake.state.jobs.get('templated')!.kind).toBe('freestyle');
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

  it('builds on the default instance: the one named default, else the only one', async () => {
    const only = await JenkinsFake.start({ queueDelayMs: 0 });
    try {
      const ci: JenkinsInstance = {
        ...instance,
        name: 'ci',
        baseUrl: only.url,
      };
      const created = await run(
        'jenkins:job:create',
        { folder: 'payments', name: 'only-instance', configXml: '<project/>' },
        [ci],
      );
      expect(created).toEqual({
        jobFullName: 'payments/only-instance',
        jobUrl: `${only.url}/job/payments/job/only-instance/`,
        annotation: 'ci:payments/only-instance',
      });
      expect(only.state.jobs.get('payments/only-instance')?.kind).toBe(
        'freestyle',
      );
      expect(fake.state.jobs.has('payments/only-instance')).toBe(false);

      // With several, the one named default, whatever the order
      const onDefault = await run(
        'jenkins:job:create',
        { name: 'on-default', configXml: '<project/>' },
        [ci, instance],
      );
      expect(onDefault.annotation).toBe('on-default');
      expect(fake.state.jobs.has('on-default')).toBe(true);
      expect(only.state.jobs.has('on-default')).toBe(false);

      // Several and none named default: the template must name one
      await expect(
        run('jenkins:job:build', { job: 'payments/only-instance' }, [
          ci,
          { ...ci, name: 'legacy' },
        ]),
      ).rejects.toThrow(
        'jenkins.io/job-full-name names no Jenkins instance, and jenkins.instances has several ("ci", "legacy") with none called "default"',
      );
    } finally {
      await only.close();
    }
  });

  it('creates a job from raw config.xml or with credentials only with jenkins.job.configure', async () => {
    configureAllowed = false;
    const denied =
      'needs the permission jenkins.job.configure, which you do not have';
    await expect(
      run('jenkins:job:create', {
        name: 'raw-denied',
        configXml: '<project/>',
      }),
    ).rejects.toThrow(`Creating a Jenkins job from configXml ${denied}`);
    fs.writeFileSync(path.join(workspacePath, 'denied.xml'), '<project/>');
    await expect(
      run('jenkins:job:create', {
        name: 'path-denied',
        configXmlPath: 'denied.xml',
      }),
    ).rejects.toThrow(`Creating a Jenkins job from configXmlPath ${denied}`);
    await expect(
      run('jenkins:job:create', {
        name: 'credentials-denied',
        repoUrl: 'https://git.example.com/acme/x.git',
        credentialsId: 'github-deploy-key',
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        `Creating a Jenkins job with credentialsId ${denied}`,
      ),
    });
    for (const name of ['raw-denied', 'path-denied', 'credentials-denied']) {
      expect(fake.state.jobs.has(name)).toBe(false);
    }
    // Asked with the credentials of who started the task
    expect(authorized).toEqual(
      Array(3).fill({
        permission: 'jenkins.job.configure',
        principal: 'user:default/template-user',
      }),
    );

    // A Pipeline job from a repository without credentials needs no more than the template
    authorized = [];
    await run('jenkins:job:create', {
      name: 'plain-pipeline',
      repoUrl: 'https://git.example.com/acme/plain.git',
    });
    expect(fake.state.jobs.get('plain-pipeline')?.kind).toBe('pipeline');
    expect(authorized).toEqual([]);

    configureAllowed = true;
    await run('jenkins:job:create', {
      name: 'raw-allowed',
      configXml: '<project/>',
    });
    await run('jenkins:job:create', {
      name: 'credentials-allowed',
      repoUrl: 'https://git.example.com/acme/x.git',
      credentialsId: 'github-deploy-key',
    });
    expect(fake.state.jobs.get('raw-allowed')?.kind).toBe('freestyle');
    expect(fake.state.jobs.get('credentials-allowed')?.configXml).toContain(
      '<credentialsId>github-deploy-key</credentialsId>',
    );
  });

  it('builds only the job its own task created, unless the user holds jenkins.job.configure', async () => {
    configureAllowed = false;
    const [create, build] = createJenkinsActions({
      client: JenkinsClient.create({
        logger: mockServices.logger.mock(),
        cacheTtlMs: 0,
        instances: [instance],
      }),
      permissions,
    });
    const ctx = (taskId: string, input: Record<string, unknown>) =>
      ({
        input,
        workspacePath,
        logger: mockServices.logger.mock(),
        output: () => {},
        checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
        createTemporaryDirectory: async () => workspacePath,
        getInitiatorCredentials: async () => initiator,
        task: { id: taskId },
      } as any);
    await create.handler(
      ctx('task-1', {
        folder: 'payments',
        name: 'own-job',
        repoUrl: 'https://git.example.com/acme/own-job.git',
      }),
    );
    const started = () =>
      fake.state.queue.size +
      [...fake.state.jobs.values()].reduce((n, j) => n + j.builds.length, 0);
    const before = started();
    // The same task builds the job it created: no permission needed.
    await build.handler(
      ctx('task-1', { job: 'payments/own-job', waitSeconds: 0 }),
    );
    expect(started()).toBe(before + 1);
    // Another task, or another job: refused before anything is queued.
    const afterOwn = started();
    await expect(
      build.handler(ctx('task-2', { job: 'payments/own-job' })),
    ).rejects.toThrow(
      'Building the Jenkins job payments/own-job on instance "default", which this task did not create, needs the permission jenkins.job.configure, which you do not have; a template may build only the job it created with jenkins:job:create in an earlier step',
    );
    await expect(
      build.handler(ctx('task-1', { job: 'payments/payments-api' })),
    ).rejects.toThrow(/needs the permission jenkins.job.configure/);
    await expect(
      build.handler({
        ...ctx('task-1', { job: 'payments/payments-api' }),
        isDryRun: true,
      }),
    ).rejects.toThrow(/needs the permission jenkins.job.configure/);
    expect(started()).toBe(afterOwn);
    // An administrator's template may build any job.
    configureAllowed = true;
    await build.handler(
      ctx('task-3', { job: 'payments/own-job', waitSeconds: 0 }),
    );
  });

  it('refuses a name with "/", not exactly one config source, and a repoUrl that is not git', async () => {
    await expect(
      run('jenkins:job:create', {
        name: 'payments/api',
        configXml: '<project/>',
      }),
    ).rejects.toThrow('name "payments/api" must not contain "/"; use folder');
    await expect(
      run('jenkins:job:create', { name: 'no-source' }),
    ).rejects.toThrow(
      'Give exactly one of configXml, configXmlPath or repoUrl',
    );
    await expect(
      run('jenkins:job:create', {
        name: 'two-sources',
        configXml: '<project/>',
        repoUrl: 'https://git.example.com/acme/x.git',
      }),
    ).rejects.toThrow(
      'Give exactly one of configXml, configXmlPath or repoUrl',
    );
    await expect(
      run('jenkins:job:create', {
        name: 'file-repo',
        repoUrl: 'file:///etc/passwd',
      }),
    ).rejects.toThrow('repoUrl "file:///etc/passwd" is not a git URL');
    for (const name of [
      'payments/api',
      'no-source',
      'two-sources',
      'file-repo',
    ]) {
      expect(fake.state.jobs.has(name)).toBe(false);
    }
  });

  it('queues nothing on a dry run, and reports a build that has not started yet', async () => {
    await run('jenkins:job:create', {
      name: 'slow-queue',
      configXml: '<project/>',
    });
    const job = fake.state.jobs.get('slow-queue')!;
    const queued = fake.state.queue.size;

    const dryRunLogger = mockServices.logger.mock();
    const dryRun = await run(
      'jenkins:job:build',
      { job: 'slow-queue' },
      [instance],
      {
        isDryRun: true,
        logger: dryRunLogger,
      },
    );
    expect(dryRun).toEqual({});
    expect(fake.state.queue.size).toBe(queued);
    expect(dryRunLogger.info).toHaveBeenCalledWith(
      'Dry run: would build Jenkins job slow-queue on instance "default"',
    );

    // waitSeconds 0: Comet does not follow the queue item, the build starts later.
    const logger = mockServices.logger.mock();
    const output = await run(
      'jenkins:job:build',
      { job: 'slow-queue', waitSeconds: 0 },
      [instance],
      { logger },
    );
    expect(fake.state.queue.size).toBe(queued + 1);
    const queueId = [...fake.state.queue.values()].find(
      item => item.jobFullName === 'slow-queue',
    )!.id;
    expect(output).toEqual({ queueId });
    expect(logger.info).toHaveBeenCalledWith(
      `Jenkins queued slow-queue (queue item ${queueId}); it has not started yet`,
    );
    expect(job.builds).toHaveLength(0);
  });
});
