import { ConfigReader } from '@backstage/config';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import { createServer } from 'node:net';
import { TaskEventsFake } from '@internal/backend-common/testUtils';
import {
  instancesOf,
  permissionsAnswering,
  runAction,
  writesTo,
} from './__testUtils__/runAction';
import { createJiraComponentAction } from './createJiraComponentAction';

const ENTITY = 'component:default/payouts-api';

/** A port nothing listens on: a Jira that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

describe('jira:component:create with entityRef', () => {
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
    entityRef: ENTITY,
  };

  it('tags the component it creates; a re-run adopts it and changes nothing', async () => {
    const first = await runAction(action(), input);
    const project = fake.state.project('PAY')!;
    const component = project.components.find(c => c.name === 'payouts-api')!;
    expect(component.description).toBe(
      `Payouts to merchants\ncomet.dev/entity: ${ENTITY}`,
    );
    expect(first.output).toMatchObject({
      id: component.id,
      created: true,
      adopted: false,
    });
    expect(first.logs).toEqual([
      `The component "payouts-api" (id ${component.id}) led by Katherine Johnson is in Jira project PAY on instance "default", tagged with ${ENTITY}`,
      `Created Jira component payouts-api: ${first.output.url}`,
    ]);

    fake.state.resetCalls();
    // Without the permission, in another case, another description: adopted, nothing changes
    const denied = permissionsAnswering('DENY');
    const again = await runAction(action(denied), {
      ...input,
      name: 'Payouts-API',
      description: 'Something else',
      entityRef: 'Component:Payouts-API',
    });
    expect(again.output).toEqual({
      ...first.output,
      created: false,
      adopted: true,
    });
    expect(again.logs).toEqual([
      `Adopted the component "payouts-api" (id ${component.id}) of Jira project PAY on instance "default" (tagged with ${ENTITY}); nothing changed`,
      `Adopted Jira component payouts-api: ${first.output.url}`,
    ]);
    expect(writesTo(fake)).toEqual([]);
    expect(denied.authorize).not.toHaveBeenCalled();
    expect(project.components.find(c => c.name === 'payouts-api')).toEqual(
      component,
    );
  });

  it('refuses a component of that name that is not tagged, or tagged with another entity', async () => {
    await expect(
      runAction(action(), { ...input, name: 'checkout' }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: `Jira component "checkout" already exists in project PAY on instance "default" and is not tagged with ${ENTITY} (it belongs to nobody): pick another name or tag it (a line "comet.dev/entity: ${ENTITY}" in its description)`,
    });
    fake.state.addComponent('PAY', {
      name: 'ledger',
      description: 'Ledger\ncomet.dev/entity: component:finance/ledger',
    });
    await expect(
      runAction(action(), { ...input, name: 'LEDGER' }),
    ).rejects.toThrow(
      `Jira component "ledger" already exists in project PAY on instance "default" and is not tagged with ${ENTITY} (it belongs to component:finance/ledger): pick another name or tag it`,
    );
    expect(writesTo(fake)).toEqual([]);
  });

  it('dry run reads only: it says whether it would create, adopt or conflict', async () => {
    const wouldCreate = await runAction(
      action(),
      { ...input, name: 'dry-run-component', leadEmail: undefined },
      { isDryRun: true },
    );
    expect(wouldCreate.output).toMatchObject({
      id: '0',
      created: false,
      adopted: false,
    });
    expect(wouldCreate.logs).toEqual([
      `Dry run: would create the component "dry-run-component" in Jira project PAY on instance "default", tagged with ${ENTITY}`,
    ]);

    fake.state.addComponent('PAY', {
      name: 'dry-run-tagged',
      description: `comet.dev/entity: ${ENTITY}`,
    });
    const wouldAdopt = await runAction(
      action(),
      { ...input, name: 'dry-run-tagged' },
      { isDryRun: true },
    );
    expect(wouldAdopt.output).toMatchObject({ created: false, adopted: true });
    expect(wouldAdopt.logs[0]).toMatch(
      /^Dry run: would adopt the component "dry-run-tagged"/,
    );
    await expect(
      runAction(action(), { ...input, name: 'checkout' }, { isDryRun: true }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    expect(writesTo(fake)).toEqual([]);
  });

  /** Runs the action while another run creates the component `name`, tagged `tag`, after the lookup. */
  function raced(name: string, tag: string) {
    const client = jira.select('default');
    const getComponents = client.getComponents.bind(client);
    let first = true;
    jest.spyOn(client, 'getComponents').mockImplementation(async key => {
      const listed = await getComponents(key);
      if (first) {
        first = false;
        await client.createComponent({
          projectKey: 'PAY',
          name,
          description: `comet.dev/entity: ${tag}`,
        });
      }
      return listed;
    });
    return runAction(action(), { projectKey: 'PAY', name, entityRef: ENTITY });
  }

  it('adopts a component of its entity created between its lookup and its create', async () => {
    const { output, logs } = await raced('raced-own', ENTITY);
    expect(output).toMatchObject({ created: false, adopted: true });
    expect(logs[0]).toMatch(
      /^Adopted the meanwhile created the component "raced-own"/,
    );
  });

  it("refuses another entity's component created between its lookup and its create", async () => {
    await expect(
      raced('raced-other', 'component:default/other'),
    ).rejects.toThrow('(it belongs to component:default/other)');
  });

  it('says which instance is down, where it is and why', async () => {
    const port = await closedPort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const down = createJiraComponentAction({
      jira: JiraInstances.fromConfig(
        new ConfigReader({
          jira: {
            instances: [
              {
                name: 'default',
                baseUrl,
                product: 'cloud',
                email: JIRA_FAKE_DEMO_EMAIL,
                apiToken: JIRA_FAKE_DEMO_API_TOKEN,
              },
            ],
          },
        }),
      ),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(down, { projectKey: 'PAY', name: 'x', entityRef: ENTITY }),
    ).rejects.toThrow(
      `Jira instance "default" could not be reached at ${baseUrl} for GET /rest/api/3/project/PAY/components: ECONNREFUSED (check jira.instances[name=default].baseUrl)`,
    );

    // Unavailable: the status, and where
    fake.state.throttle({ requests: 1, status: 503, retryAfterSeconds: 3600 });
    await expect(
      runAction(action(), { projectKey: 'PAY', name: 'x', entityRef: ENTITY }),
    ).rejects.toMatchObject({
      name: 'JiraError',
      message: expect.stringMatching(
        new RegExp(
          `^Jira instance "default" is unavailable \\(503 on GET /rest/api/3/project/PAY/components\\).* \\(Jira instance "default" is at ${fake.url.replace(
            /[.]/g,
            '\\.',
          )}\\)$`,
        ),
      ),
    });
  });

  it('lists what the template created before a Jira that is down, keeping the reason first', async () => {
    const events = await TaskEventsFake.start();
    try {
      events.log(
        'task-1',
        'Created repository payouts-api: http://portal.test/api/example-repos/payouts-api.git',
        'publish-portal',
      );
      events.log(
        'task-1',
        'Adopted SonarQube project comet-examples_payouts-api: http://sonar.test/dashboard?id=comet-examples_payouts-api',
        'sonarqube',
      );
      const baseUrl = `http://127.0.0.1:${await closedPort()}`;
      const down = createJiraComponentAction({
        jira: JiraInstances.fromConfig(
          new ConfigReader({
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl,
                  product: 'cloud',
                  email: JIRA_FAKE_DEMO_EMAIL,
                  apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                },
              ],
            },
          }),
        ),
        permissions: permissionsAnswering('ALLOW'),
        creationLog: events.creationLog(),
      });
      const error = await runAction(down, {
        projectKey: 'PAY',
        name: 'payouts-api',
        entityRef: ENTITY,
      }).catch(e => e);
      expect(error.name).toBe('JiraError');
      expect(error.message).toBe(
        [
          `Jira instance "default" could not be reached at ${baseUrl} for GET /rest/api/3/project/PAY/components: ECONNREFUSED (check jira.instances[name=default].baseUrl)`,
          '',
          'Already created by this run:',
          '- repository payouts-api (http://portal.test/api/example-repos/payouts-api.git)',
          '- SonarQube project comet-examples_payouts-api (http://sonar.test/dashboard?id=comet-examples_payouts-api), adopted from an earlier run',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );
      expect(error.message).not.toContain(JIRA_FAKE_DEMO_API_TOKEN);
    } finally {
      await events.close();
    }
  });

  it('refuses an entityRef that is not one', async () => {
    await expect(
      runAction(action(), { projectKey: 'PAY', name: 'x', entityRef: 'x' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/^entityRef: "x" is not an entity ref \(/),
    });
    expect(fake.state.requests).toEqual([]);
  });
});
