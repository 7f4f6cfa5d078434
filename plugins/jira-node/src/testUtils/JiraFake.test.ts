import express from 'express';
import request from 'supertest';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JIRA_FAKE_FIELDS,
  JiraFake,
  jiraDate,
} from './JiraFake';

const BASIC = `Basic ${Buffer.from(
  `${JIRA_FAKE_DEMO_EMAIL}:${JIRA_FAKE_DEMO_API_TOKEN}`,
).toString('base64')}`;
const BEARER = `Bearer ${JIRA_FAKE_DEMO_PAT}`;

async function call(
  fake: JiraFake,
  method: string,
  path: string,
  options: {
    body?: unknown;
    auth?: string | null;
    headers?: Record<string, string>;
  } = {},
) {
  const fallback = fake.product === 'cloud' ? BASIC : BEARER;
  const auth = options.auth === undefined ? fallback : options.auth;
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: {
      ...(auth ? { Authorization: auth } : {}),
      ...(options.body !== undefined && typeof options.body !== 'string'
        ? { 'Content-Type': 'application/json' }
        : {}),
      ...options.headers,
    },
    body:
      typeof options.body === 'string' || options.body === undefined
        ? options.body
        : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: response.status, headers: response.headers, body };
}

describe('JiraFake (Cloud)', () => {
  let fake: JiraFake;

  beforeAll(async () => {
    fake = await JiraFake.start({ example: true, contextPath: '/jira/' });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => fake.state.resetCalls());

  it('serves under its context path and tells it is Cloud, anonymously', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jira$/);
    const info = await call(fake, 'GET', '/rest/api/2/serverInfo', {
      auth: null,
    });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      deploymentType: 'Cloud',
      baseUrl: fake.url,
    });
    expect(
      (await call(fake, 'GET', '/rest/api/3/serverInfo', { auth: null }))
        .status,
    ).toBe(200);
  });

  it('answers 401 without credentials or with wrong ones', async () => {
    for (const auth of [
      null,
      'Basic bm9ib2R5Ondyb25n',
      BEARER,
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
    ]) {
      const response = await call(fake, 'GET', '/rest/api/3/myself', { auth });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        errorMessages: [
          'Client must be authenticated to access this resource.',
        ],
        errors: {},
      });
    }
    expect(
      (
        await call(fake, 'GET', '/rest/api/2/serverInfo', {
          auth: 'Basic bm9ib2R5Ondyb25n',
        })
      ).status,
    ).toBe(401);
    const me = await call(fake, 'GET', '/rest/api/3/myself');
    expect(me.body).toMatchObject({
      emailAddress: JIRA_FAKE_DEMO_EMAIL,
      displayName: 'Comet',
      accountType: 'atlassian',
      accountId: expect.stringMatching(/^712020:/),
    });
  });

  it('answers 410 Gone on the removed search, in v3 and v2', async () => {
    for (const [method, path] of [
      ['GET', '/rest/api/3/search?jql=project%20%3D%20PAY'],
      ['POST', '/rest/api/3/search'],
      ['GET', '/rest/api/2/search'],
      ['POST', '/rest/api/2/search'],
    ]) {
      const response = await call(
        fake,
        method,
        path,
        method === 'POST' ? { body: { jql: 'project = PAY' } } : {},
      );
      expect(response.status).toBe(410);
      expect(response.body.errorMessages[0]).toMatch(
        /^The requested API has been removed\. Please migrate to the \/rest\/api\/3\/search\/jql API\./,
      );
    }
  });

  it('pages the enhanced search with nextPageToken, a null token and isLast on the last page', async () => {
    const first = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: {
        jql: 'project = PAY ORDER BY key ASC',
        maxResults: 20,
        fields: ['summary'],
      },
    });
    expect(first.status).toBe(200);
    expect(first.body.issues).toHaveLength(20);
    expect(first.body.isLast).toBe(false);
    expect(typeof first.body.nextPageToken).toBe('string');
    expect(first.body.issues[0]).toMatchObject({
      key: 'PAY-1',
      fields: { summary: '3-D Secure 2 for card payments' },
    });
    expect(Object.keys(first.body.issues[0].fields)).toEqual(['summary']);
    const last = await call(
      fake,
      'GET',
      `/rest/api/3/search/jql?jql=${encodeURIComponent(
        'project = PAY ORDER BY key ASC',
      )}&maxResults=20&fields=summary,status&nextPageToken=${
        first.body.nextPageToken
      }`,
    );
    expect(last.body.issues).toHaveLength(10);
    expect(last.body.issues[0].key).toBe('PAY-21');
    expect(last.body.isLast).toBe(true);
    expect(last.body).toHaveProperty('nextPageToken', null);
    // without fields, only ids, as Atlassian documents
    const ids = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'project = SHOP' },
    });
    expect(ids.body.issues[0]).toEqual({ id: expect.any(String) });
    expect(ids.body.issues).toHaveLength(18);
  });

  it('caps pages at 100 issues with fields and 5000 with ids only', async () => {
    fake.state.seedIssues('CAP', 150);
    const withFields = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'project = CAP', maxResults: 1000, fields: ['summary'] },
    });
    expect(withFields.body.issues).toHaveLength(100);
    const idsOnly = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'project = CAP', maxResults: 1000, fields: ['id', 'key'] },
    });
    expect(idsOnly.body.issues).toHaveLength(150);
    expect(idsOnly.body.nextPageToken).toBeNull();
  });

  it('refuses unbounded JQL, bad JQL and a forged page token as Jira does', async () => {
    const unbounded = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'ORDER BY created DESC' },
    });
    expect(unbounded.status).toBe(400);
    expect(unbounded.body.errorMessages).toEqual([
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    ]);
    const bad = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'project = PAY AND (status = Done' },
    });
    expect(bad.body).toEqual({
      errorMessages: [
        "Error in the JQL Query: Expecting ')' before the end of the query.",
      ],
      errors: {},
    });
    const forged = await call(fake, 'POST', '/rest/api/3/search/jql', {
      body: { jql: 'project = PAY', nextPageToken: 'bm90IGEgdG9rZW4' },
    });
    expect(forged.status).toBe(400);
    const count = await call(
      fake,
      'POST',
      '/rest/api/3/search/approximate-count',
      { body: { jql: 'project in (PAY, SHOP)' } },
    );
    expect(count.body).toEqual({ count: 48 });
    expect(
      (
        await call(fake, 'POST', '/rest/api/3/search/approximate-count', {
          body: { jql: '' },
        })
      ).status,
    ).toBe(400);
  });

  it('throttles with Retry-After and X-RateLimit-Reset, then answers again', async () => {
    fake.state.throttle({ requests: 1, retryAfterSeconds: 7 });
    fake.state.throttle({
      requests: 1,
      retryAfterSeconds: 2,
      status: 503,
      format: 'http-date',
    });
    const limited = await call(fake, 'GET', '/rest/api/3/myself');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(
      Date.parse(limited.headers.get('x-ratelimit-reset')!),
    ).toBeGreaterThan(Date.now() + 5000);
    expect(limited.body.errorMessages).toEqual(['Rate limit exceeded.']);
    const unavailable = await call(fake, 'GET', '/rest/api/3/myself');
    expect(unavailable.status).toBe(503);
    expect(Date.parse(unavailable.headers.get('retry-after')!)).toBeGreaterThan(
      Date.now(),
    );
    expect((await call(fake, 'GET', '/rest/api/3/myself')).status).toBe(200);
    expect(fake.state.calls).toEqual({ 'GET /rest/api/3/myself': 3 });
  });

  it('reads issues with the fields asked for and the changelog on request', async () => {
    const issue = await call(fake, 'GET', '/rest/api/3/issue/PAY-2');
    expect(issue.body).toMatchObject({
      key: 'PAY-2',
      fields: {
        summary: 'Challenge flow for 3-D Secure 2 in checkout',
        status: {
          name: 'In Progress',
          statusCategory: { key: 'indeterminate' },
        },
        issuetype: { name: 'Story', subtask: false },
        description: { type: 'doc', version: 1 },
        [JIRA_FAKE_FIELDS.storyPoints]: 8,
        [JIRA_FAKE_FIELDS.sprint]: [
          expect.objectContaining({ name: 'PAY Sprint 23', state: 'active' }),
        ],
        [JIRA_FAKE_FIELDS.team]: expect.objectContaining({
          value: 'Payments Core',
        }),
        project: expect.objectContaining({ key: 'PAY' }),
        comment: expect.objectContaining({ total: 0 }),
      },
    });
    expect(issue.body.fields.created).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/,
    );
    const some = await call(
      fake,
      'GET',
      '/rest/api/3/issue/PAY-3?fields=summary,-status&expand=changelog',
    );
    expect(Object.keys(some.body.fields)).toEqual(['summary']);
    expect(
      some.body.changelog.histories.map((h: any) => h.items[0].field),
    ).toEqual(['Sprint', 'status', 'status']);
    const missing = await call(fake, 'GET', '/rest/api/3/issue/PAY-999');
    expect(missing).toMatchObject({
      status: 404,
      body: {
        errorMessages: [
          'Issue does not exist or you do not have permission to see it.',
        ],
      },
    });
  });

  it('pages a changelog with startAt, isLast and nextPage', async () => {
    const page = await call(
      fake,
      'GET',
      '/rest/api/3/issue/PAY-3/changelog?maxResults=2',
    );
    expect(page.body).toMatchObject({
      startAt: 0,
      maxResults: 2,
      total: 3,
      isLast: false,
    });
    expect(page.body.nextPage).toContain(
      '/rest/api/3/issue/PAY-3/changelog?startAt=2&maxResults=2',
    );
    const rest = await call(
      fake,
      'GET',
      '/rest/api/3/issue/PAY-3/changelog?startAt=2',
    );
    expect(rest.body).toMatchObject({
      startAt: 2,
      isLast: true,
      values: [expect.objectContaining({ items: expect.any(Array) })],
    });
    expect(rest.body.nextPage).toBeUndefined();
  });

  it("validates a new issue field by field, as Jira's errors object", async () => {
    const bad = await call(fake, 'POST', '/rest/api/3/issue', {
      body: {
        fields: {
          project: { key: 'PAY' },
          issuetype: { name: 'Incident' },
          description: 'plain text is not ADF',
          labels: ['has space'],
          fixVersions: [{ name: '9.9.9' }],
          priority: { name: 'Urgent' },
          assignee: { accountId: 'nobody' },
          customfield_99999: 'x',
        },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      errorMessages: [],
      errors: {
        issuetype: 'Specify a valid issue type',
        summary: 'You must specify a summary of the issue.',
        description:
          'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
        assignee:
          'Specified user does not exist or you do not have required permissions',
        labels: "The label 'has space' contains spaces which is invalid.",
        fixVersions: "Version name '9.9.9' is not valid",
        priority: 'Specify the Priority (id or name) in the string format',
        customfield_99999:
          "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
      },
    });
    const noFields = await call(fake, 'POST', '/rest/api/3/issue', {
      body: {},
    });
    expect(Object.keys(noFields.body.errors)).toEqual([
      'project',
      'summary',
      'issuetype',
    ]);
    const subtask = await call(fake, 'POST', '/rest/api/3/issue', {
      body: {
        fields: {
          project: { key: 'PAY' },
          issuetype: { id: '10003' },
          summary: 'child',
          [JIRA_FAKE_FIELDS.storyPoints]: 'three',
        },
      },
    });
    expect(subtask.body.errors).toEqual({
      parent:
        'Issue type is a sub-task but parent issue key or id not specified.',
      [JIRA_FAKE_FIELDS.storyPoints]: `Field '${JIRA_FAKE_FIELDS.storyPoints}' cannot be set. It is not on the appropriate screen, or unknown.`,
    });
    const child = await call(fake, 'POST', '/rest/api/3/issue', {
      body: {
        fields: {
          project: { id: '10000' },
          issuetype: { id: '10003' },
          summary: 'child',
          parent: { key: 'PAY-2' },
          priority: { id: '1' },
          fixVersions: [{ name: '1.5.0' }],
          [JIRA_FAKE_FIELDS.team]: { id: '10102' },
        },
      },
    });
    expect(child.status).toBe(201);
    expect(child.body).toEqual({
      id: expect.any(String),
      key: expect.stringMatching(/^PAY-\d+$/),
      self: expect.stringContaining('/rest/api/3/issue/'),
    });
    const stored = await call(
      fake,
      'GET',
      `/rest/api/3/issue/${child.body.key}?fields=parent,priority,fixVersions`,
    );
    expect(stored.body.fields).toMatchObject({
      parent: { key: 'PAY-2' },
      priority: { name: 'Highest' },
      fixVersions: [expect.objectContaining({ name: '1.5.0' })],
    });
    const wrongTypes = await call(fake, 'POST', '/rest/api/3/issue', {
      body: {
        fields: {
          project: { key: 'PAY' },
          issuetype: { name: 'Story' },
          summary: 'x'.repeat(256),
          [JIRA_FAKE_FIELDS.storyPoints]: 'many',
          [JIRA_FAKE_FIELDS.sprint]: 999,
          [JIRA_FAKE_FIELDS.team]: { value: 'Nobody' },
          parent: {},
        },
      },
    });
    expect(wrongTypes.body.errors).toEqual({
      summary: 'Summary must be less than 255 characters.',
      [JIRA_FAKE_FIELDS.storyPoints]: 'Operation value must be a number',
      [JIRA_FAKE_FIELDS.sprint]: 'Sprint with id 999 does not exist.',
      [JIRA_FAKE_FIELDS.team]:
        'Option value \'{"value":"Nobody"}\' is not valid',
    });
  });

  it('refuses writes to a read-only account, a browser without the XSRF header and attachments without it', async () => {
    const guest = `Basic ${Buffer.from(
      'guest@example.com:jira_fake_token_guest',
    ).toString('base64')}`;
    const created = await call(fake, 'POST', '/rest/api/3/issue', {
      auth: guest,
      body: {
        fields: {
          project: { key: 'PAY' },
          issuetype: { name: 'Bug' },
          summary: 'x',
        },
      },
    });
    expect(created.body.errors).toEqual({
      project: 'You do not have permission to create issues in this project.',
    });
    const transition = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-1/transitions',
      { auth: guest, body: { transition: { id: '11' } } },
    );
    expect(transition.status).toBe(403);
    const browser = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-1/comment',
      {
        headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126' },
        body: { body: { type: 'doc', version: 1, content: [] } },
      },
    );
    expect(browser).toMatchObject({ status: 403, body: 'XSRF check failed' });
    const form = new FormData();
    form.append('file', new Blob(['x']), 'x.txt');
    const attachment = await fetch(
      `${fake.url}/rest/api/3/issue/PAY-1/attachments`,
      {
        method: 'POST',
        headers: { Authorization: BASIC },
        body: form,
      },
    );
    expect(attachment.status).toBe(403);
    expect(await attachment.text()).toBe('XSRF check failed');
  });

  it('stores attachments and serves their content', async () => {
    const form = new FormData();
    form.append('file', new Blob(['first'], { type: 'text/plain' }), 'a.txt');
    form.append('file', new Blob(['second']), 'b.bin');
    const response = await fetch(
      `${fake.url}/rest/api/3/issue/PAY-5/attachments`,
      {
        method: 'POST',
        headers: { Authorization: BASIC, 'X-Atlassian-Token': 'no-check' },
        body: form,
      },
    );
    expect(response.status).toBe(200);
    const attachments = await response.json();
    expect(
      attachments.map((a: any) => [a.filename, a.size, a.mimeType]),
    ).toEqual([
      ['a.txt', 5, 'text/plain'],
      ['b.bin', 6, 'application/octet-stream'],
    ]);
    const content = await fetch(attachments[0].content, {
      headers: { Authorization: BASIC },
    });
    expect(await content.text()).toBe('first');
    expect(
      (await call(fake, 'GET', '/rest/api/3/attachment/content/1')).status,
    ).toBe(404);
    const noFile = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-5/attachments',
      {
        headers: {
          'X-Atlassian-Token': 'no-check',
          'Content-Type': 'multipart/form-data; boundary=x',
        },
        body: '--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nv\r\n--x--\r\n',
      },
    );
    expect(noFile.status).toBe(400);
    const notMultipart = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-5/attachments',
      {
        headers: {
          'X-Atlassian-Token': 'no-check',
          'Content-Type': 'text/plain',
        },
        body: 'hello',
      },
    );
    expect(notMultipart.status).toBe(415);
    const broken = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-5/attachments',
      {
        headers: {
          'X-Atlassian-Token': 'no-check',
          'Content-Type': 'multipart/form-data; boundary=x',
        },
        body: 'not multipart at all',
      },
    );
    expect(broken.status).toBe(400);
  });

  it('comments only in ADF, and lists comments newest first on request', async () => {
    const plain = await call(fake, 'POST', '/rest/api/3/issue/PAY-7/comment', {
      body: { body: 'plain' },
    });
    expect(plain.body.errors).toEqual({
      comment:
        'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
    });
    const empty = await call(fake, 'POST', '/rest/api/3/issue/PAY-7/comment', {
      body: {
        body: { type: 'doc', version: 1, content: [{ type: 'paragraph' }] },
      },
    });
    expect(empty.body.errors).toEqual({
      comment: 'Comment body can not be empty!',
    });
    const comments = await call(
      fake,
      'GET',
      '/rest/api/3/issue/PAY-4/comment?orderBy=-created&maxResults=1',
    );
    expect(comments.body).toMatchObject({ total: 2, maxResults: 1 });
    expect(comments.body.comments[0].body.content[0].content[0].text).toBe(
      'Fixed by answering 504 and retrying once.',
    );
  });

  it('walks the workflow and refuses transitions it does not offer', async () => {
    const transitions = await call(
      fake,
      'GET',
      '/rest/api/3/issue/PAY-8/transitions',
    );
    expect(
      transitions.body.transitions.map((t: any) => [t.id, t.name, t.to.name]),
    ).toEqual([['21', 'In Progress', 'In Progress']]);
    const invalid = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-8/transitions',
      { body: { transition: { id: '31' } } },
    );
    expect(invalid.body).toEqual({
      errorMessages: ["Transition id '31' is not valid for this issue."],
      errors: {},
    });
    const missing = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-8/transitions',
      { body: {} },
    );
    expect(missing.body.errorMessages).toEqual([
      "Missing 'transition' identifier",
    ]);
    const done = await call(
      fake,
      'POST',
      '/rest/api/3/issue/PAY-9/transitions',
      { body: { transition: { id: 41 } } },
    );
    expect(done.status).toBe(204);
    expect(fake.state.issue('PAY-9')!.resolution).toBeUndefined();
  });

  it('finds users, projects, versions, components and create metadata', async () => {
    const users = await call(
      fake,
      'GET',
      '/rest/api/3/user/search?query=katherine.johnson@example.com',
    );
    expect(users.body.map((u: any) => u.displayName)).toEqual([
      'Katherine Johnson',
    ]);
    const byName = await call(
      fake,
      'GET',
      '/rest/api/3/user/search?query=turing',
    );
    expect(byName.body.map((u: any) => u.displayName)).toEqual(['Alan Turing']);
    expect((await call(fake, 'GET', '/rest/api/3/user/search')).status).toBe(
      400,
    );
    const one = await call(
      fake,
      'GET',
      `/rest/api/3/user?accountId=${encodeURIComponent(
        users.body[0].accountId,
      )}`,
    );
    expect(one.body.emailAddress).toBe('katherine.johnson@example.com');
    expect(
      (await call(fake, 'GET', '/rest/api/3/user?accountId=nobody')).status,
    ).toBe(404);
    const byId = await call(
      fake,
      'GET',
      `/rest/api/3/user/search?accountId=${encodeURIComponent(
        users.body[0].accountId,
      )}`,
    );
    expect(byId.body).toHaveLength(1);

    expect(
      (await call(fake, 'GET', '/rest/api/3/project')).body.map(
        (p: any) => p.key,
      ),
    ).toEqual(expect.arrayContaining(['PAY', 'SHOP', 'LEDG']));
    const search = await call(
      fake,
      'GET',
      '/rest/api/3/project/search?maxResults=2',
    );
    expect(search.body).toMatchObject({
      maxResults: 2,
      startAt: 0,
      isLast: false,
    });
    expect(search.body.values).toHaveLength(2);
    const project = await call(fake, 'GET', '/rest/api/3/project/SHOP');
    expect(project.body).toMatchObject({
      key: 'SHOP',
      name: 'Storefront',
      lead: { displayName: 'Katherine Johnson' },
    });
    expect(
      (await call(fake, 'GET', '/rest/api/3/project/SHOP/versions')).body.map(
        (v: any) => v.name,
      ),
    ).toEqual(['2.0.0']);
    expect(
      (await call(fake, 'GET', '/rest/api/3/project/SHOP/components')).body.map(
        (c: any) => c.name,
      ),
    ).toEqual(['storefront-web', 'catalog', 'cart', 'search', 'notifications']);
    const types = await call(
      fake,
      'GET',
      '/rest/api/3/issue/createmeta/SHOP/issuetypes?maxResults=2',
    );
    expect(types.body).toMatchObject({ maxResults: 2, startAt: 0, total: 5 });
    expect(types.body.issueTypes.map((t: any) => t.name)).toEqual([
      'Epic',
      'Story',
    ]);
    const fields = await call(
      fake,
      'GET',
      '/rest/api/3/issue/createmeta/SHOP/issuetypes/10000',
    );
    expect(fields.body.fields.map((f: any) => f.fieldId)).not.toContain(
      JIRA_FAKE_FIELDS.storyPoints,
    );
    expect(
      (
        await call(
          fake,
          'GET',
          '/rest/api/3/issue/createmeta/SHOP/issuetypes/1',
        )
      ).status,
    ).toBe(404);
    expect(
      (await call(fake, 'GET', '/rest/api/3/issue/createmeta/NOPE/issuetypes'))
        .status,
    ).toBe(404);
  });

  it('creates components, for admins only and with a valid name and lead', async () => {
    const empty = await call(fake, 'POST', '/rest/api/3/component', {
      body: { project: 'LEDG', name: ' ' },
    });
    expect(empty.body.errors).toEqual({
      name: 'The component name specified is invalid - cannot be empty.',
    });
    const lead = await call(fake, 'POST', '/rest/api/3/component', {
      body: { project: 'LEDG', name: 'x', leadAccountId: 'nobody' },
    });
    expect(lead.body.errors).toEqual({
      leadAccountId: 'The user does not exist.',
    });
    const missing = await call(fake, 'POST', '/rest/api/3/component', {
      body: { project: 'NOPE', name: 'x' },
    });
    expect(missing.status).toBe(404);
    const created = await call(fake, 'POST', '/rest/api/3/component', {
      body: { project: 'LEDG', name: 'ledger-api' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'ledger-api',
        project: 'LEDG',
        assigneeType: 'PROJECT_DEFAULT',
      },
    });
  });

  it('serves boards, sprints and sprint issues from the Agile API', async () => {
    const boards = await call(fake, 'GET', '/rest/agile/1.0/board?type=scrum');
    expect(boards.body.values.map((b: any) => b.name)).toEqual([
      'PAY board',
      'LEDG board',
    ]);
    expect(
      (await call(fake, 'GET', '/rest/agile/1.0/board?name=shop')).body
        .values[0],
    ).toMatchObject({
      id: 2,
      type: 'kanban',
      location: { projectKey: 'SHOP' },
    });
    expect(
      (await call(fake, 'GET', '/rest/agile/1.0/board?projectKeyOrId=NOPE'))
        .status,
    ).toBe(400);
    expect((await call(fake, 'GET', '/rest/agile/1.0/board/1')).body.name).toBe(
      'PAY board',
    );
    expect((await call(fake, 'GET', '/rest/agile/1.0/board/42')).status).toBe(
      404,
    );
    const sprints = await call(
      fake,
      'GET',
      '/rest/agile/1.0/board/1/sprint?state=closed,active',
    );
    expect(sprints.body.values.map((s: any) => [s.name, s.state])).toEqual([
      ['PAY Sprint 22', 'closed'],
      ['PAY Sprint 23', 'active'],
    ]);
    expect(
      (await call(fake, 'GET', '/rest/agile/1.0/board/2/sprint')).body,
    ).toEqual({
      errorMessages: ['The board does not support sprints'],
      errors: {},
    });
    expect(
      (await call(fake, 'GET', '/rest/agile/1.0/sprint/2')).body.goal,
    ).toBe('Ship 3-D Secure 2 for card payments');
    expect(
      (await call(fake, 'GET', '/rest/agile/1.0/sprint/77/issue')).status,
    ).toBe(404);
    const issues = await call(
      fake,
      'GET',
      `/rest/agile/1.0/sprint/2/issue?maxResults=5&fields=summary&jql=${encodeURIComponent(
        'assignee is EMPTY',
      )}`,
    );
    expect(issues.body).toMatchObject({ total: 2, maxResults: 5 });
  });

  it('answers unknown resources like Jersey and bad JSON with a 400', async () => {
    const unknown = await call(fake, 'GET', '/rest/api/3/dashboard');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/^null for uri: /);
    const bad = await call(fake, 'POST', '/rest/api/3/issue', {
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errorMessages[0]).toMatch(/not valid JSON/);
  });

  it('counts calls by method and path', async () => {
    await call(fake, 'GET', '/rest/api/3/myself');
    await call(fake, 'GET', '/rest/api/3/myself');
    await call(fake, 'GET', '/rest/api/3/project/PAY');
    expect(fake.state.calls).toEqual({
      'GET /rest/api/3/myself': 2,
      'GET /rest/api/3/project/PAY': 1,
    });
    expect(fake.state.callCount()).toBe(3);
    expect(fake.state.callCount('GET /rest/api/3/project')).toBe(1);
    expect(fake.state.requests[0].headers.authorization).toBe('Basic');
  });
});

describe('JiraFake (Data Center)', () => {
  let fake: JiraFake;

  beforeAll(async () => {
    fake = await JiraFake.start({
      product: 'datacenter',
      example: true,
      latencyMs: 5,
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  it('says Server, takes a Bearer personal access token and has no REST v3', async () => {
    expect(
      (await call(fake, 'GET', '/rest/api/2/serverInfo', { auth: null })).body
        .deploymentType,
    ).toBe('Server');
    expect(
      (await call(fake, 'GET', '/rest/api/2/myself', { auth: BASIC })).status,
    ).toBe(401);
    expect(
      (await call(fake, 'GET', '/rest/api/2/myself', { auth: 'Bearer nope' }))
        .status,
    ).toBe(401);
    expect((await call(fake, 'GET', '/rest/api/2/myself')).body).toMatchObject({
      name: 'comet',
      key: expect.stringMatching(/^JIRAUSER/),
    });
    expect((await call(fake, 'GET', '/rest/api/3/myself')).status).toBe(404);
  });

  it('searches with startAt, maxResults and total, GET or POST', async () => {
    const page = await call(
      fake,
      'GET',
      `/rest/api/2/search?jql=${encodeURIComponent(
        'project = SHOP ORDER BY key DESC',
      )}&startAt=15&maxResults=10&fields=summary`,
    );
    expect(page.body).toMatchObject({ startAt: 15, maxResults: 10, total: 18 });
    expect(page.body.issues.map((i: any) => i.key)).toEqual([
      'SHOP-3',
      'SHOP-2',
      'SHOP-1',
    ]);
    const total = await call(fake, 'POST', '/rest/api/2/search', {
      body: { jql: '', maxResults: 0 },
    });
    expect(total.body).toMatchObject({ total: 60, issues: [] });
    const navigable = await call(fake, 'POST', '/rest/api/2/search', {
      body: { jql: 'key = PAY-4', maxResults: 1 },
    });
    expect(navigable.body.issues[0].fields).not.toHaveProperty('comment');
    expect(navigable.body.issues[0].fields.description).toEqual(
      expect.any(String),
    );
  });

  it('keeps wiki markup: descriptions and comments are strings', async () => {
    const issue = await call(
      fake,
      'GET',
      '/rest/api/2/issue/PAY-2?fields=description',
    );
    expect(issue.body.fields.description).toMatch(/^h2\. Goal\n/);
    const adf = await call(fake, 'POST', '/rest/api/2/issue/PAY-2/comment', {
      body: { body: { type: 'doc', version: 1, content: [] } },
    });
    expect(adf.status).toBe(400);
    const blank = await call(fake, 'POST', '/rest/api/2/issue/PAY-2/comment', {
      body: { body: '  ' },
    });
    expect(blank.body.errors).toEqual({
      comment: 'Comment body can not be empty!',
    });
    const created = await call(fake, 'POST', '/rest/api/2/issue', {
      body: {
        fields: {
          project: { key: 'PAY' },
          issuetype: { name: 'Task' },
          summary: 'x',
          description: { type: 'doc' },
        },
      },
    });
    expect(created.body.errors).toEqual({
      description: 'Operation value must be a string',
    });
    const types = await call(
      fake,
      'GET',
      '/rest/api/2/issue/createmeta/PAY/issuetypes',
    );
    expect(types.body).toMatchObject({
      isLast: true,
      values: expect.any(Array),
    });
    const fields = await call(
      fake,
      'GET',
      '/rest/api/2/issue/createmeta/PAY/issuetypes/10004',
    );
    expect(fields.body.values.map((f: any) => f.fieldId)).toContain('summary');
    const users = await call(
      fake,
      'GET',
      '/rest/api/2/user/search?username=alan',
    );
    expect(users.body.map((u: any) => u.name)).toEqual(['alan.turing']);
    expect((await call(fake, 'GET', '/rest/api/2/user/search')).status).toBe(
      400,
    );
    expect(
      (await call(fake, 'GET', '/rest/api/2/user?username=alan.turing')).body
        .displayName,
    ).toBe('Alan Turing');
    expect(
      (await call(fake, 'GET', '/rest/api/2/user?username=ghost')).body
        .errorMessages,
    ).toEqual(["The user named 'ghost' does not exist"]);
    const lead = await call(fake, 'POST', '/rest/api/2/component', {
      body: { project: 'PAY', name: 'y', leadUserName: 'ghost' },
    });
    expect(lead.body.errors).toEqual({
      leadUserName: "The user 'ghost' does not exist.",
    });
  });
});

describe('JiraFake without listening', () => {
  it('mounts its router in another server, with self links under the mount path', async () => {
    const fake = new JiraFake({ product: 'datacenter' });
    expect(() => fake.url).toThrow(
      'This JiraFake is not listening: create it with JiraFake.start()',
    );
    await fake.close();
    const app = express();
    app.use('/api/fakes/jira', fake.router);
    const info = await request(app).get(
      '/api/fakes/jira/rest/api/2/serverInfo',
    );
    expect(info.status).toBe(200);
    expect(info.body.baseUrl).toMatch(/\/api\/fakes\/jira$/);
    fake.state.seedIssues('GEN', 3);
    const search = await request(app)
      .post('/api/fakes/jira/rest/api/2/search')
      .set('Authorization', BEARER)
      .send({ jql: 'project = GEN', fields: ['summary'] });
    expect(search.body.total).toBe(3);
    expect(search.body.issues[0].self).toMatch(
      /\/api\/fakes\/jira\/rest\/api\/2\/issue\/\d+$/,
    );
  });

  it('takes its own users', async () => {
    const fake = new JiraFake({
      users: [
        {
          emailAddress: 'ci@example.com',
          displayName: 'CI',
          apiTokens: ['ci-token'],
          accountId: 'ci-account',
        },
      ],
    });
    const app = express().use(fake.router);
    const me = await request(app)
      .get('/rest/api/3/myself')
      .set(
        'Authorization',
        `Basic ${Buffer.from('ci@example.com:ci-token').toString('base64')}`,
      );
    expect(me.body).toMatchObject({
      accountId: 'ci-account',
      displayName: 'CI',
    });
  });

  it('writes dates as Jira does', () => {
    expect(jiraDate(new Date('2024-05-01T10:15:30Z'))).toBe(
      '2024-05-01T10:15:30.000+0000',
    );
  });
});
