import { DefaultJiraClient } from './JiraClient';
import { JiraError } from './types';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JIRA_FAKE_DEMO_PAT,
  JiraFake,
} from './testUtils';

jest.setTimeout(30_000);

describe('DefaultJiraClient.listProjects', () => {
  describe('on Jira Cloud', () => {
    let fake: JiraFake;

    beforeAll(async () => {
      fake = await JiraFake.start({ product: 'cloud', example: true });
      // 60 more, so the search takes two pages of 50
      for (let i = 0; i < 60; i++) {
        fake.state.addProject({
          key: `T${String(i).padStart(2, '0')}`,
          name: `Team project ${i}`,
        });
      }
    });

    afterAll(() => fake.close());

    const client = () =>
      DefaultJiraClient.create({
        name: 'cloud',
        baseUrl: fake.url,
        browseUrl: 'https://acme.atlassian.net',
        product: 'cloud',
        auth: {
          type: 'basic',
          email: JIRA_FAKE_DEMO_EMAIL,
          apiToken: JIRA_FAKE_DEMO_API_TOKEN,
        },
        customFields: {},
      });

    it('pages project/search by key until maxResults, passing the query to Jira', async () => {
      fake.state.resetCalls();
      const all = await client().listProjects({ maxResults: 70 });
      expect(all.total).toBe(63);
      expect(all.projects).toHaveLength(63);
      expect(all.projects.slice(0, 3)).toEqual([
        { id: expect.any(String), key: 'LEDG', name: 'Ledger' },
        { id: expect.any(String), key: 'PAY', name: 'Payments' },
        { id: expect.any(String), key: 'SHOP', name: 'Storefront' },
      ]);
      expect(fake.state.requests.map(r => [r.path, r.query.startAt])).toEqual([
        ['/rest/api/3/project/search', '0'],
        ['/rest/api/3/project/search', '50'],
      ]);

      fake.state.resetCalls();
      const some = await client().listProjects({
        query: ' team project 1',
        maxResults: 5,
      });
      expect(some.projects.map(p => p.key)).toEqual([
        'T01',
        'T10',
        'T11',
        'T12',
        'T13',
      ]);
      expect(some.total).toBe(11);
      expect(fake.state.requests).toHaveLength(1);
      expect(fake.state.requests[0].query).toMatchObject({
        query: 'team project 1',
        orderBy: 'key',
        maxResults: '5',
      });
    });

    it('answers an orderBy it does not know with 400, as Jira does', async () => {
      const res = await fetch(
        `${fake.url}/rest/api/3/project/search?orderBy=-name&maxResults=2`,
        {
          headers: {
            authorization: `Basic ${Buffer.from(
              `${JIRA_FAKE_DEMO_EMAIL}:${JIRA_FAKE_DEMO_API_TOKEN}`,
            ).toString('base64')}`,
          },
        },
      );
      expect((await res.json()).values.map((p: any) => p.name)).toEqual([
        'Team project 9',
        'Team project 8',
      ]);
      const bad = await fetch(
        `${fake.url}/rest/api/3/project/search?orderBy=owner`,
        {
          headers: {
            authorization: `Basic ${Buffer.from(
              `${JIRA_FAKE_DEMO_EMAIL}:${JIRA_FAKE_DEMO_API_TOKEN}`,
            ).toString('base64')}`,
          },
        },
      );
      expect(bad.status).toBe(400);
      expect((await bad.json()).errorMessages).toEqual([
        "The value 'owner' is invalid for the orderBy parameter (the fake knows key and name).",
      ]);
    });

    it('names the instance when Jira refuses the credentials', async () => {
      const refused = await DefaultJiraClient.create({
        name: 'cloud',
        baseUrl: fake.url,
        browseUrl: 'https://acme.atlassian.net',
        product: 'cloud',
        auth: {
          type: 'basic',
          email: JIRA_FAKE_DEMO_EMAIL,
          apiToken: 'wrong',
        },
        customFields: {},
      })
        .listProjects({ maxResults: 5 })
        .catch(e => e);
      expect(refused).toBeInstanceOf(JiraError);
      expect(refused.message).toContain('Jira instance "cloud"');
      expect(refused.message).not.toContain('wrong');
    });
  });

  describe('on Jira Data Center', () => {
    let fake: JiraFake;

    beforeAll(async () => {
      fake = await JiraFake.start({ product: 'datacenter', example: true });
    });

    afterAll(() => fake.close());

    it('reads every project once and narrows them by key or name', async () => {
      const jira = DefaultJiraClient.create({
        name: 'dc',
        baseUrl: fake.url,
        browseUrl: 'https://jira.example.com',
        auth: { type: 'bearer', token: JIRA_FAKE_DEMO_PAT },
        customFields: {},
      });
      await jira.product();
      fake.state.resetCalls();
      expect(await jira.listProjects({ maxResults: 2 })).toEqual({
        projects: [
          { id: expect.any(String), key: 'LEDG', name: 'Ledger' },
          { id: expect.any(String), key: 'PAY', name: 'Payments' },
        ],
        total: 3,
      });
      expect(
        await jira.listProjects({ query: 'FRONT', maxResults: 10 }),
      ).toEqual({
        projects: [{ id: expect.any(String), key: 'SHOP', name: 'Storefront' }],
        total: 1,
      });
      expect(Object.keys(fake.state.calls)).toEqual([
        'GET /rest/api/2/project',
      ]);
    });
  });
});
