import { ConfigReader } from '@backstage/config';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_PAT,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import {
  INITIATOR,
  instancesOf,
  permissionsAnswering,
  runAction,
  writesTo,
} from './__testUtils__/runAction';
import { createJiraComponentAction } from './createJiraComponentAction';

function navigatorUrl(base: string, jql: string) {
  return `${base}/issues/?jql=${encodeURIComponent(jql)}`;
}

describe('jira:component:create', () => {
  let fake: JiraFake;
  let jira: JiraInstances;

  beforeAll(async () => {
    fake = await JiraFake.start({ example: true });
    jira = instancesOf(fake);
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.state.resetCalls();
    jest.restoreAllMocks();
  });

  function action(permissions = permissionsAnswering('ALLOW')) {
    return createJiraComponentAction({ jira, permissions });
  }

  const input = {
    projectKey: 'PAY',
    name: 'payouts-api',
    description: 'Payouts to merchants',
    leadEmail: 'katherine.johnson@example.com',
  };

  it('creates the component; a second run (any case) returns it and changes nothing', async () => {
    const permissions = permissionsAnswering('ALLOW');
    const first = await runAction(action(permissions), input);

    const project = fake.state.project('PAY')!;
    const component = project.components.find(c => c.name === 'payouts-api')!;
    expect(component).toEqual({
      id: expect.any(String),
      name: 'payouts-api',
      description: 'Payouts to merchants',
      leadAccountId: fake.state.userByEmail('katherine.johnson@example.com')!
        .accountId,
    });
    expect(first.output).toEqual({
      id: component.id,
      name: 'payouts-api',
      created: true,
      url: navigatorUrl(
        fake.url,
        `project = PAY AND component = ${component.id}`,
      ),
    });
    expect(first.logs).toEqual([
      `The component "payouts-api" (id ${component.id}) led by Katherine Johnson is in Jira project PAY on instance "default"`,
      `Created Jira component payouts-api: ${first.output.url}`,
    ]);
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'jira.component.create',
            type: 'basic',
          }),
        },
      ],
      { credentials: INITIATOR },
    );
    expect(writesTo(fake)).toEqual(['POST /rest/api/3/component']);

    fake.state.resetCalls();
    const denied = permissionsAnswering('DENY');
    const again = await runAction(action(denied), {
      ...input,
      name: '  PAYOUTS-API ',
      description: 'Another description',
    });
    expect(again.output).toEqual({ ...first.output, created: false });
    expect(again.logs).toEqual([
      `The component "payouts-api" (id ${component.id}) of Jira project PAY on instance "default" already exists; leaving it as it is`,
    ]);
    expect(writesTo(fake)).toEqual([]);
    // Nothing changes, so nothing needs the permission
    expect(denied.authorize).not.toHaveBeenCalled();
    expect(project.components.find(c => c.name === 'payouts-api')).toEqual(
      component,
    );
  });

  it('checks the project, the permission and the lead in a dry run, and writes nothing', async () => {
    const { output, logs } = await runAction(
      action(),
      { ...input, name: 'dry-run-only' },
      { isDryRun: true },
    );
    expect(output).toEqual({
      id: '0',
      name: 'dry-run-only',
      created: false,
      url: navigatorUrl(
        fake.url,
        'project = PAY AND component = "dry-run-only"',
      ),
    });
    expect(logs).toEqual([
      'Dry run: would create the component "dry-run-only" led by Katherine Johnson in Jira project PAY on instance "default"',
    ]);
    expect(fake.state.requests.length).toBeGreaterThan(0);
    expect(writesTo(fake)).toEqual([]);
    expect(
      fake.state
        .project('PAY')!
        .components.some(c => c.name === 'dry-run-only'),
    ).toBe(false);

    // An existing one is found in a dry run as in a real one
    const existing = await runAction(
      action(),
      { projectKey: 'PAY', name: 'checkout' },
      { isDryRun: true },
    );
    expect(existing.output).toMatchObject({ name: 'checkout', created: false });
    expect(existing.output.id).not.toBe('0');

    for (const isDryRun of [false, true]) {
      await expect(
        runAction(
          action(),
          { ...input, name: 'no-lead', leadEmail: 'nobody@example.com' },
          { isDryRun },
        ),
      ).rejects.toMatchObject({
        name: 'InputError',
        message:
          'leadEmail: no account on Jira instance "default" has the email nobody@example.com',
      });
    }
    expect(writesTo(fake)).toEqual([]);
  });

  it('refuses a user without jira.component.create, also in a dry run', async () => {
    for (const isDryRun of [false, true]) {
      await expect(
        runAction(
          action(permissionsAnswering('DENY')),
          { ...input, name: 'denied' },
          { isDryRun },
        ),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'You are not allowed to create the component "denied" in Jira project PAY on instance "default": it needs the jira.component.create permission',
      });
    }
    expect(writesTo(fake)).toEqual([]);
    // The lead is not looked up for a refused user
    expect(fake.state.requests.some(r => r.path.includes('/user/search'))).toBe(
      false,
    );
  });

  it('says which project does not exist and which instance is unknown', async () => {
    await expect(
      runAction(action(), { projectKey: 'PAYX', name: 'x' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        "projectKey: Jira project PAYX does not exist on instance default, or Comet's Jira account may not browse it",
    });
    await expect(
      runAction(action(), { projectKey: 'PAY', name: 'x', instance: 'ops' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'instance: Unknown Jira instance "ops" (from the instance input); jira.instances has "default"',
    });
    const unconfigured = createJiraComponentAction({
      jira: JiraInstances.fromConfig(new ConfigReader({})),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(unconfigured, { projectKey: 'PAY', name: 'x' }),
    ).rejects.toThrow(
      'Jira is not configured: add an instance under jira.instances to use jira:component:create',
    );
    expect(writesTo(fake)).toEqual([]);
  });

  it('checks the project key and the name', async () => {
    await expect(
      runAction(action(), { projectKey: 'P', name: 'x' }),
    ).rejects.toThrow(/^projectKey: "P" is not a Jira project key/);
    await expect(
      runAction(action(), { projectKey: 'PAY', name: 'n'.repeat(256) }),
    ).rejects.toThrow('name: is 256 characters long; Jira takes at most 255');
    await expect(
      runAction(action(), { projectKey: 'PAY', name: ' ' }),
    ).rejects.toThrow('name: must not be empty');
    expect(fake.state.requests).toEqual([]);
    const schema = action().schema!.input as any;
    expect(schema.required).toEqual(['projectKey', 'name']);
    expect(schema.properties.name.maxLength).toBe(255);
  });

  it('leaves a component created meanwhile (after the lookup) as it is', async () => {
    const client = jira.select('default');
    const getComponents = client.getComponents.bind(client);
    let raced = false;
    // Another run creates it between this run's lookup and its create
    jest.spyOn(client, 'getComponents').mockImplementation(async key => {
      const meta = await getComponents(key);
      if (!raced) {
        raced = true;
        await client.createComponent({
          projectKey: 'PAY',
          name: 'Raced',
          description: 'by another run',
        });
      }
      return meta;
    });
    fake.state.resetCalls();
    const { output, logs } = await runAction(action(), {
      projectKey: 'PAY',
      name: 'raced',
    });
    const component = fake.state
      .project('PAY')!
      .components.find(c => c.name === 'Raced')!;
    expect(output).toMatchObject({
      id: component.id,
      name: 'Raced',
      created: false,
    });
    expect(logs).toEqual([
      `The component "Raced" (id ${component.id}) of Jira project PAY on instance "default" was created meanwhile; leaving it as it is`,
    ]);
    expect(component.description).toBe('by another run');
  });

  it('says so when Jira has the name but does not list the component', async () => {
    const client = jira.select('default');
    // Jira refuses the name, yet its list (of a project being changed meanwhile) lacks it
    jest.spyOn(client, 'getComponents').mockResolvedValue([]);
    await expect(
      runAction(action(), { projectKey: 'PAY', name: 'refunds' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'name: Jira says a component "refunds" already exists in Jira project PAY on instance "default", but does not list it among the project\'s components; try again',
    });
  });

  it("maps Jira's field errors to the action's inputs and passes on its other refusals", async () => {
    const client = jira.select('default');
    // An account that was removed between the lookup and the create
    jest
      .spyOn(client, 'findUserByEmail')
      .mockResolvedValue({ id: 'removed-account', displayName: 'Gone' });
    await expect(
      runAction(action(), { ...input, name: 'lead-gone' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'Jira instance "default" refused the component "lead-gone" in project PAY: leadEmail: The user does not exist.',
    });

    // Only a Jira administrator may create components
    const notJiraAdmin = createJiraComponentAction({
      jira: instancesOf(fake, {
        email: 'alan.turing@example.com',
        apiToken: 'jira_fake_token_alan',
      }),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(notJiraAdmin, { projectKey: 'PAY', name: 'not-admin' }),
    ).rejects.toMatchObject({
      name: 'JiraError',
      message: expect.stringContaining(
        'Jira instance "default" refused POST /rest/api/3/component for project PAY (component "not-admin") (403)',
      ),
    });
    const names = fake.state.project('PAY')!.components.map(c => c.name);
    expect(names).not.toContain('lead-gone');
    expect(names).not.toContain('not-admin');
  });
});

describe('jira:component:create on Jira Data Center', () => {
  let fake: JiraFake;

  beforeAll(async () => {
    fake = await JiraFake.start({ product: 'datacenter', example: true });
  });

  afterAll(async () => {
    await fake.close();
  });

  it('creates the component with its lead', async () => {
    const action = createJiraComponentAction({
      jira: instancesOf(fake, { personalAccessToken: JIRA_FAKE_DEMO_PAT }),
      permissions: permissionsAnswering('ALLOW'),
    });
    const { output, logs } = await runAction(action, {
      projectKey: 'LEDG',
      name: 'ledger-api',
      leadEmail: 'alan.turing@example.com',
    });
    const component = fake.state
      .project('LEDG')!
      .components.find(c => c.name === 'ledger-api')!;
    expect(output).toMatchObject({ id: component.id, created: true });
    expect(fake.state.userById(component.leadAccountId)!.displayName).toBe(
      'Alan Turing',
    );
    expect(writesTo(fake)).toEqual(['POST /rest/api/2/component']);
    expect(logs.join('\n')).not.toContain(JIRA_FAKE_DEMO_PAT);
  });
});
