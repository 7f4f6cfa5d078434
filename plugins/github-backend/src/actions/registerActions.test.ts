import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { GitHubFake } from '@internal/plugin-github-node/testUtils';
import { ResourceScopes } from '@internal/backend-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { GitHubService } from '../service/GitHubService';
import {
  ENTITIES,
  gitHubConfig,
  LEDGER_CATALOG_INFO,
  PAYMENTS_CATALOG_INFO,
  repoSeeds,
  testClientFactory,
  TOKEN,
} from '../__testUtils__/fixtures';
import { registerActions } from './registerActions';

jest.setTimeout(30_000);

describe('github actions', () => {
  let fake: GitHubFake;
  let registry: ReturnType<typeof actionsRegistryServiceMock>;
  const credentials = mockCredentials.user('user:default/alice');
  const entityRef = 'component:default/payments-api';

  beforeAll(async () => {
    fake = await GitHubFake.start({
      repos: repoSeeds(),
      tokens: [{ token: TOKEN }],
    });
    const service = GitHubService.create({
      factory: testClientFactory(new ConfigReader(gitHubConfig(fake.url))),
      catalog: catalogServiceMock({ entities: ENTITIES }),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock({
        createEvent: async () => ({
          success: async () => {},
          fail: async () => {},
        }),
      }),
      randomSuffix: () => 'abc123',
    });
    registry = actionsRegistryServiceMock();
    registerActions(registry, service);
  });

  afterAll(() => fake.close());

  it('registers the eight actions with honest attributes', async () => {
    const { actions } = await registry.list();
    expect(Object.fromEntries(actions.map(a => [a.id, a.attributes]))).toEqual({
      'test:list-pull-requests': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:get-pull-request': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:list-commits': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:list-workflow-runs': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:list-workflow-jobs': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:get-job-log': {
        readOnly: true,
        destructive: false,
        idempotent: true,
      },
      'test:create-pull-request': {
        readOnly: false,
        destructive: false,
        idempotent: false,
      },
      'test:propose-catalog-change': {
        readOnly: false,
        destructive: false,
        idempotent: false,
      },
    });
  });

  it('lists and gets pull requests, commits and workflow runs as the caller', async () => {
    const pulls = (
      await registry.invoke({
        id: 'test:list-pull-requests',
        input: { entityRef },
        credentials,
      })
    ).output as any;
    expect(pulls.pullRequests.map((p: any) => p.number)).toEqual([7]);
    const all = (
      await registry.invoke({
        id: 'test:list-pull-requests',
        input: { entityRef, state: 'all' },
        credentials,
      })
    ).output as any;
    expect(all.pullRequests).toHaveLength(6);

    const pull = (
      await registry.invoke({
        id: 'test:get-pull-request',
        input: { entityRef, number: 7 },
        credentials,
      })
    ).output as any;
    expect(pull.pullRequest).toMatchObject({
      number: 7,
      reviewState: 'approved',
    });

    const commits = (
      await registry.invoke({
        id: 'test:list-commits',
        input: { entityRef },
        credentials,
      })
    ).output as any;
    expect(commits.branch).toBe('main');
    expect(commits.commits.map((c: any) => c.message)).toEqual([
      'Add refunds',
      'Initial commit',
    ]);

    const runs = (
      await registry.invoke({
        id: 'test:list-workflow-runs',
        input: { entityRef, status: 'failure' },
        credentials,
      })
    ).output as any;
    expect(runs).toMatchObject({
      totalCount: 1,
      page: 1,
      perPage: 20,
      runs: [{ id: 102, conclusion: 'failure' }],
      repository: { owner: 'comet-examples', repo: 'payments-api' },
    });
  });

  it("lists a run's jobs and reads a failed job's log as the caller, saying what is gone", async () => {
    const { jobs } = (
      await registry.invoke({
        id: 'test:list-workflow-jobs',
        input: { entityRef, runId: 102 },
        credentials,
      })
    ).output as any;
    expect(jobs).toEqual([
      expect.objectContaining({
        id: 2001,
        name: 'test',
        conclusion: 'failure',
        steps: [
          expect.objectContaining({ name: 'Checkout', conclusion: 'success' }),
          expect.objectContaining({ name: 'Test', conclusion: 'failure' }),
        ],
      }),
    ]);
    const log = (
      await registry.invoke({
        id: 'test:get-job-log',
        input: { entityRef, jobId: 2001 },
        credentials,
      })
    ).output as any;
    expect(log).toEqual({
      jobId: 2001,
      text: expect.stringContaining(
        'Z FAIL src/refund.test.ts\n2026-01-01T00:00:02.0000000Z ##[error]Process completed with exit code 1.\n',
      ),
      bytesRead: Buffer.byteLength(log.text),
      droppedBytes: 0,
      unreadAfter: false,
    });
    await expect(
      registry.invoke({
        id: 'test:get-job-log',
        input: { entityRef, jobId: 2002 },
        credentials,
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        'GitHub answered 410 Gone for GET /repos/comet-examples/payments-api/actions/jobs/2002/logs on github.com',
      ),
    });
    await expect(
      registry.invoke({
        id: 'test:get-job-log',
        input: { entityRef, jobId: 2001, maxBytes: 10 },
        credentials,
      }),
    ).rejects.toThrow(/maxBytes/);
    await expect(
      registry.invoke({
        id: 'test:get-job-log',
        input: { entityRef: 'component:default/no-github', jobId: 2001 },
        credentials,
      }),
    ).rejects.toThrow(
      'component:default/no-github has no GitHub repository: add the annotation github.com/project-slug (owner/repo) to it',
    );
  });

  it('proposes a pipeline change named after the caller, and refuses other paths', async () => {
    const created = (
      await registry.invoke({
        id: 'test:create-pull-request',
        input: {
          entityRef,
          title: 'Add a nightly pipeline',
          files: { '.comet/nightly.yaml': 'schedule: "0 2 * * *"\n' },
        },
        credentials,
      })
    ).output as any;
    expect(created).toEqual({
      number: 25,
      htmlUrl: 'https://github.com/comet-examples/payments-api/pull/25',
      branch: 'comet/add-a-nightly-pipeline-abc123',
    });
    const repo = fake.state.repo('comet-examples', 'payments-api')!;
    const commit = repo.commits.get(
      repo.refs.get('heads/comet/add-a-nightly-pipeline-abc123')!,
    )!;
    expect(commit.message).toBe(
      'Add a nightly pipeline\n\nProposed-by: user:default/alice',
    );
    expect(repo.pulls.find(p => p.number === 25)).toMatchObject({
      head: { ref: 'comet/add-a-nightly-pipeline-abc123' },
      base: { ref: 'main' },
    });

    await expect(
      registry.invoke({
        id: 'test:create-pull-request',
        input: {
          entityRef,
          title: 'Add a workflow',
          files: { '.github/workflows/ci.yml': 'on: push\n' },
        },
        credentials,
      }),
    ).rejects.toThrow(
      'The path ".github/workflows/ci.yml" is not one of component:default/payments-api\'s pipeline files',
    );
    await expect(
      registry.invoke({
        id: 'test:create-pull-request',
        input: { entityRef, title: 'Nothing', files: {} },
        credentials,
      }),
    ).rejects.toThrow(
      'Invalid input field "files": name at least one file (path → content)',
    );
  });

  it('lets only a signed-in user propose a change', async () => {
    await expect(
      registry.invoke({
        id: 'test:create-pull-request',
        input: {
          entityRef,
          title: 'From a service',
          files: { '.comet/pipeline.yaml': 'steps: []\n' },
        },
        credentials: mockCredentials.service(),
      }),
    ).rejects.toThrow(
      'Only a signed-in user can propose a pull request: the commit names them in its Proposed-by trailer',
    );
  });

  it('allows only the default pipeline file of an entity without comet.dev/pipelines', async () => {
    const created = (
      await registry.invoke({
        id: 'test:create-pull-request',
        input: {
          entityRef: 'component:default/busy-service',
          title: 'Speed up',
          files: { '.comet/pipeline.yaml': 'steps: []\n' },
        },
        credentials,
      })
    ).output as any;
    expect(created.branch).toBe('comet/speed-up-abc123');
    await expect(
      registry.invoke({
        id: 'test:create-pull-request',
        input: {
          entityRef: 'component:default/busy-service',
          title: 'Elsewhere',
          files: { 'README.md': '# Busy\n' },
        },
        credentials,
      }),
    ).rejects.toThrow(
      'only the paths its annotation comet.dev/pipelines names may be changed (.comet/pipeline.yaml)',
    );
  });
});

describe('github actions with comet.resourceScopes', () => {
  it("refuses a read and a proposed pull request for a repository outside the owner group's scopes", async () => {
    const fake = await GitHubFake.start({
      repos: repoSeeds(),
      tokens: [{ token: TOKEN }],
    });
    try {
      const config = new ConfigReader({
        ...gitHubConfig(fake.url),
        comet: {
          resourceScopes: { 'team-a': { github: ['comet-examples/busy-*'] } },
        },
      });
      const service = GitHubService.create({
        factory: testClientFactory(config),
        catalog: catalogServiceMock({ entities: ENTITIES }),
        permissions: mockServices.permissions(),
        auditor: mockServices.auditor.mock({
          createEvent: async () => ({
            success: async () => {},
            fail: async () => {},
          }),
        }),
        scopes: ResourceScopes.fromConfig(config),
      });
      const registry = actionsRegistryServiceMock();
      registerActions(registry, service);
      const credentials = mockCredentials.user('user:default/alice');
      const message =
        'github.com/project-slug entry "comet-examples/payments-api" of component:default/payments-api is refused: github.com:comet-examples/payments-api is outside the scopes of group:default/team-a (comet.resourceScopes.team-a.github: comet-examples/busy-*)';
      await expect(
        registry.invoke({
          id: 'test:list-commits',
          input: { entityRef: 'component:default/payments-api' },
          credentials,
        }),
      ).rejects.toThrow(message);
      await expect(
        registry.invoke({
          id: 'test:get-job-log',
          input: { entityRef: 'component:default/payments-api', jobId: 2001 },
          credentials,
        }),
      ).rejects.toThrow(message);
      await expect(
        registry.invoke({
          id: 'test:create-pull-request',
          input: {
            entityRef: 'component:default/payments-api',
            title: 'Sneak in',
            files: { '.comet/pipeline.yaml': 'steps: []\n' },
          },
          credentials,
        }),
      ).rejects.toThrow(message);
      expect(fake.calls).toEqual([]);
      const allowed = (
        await registry.invoke({
          id: 'test:list-workflow-runs',
          input: { entityRef: 'component:default/busy-service' },
          credentials,
        })
      ).output as any;
      expect(allowed.repository.repo).toBe('busy-service');
    } finally {
      await fake.close();
    }
  });
});

describe('github:propose-catalog-change', () => {
  let fake: GitHubFake;
  let registry: ReturnType<typeof actionsRegistryServiceMock>;
  const events: Array<{ eventId: string; meta?: unknown; outcome?: unknown }> =
    [];
  const credentials = mockCredentials.user('user:default/alice');

  function serviceWith(permissions = mockServices.permissions()) {
    return GitHubService.create({
      factory: testClientFactory(new ConfigReader(gitHubConfig(fake.url))),
      catalog: catalogServiceMock({ entities: ENTITIES }),
      permissions,
      auditor: mockServices.auditor.mock({
        createEvent: async event => {
          const recorded: (typeof events)[number] = {
            eventId: event.eventId,
            meta: event.meta,
          };
          events.push(recorded);
          return {
            success: async result => {
              recorded.outcome = { success: result?.meta };
            },
            fail: async ({ error }) => {
              recorded.outcome = { fail: error.message };
            },
          };
        },
      }),
      randomSuffix: () => 'abc123',
    });
  }

  beforeEach(async () => {
    fake = await GitHubFake.start({
      repos: repoSeeds(),
      tokens: [{ token: TOKEN }],
    });
    events.length = 0;
    registry = actionsRegistryServiceMock();
    registerActions(registry, serviceWith());
  });

  afterEach(() => fake.close());

  const payments = () => fake.state.repo('comet-examples', 'payments-api')!;
  const writes = () => fake.calls.filter(call => call.method !== 'GET');

  it("opens a pull request that changes only the entity's annotations in the root catalog-info.yaml", async () => {
    const mainSha = payments().refs.get('heads/main')!;
    const mainFiles = fake.state.filesAt(payments(), 'main');
    const output = (
      await registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: {
            'jira/project-key': 'PAYX',
            'jira/component': 'payments-api',
            'comet.dev/pipelines': null,
          },
          title: 'Wire payments-api to Jira',
          body: 'Proposed from the Integrations card.',
        },
        credentials,
      })
    ).output as any;
    expect(output).toEqual({
      htmlUrl: 'https://github.com/comet-examples/payments-api/pull/25',
      number: 25,
      branch: 'comet/wiring-payments-api-abc123',
      path: 'catalog-info.yaml',
    });

    const repo = payments();
    expect(fake.state.filesAt(repo, output.branch)).toEqual({
      ...mainFiles,
      'catalog-info.yaml': PAYMENTS_CATALOG_INFO.replace(
        `    # Both pipeline files
    comet.dev/pipelines: .comet/pipeline.yaml, ./.comet/nightly.yaml
    jira/project-key: PAY # the team's board
`,
        `    jira/project-key: PAYX # the team's board
    jira/component: payments-api
`,
      ),
    });
    const commit = repo.commits.get(repo.refs.get(`heads/${output.branch}`)!)!;
    // Branched from the commit the file was read at
    expect(commit.parents).toEqual([mainSha]);
    expect(commit.message).toBe(
      [
        'Wire payments-api to Jira',
        '',
        'Sets jira/project-key: PAYX',
        'Sets jira/component: payments-api',
        'Removes comet.dev/pipelines',
        '',
        'Proposed-by: user:default/alice',
      ].join('\n'),
    );
    expect(repo.pulls.find(p => p.number === 25)).toMatchObject({
      title: 'Wire payments-api to Jira',
      body: 'Proposed from the Integrations card.',
      head: { ref: output.branch },
      base: { ref: 'main' },
    });
    expect(events).toEqual([
      {
        eventId: 'catalog-change-propose',
        meta: {
          entityRef: 'component:default/payments-api',
          annotations: [
            'jira/project-key',
            'jira/component',
            'comet.dev/pipelines',
          ],
        },
        outcome: {
          success: {
            number: 25,
            branch: 'comet/wiring-payments-api-abc123',
            path: 'catalog-info.yaml',
          },
        },
      },
    ]);
  });

  it('changes the file backstage.io/managed-by-location names in the same repository', async () => {
    const output = (
      await registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/ledger-worker',
          annotations: { 'sonarqube.org/project-key': 'comet_ledger' },
          title: 'Wire ledger-worker to SonarQube',
        },
        credentials,
      })
    ).output as any;
    expect(output).toMatchObject({
      branch: 'comet/wiring-ledger-worker-abc123',
      path: 'services/ledger/catalog-info.yaml',
    });
    const files = fake.state.filesAt(payments(), output.branch);
    expect(files['services/ledger/catalog-info.yaml']).toBe(
      LEDGER_CATALOG_INFO.replace(
        'comet-examples/payments-api\n',
        'comet-examples/payments-api\n    sonarqube.org/project-key: comet_ledger\n',
      ),
    );
    expect(files['catalog-info.yaml']).toBe(PAYMENTS_CATALOG_INFO);
  });

  it('refuses any other annotation, naming it, before anything is written', async () => {
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: {
            'jira/component': 'payments-api',
            'backstage.io/source-location':
              'url:https://github.com/evil/repo/tree/main/',
          },
          title: 'Move it',
        },
        credentials,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'The annotation "backstage.io/source-location" cannot be changed by a proposed catalog change: only jira/project-key, jira/component, jenkins.io/job-full-name, sonarqube.org/project-key, comet.dev/test-suites, comet.dev/pipelines can',
    });
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: { 'jira/component': ' ' },
          title: 'Blank',
        },
        credentials,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'The new value of the annotation "jira/component" must be one line of 1 to 4096 characters; null removes the annotation',
    });
    expect(fake.calls).toEqual([]);
    expect(events.map(e => e.outcome)).toEqual([
      { fail: expect.stringContaining('backstage.io/source-location') },
      { fail: expect.stringContaining('jira/component') },
    ]);
  });

  it('refuses a change that changes nothing, and opens no branch', async () => {
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: {
            'jira/project-key': 'PAY',
            'comet.dev/test-suites': null,
          },
          title: 'Same',
        },
        credentials,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message:
        'nothing to change: the annotations of Component default/payments-api in catalog-info.yaml already are as proposed',
    });
    expect(writes()).toEqual([]);
  });

  it('names what is missing: the repository annotation, the file, the entity in the file', async () => {
    const propose = (entityRef: string) =>
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef,
          annotations: { 'jira/component': 'x' },
          title: 'Wire it',
        },
        credentials,
      });
    await expect(propose('component:default/no-github')).rejects.toMatchObject({
      name: 'InputError',
      message:
        'component:default/no-github has no GitHub repository: add the annotation github.com/project-slug (owner/repo) to it',
    });
    await expect(
      propose('component:default/busy-service'),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message:
        'catalog-info.yaml does not exist on the branch main of comet-examples/busy-service on github.com: without a backstage.io/managed-by-location of component:default/busy-service in this repository, its catalog file is looked for at the root',
    });
    await expect(propose('component:default/stray')).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        'catalog-info.yaml holds no document of Component default/stray (kind, metadata.namespace and metadata.name)',
      ),
    });
    expect(writes()).toEqual([]);
  });

  it('says which file the managed-by-location named when it is missing', async () => {
    const repo = payments();
    // The ledger's file goes from main: a commit that keeps only the root files
    const head = repo.commits.get(repo.refs.get('heads/main')!)!;
    const tree = fake.state.addTree(
      repo,
      repo.trees.get(head.tree)!.filter(e => !e.path.startsWith('services/')),
    );
    const commit = fake.state.addCommit(repo, {
      tree,
      parents: [head.sha],
      message: 'Move the ledger out',
      author: {
        name: 'bob',
        email: 'bob@example.com',
        date: '2026-03-01T00:00:00Z',
      },
    });
    repo.refs.set('heads/main', commit.sha);
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/ledger-worker',
          annotations: { 'jira/component': 'ledger' },
          title: 'Wire it',
        },
        credentials,
      }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message:
        'services/ledger/catalog-info.yaml does not exist on the branch main of comet-examples/payments-api on github.com: it is where backstage.io/managed-by-location of component:default/ledger-worker says the entity comes from',
    });
  });

  it('lets only a signed-in user with github.pullRequest.create propose', async () => {
    const input = {
      entityRef: 'component:default/payments-api',
      annotations: { 'jira/component': 'payments-api' },
      title: 'Wire it',
    };
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input,
        credentials: mockCredentials.service(),
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'Only a signed-in user can propose a pull request: the commit names them in its Proposed-by trailer',
    });
    const denied = actionsRegistryServiceMock();
    registerActions(
      denied,
      serviceWith(mockServices.permissions({ result: AuthorizeResult.DENY })),
    );
    await expect(
      denied.invoke({ id: 'test:propose-catalog-change', input, credentials }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('github.pullRequest.create'),
    });
    expect(fake.calls).toEqual([]);
  });

  it('checks its input: a title, string or null values', async () => {
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: { 'jira/component': 'payments-api' },
          title: '   ',
        },
        credentials,
      }),
    ).rejects.toThrow(/title/);
    await expect(
      registry.invoke({
        id: 'test:propose-catalog-change',
        input: {
          entityRef: 'component:default/payments-api',
          annotations: { 'jira/component': 7 },
          title: 'Wire it',
        },
        credentials,
      }),
    ).rejects.toThrow(/annotations/);
    expect(fake.calls).toEqual([]);
  });
});
