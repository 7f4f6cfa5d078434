import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { TaskCreationLog } from '@internal/backend-common';
import { TaskEventsFake } from '@internal/backend-common/testUtils';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import { createServer } from 'node:net';
import { createSonarQubeProjectAction } from './createSonarQubeProjectAction';

const ADMIN = 'squ_admin_token_for_entity_ref_tests';
const ENTITY = 'component:default/ledger_api';
const TAG = 'comet-entity.component.default.ledger+api';

const INITIATOR = {
  $$type: '@backstage/BackstageCredentials',
  principal: { type: 'user', userEntityRef: 'user:default/ada' },
};

/** A port nothing listens on: a SonarQube that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

describe('sonarqube:project:create with entityRef', () => {
  let fake: SonarQubeFake;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      contextPath: '/sonar',
      tokens: [{ token: ADMIN, type: 'user', admin: true }],
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.resetCalls();
  });

  function clientFor(baseUrl = fake.url) {
    return SonarQubeClient.fromConfig(
      new ConfigReader({
        sonarqube: { instances: [{ name: 'main', baseUrl, apiKey: ADMIN }] },
      }),
      { maxRetries: 0 },
    );
  }

  async function run(
    input: Record<string, unknown>,
    options: {
      isDryRun?: boolean;
      client?: SonarQubeClient;
      creationLog?: TaskCreationLog;
    } = {},
  ) {
    const action = createSonarQubeProjectAction({
      client: options.client ?? clientFor(),
      creationLog: options.creationLog,
      permissions: mockServices.permissions.mock({
        authorize: async (requests: any[]) =>
          requests.map(() => ({ result: 'ALLOW' as any })),
      }),
    });
    const output: Record<string, unknown> = {};
    const logs: string[] = [];
    const logger = mockServices.logger.mock();
    logger.info.mockImplementation((message: string) => {
      logs.push(message);
    });
    await action.handler({
      input,
      logger,
      output: (name: string, value: unknown) => {
        output[name] = value;
      },
      isDryRun: options.isDryRun ?? false,
      checkpoint: async ({ fn }: any) => fn(),
      getInitiatorCredentials: async () => INITIATOR as any,
      workspacePath: '/tmp',
      task: { id: 't' },
    } as any);
    return { output, logs };
  }

  const writes = () =>
    fake.calls.filter(c => c.method === 'POST').map(c => c.path);

  it('tags the project it creates; a re-run adopts it and changes nothing', async () => {
    const input = {
      projectKey: 'acme_ledger-api',
      name: 'Ledger API',
      qualityGate: 'Comet strict',
      entityRef: ENTITY,
    };
    const first = await run(input);
    expect(first.output).toEqual({
      projectKey: 'acme_ledger-api',
      instance: 'main',
      url: `${fake.url}/dashboard?id=acme_ledger-api`,
      created: true,
    });
    expect(first.logs).toEqual([
      `Created SonarQube project acme_ledger-api: ${fake.url}/dashboard?id=acme_ledger-api`,
      `The project acme_ledger-api on SonarQube instance "main" is tagged with ${TAG}`,
      'Assigned the quality gate "Comet strict"',
    ]);
    const project = fake.state.projects.get('acme_ledger-api')!;
    expect(project.tags).toEqual([TAG]);
    expect(project.qualityGate).toBe('Comet strict');

    fake.resetCalls();
    // Another gate this time, and the ref written another way: adopted, and nothing changes
    const again = await run({
      ...input,
      qualityGate: 'Sonar way',
      entityRef: 'Component:Ledger_API',
    });
    expect(again.output).toEqual({
      ...first.output,
      created: false,
      adopted: true,
    });
    expect(again.logs).toEqual([
      `Adopted the project acme_ledger-api on SonarQube instance "main" (tagged with ${ENTITY}, as the project tag ${TAG}); nothing changed`,
      `Adopted SonarQube project acme_ledger-api: ${fake.url}/dashboard?id=acme_ledger-api`,
    ]);
    expect(fake.calls.map(c => `${c.method} ${c.path}`)).toEqual([
      'GET api/projects/search',
      'GET api/components/show',
    ]);
    expect(project.qualityGate).toBe('Comet strict');
    expect(project.tags).toEqual([TAG]);
  });

  it('refuses a project of that key that is not tagged, or tagged with another entity', async () => {
    await expect(
      run({
        projectKey: 'comet-examples_payments-api',
        name: 'Payments API',
        entityRef: ENTITY,
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: `SonarQube project comet-examples_payments-api already exists on instance "main" and is not tagged with ${ENTITY} (it belongs to nobody): pick another project key or tag it (the project tag ${TAG})`,
    });

    fake.state.addProject({
      key: 'acme_taken',
      analysed: false,
      tags: ['java', 'comet-entity.component.finance.ledger+worker'],
    });
    await expect(
      run({ projectKey: 'acme_taken', name: 'Taken', entityRef: ENTITY }),
    ).rejects.toThrow(
      `SonarQube project acme_taken already exists on instance "main" and is not tagged with ${ENTITY} (it belongs to component:finance/ledger_worker): pick another project key or tag it`,
    );
    expect(writes()).toEqual([]);
  });

  it('dry run reads only: it says whether it would create, adopt or conflict', async () => {
    const input = {
      projectKey: 'acme_dry-run',
      name: 'Dry run',
      entityRef: ENTITY,
    };
    const wouldCreate = await run(input, { isDryRun: true });
    expect(wouldCreate.logs).toEqual([
      `Dry run: would create the project acme_dry-run on SonarQube instance "main", tagged with ${TAG}`,
    ]);
    expect(wouldCreate.output).toMatchObject({ created: false });
    expect(fake.state.projects.has('acme_dry-run')).toBe(false);

    fake.state.addProject({
      key: 'acme_dry-run',
      analysed: false,
      tags: [TAG],
    });
    const wouldAdopt = await run(input, { isDryRun: true });
    expect(wouldAdopt.output).toMatchObject({ created: false, adopted: true });
    expect(wouldAdopt.logs[0]).toMatch(
      /^Dry run: would adopt the project acme_dry-run on SonarQube instance "main"/,
    );
    await expect(
      run(
        { ...input, entityRef: 'component:default/someone-else' },
        { isDryRun: true },
      ),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    expect(writes()).toEqual([]);
  });

  /** Runs the action while another run creates the project `key`, tagged `tags`, after the search. */
  function raced(key: string, tags: string[]) {
    const client = clientFor();
    jest.spyOn(client, 'searchProjects').mockImplementation(async () => {
      fake.state.addProject({ key, analysed: false, tags });
      return [];
    });
    return run({ projectKey: key, name: key, entityRef: ENTITY }, { client });
  }

  it('adopts a project of its entity created between its search and its create', async () => {
    const { output, logs } = await raced('acme_raced-own', [TAG]);
    expect(output).toMatchObject({ created: false, adopted: true });
    expect(logs[0]).toMatch(
      /^Adopted the meanwhile created the project acme_raced-own/,
    );
  });

  it('refuses an untagged project created between its search and its create', async () => {
    await expect(raced('acme_raced-other', [])).rejects.toThrow(
      '(it belongs to nobody)',
    );
  });

  it('says what it created when a later call fails', async () => {
    fake.failNext('api/project_tags/set', 500);
    await expect(
      run({ projectKey: 'acme_untagged', name: 'Untagged', entityRef: ENTITY }),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: `Created the project acme_untagged on SonarQube instance "main", but could not tag it with ${TAG}: SonarQube instance "main": POST api/project_tags/set for project "acme_untagged" failed with 500: Injected failure 500 (SonarQube instance "main" is at ${fake.url}). Add that project tag in SonarQube (Project Information > Tags) before running the template again, or the re-run refuses the untagged project`,
    });
    expect(fake.state.projects.get('acme_untagged')!.tags).toEqual([]);

    fake.failNext('api/qualitygates/select', 500);
    const input = {
      projectKey: 'acme_no-gate',
      name: 'No gate',
      qualityGate: 'Comet strict',
      newCodeDefinition: { type: 'NUMBER_OF_DAYS', value: '30' },
      entityRef: ENTITY,
    };
    await expect(run(input)).rejects.toThrow(
      `Created the project acme_no-gate on SonarQube instance "main", tagged with ${TAG}, but could not assign the quality gate "Comet strict": SonarQube instance "main": POST api/qualitygates/select for project "acme_no-gate" (quality gate "Comet strict") failed with 500: Injected failure 500 (SonarQube instance "main" is at ${fake.url}). A re-run leaves the existing project as it is: assign the quality gate "Comet strict" in SonarQube (Project Settings > Quality Gate)`,
    );
    // The re-run adopts the tagged project as it is
    const again = await run(input);
    expect(again.output).toMatchObject({ created: false, adopted: true });
    expect(fake.state.projects.get('acme_no-gate')!.qualityGate).toBe(
      'Sonar way',
    );

    fake.failNext('api/new_code_periods/set', 500);
    await expect(
      run({ ...input, projectKey: 'acme_no-new-code', qualityGate: undefined }),
    ).rejects.toThrow(
      /^Created the project acme_no-new-code on SonarQube instance "main", tagged with comet-entity\.component\.default\.ledger\+api, but could not set the new-code definition to NUMBER_OF_DAYS: .* failed with 500: .*A re-run leaves the existing project as it is: set the new-code definition NUMBER_OF_DAYS in SonarQube \(Project Settings > New Code\)$/,
    );
  });

  it('lists the project it created, and what earlier steps created, when tagging it fails', async () => {
    const events = await TaskEventsFake.start();
    try {
      events.log(
        't',
        'Created Jenkins job payments/ledger-api: http://jenkins.test/job/payments/job/ledger-api/',
        'jenkins',
      );
      fake.failNext('api/project_tags/set', 500);
      const error = await run(
        { projectKey: 'acme_listed', name: 'Listed', entityRef: ENTITY },
        { creationLog: events.creationLog() },
      ).catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      const [reason, list] = error.message.split('\n\n');
      expect(reason).toMatch(
        /^Created the project acme_listed on SonarQube instance "main", but could not tag it with .*the re-run refuses the untagged project$/,
      );
      expect(list).toBe(
        [
          'Already created by this run:',
          '- Jenkins job payments/ledger-api (http://jenkins.test/job/payments/job/ledger-api/)',
          `- SonarQube project acme_listed (${fake.url}/dashboard?id=acme_listed)`,
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
      expect(error.message).not.toContain(ADMIN);
    } finally {
      await events.close();
    }
  });

  it('says which instance is down, where it is and why', async () => {
    const port = await closedPort();
    await expect(
      run(
        { projectKey: 'acme_any', name: 'Any', entityRef: ENTITY },
        { client: clientFor(`http://127.0.0.1:${port}/sonar`) },
      ),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        new RegExp(
          `^SonarQube instance "main": GET api/projects/search for project "acme_any" failed: .*ECONNREFUSED.* \\(SonarQube instance "main" is at http://127\\.0\\.0\\.1:${port}/sonar\\)$`,
        ),
      ),
    });
    fake.failNext('api/projects/search', 500);
    await expect(run({ projectKey: 'acme_any', name: 'Any' })).rejects.toThrow(
      `SonarQube instance "main": GET api/projects/search for project "acme_any" failed with 500: Injected failure 500 (SonarQube instance "main" is at ${fake.url})`,
    );
  });

  it('refuses an entityRef that is not one', async () => {
    await expect(
      run({ projectKey: 'acme_x', name: 'x', entityRef: 'ledger-api' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(
        /^entityRef: "ledger-api" is not an entity ref \(/,
      ),
    });
    await expect(
      run({
        projectKey: 'acme_x',
        name: 'x',
        entityRef: 'component:default/x+y',
      }),
    ).rejects.toThrow(
      'entityRef: "component:default/x+y" is not an entity ref: the name "x+y" is not a valid entity name',
    );
    expect(fake.calls).toEqual([]);
  });
});
