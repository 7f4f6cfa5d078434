import { DefaultJiraClient, DefaultJiraClientOptions } from './JiraClient';
import { JiraError, JiraInstanceConfig } from './types';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_FIELDS,
  JiraFake,
} from './testUtils';

// Real HTTP to the fake over hundreds of issues: on a loaded 2-core machine a test can take
// longer than Jest's 5 s default, which would then assert a timing instead of a behaviour.
jest.setTimeout(60_000);

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<JiraError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(JiraError);
    return error as JiraError;
  }
  throw new Error('Expected a JiraError, but the call succeeded');
}

describe('DefaultJiraClient against Jira Cloud', () => {
  let fake: JiraFake;
  let waits: number[];

  beforeEach(async () => {
    fake = await JiraFake.start({ product: 'cloud', contextPath: '/jira' });
    fake.state.seedExample();
    waits = [];
  });

  afterEach(async () => {
    await fake.close();
  });

  function client(
    instance: Partial<JiraInstanceConfig> = {},
    options: DefaultJiraClientOptions = {},
  ) {
    return DefaultJiraClient.create(
      {
        name: 'cloud',
        baseUrl: fake.url,
        browseUrl: 'https://acme.atlassian.net',
        product: 'cloud',
        auth: {
          type: 'basic',
          email: JIRA_FAKE_DEMO_EMAIL,
          apiToken: JIRA_FAKE_DEMO_API_TOKEN,
        },
        customFields: {
          'Story points': JIRA_FAKE_FIELDS.storyPoints,
          Team: JIRA_FAKE_FIELDS.team,
        },
        ...instance,
      },
      {
        sleep: async ms => {
          waits.push(ms);
        },
        ...options,
      },
    );
  }

  describe('search', () => {
    it('pages through every issue with nextPageToken, one call per page, and stops at the null token', async () => {
      fake.state.seedIssues('BIG', 250);
      fake.state.resetCalls();
      const pages: string[][] = [];
      for await (const page of client().searchPages({
        jql: 'project = BIG ORDER BY key ASC',
        maxResults: 100,
      })) {
        pages.push(page.map(issue => issue.key));
      }
      expect(pages.map(p => p.length)).toEqual([100, 100, 50]);
      const keys = pages.flat();
      expect(new Set(keys).size).toBe(250);
      expect(keys[0]).toBe('BIG-1');
      expect(keys[249]).toBe('BIG-250');
      expect(fake.state.calls).toEqual({
        'POST /rest/api/3/search/jql': Math.ceil(250 / 100),
      });
      // the removed search was never asked, and the JQL went in the JSON body, not the URL
      expect(fake.state.callCount('GET /rest/api/3/search ')).toBe(0);
      for (const request of fake.state.requests) {
        expect(request.query).toEqual({});
        expect(request.headers['content-type']).toMatch(/^application\/json/);
      }
    });

    it('maps issues: status category, story points and custom fields by name, the browse URL', async () => {
      const page = await client().search({
        jql: 'key = PAY-2',
      });
      expect(page.nextPageToken).toBeUndefined();
      expect(page.issues).toHaveLength(1);
      const [issue] = page.issues;
      expect(issue).toMatchObject({
        key: 'PAY-2',
        url: 'https://acme.atlassian.net/browse/PAY-2',
        summary: 'Challenge flow for 3-D Secure 2 in checkout',
        status: { name: 'In Progress', category: 'indeterminate' },
        type: { name: 'Story', subtask: false },
        priority: { name: 'Medium' },
        assignee: {
          displayName: 'Alan Turing',
          emailAddress: 'alan.turing@example.com',
        },
        labels: ['pci', 'frontend'],
        components: ['checkout', 'payments-api'],
        fixVersions: ['1.5.0'],
        storyPoints: 8,
        customFields: { 'Story points': 8, Team: 'Payments Core' },
      });
      expect(issue.assignee!.id).toMatch(/^712020:/);
      expect(issue.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(issue.resolution).toBeUndefined();
    });

    it('counts with the approximate count', async () => {
      fake.state.resetCalls();
      await expect(client().count('project = PAY')).resolves.toBe(30);
      await expect(
        client().count('project = PAY AND statusCategory = Done'),
      ).resolves.toBe(
        [...fake.state.issues.values()].filter(
          i => i.projectKey === 'PAY' && i.statusId === '10001',
        ).length,
      );
      expect(fake.state.calls).toEqual({
        'POST /rest/api/3/search/approximate-count': 2,
      });
    });

    it("passes Jira's message on for bad JQL", async () => {
      const error = await failure(
        client().search({ jql: 'project = PAY AND' }),
      );
      expect(error).toMatchObject({
        kind: 'badRequest',
        status: 400,
        instance: 'cloud',
        jiraMessages: [
          'Error in the JQL Query: Expecting a field name before the end of the query.',
        ],
      });
      expect(error.message).toBe(
        'Jira instance "cloud" rejected POST /rest/api/3/search/jql for the JQL search (400): Error in the JQL Query: Expecting a field name before the end of the query.',
      );
      const unknown = await failure(client().count('colour = red'));
      expect(unknown.jiraMessages).toEqual([
        "Field 'colour' does not exist or you do not have permission to view it.",
      ]);
    });
  });

  describe('errors', () => {
    it('names the credentials to check on 401, without the token', async () => {
      const error = await failure(
        client({
          auth: {
            type: 'basic',
            email: JIRA_FAKE_DEMO_EMAIL,
            apiToken: 'wrong-token-value',
          },
        }).getIssue('PAY-1'),
      );
      expect(error.kind).toBe('unauthorized');
      expect(error.status).toBe(401);
      expect(error.jiraMessages).toEqual([
        'Client must be authenticated to access this resource.',
      ]);
      expect(error.message).toContain(
        'check the credentials of jira.instances[name=cloud] (email and apiToken',
      );
      expect(error.message).not.toContain('wrong-token-value');
      expect(JSON.stringify(error)).not.toContain('wrong-token-value');
    });

    it("says the account lacks a permission on 403, with Jira's message", async () => {
      const guest = client({
        auth: {
          type: 'basic',
          email: 'guest@example.com',
          apiToken: 'jira_fake_token_guest',
        },
      });
      const error = await failure(
        guest.createComponent({ projectKey: 'PAY', name: 'new-one' }),
      );
      expect(error).toMatchObject({
        kind: 'forbidden',
        status: 403,
        jiraMessages: [
          'The user does not have permission to complete this operation.',
        ],
      });
      expect(error.message).toBe(
        'Jira instance "cloud" refused POST /rest/api/3/component for project PAY (component "new-one") (403): the account of jira.instances[name=cloud] lacks a Jira permission: The user does not have permission to complete this operation.',
      );
      await expect(guest.addComment('PAY-1', 'hi')).rejects.toMatchObject({
        kind: 'forbidden',
        jiraMessages: [
          'You do not have the permission to comment on this issue.',
        ],
      });
    });

    it('names the issue or project on 404', async () => {
      const issue = await failure(client().getIssue('PAY-9999'));
      expect(issue.kind).toBe('notFound');
      expect(issue.message).toBe(
        'Jira instance "cloud" has no issue PAY-9999, or its account may not see it (404 on GET /rest/api/3/issue/PAY-9999): Issue does not exist or you do not have permission to see it.',
      );
      const project = await failure(client().getProject('NOPE'));
      expect(project.message).toContain('has no project NOPE');
      expect(project.jiraMessages).toEqual([
        "No project could be found with key 'NOPE'.",
      ]);
    });

    it('refuses keys that are not keys before calling Jira', async () => {
      fake.state.resetCalls();
      await expect(client().getIssue('PAY-1/../x')).rejects.toMatchObject({
        kind: 'badRequest',
        message:
          'Jira instance "cloud": "PAY-1/../x" is not an issue key (a project key, "-" and a number, e.g. PAY-123)',
      });
      await expect(client().getVersions('pay?x=1')).rejects.toMatchObject({
        kind: 'badRequest',
      });
      expect(fake.state.callCount()).toBe(0);
    });

    it('gives up on a request that takes longer than the timeout', async () => {
      const slow = await JiraFake.start({ product: 'cloud', latencyMs: 500 });
      try {
        const error = await failure(
          client({ baseUrl: slow.url }, { timeoutMs: 50 }).getProject('PAY'),
        );
        expect(error.kind).toBe('network');
        expect(error.message).toBe(
          'Jira instance "cloud" did not answer GET /rest/api/3/project/PAY within 0.05 s (jira.requestTimeoutSeconds)',
        );
      } finally {
        await slow.close();
      }
    });

    it('names the base URL when nothing answers', async () => {
      // a port that was free a moment ago
      const closed = await JiraFake.start();
      const baseUrl = closed.url;
      await closed.close();
      const error = await failure(client({ baseUrl }).getProject('PAY'));
      expect(error.kind).toBe('network');
      expect(error.message).toBe(
        `Jira instance "cloud" could not be reached at ${baseUrl} for GET /rest/api/3/project/PAY: ECONNREFUSED (check jira.instances[name=cloud].baseUrl)`,
      );
    });
  });

  describe('rate limits', () => {
    it('retries a read after Retry-After and succeeds', async () => {
      fake.state.throttle({ requests: 2, retryAfterSeconds: 2 });
      fake.state.resetCalls();
      await expect(client().count('project = PAY')).resolves.toBe(30);
      expect(waits).toEqual([2000, 2000]);
      expect(fake.state.calls).toEqual({
        'POST /rest/api/3/search/approximate-count': 3,
      });
    });

    it('gives up after three attempts with the wait Jira asked for', async () => {
      fake.state.throttle({ requests: 5, retryAfterSeconds: 1 });
      fake.state.resetCalls();
      const error = await failure(client().getProject('PAY'));
      expect(error).toMatchObject({
        kind: 'rateLimited',
        status: 429,
        retryAfterMs: 1000,
        jiraMessages: ['Rate limit exceeded.'],
      });
      expect(error.message).toBe(
        'Jira instance "cloud" is rate limiting Comet (429 on GET /rest/api/3/project/PAY); it asks to retry after 1 s; gave up: after 3 attempts',
      );
      expect(waits).toEqual([1000, 1000]);
      expect(fake.state.callCount()).toBe(3);
    });

    it('does not wait longer than maxRetryWaitSeconds', async () => {
      fake.state.throttle({ requests: 1, retryAfterSeconds: 30 });
      fake.state.resetCalls();
      const error = await failure(
        client({}, { maxRetryWaitMs: 10_000 }).getProject('PAY'),
      );
      expect(error.retryAfterMs).toBe(30_000);
      expect(error.message).toContain(
        'gave up: the wait is longer than jira.maxRetryWaitSeconds (10 s)',
      );
      expect(waits).toEqual([]);
      expect(fake.state.callCount()).toBe(1);
    });

    it('reads Retry-After as an HTTP date and X-RateLimit-Reset when it is alone', async () => {
      fake.state.throttle({
        requests: 1,
        retryAfterSeconds: 3,
        format: 'http-date',
      });
      fake.state.throttle({
        requests: 1,
        retryAfterSeconds: 4,
        format: 'reset-only',
      });
      await expect(client().getProject('PAY')).resolves.toMatchObject({
        key: 'PAY',
      });
      expect(waits).toHaveLength(2);
      // an HTTP date has whole seconds
      expect(waits[0]).toBeGreaterThan(1000);
      expect(waits[0]).toBeLessThanOrEqual(3000);
      expect(waits[1]).toBeGreaterThan(3000);
      expect(waits[1]).toBeLessThanOrEqual(4000);
    });

    it('retries 503 the same way and reports it as unavailable', async () => {
      fake.state.throttle({ requests: 3, retryAfterSeconds: 1, status: 503 });
      const error = await failure(client().getVersions('PAY'));
      expect(error.kind).toBe('unavailable');
      expect(error.status).toBe(503);
      expect(error.message).toContain(
        'Jira instance "cloud" is unavailable (503',
      );
    });

    it('never retries a write', async () => {
      fake.state.throttle({ requests: 1, retryAfterSeconds: 1 });
      fake.state.resetCalls();
      const error = await failure(client().addComment('PAY-1', 'hello'));
      expect(error.kind).toBe('rateLimited');
      expect(error.message).toContain('gave up: writes are not retried');
      expect(waits).toEqual([]);
      expect(fake.state.calls).toEqual({
        'POST /rest/api/3/issue/PAY-1/comment': 1,
      });
      expect(fake.state.issue('PAY-1')!.comments).toHaveLength(0);
    });

    it('waits for real when no sleep is given', async () => {
      fake.state.throttle({ requests: 1, retryAfterSeconds: 0 });
      const seen: number[] = [];
      const real = DefaultJiraClient.create(client().instance, {
        onRequest: event => seen.push(event.status),
      });
      await expect(real.getProject('PAY')).resolves.toMatchObject({
        name: 'Payments',
      });
      expect(seen).toEqual([429, 200]);
    });
  });

  describe('issues', () => {
    it('reads an issue with its ADF description as Markdown and sanitised HTML, and its latest comments', async () => {
      const detail = await client().getIssue('PAY-2', { comments: 5 });
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
      expect(detail.descriptionHtml).toContain(
        '<a href="https://www.emvco.com/emv-technologies/3d-secure/" rel="noopener noreferrer nofollow" target="_blank">EMVCo spec</a>',
      );
      expect(detail.comments).toEqual([]);

      const withComments = await client().getIssue('PAY-4', { comments: 1 });
      expect(withComments.comments).toHaveLength(1);
      expect(withComments.comments[0]).toMatchObject({
        bodyMarkdown: 'Fixed by answering 504 and retrying once.',
        author: { displayName: 'Katherine Johnson' },
      });
      const all = await client().getIssue('PAY-4');
      expect(all.comments.map(c => c.bodyMarkdown)).toEqual([
        'Reproduced with the `issuer-timeout` test card; the gateway waits **30 s**.',
        'Fixed by answering 504 and retrying once.',
      ]);
    });

    it('creates an issue with ADF, components, labels, an assignee and custom fields by name', async () => {
      const jira = client();
      const alan = await jira.findUserByEmail('alan.turing@example.com');
      expect(alan?.displayName).toBe('Alan Turing');
      const created = await jira.createIssue('PAY', {
        issueType: 'Bug',
        summary: 'Refund fails for partial captures',
        description: '## Steps\n\n1. Capture **half**\n2. Refund',
        components: ['refunds'],
        labels: ['customer-reported'],
        assignee: alan!.id,
        customFields: {
          'Story points': 5,
          team: { value: 'Storefront' },
          [JIRA_FAKE_FIELDS.sprint]: 2,
        },
      });
      expect(created).toEqual({
        key: 'PAY-31',
        id: expect.any(String),
        url: 'https://acme.atlassian.net/browse/PAY-31',
      });
      const stored = fake.state.issue('PAY-31')!;
      expect(stored).toMatchObject({
        summary: 'Refund fails for partial captures',
        issueTypeId: '10004',
        labels: ['customer-reported'],
        assigneeId: alan!.id,
        sprintIds: [2],
      });
      expect(stored.customFields).toEqual({
        [JIRA_FAKE_FIELDS.storyPoints]: 5,
        [JIRA_FAKE_FIELDS.team]: { id: '10101', value: 'Storefront' },
      });
      expect(stored.description).toEqual({
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'heading',
            attrs: { level: 2 },
            content: [{ type: 'text', text: 'Steps' }],
          },
          {
            type: 'orderedList',
            content: [
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      { type: 'text', text: 'Capture ' },
                      {
                        type: 'text',
                        text: 'half',
                        marks: [{ type: 'strong' }],
                      },
                    ],
                  },
                ],
              },
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [{ type: 'text', text: 'Refund' }],
                  },
                ],
              },
            ],
          },
        ],
      });
      const [issue] = (await jira.search({ jql: `key = ${created.key}` }))
        .issues;
      expect(issue.components).toEqual(['refunds']);
      expect(issue.customFields).toEqual({
        'Story points': 5,
        Team: 'Storefront',
      });
      // by issue type id, too
      await expect(
        jira.createIssue('PAY', { issueType: '10002', summary: 'A task' }),
      ).resolves.toMatchObject({ key: 'PAY-32' });
      expect(fake.state.issue('PAY-32')!.issueTypeId).toBe('10002');
    });

    it("passes Jira's field errors on when it refuses an issue", async () => {
      const error = await failure(
        client().createIssue('PAY', {
          issueType: 'Bogus',
          summary: ' ',
          components: ['nope'],
        }),
      );
      expect(error.kind).toBe('badRequest');
      expect(error.fieldErrors).toEqual({
        issuetype: 'Specify a valid issue type',
        summary: 'You must specify a summary of the issue.',
        components: "Component name 'nope' is not valid",
      });
      expect(error.jiraMessages).toEqual(Object.values(error.fieldErrors));
      expect(error.message).toContain('for a new issue in project PAY (400)');
    });

    it('refuses a custom field that is neither configured nor an id, before calling Jira', async () => {
      fake.state.resetCalls();
      await expect(
        client().createIssue('PAY', {
          issueType: 'Bug',
          summary: 'x',
          customFields: { Severity: 'high' },
        }),
      ).rejects.toMatchObject({
        kind: 'badRequest',
        message:
          'Jira instance "cloud": the custom field "Severity" is not configured: add it to jira.instances[name=cloud].customFields or pass its field id (customfield_…)',
      });
      expect(fake.state.callCount('POST')).toBe(0);
    });

    it('transitions by name (any case), by id or by target status, and lists the allowed ones otherwise', async () => {
      const jira = client();
      const { key } = await jira.createIssue('PAY', {
        issueType: 'Task',
        summary: 'Walk the workflow',
      });
      await expect(jira.getTransitions(key)).resolves.toEqual([
        {
          id: '21',
          name: 'In Progress',
          to: { name: 'In Progress', category: 'indeterminate' },
        },
      ]);
      const error = await failure(jira.transitionIssue(key, 'Done'));
      expect(error.kind).toBe('badRequest');
      expect(error.message).toBe(
        `Jira instance "cloud": issue ${key} cannot take the transition "Done" now; the allowed ones are "In Progress" (to In Progress)`,
      );
      await expect(
        jira.transitionIssue(key, 'in progress'),
      ).resolves.toMatchObject({ id: '21' });
      expect(fake.state.issue(key)!.statusId).toBe('3');
      await expect(jira.transitionIssue(key, '31')).resolves.toMatchObject({
        name: 'Done',
      });
      expect(fake.state.issue(key)!).toMatchObject({
        statusId: '10001',
        resolution: 'Done',
      });
      await expect(jira.transitionIssue(key, 'to do')).resolves.toMatchObject({
        name: 'Reopen',
        to: { name: 'To Do', category: 'new' },
      });
      const changelog = await jira.getChangelog(key);
      expect(
        changelog.map(e => e.items.find(i => i.field === 'status')?.toString),
      ).toEqual(['In Progress', 'Done', 'To Do']);
    });

    it('comments in ADF and reads the comment back as Markdown', async () => {
      const comment = await client().addComment(
        'PAY-1',
        'Seen again on **prod**, see [the log](https://logs.example.com/1):\n\n```\nTimeout after 30s\n```',
      );
      expect(comment.bodyMarkdown).toBe(
        'Seen again on **prod**, see [the log](https://logs.example.com/1):\n\n```\nTimeout after 30s\n```',
      );
      expect(comment.author?.displayName).toBe('Comet');
      const stored = fake.state.issue('PAY-1')!.comments[0];
      expect(stored.body).toMatchObject({
        type: 'doc',
        content: [
          { type: 'paragraph' },
          {
            type: 'codeBlock',
            content: [{ type: 'text', text: 'Timeout after 30s' }],
          },
        ],
      });
    });

    it('attaches a file as multipart with the XSRF header', async () => {
      fake.state.resetCalls();
      await expect(
        client().addAttachment('PAY-1', {
          filename: 'trace.zip',
          content: Buffer.from('PK\u0003\u0004 trace'),
          contentType: 'application/zip',
        }),
      ).resolves.toEqual({
        id: expect.any(String),
        filename: 'trace.zip',
        size: 10,
      });
      const [stored] = fake.state.issue('PAY-1')!.attachments;
      expect(stored.mimeType).toBe('application/zip');
      expect(stored.content.toString()).toBe('PK\u0003\u0004 trace');
      const [request] = fake.state.requests;
      expect(request.headers['x-atlassian-token']).toBe('no-check');
      expect(request.headers['content-type']).toMatch(
        /^multipart\/form-data; boundary=/,
      );
    });

    it('reads the create metadata of a project', async () => {
      const meta = await client().getCreateMeta('PAY');
      expect(meta).toMatchObject({
        instance: 'cloud',
        key: 'PAY',
        name: 'Payments',
      });
      expect(meta.issueTypes.map(t => t.name)).toEqual([
        'Epic',
        'Story',
        'Task',
        'Bug',
        'Sub-task',
      ]);
      const bug = meta.issueTypes.find(t => t.name === 'Bug')!;
      expect(bug.fields.find(f => f.id === 'summary')).toEqual({
        id: 'summary',
        name: 'Summary',
        required: true,
        schemaType: 'string',
      });
      expect(bug.fields.find(f => f.id === 'components')).toEqual({
        id: 'components',
        name: 'Components',
        required: false,
        schemaType: 'array',
        itemsType: 'component',
        allowedValues: [
          { id: expect.any(String), name: 'payments-api' },
          { id: expect.any(String), name: 'checkout' },
          { id: expect.any(String), name: 'refunds' },
          { id: expect.any(String), name: 'fraud-detection' },
        ],
      });
      expect(
        bug.fields.find(f => f.id === JIRA_FAKE_FIELDS.team)?.allowedValues,
      ).toEqual([
        { id: '10100', name: 'Payments Core' },
        { id: '10101', name: 'Storefront' },
        { id: '10102', name: 'Finance Platform' },
      ]);
      expect(meta.issueTypes.find(t => t.name === 'Sub-task')).toMatchObject({
        subtask: true,
        fields: expect.arrayContaining([
          expect.objectContaining({ id: 'parent', required: true }),
        ]),
      });
    });

    it('creates a component and finds users by email', async () => {
      const jira = client();
      const alan = await jira.findUserByEmail('Alan.Turing@example.com');
      await expect(
        jira.createComponent({
          projectKey: 'PAY',
          name: 'payouts',
          description: 'Payouts',
          lead: alan!.id,
        }),
      ).resolves.toEqual({ id: expect.any(String), name: 'payouts' });
      expect(
        fake.state.project('PAY')!.components.find(c => c.name === 'payouts'),
      ).toMatchObject({
        description: 'Payouts',
        leadAccountId: alan!.id,
      });
      await expect(
        jira.findUserByEmail('nobody@example.com'),
      ).resolves.toBeUndefined();
      const listed = await jira.getComponents('PAY');
      expect(listed).toEqual(
        fake.state.project('PAY')!.components.map(c => ({
          id: c.id,
          name: c.name,
          ...(c.description ? { description: c.description } : {}),
        })),
      );
      expect(listed.map(c => c.name)).toContain('payouts');
      await expect(jira.getComponents('NOPE')).rejects.toMatchObject({
        kind: 'notFound',
      });
      const duplicate = await failure(
        jira.createComponent({ projectKey: 'PAY', name: 'payouts' }),
      );
      expect(duplicate.fieldErrors).toEqual({
        name: 'A component with the name payouts already exists in this project.',
      });
    });
  });

  describe('agile', () => {
    it('finds the boards, the active sprint, its issues and their changelogs', async () => {
      const jira = client();
      await expect(jira.getBoards('PAY')).resolves.toEqual([
        { id: 1, name: 'PAY board', type: 'scrum' },
      ]);
      const sprint = await jira.getActiveSprint(1);
      expect(sprint).toMatchObject({
        name: 'PAY Sprint 23',
        state: 'active',
        goal: 'Ship 3-D Secure 2 for card payments',
      });
      expect(Date.parse(sprint!.startDate!)).toBeLessThan(Date.now());
      const issues = await jira.getSprintIssues(sprint!.id);
      expect(issues).toHaveLength(11);
      expect(issues.reduce((sum, i) => sum + (i.storyPoints ?? 0), 0)).toBe(44);
      const done = await jira.getSprintIssues(sprint!.id, {
        jql: 'statusCategory = Done',
      });
      expect(done.map(i => i.status.category)).toEqual(
        Array(done.length).fill('done'),
      );
      expect(done.length).toBeGreaterThan(2);

      const changelog = await jira.getChangelog('PAY-6');
      expect(changelog.map(e => e.items[0].field)).toEqual([
        'Sprint',
        'Story Points',
        'status',
      ]);
      expect(changelog[1].items[0]).toEqual({
        field: 'Story Points',
        fieldId: JIRA_FAKE_FIELDS.storyPoints,
        from: null,
        fromString: '3',
        to: null,
        toString: '5',
      });
    });

    it('has no active sprint on a kanban board or a board with only future sprints', async () => {
      await expect(client().getActiveSprint(2)).resolves.toBeUndefined();
      await expect(client().getActiveSprint(3)).resolves.toBeUndefined();
      await expect(client().getActiveSprint(99)).rejects.toMatchObject({
        kind: 'notFound',
      });
    });

    it('pages a long changelog', async () => {
      const issue = fake.state.issue('PAY-30')!;
      for (let i = 0; i < 150; i++) {
        fake.state.addHistory(issue, {
          created: new Date(Date.UTC(2024, 0, 1, 0, i)),
          items: [
            {
              field: 'labels',
              fieldtype: 'jira',
              from: null,
              fromString: '',
              to: null,
              toString: `l${i}`,
            },
          ],
        });
      }
      fake.state.resetCalls();
      const changelog = await client().getChangelog('PAY-30');
      expect(changelog).toHaveLength(150);
      expect(changelog[149].items[0].toString).toBe('l149');
      expect(fake.state.calls).toEqual({
        'GET /rest/api/3/issue/PAY-30/changelog': 2,
      });
    });

    it('lists versions', async () => {
      await expect(client().getVersions('PAY')).resolves.toEqual([
        {
          id: expect.any(String),
          name: '1.4.0',
          released: true,
          releaseDate: expect.any(String),
          projectKey: 'PAY',
        },
        {
          id: expect.any(String),
          name: '1.5.0',
          released: false,
          releaseDate: expect.any(String),
          projectKey: 'PAY',
        },
      ]);
    });
  });

  it('detects the product from serverInfo once', async () => {
    fake.state.resetCalls();
    const jira = client({ product: undefined });
    await expect(
      Promise.all([jira.product(), jira.product()]),
    ).resolves.toEqual(['cloud', 'cloud']);
    await jira.getProject('PAY');
    expect(fake.state.calls).toEqual({
      'GET /rest/api/2/serverInfo': 1,
      'GET /rest/api/3/project/PAY': 1,
    });
  });

  it('sends its own User-Agent on every call', async () => {
    fake.state.resetCalls();
    const jira = client();
    await jira.getIssue('PAY-1');
    await jira.search({ jql: 'project = PAY' });
    await jira.addComment('PAY-1', 'x');
    await jira.getBoards('PAY');
    expect(fake.state.requests.length).toBeGreaterThanOrEqual(5);
    for (const request of fake.state.requests) {
      expect(request.headers['user-agent']).toBe('Comet-Jira-Client');
      expect(request.headers.authorization).toBe('Basic');
    }
  });
});
