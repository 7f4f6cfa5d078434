import { ConfigReader } from '@backstage/config';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_PAT,
  JIRA_FAKE_FIELDS,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import {
  INITIATOR,
  instancesOf,
  permissionsAnswering,
  testCatalog,
  runAction,
  TEMPLATE_REF,
  writesTo,
} from './__testUtils__/runAction';
import { createJiraIssueAction } from './createJiraIssueAction';

// Real HTTP to the Jira fake: on a loaded 2-core machine a test can take longer than Jest's
// 5 s default, which would then assert a timing instead of a behaviour.
jest.setTimeout(60_000);

const ENTITY = 'component:default/payments-api';

const DESCRIPTION = [
  '## Why',
  '',
  'The **payments** API needs alerts.',
  '',
  '- add it to the on-call rota',
].join('\n');

describe('jira:issue:create', () => {
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
  });

  function action(permissions = permissionsAnswering('ALLOW')) {
    return createJiraIssueAction({ jira, permissions, catalog: testCatalog() });
  }

  const input = {
    projectKey: 'PAY',
    summary: 'Set up alerts for payments-api',
    description: DESCRIPTION,
    labels: ['golden-path', 'alerts'],
    components: ['payments-api'],
    assigneeEmail: 'alan.turing@example.com',
    customFields: { 'Story points': 3, Team: { value: 'Payments Core' } },
    entityRef: ENTITY,
  };

  it('creates the issue with an ADF description, labels, components, assignee and custom fields', async () => {
    const permissions = permissionsAnswering(request =>
      request.resourceRef === ENTITY ? 'ALLOW' : 'DENY',
    );
    const { output, logs } = await runAction(action(permissions), input);

    const key = output.key as string;
    expect(key).toMatch(/^PAY-\d+$/);
    const issue = fake.state.issue(key)!;
    expect(output).toEqual({
      key,
      id: issue.id,
      url: `${fake.url}/browse/${key}`,
    });
    expect(issue.summary).toBe('Set up alerts for payments-api');
    expect(issue.description).toMatchObject({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'heading',
          attrs: { level: 2 },
          content: [{ type: 'text', text: 'Why' }],
        },
        {
          type: 'paragraph',
          content: expect.arrayContaining([
            { type: 'text', text: 'payments', marks: [{ type: 'strong' }] },
          ]),
        },
        { type: 'bulletList' },
      ],
    });
    expect(issue.labels).toEqual(['golden-path', 'alerts']);
    const project = fake.state.project('PAY')!;
    expect(
      issue.components.map(
        id => project.components.find(c => c.id === id)!.name,
      ),
    ).toEqual(['payments-api']);
    expect(fake.state.userById(issue.assigneeId)!.emailAddress).toBe(
      'alan.turing@example.com',
    );
    expect(issue.customFields).toEqual({
      [JIRA_FAKE_FIELDS.storyPoints]: 3,
      [JIRA_FAKE_FIELDS.team]: { id: '10100', value: 'Payments Core' },
    });
    // The default issue type
    const read = await jira.select(undefined).getIssue(key, { comments: 0 });
    expect(read.type.name).toBe('Task');

    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({
            name: 'jira.issue.create',
            type: 'resource',
          }),
          resourceRef: ENTITY,
        },
      ],
      { credentials: INITIATOR },
    );
    expect(logs).toEqual([
      `Created the issue ${key} in Jira project PAY on instance "default" (assigned to Alan Turing; labels golden-path, alerts; components payments-api): ${fake.url}/browse/${key}`,
    ]);
    expect(writesTo(fake)).toEqual(['POST /rest/api/3/issue']);
  });

  it('does not create a second issue when the step is retried', async () => {
    const checkpoints = new Map<string, unknown>();
    const first = await runAction(
      action(),
      { projectKey: 'PAY', summary: 'Retried step', entityRef: ENTITY },
      { checkpoints },
    );
    fake.state.resetCalls();
    const again = await runAction(
      action(),
      { projectKey: 'PAY', summary: 'Retried step', entityRef: ENTITY },
      { checkpoints },
    );
    expect(again.output).toEqual(first.output);
    expect(again.logs).toEqual([
      `The issue ${first.output.key} in Jira project PAY on instance "default" was created by an earlier attempt of this step; not creating another`,
    ]);
    expect(writesTo(fake)).toEqual([]);
    expect(
      [...fake.state.issues.values()].filter(i => i.summary === 'Retried step'),
    ).toHaveLength(1);
  });

  it('refuses an entity that is not in the catalog, before reading Jira', async () => {
    await expect(
      runAction(action(), { ...input, entityRef: 'component:default/nope' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'entityRef: component:default/nope is not in the catalog, or you may not see it',
    });
    expect(fake.state.callCount('')).toBe(0);
  });

  it('checks jira.issue.create on the template when no entityRef is given', async () => {
    const permissions = permissionsAnswering('ALLOW');
    const { output } = await runAction(action(permissions), {
      projectKey: 'SHOP',
      summary: 'Checked on the template',
      issueType: 'Bug',
    });
    expect(permissions.authorize).toHaveBeenCalledWith(
      [{ permission: expect.anything(), resourceRef: TEMPLATE_REF }],
      { credentials: INITIATOR },
    );
    const issue = fake.state.issue(output.key as string)!;
    expect(issue.description).toBeNull();
    expect(
      (await jira.select('default').getIssue(issue.key, { comments: 0 })).type
        .name,
    ).toBe('Bug');

    await expect(
      runAction(
        action(),
        { projectKey: 'SHOP', summary: 'Nowhere to check' },
        { templateRef: null },
      ),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'entityRef: jira.issue.create is checked on a catalog entity, and this task has no template to check it on; set entityRef to the entity the issue is about',
    });
    await expect(
      runAction(action(), {
        projectKey: 'SHOP',
        summary: 'Bad ref',
        entityRef: 'not a ref:',
      }),
    ).rejects.toThrow(/^entityRef: "not a ref:" is not a valid entity ref/);
  });

  it('refuses a user without jira.issue.create before asking Jira anything', async () => {
    for (const isDryRun of [false, true]) {
      await expect(
        runAction(action(permissionsAnswering('DENY')), input, { isDryRun }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          'You are not allowed to create issues in Jira project PAY on instance "default" for component:default/payments-api: it needs the jira.issue.create permission on component:default/payments-api',
      });
    }
    expect(fake.state.requests).toEqual([]);
  });

  it('checks everything in a dry run and writes nothing', async () => {
    const before = fake.state.issues.size;
    const { output, logs } = await runAction(
      action(),
      { ...input, issueType: 'story' },
      { isDryRun: true },
    );
    expect(output).toEqual({
      key: 'PAY-0',
      id: '0',
      url: `${fake.url}/browse/PAY-0`,
    });
    expect(logs).toEqual([
      'Dry run: would create a Story "Set up alerts for payments-api" in Jira project PAY on instance "default" (assigned to Alan Turing; labels golden-path, alerts; components payments-api)',
    ]);
    expect(fake.state.requests.length).toBeGreaterThan(0);
    expect(writesTo(fake)).toEqual([]);
    expect(fake.state.issues.size).toBe(before);
  });

  it.each([
    [
      { issueType: 'Incident' },
      'issueType: Jira project PAY on instance "default" has no issue type "Incident"; its types are Epic, Story, Task, Bug, Sub-task',
    ],
    [
      { components: ['payments-api', 'ledger'] },
      'components: Jira project PAY on instance "default" has no component "ledger"; its components are payments-api, checkout, refunds, fraud-detection',
    ],
    [
      { issueType: 'Epic' },
      'customFields["Story points"]: the field customfield_10016 is not on the create screen of Epic in Jira project PAY on instance "default"',
    ],
  ])('names what a dry run finds wrong (%j)', async (change, message) => {
    await expect(
      runAction(action(), { ...input, ...change }, { isDryRun: true }),
    ).rejects.toMatchObject({ name: 'InputError', message });
    expect(writesTo(fake)).toEqual([]);
  });

  it('says which project does not exist, also in a dry run', async () => {
    for (const isDryRun of [false, true]) {
      await expect(
        runAction(
          action(),
          { projectKey: 'PAYX', summary: 'Nowhere', entityRef: ENTITY },
          { isDryRun },
        ),
      ).rejects.toMatchObject({
        name: 'InputError',
        message:
          "projectKey: Jira project PAYX does not exist on instance default, or Comet's Jira account may not browse it",
      });
    }
    expect(writesTo(fake)).toEqual([]);
  });

  it('names an unknown instance and a missing Jira', async () => {
    await expect(
      runAction(action(), { ...input, instance: 'ops' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'instance: Unknown Jira instance "ops" (from the instance input); jira.instances has "default"',
    });
    const unconfigured = createJiraIssueAction({
      catalog: testCatalog(),
      jira: JiraInstances.fromConfig(new ConfigReader({})),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(runAction(unconfigured, input)).rejects.toMatchObject({
      name: 'InputError',
      message:
        'Jira is not configured: add an instance under jira.instances to use jira:issue:create',
    });
    expect(fake.state.requests).toEqual([]);
  });

  it('with several instances, takes the one called default, else asks for one', async () => {
    const twoInstances = (names: string[]) =>
      JiraInstances.fromConfig(
        new ConfigReader({
          jira: {
            instances: names.map(name => ({
              name,
              baseUrl: fake.url,
              product: 'cloud',
              email: 'comet@example.com',
              apiToken: JIRA_FAKE_DEMO_API_TOKEN,
            })),
          },
        }),
      );
    const withDefault = createJiraIssueAction({
      catalog: testCatalog(),
      jira: twoInstances(['ops', 'default']),
      permissions: permissionsAnswering('ALLOW'),
    });
    const created = await runAction(withDefault, {
      projectKey: 'LEDG',
      summary: 'On the default instance',
    });
    expect(created.logs[0]).toContain('on instance "default"');

    const withoutDefault = createJiraIssueAction({
      catalog: testCatalog(),
      jira: twoInstances(['ops', 'finance']),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(withoutDefault, { projectKey: 'LEDG', summary: 'Which one?' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'instance: the instance input names no Jira instance, and jira.instances has several ("ops", "finance") with none called "default"; write the instance name in the instance input',
    });
    const named = await runAction(withoutDefault, {
      projectKey: 'LEDG',
      summary: 'On the finance instance',
      instance: 'finance',
    });
    expect(named.logs[0]).toContain('on instance "finance"');
  });

  it('names an assignee email no Jira account has, before creating anything', async () => {
    for (const isDryRun of [false, true]) {
      await expect(
        runAction(
          action(),
          { ...input, assigneeEmail: 'nobody@example.com' },
          { isDryRun },
        ),
      ).rejects.toMatchObject({
        name: 'InputError',
        message:
          'assigneeEmail: no account on Jira instance "default" has the email nobody@example.com',
      });
    }
    expect(writesTo(fake)).toEqual([]);
  });

  it("maps Jira's field errors to the action's inputs", async () => {
    await expect(
      runAction(action(), {
        ...input,
        labels: ['has space'],
        components: ['ledger'],
        customFields: { 'story POINTS': 'five', customfield_10050: 'x' },
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'Jira instance "default" refused the new issue in project PAY: labels: The label \'has space\' contains spaces which is invalid.; components: Component name \'ledger\' is not valid; customFields["story POINTS"]: Operation value must be a number; customFields["customfield_10050"]: Field \'customfield_10050\' cannot be set. It is not on the appropriate screen, or unknown.',
    });
    await expect(
      runAction(action(), { ...input, issueType: 'Incident' }),
    ).rejects.toThrow(
      'Jira instance "default" refused the new issue in project PAY: issueType: Specify a valid issue type',
    );
    expect(writesTo(fake)).toEqual([
      'POST /rest/api/3/issue',
      'POST /rest/api/3/issue',
    ]);
  });

  it('names a custom field that is not configured, before asking Jira', async () => {
    await expect(
      runAction(action(), { ...input, customFields: { Severity: 'high' } }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'customFields["Severity"]: no custom field of that name in jira.instances[name=default].customFields (configured: Story points, Team); use a configured name or a field id (customfield_…)',
    });
    const bare = createJiraIssueAction({
      catalog: testCatalog(),
      jira: JiraInstances.fromConfig(
        new ConfigReader({
          jira: {
            instances: [
              {
                name: 'default',
                baseUrl: fake.url,
                product: 'cloud',
                email: 'comet@example.com',
                apiToken: JIRA_FAKE_DEMO_API_TOKEN,
              },
            ],
          },
        }),
      ),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(bare, { ...input, customFields: { Severity: 'high' } }),
    ).rejects.toThrow(/customFields\["Severity"\]: .*\(none configured\)/);
    expect(fake.state.requests).toEqual([]);
  });

  it('checks the project key and the summary', async () => {
    await expect(
      runAction(action(), { ...input, projectKey: 'pay' }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'projectKey: "pay" is not a Jira project key: an upper-case letter, then upper-case letters, digits or "_", e.g. PAY',
    });
    await expect(
      runAction(action(), { ...input, summary: 'x'.repeat(256) }),
    ).rejects.toThrow(
      'summary: is 256 characters long; Jira takes at most 255',
    );
    await expect(
      runAction(action(), { ...input, summary: '   ' }),
    ).rejects.toThrow('summary: must not be empty');
    expect(fake.state.requests).toEqual([]);

    // The scaffolder checks the same before the step runs
    const schema = action().schema!.input as any;
    expect(schema.required).toEqual(['projectKey', 'summary']);
    expect(schema.properties.projectKey.pattern).toBe('^[A-Z][A-Z0-9_]+$');
    expect(schema.properties.summary.maxLength).toBe(255);
  });

  it("passes on Jira's other refusals without credentials", async () => {
    const guest = createJiraIssueAction({
      catalog: testCatalog(),
      jira: instancesOf(fake, {
        email: 'guest@example.com',
        apiToken: 'jira_fake_token_guest',
      }),
      permissions: permissionsAnswering('ALLOW'),
    });
    await expect(
      runAction(guest, { projectKey: 'PAY', summary: 'Read-only account' }),
    ).rejects.toThrow(
      'Jira instance "default" refused the new issue in project PAY: projectKey: You do not have permission to create issues in this project.',
    );

    const wrongToken = createJiraIssueAction({
      catalog: testCatalog(),
      jira: instancesOf(fake, {
        email: 'comet@example.com',
        apiToken: 'jira_wrong_token_for_tests',
      }),
      permissions: permissionsAnswering('ALLOW'),
    });
    const refused = runAction(wrongToken, {
      projectKey: 'PAY',
      summary: 'Bad token',
    });
    await expect(refused).rejects.toMatchObject({
      name: 'JiraError',
      message: expect.stringMatching(
        /^Jira instance "default" refused the credentials \(401 on GET \/rest\/api\/3\/project\/PAY\)/,
      ),
    });
    await expect(refused).rejects.not.toThrow(/jira_wrong_token_for_tests/);
  });
});

describe('jira:issue:create on Jira Data Center', () => {
  let fake: JiraFake;

  beforeAll(async () => {
    fake = await JiraFake.start({ product: 'datacenter', example: true });
  });

  afterAll(async () => {
    await fake.close();
  });

  it('writes the description as wiki markup and assigns by user key', async () => {
    const action = createJiraIssueAction({
      catalog: testCatalog(),
      jira: instancesOf(fake, { personalAccessToken: JIRA_FAKE_DEMO_PAT }),
      permissions: permissionsAnswering('ALLOW'),
    });
    const { output, logs } = await runAction(action, {
      projectKey: 'PAY',
      summary: 'On Data Center',
      description: DESCRIPTION,
      assigneeEmail: 'katherine.johnson@example.com',
      entityRef: ENTITY,
    });
    const issue = fake.state.issue(output.key as string)!;
    expect(issue.description).toBe(
      'h2. Why\n\nThe *payments* API needs alerts.\n\n* add it to the on-call rota',
    );
    expect(fake.state.userById(issue.assigneeId)!.displayName).toBe(
      'Katherine Johnson',
    );
    expect(output.url).toBe(`${fake.url}/browse/${output.key}`);
    expect(logs.join('\n')).not.toContain(JIRA_FAKE_DEMO_PAT);
  });
});
