import { DefaultJiraClient } from './JiraClient';
import { JiraError, JiraInstanceConfig } from './types';
import { JIRA_FAKE_DEMO_PAT, JIRA_FAKE_FIELDS, JiraFake } from './testUtils';

// Real HTTP to the fake over hundreds of issues: on a loaded 2-core machine a test can take
// longer than Jest's 5 s default, which would then assert a timing instead of a behaviour.
jest.setTimeout(60_000);

async function failure(promise: Promise<unknown>): Promise<JiraError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(JiraError);
    return error as JiraError;
  }
  throw new Error('Expected a JiraError, but the call succeeded');
}

describe('DefaultJiraClient against Jira Data Center', () => {
  let fake: JiraFake;

  beforeEach(async () => {
    fake = await JiraFake.start({ product: 'datacenter', example: true });
  });

  afterEach(async () => {
    await fake.close();
  });

  function client(instance: Partial<JiraInstanceConfig> = {}) {
    return DefaultJiraClient.create({
      name: 'dc',
      baseUrl: fake.url,
      browseUrl: 'https://jira.example.com',
      auth: { type: 'bearer', token: JIRA_FAKE_DEMO_PAT },
      customFields: { storyPoints: JIRA_FAKE_FIELDS.storyPoints },
      ...instance,
    });
  }

  it('detects Data Center from serverInfo and speaks REST v2 with a Bearer token', async () => {
    fake.state.resetCalls();
    const jira = client();
    await expect(jira.product()).resolves.toBe('datacenter');
    await expect(jira.getProject('PAY')).resolves.toEqual({
      id: expect.any(String),
      key: 'PAY',
      name: 'Payments',
    });
    expect(Object.keys(fake.state.calls)).toEqual([
      'GET /rest/api/2/serverInfo',
      'GET /rest/api/2/project/PAY',
    ]);
    expect(fake.state.requests.map(r => r.headers.authorization)).toEqual([
      'Bearer',
      'Bearer',
    ]);
  });

  it('pages with startAt and total, one call per page', async () => {
    fake.state.seedIssues('BIG', 250);
    fake.state.resetCalls();
    const jira = client();
    const first = await jira.search({ jql: 'project = BIG ORDER BY key ASC' });
    expect(first.total).toBe(250);
    expect(first.nextPageToken).toBe('100');
    const pages: number[] = [];
    for await (const page of jira.searchPages({ jql: 'project = BIG' })) {
      pages.push(page.length);
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(fake.state.calls['POST /rest/api/2/search']).toBe(1 + 3);
    for (const request of fake.state.requests.filter(
      r => r.method === 'POST',
    )) {
      expect(request.query).toEqual({});
    }
    const last = await jira.search({ jql: 'project = BIG', pageToken: '200' });
    expect(last).toMatchObject({ total: 250 });
    expect(last.issues).toHaveLength(50);
    expect(last.nextPageToken).toBeUndefined();
    await expect(
      jira.search({ jql: 'project = BIG', pageToken: 'abc' }),
    ).rejects.toMatchObject({
      kind: 'badRequest',
      message:
        'Jira instance "dc": the page token "abc" is not a Data Center search position (a number)',
    });
  });

  it('counts with a search of no results', async () => {
    fake.state.resetCalls();
    await expect(
      client({ product: 'datacenter' }).count('project = PAY'),
    ).resolves.toBe(30);
    expect(fake.state.calls).toEqual({ 'POST /rest/api/2/search': 1 });
  });

  it('maps users by key and passes bad JQL messages on', async () => {
    const [issue] = (await client().search({ jql: 'key = PAY-2' })).issues;
    expect(issue).toMatchObject({
      key: 'PAY-2',
      url: 'https://jira.example.com/browse/PAY-2',
      assignee: {
        id: expect.stringMatching(/^JIRAUSER\d+$/),
        displayName: 'Alan Turing',
      },
      storyPoints: 8,
      customFields: { storyPoints: 8 },
    });
    const error = await failure(client().search({ jql: 'project PAY' }));
    expect(error.jiraMessages).toEqual([
      "Error in the JQL Query: Expecting operator but got 'PAY'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)",
    ]);
    expect(error.message).toContain(
      'Jira instance "dc" rejected POST /rest/api/2/search',
    );
  });

  it('names the personal access token on 401', async () => {
    const error = await failure(
      client({
        auth: { type: 'bearer', token: 'expired-pat-value' },
      }).getProject('PAY'),
    );
    expect(error.kind).toBe('unauthorized');
    expect(error.message).toBe(
      'Jira instance "dc" refused the credentials (401 on GET /rest/api/2/serverInfo): check the credentials of jira.instances[name=dc] (personalAccessToken: a personal access token that has not expired): Client must be authenticated to access this resource.',
    );
  });

  it('reads wiki descriptions and comments as Markdown', async () => {
    const detail = await client().getIssue('PAY-2');
    expect(detail.descriptionMarkdown).toBe(
      [
        '## Goal',
        '',
        'Card payments that need a **challenge** open the issuer page in a modal, as the [EMVCo spec](https://www.emvco.com/emv-technologies/3d-secure/) says.',
        '',
        '- frictionless flow stays unchanged',
        '- challenge result is posted to `/payments/{id}/3ds`',
        '',
        '```json',
        '{ "transStatus": "C" }',
        '```',
      ].join('\n'),
    );
    expect(detail.descriptionHtml).toContain('<h2>Goal</h2>');
    const withComments = await client().getIssue('PAY-4');
    expect(withComments.comments.map(c => c.bodyMarkdown)).toEqual([
      'Reproduced with the `issuer-timeout` test card; the gateway waits **30 s**.',
      'Fixed by answering 504 and retrying once.',
    ]);
  });

  it('writes descriptions and comments as wiki markup', async () => {
    const jira = client();
    const katherine = await jira.findUserByEmail(
      'katherine.johnson@example.com',
    );
    expect(katherine?.id).toMatch(/^JIRAUSER/);
    const created = await jira.createIssue('PAY', {
      issueType: 'Story',
      summary: 'Payouts to connected accounts',
      description:
        '## Steps\n\n1. Capture **half**\n2. Refund _the rest_\n\n- see [docs](https://docs.example.com)\n\n```sql\nselect 1;\n```',
      assignee: katherine!.id,
      components: ['refunds'],
      labels: ['backend'],
      customFields: { storyPoints: 3 },
    });
    expect(created.url).toBe(`https://jira.example.com/browse/${created.key}`);
    const stored = fake.state.issue(created.key)!;
    expect(stored.description).toBe(
      'h2. Steps\n\n# Capture *half*\n# Refund _the rest_\n\n* see [docs|https://docs.example.com]\n\n{code:sql}\nselect 1;\n{code}',
    );
    expect(stored.assigneeId).toBe(
      fake.state.userByEmail('katherine.johnson@example.com')!.accountId,
    );
    expect(stored.customFields[JIRA_FAKE_FIELDS.storyPoints]).toBe(3);

    // a user name works as the assignee, too
    await expect(
      jira.createIssue('PAY', {
        issueType: 'Task',
        summary: 'By name',
        assignee: 'alan.turing',
      }),
    ).resolves.toMatchObject({ key: expect.stringMatching(/^PAY-/) });
    const unknown = await failure(
      jira.createIssue('PAY', {
        issueType: 'Task',
        summary: 'x',
        assignee: 'nobody',
      }),
    );
    expect(unknown.fieldErrors).toEqual({
      assignee: "User 'nobody' does not exist.",
    });

    const comment = await jira.addComment(
      created.key,
      'Use *staging* first:\n\n- a\n- b',
    );
    expect(comment.bodyMarkdown).toBe('Use *staging* first:\n\n- a\n- b');
    expect(stored.comments[0].body).toBe('Use _staging_ first:\n\n* a\n* b');
  });

  it('transitions, attaches and creates components in the v2 dialect', async () => {
    const jira = client();
    await expect(
      jira.transitionIssue('PAY-30', 'In Progress'),
    ).resolves.toMatchObject({ id: '21' });
    expect(fake.state.issue('PAY-30')!.statusId).toBe('3');
    fake.state.resetCalls();
    await expect(
      jira.addAttachment('PAY-30', {
        filename: 'run.log',
        content: Buffer.from('line 1\n'),
      }),
    ).resolves.toMatchObject({ filename: 'run.log', size: 7 });
    expect(fake.state.requests[0]).toMatchObject({
      method: 'POST',
      path: '/rest/api/2/issue/PAY-30/attachments',
      headers: { 'x-atlassian-token': 'no-check' },
    });
    expect(fake.state.issue('PAY-30')!.attachments[0].mimeType).toBe(
      'application/octet-stream',
    );
    await expect(
      jira.createComponent({
        projectKey: 'SHOP',
        name: 'payments',
        lead: 'katherine.johnson',
      }),
    ).resolves.toMatchObject({ name: 'payments' });
    expect(
      fake.state.project('SHOP')!.components.find(c => c.name === 'payments')!
        .leadAccountId,
    ).toBe(fake.state.userByEmail('katherine.johnson@example.com')!.accountId);
  });

  it('reads create metadata, versions, boards, sprints and the changelog of an issue', async () => {
    const jira = client();
    const meta = await jira.getCreateMeta('LEDG');
    expect(meta.name).toBe('Ledger');
    expect(meta.issueTypes).toHaveLength(5);
    expect(
      meta.issueTypes[1].fields.find(
        f => f.id === JIRA_FAKE_FIELDS.storyPoints,
      ),
    ).toEqual({
      id: JIRA_FAKE_FIELDS.storyPoints,
      name: 'Story Points',
      required: false,
      schemaType: 'number',
    });
    await expect(jira.getVersions('LEDG')).resolves.toEqual([
      expect.objectContaining({
        name: '0.9.0',
        released: true,
        projectKey: 'LEDG',
      }),
    ]);
    await expect(jira.getBoards('LEDG')).resolves.toEqual([
      { id: 3, name: 'LEDG board', type: 'scrum' },
    ]);
    const sprint = await jira.getActiveSprint(1);
    expect(sprint?.name).toBe('PAY Sprint 23');
    expect(await jira.getSprintIssues(sprint!.id)).toHaveLength(11);

    fake.state.resetCalls();
    const changelog = await jira.getChangelog('PAY-3');
    expect(
      changelog.map(e => e.items.map(i => `${i.field}:${i.toString}`)),
    ).toEqual([
      ['Sprint:PAY Sprint 23'],
      ['status:In Progress'],
      ['status:Done', 'resolution:Done'],
    ]);
    expect(fake.state.requests[0]).toMatchObject({
      path: '/rest/api/2/issue/PAY-3',
      query: { fields: 'summary', expand: 'changelog' },
    });
  });
});
