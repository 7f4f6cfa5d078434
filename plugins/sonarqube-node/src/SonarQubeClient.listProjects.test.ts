/*
 * SonarQubeClient.listProjects against the SonarQube fake: `api/projects/search` with an
 * administrator's token, `api/components/search_projects` (what the token may browse) without.
 */
import { ConfigReader } from '@backstage/config';
import { SonarQubeClient } from './SonarQubeClient';
import { SonarQubeFake } from './testUtils';

const ADMIN = 'squ_admin_token_for_list_tests';
const READER = 'squ_reader_token_for_list_tests';
const NOTIFICATIONS = 'squ_notifications_reader_token';

describe('SonarQubeClient.listProjects', () => {
  let fake: SonarQubeFake;

  beforeAll(async () => {
    fake = await SonarQubeFake.start({
      tokens: [
        { token: ADMIN, type: 'user', admin: true },
        { token: READER, type: 'user' },
        {
          token: NOTIFICATIONS,
          type: 'user',
          projects: [
            'comet-examples_notification-api',
            'comet-examples_notification-mailer',
          ],
        },
      ],
    });
  });

  afterAll(() => fake.close());

  const answered: string[] = [];

  function client(apiKey: string) {
    const created = SonarQubeClient.fromConfig(
      new ConfigReader({
        sonarqube: {
          instances: [{ name: 'main', baseUrl: fake.url, apiKey }],
        },
      }),
      { maxRetries: 0 },
    );
    created.onRequest(({ path, status }) => answered.push(`${path} ${status}`));
    return created;
  }

  const paths = () => answered.splice(0);

  it('searches with api/projects/search when the token may administer', async () => {
    answered.length = 0;
    const listed = await client(ADMIN).listProjects({
      query: 'NOTIFICATION',
      pageSize: 1,
    });
    expect(listed).toEqual({
      api: 'api/projects/search',
      total: 2,
      projects: [
        expect.objectContaining({
          key: 'comet-examples_notification-api',
          name: 'Notification service: API',
        }),
      ],
    });
    expect(paths()).toEqual(['api/projects/search 200']);
  });

  it('falls back to api/components/search_projects on 403, once per instance, with what the token may browse', async () => {
    answered.length = 0;
    fake.calls.length = 0;
    const reader = client(NOTIFICATIONS);
    const first = await reader.listProjects({ pageSize: 100 });
    expect(first).toEqual({
      api: 'api/components/search_projects',
      total: 2,
      projects: [
        {
          key: 'comet-examples_notification-api',
          name: 'Notification service: API',
        },
        {
          key: 'comet-examples_notification-mailer',
          name: 'Notification service: mailer',
        },
      ],
    });
    const second = await reader.listProjects({
      query: 'mail"er',
      pageSize: 100,
    });
    expect(second.projects.map(p => p.key)).toEqual([
      'comet-examples_notification-mailer',
    ]);
    expect(paths()).toEqual([
      'api/projects/search 403',
      'api/components/search_projects 200',
      'api/components/search_projects 200',
    ]);
    expect(fake.calls[2].query).toMatchObject({ filter: 'query = "mailer"' });

    const everything = await client(READER).listProjects({ pageSize: 3 });
    expect(everything.total).toBe(7);
    expect(everything.projects.map(p => p.name)).toEqual([
      'Ledger worker',
      'New service',
      'Notification service: API',
    ]);
  });

  it('names the instance when the token is refused, without the token', async () => {
    const error = await client('not-a-token')
      .listProjects({ pageSize: 10 })
      .catch(e => e);
    expect(error.message).toBe(
      'SonarQube instance "main": GET api/projects/search was refused (401): the configured token is invalid, expired or missing: Invalid authentication credentials',
    );
    expect(error.message).not.toContain('not-a-token');
  });

  it('answers search_projects as SonarQube does: filter checked, paged, browse only', async () => {
    const get = (query: string, token = READER) =>
      fetch(`${fake.url}/api/components/search_projects?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await get('filter=q')).status).toBe(400);
    const unsupported = await get(
      `filter=${encodeURIComponent('coverage >= 80')}`,
    );
    expect(unsupported.status).toBe(400);
    expect((await unsupported.json()).errors[0].msg).toContain(
      'The fake understands only query = "text"',
    );
    const payments = await (
      await get(`filter=${encodeURIComponent('query = payments')}&p=1&ps=5`)
    ).json();
    expect(payments).toMatchObject({
      paging: { pageIndex: 1, pageSize: 5, total: 1 },
      components: [
        {
          key: 'comet-examples_payments-api',
          qualifier: 'TRK',
          visibility: 'private',
        },
      ],
      facets: [],
    });
    expect(
      (await fetch(`${fake.url}/api/components/search_projects`)).status,
    ).toBe(401);
  });
});
