import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  JenkinsClient,
  type JenkinsInstance,
} from '@internal/plugin-jenkins-node';
import { TaskEventsFake } from '@internal/backend-common/testUtils';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import { createServer } from 'node:net';
import { createJenkinsActions } from './createJenkinsActions';

const ENTITY = 'component:default/refunds-api';

/** A port nothing listens on: a Jenkins that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

describe('jenkins:job:create with entityRef', () => {
  let fake: JenkinsFake;
  let instance: JenkinsInstance;

  beforeAll(async () => {
    fake = await JenkinsFake.start({ contextPath: '/jenkins' });
    instance = {
      name: 'default',
      baseUrl: fake.url,
      username: 'comet',
      apiKey: 'comet-fake-jenkins-token',
      projectCountLimit: 50,
      extraRequestHeaders: {},
      crumbIssuer: true,
    };
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  const permissions = mockServices.permissions.mock({
    authorize: async (requests: any[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  });

  function actions(instances: JenkinsInstance[] = [instance]) {
    const client = JenkinsClient.create({
      logger: mockServices.logger.mock(),
      cacheTtlMs: 0,
      maxRetries: 0,
      instances,
    });
    const [create, build] = createJenkinsActions({ client, permissions });
    return { client, create, build };
  }

  async function run(
    input: Record<string, unknown>,
    options: {
      isDryRun?: boolean;
      taskId?: string;
      action?: ReturnType<typeof actions>['create'];
    } = {},
  ) {
    const output: Record<string, unknown> = {};
    const logs: string[] = [];
    const logger = mockServices.logger.mock();
    logger.info.mockImplementation((message: string) => {
      logs.push(message);
    });
    await (options.action ?? actions().create).handler({
      input,
      isDryRun: options.isDryRun ?? false,
      workspacePath: '/nonexistent',
      logger,
      output: (name: string, value: unknown) => {
        output[name] = value;
      },
      checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) => fn(),
      getInitiatorCredentials: async () =>
        mockCredentials.user('user:default/template-user'),
      task: { id: options.taskId ?? 'task' },
    } as any);
    return { output, logs };
  }

  const writes = () =>
    fake.requests.filter(r => r.method === 'POST').map(r => r.path);

  it('tags the job it creates; a re-run adopts it and changes nothing', async () => {
    const input = {
      folder: 'payments',
      name: 'refunds-api',
      repoUrl: 'https://git.example.com/acme/refunds-api.git',
      description: 'Refunds <API>',
      entityRef: ENTITY,
    };
    const jobUrl = `${fake.url}/job/payments/job/refunds-api/`;
    const first = await run(input);
    expect(first.output).toEqual({
      jobFullName: 'payments/refunds-api',
      jobUrl,
      annotation: 'payments/refunds-api',
      created: true,
      adopted: false,
    });
    expect(first.logs).toEqual([
      `The Jenkins job payments/refunds-api on instance "default" is tagged with ${ENTITY}`,
      `Created Jenkins job payments/refunds-api: ${jobUrl}`,
    ]);
    const job = fake.state.jobs.get('payments/refunds-api')!;
    expect(job.description).toBe(`Refunds <API>\ncomet.dev/entity: ${ENTITY}`);
    expect(job.configXml).toContain(
      `<description>Refunds &lt;API&gt;\ncomet.dev/entity: ${ENTITY}</description>`,
    );
    const configBefore = job.configXml;

    fake.requests.length = 0;
    // The same entity, written another way (refs compare case-insensitively)
    const again = await run({
      ...input,
      description: 'Another description',
      entityRef: 'Component:refunds-API',
    });
    expect(again.output).toEqual({
      ...first.output,
      created: false,
      adopted: true,
    });
    expect(again.logs).toEqual([
      `The Jenkins job payments/refunds-api on instance "default" (tagged with ${ENTITY}) exists; adopting it as it is, nothing changed`,
      `Adopted Jenkins job payments/refunds-api: ${jobUrl}`,
    ]);
    expect(writes()).toEqual([]);
    expect(fake.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /jenkins/job/payments/job/refunds-api/config.xml',
    ]);
    expect(fake.state.jobs.get('payments/refunds-api')!.configXml).toBe(
      configBefore,
    );
  });

  it('refuses a job of that name that is not tagged, or tagged with another entity', async () => {
    await expect(
      run({
        folder: 'payments',
        name: 'payments-api',
        repoUrl: 'https://git.example.com/acme/payments-api.git',
        entityRef: ENTITY,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: `Jenkins job payments/payments-api already exists on instance "default" and is not tagged with ${ENTITY} (it belongs to nobody): pick another name or tag it (a line "comet.dev/entity: ${ENTITY}" in its description)`,
    });

    await run({
      name: 'ledger-api',
      configXml:
        "<?xml version='1.1' encoding='UTF-8'?><project><description>Ledger</description></project>",
      entityRef: 'component:finance/ledger-api',
    });
    fake.requests.length = 0;
    await expect(
      run({ name: 'ledger-api', configXml: '<project/>', entityRef: ENTITY }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        `Jenkins job ledger-api already exists on instance "default" and is not tagged with ${ENTITY} (it belongs to component:finance/ledger-api): pick another name or tag it`,
      ),
    });
    expect(writes()).toEqual([]);
    expect(fake.state.jobs.get('ledger-api')!.description).toBe(
      'Ledger\ncomet.dev/entity: component:finance/ledger-api',
    );
  });

  it('tags a config.xml template that has no description, or an empty one', async () => {
    await run({
      name: 'from-bare-template',
      configXml: '<project/>',
      entityRef: ENTITY,
    });
    expect(fake.state.jobs.get('from-bare-template')!.configXml).toBe(
      `<project><description>comet.dev/entity: ${ENTITY}</description></project>`,
    );
    await run({
      name: 'from-empty-description',
      configXml: `<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin="workflow-job"><description/><keepDependencies>false</keepDependencies></flow-definition>`,
      entityRef: ENTITY,
    });
    const job = fake.state.jobs.get('from-empty-description')!;
    expect(job.kind).toBe('pipeline');
    expect(job.description).toBe(`comet.dev/entity: ${ENTITY}`);
  });

  it('dry run reads only: it says whether it would create, adopt or conflict', async () => {
    const input = {
      folder: 'payments',
      name: 'dry-run-job',
      repoUrl: 'https://git.example.com/acme/dry-run-job.git',
      entityRef: ENTITY,
    };
    const wouldCreate = await run(input, { isDryRun: true });
    expect(wouldCreate.output).toMatchObject({
      created: false,
      adopted: false,
    });
    expect(wouldCreate.logs).toEqual([
      `Dry run: would create Jenkins job payments/dry-run-job on instance "default", tagged with ${ENTITY}`,
    ]);
    expect(fake.state.jobs.has('payments/dry-run-job')).toBe(false);

    await run(input);
    fake.requests.length = 0;
    const wouldAdopt = await run(input, { isDryRun: true });
    expect(wouldAdopt.output).toMatchObject({ created: false, adopted: true });
    expect(wouldAdopt.logs[0]).toMatch(
      /^Dry run: would adopt Jenkins job payments\/dry-run-job on instance "default" \(tagged with component:default\/refunds-api\); nothing changed/,
    );
    await expect(
      run(
        { ...input, entityRef: 'component:default/someone-else' },
        { isDryRun: true },
      ),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    expect(writes()).toEqual([]);
  });

  /** Runs the action while another run creates the job `name`, tagged `tag`, after the check. */
  function raced(name: string, tag: string) {
    const { client, create } = actions();
    const getConfigXml = client.getConfigXml.bind(client);
    let first = true;
    jest.spyOn(client, 'getConfigXml').mockImplementation(async location => {
      if (first) {
        first = false;
        await client.createJob({
          instance,
          name,
          configXml: `<project><description>comet.dev/entity: ${tag}</description></project>`,
        });
        throw new NotFoundError('not yet');
      }
      return getConfigXml(location);
    });
    return run(
      { name, configXml: '<project/>', entityRef: ENTITY },
      { action: create },
    );
  }

  it('adopts a job of its entity created between its check and its create', async () => {
    const { output, logs } = await raced('raced-own', ENTITY);
    expect(output).toMatchObject({ created: false, adopted: true });
    expect(logs).toEqual([
      `The Jenkins job raced-own on instance "default" (tagged with ${ENTITY}) was created meanwhile; adopting it as it is, nothing changed`,
      `Adopted Jenkins job raced-own: ${fake.url}/job/raced-own/`,
    ]);
  });

  it("refuses another entity's job created between its check and its create", async () => {
    await expect(
      raced('raced-other', 'component:default/other'),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        '(it belongs to component:default/other)',
      ),
    });
  });

  it('does not let a template build an adopted job without jenkins.job.configure', async () => {
    const denying = mockServices.permissions.mock({
      authorize: async (requests: any[]) =>
        requests.map(() => ({ result: AuthorizeResult.DENY })),
    });
    const client = JenkinsClient.create({
      logger: mockServices.logger.mock(),
      cacheTtlMs: 0,
      instances: [instance],
    });
    const [create, build] = createJenkinsActions({
      client,
      permissions: denying,
    });
    const input = {
      name: 'adopted-not-built',
      repoUrl: 'https://git.example.com/acme/adopted.git',
      entityRef: ENTITY,
    };
    await run(input, { action: create, taskId: 'first-run' });
    const { output } = await run(input, { action: create, taskId: 're-run' });
    expect(output.adopted).toBe(true);
    await expect(
      build.handler({
        input: { job: 'adopted-not-built', waitSeconds: 0 },
        logger: mockServices.logger.mock(),
        output: () => {},
        getInitiatorCredentials: async () => mockCredentials.user(),
        task: { id: 're-run' },
      } as any),
    ).rejects.toThrow(/which this task did not create, needs the permission/);
  });

  it('refuses an entityRef that is not one, and a config.xml it cannot tag', async () => {
    await expect(
      run({ name: 'x', configXml: '<project/>', entityRef: 'refunds-api' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^entityRef: "refunds-api" is not an entity ref \(.*missing or empty kind.*\); give one such as component:default\/payments-api$/,
      ),
    });
    await expect(
      run({
        name: 'x',
        configXml: '<project/>',
        entityRef: 'component:default/refunds api',
      }),
    ).rejects.toThrow(
      'entityRef: "component:default/refunds api" is not an entity ref: the name "refunds api" is not a valid entity name; give one such as component:default/payments-api',
    );
    await expect(
      run({ name: 'x', configXml: '<project>', entityRef: ENTITY }),
    ).rejects.toThrow(
      'configXml is not well-formed XML: <project> is not closed',
    );
    expect(fake.state.jobs.has('x')).toBe(false);
  });

  it("lists what the template created before a Jenkins that fails, and reads the task's log as its user", async () => {
    const events = await TaskEventsFake.start();
    try {
      events.log(
        'task',
        'Created repository refunds-api: http://portal.test/api/example-repos/refunds-api.git',
        'publish-portal',
      );
      const client = JenkinsClient.create({
        logger: mockServices.logger.mock(),
        cacheTtlMs: 0,
        maxRetries: 0,
        instances: [instance],
      });
      const [create] = createJenkinsActions({
        client,
        permissions,
        creationLog: events.creationLog(),
      });
      fake.failNext({ status: 503, pathIncludes: 'createItem' });
      const error = await run(
        {
          folder: 'payments',
          name: 'listed-on-failure',
          repoUrl: 'https://git.example.com/acme/listed.git',
          entityRef: ENTITY,
        },
        { action: create },
      ).catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      const [reason, list] = error.message.split('\n\n');
      expect(reason).toMatch(
        /^Jenkins instance "default" failed \(HTTP 503\) for POST \/job\/payments\/createItem/,
      );
      expect(list).toBe(
        [
          'Already created by this run:',
          '- repository refunds-api (http://portal.test/api/example-repos/refunds-api.git)',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
      expect(events.requests).toEqual([
        {
          path: '/api/scaffolder/v2/tasks/task/events',
          authorization: expect.stringContaining('user:default/template-user'),
        },
      ]);

      // Once it succeeds, its one created-line is what a later step's failure lists
      const retried = await run(
        {
          folder: 'payments',
          name: 'listed-on-failure',
          repoUrl: 'https://git.example.com/acme/listed.git',
          entityRef: ENTITY,
        },
        { action: create },
      );
      expect(retried.logs).toContain(
        `Created Jenkins job payments/listed-on-failure: ${fake.url}/job/payments/job/listed-on-failure/`,
      );
      expect(events.requests).toHaveLength(1);
    } finally {
      await events.close();
    }
  });

  it('says which instance is down, where it is and why', async () => {
    const port = await closedPort();
    const down: JenkinsInstance = {
      ...instance,
      name: 'ci',
      baseUrl: `http://127.0.0.1:${port}/jenkins`,
    };
    const { create } = actions([down]);
    // With entityRef the first call reads the job
    await expect(
      run(
        {
          name: 'any',
          repoUrl: 'https://git.example.com/a.git',
          entityRef: ENTITY,
        },
        { action: create },
      ),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: `Jenkins instance "ci" is unreachable: GET /job/any/config.xml failed (ECONNREFUSED) (Jenkins instance "ci" is at http://127.0.0.1:${port}/jenkins)`,
    });
    // Without, the create itself (which first asks for a crumb)
    await expect(
      run(
        { name: 'any', repoUrl: 'https://git.example.com/a.git' },
        { action: create },
      ),
    ).rejects.toThrow(
      `Jenkins instance "ci" is unreachable: GET /crumbIssuer/api/json failed (ECONNREFUSED) (Jenkins instance "ci" is at http://127.0.0.1:${port}/jenkins)`,
    );

    // An HTTP status: which one, and where
    fake.failNext({ status: 503, pathIncludes: 'createItem' });
    await expect(
      run({ name: 'unavailable', configXml: '<project/>', entityRef: ENTITY }),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        new RegExp(
          `^Jenkins instance "default" failed \\(HTTP 503\\) for POST /createItem.*\\(Jenkins instance "default" is at ${fake.url.replace(
            /[.]/g,
            '\\.',
          )}\\)$`,
        ),
      ),
    });
  });
});
