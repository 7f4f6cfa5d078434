import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import { SonarQubeFake } from '@internal/plugin-sonarqube-node/testUtils';
import { createSonarQubeProjectAction } from './createSonarQubeProjectAction';

/** A permission service that answers `result` and records what it was asked, with whose credentials. */
function permissionsAnswering(result: 'ALLOW' | 'DENY') {
  return {
    authorize: jest.fn(async (requests: unknown[], _options: unknown) =>
      requests.map(() => ({ result })),
    ),
    authorizeConditional: jest.fn(),
  };
}

const INITIATOR = {
  $$type: '@backstage/BackstageCredentials',
  principal: { type: 'user', userEntityRef: 'user:default/ada' },
};

const ADMIN = 'squ_admin_token_for_scaffolder_tests';
const READER = 'squ_reader_token_for_scaffolder_tests';

describe('sonarqube:project:create', () => {
  let fake: SonarQubeFake;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      contextPath: '/sonar',
      tokens: [
        { token: ADMIN, type: 'user', admin: true },
        { token: READER, type: 'user' },
      ],
    });
    baseUrl = fake.url;
  });

  afterAll(async () => {
    await fake.close();
  });

  function clientWith(apiKey: string) {
    return SonarQubeClient.fromConfig(
      new ConfigReader({
        sonarqube: { instances: [{ name: 'main', baseUrl, apiKey }] },
      }),
    );
  }

  function run(
    apiKey: string,
    input: Record<string, unknown>,
    isDryRun = false,
    permissions = permissionsAnswering('ALLOW'),
    client = clientWith(apiKey),
  ) {
    const action = createSonarQubeProjectAction({
      client,
      permissions: permissions as any,
    });
    const output: Record<string, unknown> = {};
    const logs: string[] = [];
    const logger = mockServices.logger.mock();
    logger.info.mockImplementation((message: string) => {
      logs.push(message);
    });
    return action
      .handler({
        input,
        logger,
        output: (name: string, value: unknown) => {
          output[name] = value;
        },
        isDryRun,
        checkpoint: async ({ fn }: any) => fn(),
        createTemporaryDirectory: async () => '/tmp',
        getInitiatorCredentials: async () => INITIATOR as any,
        workspacePath: '/tmp',
        task: { id: 't' },
      } as any)
      .then(() => ({ output, logs }));
  }

  const input = {
    projectKey: 'acme_new-api',
    name: 'New API',
    qualityGate: 'Comet strict',
    newCodeDefinition: { type: 'NUMBER_OF_DAYS', value: '30' },
  };

  it('creates the project, assigns the gate and sets new code; a second run leaves it as it is', async () => {
    const dry = await run(ADMIN, input, true);
    expect(dry.logs).toContain(
      'Dry run: would create the project acme_new-api on SonarQube instance "main"',
    );
    expect(fake.state.projects.has('acme_new-api')).toBe(false);

    const first = await run(ADMIN, input);
    expect(first.output).toEqual({
      projectKey: 'acme_new-api',
      instance: 'main',
      url: `${baseUrl}/dashboard?id=acme_new-api`,
      created: true,
    });
    const project = fake.state.projects.get('acme_new-api')!;
    expect(project.name).toBe('New API');
    expect(project.qualityGate).toBe('Comet strict');
    expect(project.newCodePeriod).toEqual({
      type: 'NUMBER_OF_DAYS',
      value: '30',
    });

    fake.resetCalls();
    const second = await run(ADMIN, input);
    expect(second.output.created).toBe(false);
    expect(second.logs).toEqual([
      'The project acme_new-api on SonarQube instance "main" already exists; leaving it as it is (its quality gate and new-code definition are not changed)',
    ]);
    expect(fake.calls.filter(c => c.method === 'POST')).toEqual([]);
  });

  it("leaves an existing project's gate and new-code definition as they are", async () => {
    await run(ADMIN, { ...input, projectKey: 'acme_existing' });
    fake.resetCalls();
    const again = await run(ADMIN, {
      ...input,
      projectKey: 'acme_existing',
      qualityGate: 'Sonar way',
      newCodeDefinition: { type: 'PREVIOUS_VERSION' },
    });
    expect(again.output).toEqual({
      projectKey: 'acme_existing',
      instance: 'main',
      url: `${baseUrl}/dashboard?id=acme_existing`,
      created: false,
    });
    const project = fake.state.projects.get('acme_existing')!;
    expect(project.qualityGate).toBe('Comet strict');
    expect(project.newCodePeriod).toEqual({
      type: 'NUMBER_OF_DAYS',
      value: '30',
    });
    expect(fake.calls.filter(c => c.method === 'POST')).toEqual([]);
  });

  it("needs sonarqube.project.configure, asked with the initiator's credentials, to assign a gate", async () => {
    const allowing = permissionsAnswering('ALLOW');
    await run(ADMIN, { ...input, projectKey: 'acme_allowed' }, false, allowing);
    expect(allowing.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'sonarqube.project.configure',
            type: 'basic',
          }),
        },
      ],
      { credentials: INITIATOR },
    );
    expect(fake.state.projects.get('acme_allowed')!.qualityGate).toBe(
      'Comet strict',
    );

    const denying = permissionsAnswering('DENY');
    for (const isDryRun of [true, false]) {
      const refused = run(
        ADMIN,
        { ...input, projectKey: 'acme_denied' },
        isDryRun,
        denying,
      );
      await expect(refused).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'You are not allowed to assign a quality gate or a new-code definition to the project acme_denied on SonarQube instance "main": it needs the sonarqube.project.configure permission',
      });
    }
    // Refused before anything was created
    expect(fake.state.projects.has('acme_denied')).toBe(false);

    // A plain project, without gate or new-code definition, needs no permission
    const plain = permissionsAnswering('DENY');
    const created = await run(
      ADMIN,
      { projectKey: 'acme_plain', name: 'Plain' },
      false,
      plain,
    );
    expect(created.output.created).toBe(true);
    expect(plain.authorize).not.toHaveBeenCalled();
  });

  it('says precisely what is wrong', async () => {
    await expect(
      run(ADMIN, { ...input, projectKey: 'acme_gate', qualityGate: 'Nope' }),
    ).rejects.toThrow(
      'SonarQube instance "main": POST api/qualitygates/select for project "acme_gate" (quality gate "Nope"): not found (404): No quality gate has been found for name Nope',
    );
    await expect(
      run(READER, { ...input, projectKey: 'acme_other' }),
    ).rejects.toThrow(
      /^SonarQube instance "main": GET api\/projects\/search for project "acme_other" was refused \(403\)/,
    );
    await expect(
      run(ADMIN, {
        ...input,
        projectKey: 'acme_days',
        newCodeDefinition: { type: 'NUMBER_OF_DAYS' },
      }),
    ).rejects.toThrow(
      'newCodeDefinition NUMBER_OF_DAYS needs a value: a number of days from 1 to 90',
    );
  });
  it('refuses to run while SonarQube is not configured', async () => {
    await expect(
      run(ADMIN, input, false, permissionsAnswering('ALLOW'), {
        configured: false,
      } as SonarQubeClient),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'SonarQube is not configured: add an instance under sonarqube.instances to use sonarqube:project:create',
    });
    expect(SonarQubeClient.fromConfig(new ConfigReader({})).configured).toBe(
      false,
    );
  });

  it.each(['REFERENCE_BRANCH', 'SPECIFIC_ANALYSIS'])(
    'needs a value for a %s new-code definition, before creating anything',
    async type => {
      await expect(
        run(ADMIN, {
          ...input,
          projectKey: `acme_${type.toLowerCase()}`,
          newCodeDefinition: { type },
        }),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: `newCodeDefinition ${type} needs a value (a branch name or an analysis key)`,
      });
      expect(fake.state.projects.has(`acme_${type.toLowerCase()}`)).toBe(false);
    },
  );

  it('sets a reference branch and leaves a gate that is already the wanted one', async () => {
    fake.resetCalls();
    const { output, logs } = await run(ADMIN, {
      projectKey: 'acme_reference',
      name: 'Reference',
      qualityGate: 'Sonar way',
      newCodeDefinition: { type: 'REFERENCE_BRANCH', value: 'develop' },
    });
    expect(output.created).toBe(true);
    const project = fake.state.projects.get('acme_reference')!;
    expect(project.qualityGate).toBe('Sonar way');
    expect(project.newCodePeriod).toEqual({
      type: 'REFERENCE_BRANCH',
      value: 'develop',
    });
    expect(logs).toEqual([
      `Created SonarQube project acme_reference: ${baseUrl}/dashboard?id=acme_reference`,
      'Quality gate is already "Sonar way"',
      'Set the new-code definition to REFERENCE_BRANCH develop',
    ]);
    // No api/qualitygates/select: the gate was already right
    expect(
      fake.calls.filter(c => c.method === 'POST').map(c => c.path),
    ).toEqual(['api/projects/create', 'api/new_code_periods/set']);
  });

  it('leaves a project created concurrently (after the search) as it is', async () => {
    const client = clientWith(ADMIN);
    const searchProjects = client.searchProjects.bind(client);
    // Another run creates the project between this run's search and its create
    jest.spyOn(client, 'searchProjects').mockImplementation(async query => {
      const found = await searchProjects(query);
      await clientWith(ADMIN).createProject({
        projectKey: 'acme_raced',
        name: 'Raced by another run',
      });
      return found;
    });
    fake.resetCalls();
    const { output, logs } = await run(
      ADMIN,
      { ...input, projectKey: 'acme_raced' },
      false,
      permissionsAnswering('ALLOW'),
      client,
    );
    expect(output).toEqual({
      projectKey: 'acme_raced',
      instance: 'main',
      url: `${baseUrl}/dashboard?id=acme_raced`,
      created: false,
    });
    expect(logs).toEqual([
      'The project acme_raced on SonarQube instance "main" was created meanwhile; leaving it as it is',
    ]);
    const project = fake.state.projects.get('acme_raced')!;
    expect(project.name).toBe('Raced by another run');
    expect(project.qualityGate).toBe('Sonar way');
    expect(
      fake.calls.filter(
        c => c.method === 'POST' && !c.path.endsWith('api/projects/create'),
      ),
    ).toEqual([]);
  });

  it('passes on any other failure to create the project', async () => {
    fake.failNext('api/projects/create', 400);
    await expect(
      run(ADMIN, { ...input, projectKey: 'acme_failing' }),
    ).rejects.toThrow(/^SonarQube instance "main": POST api\/projects\/create/);
    expect(fake.state.projects.has('acme_failing')).toBe(false);
  });
});
