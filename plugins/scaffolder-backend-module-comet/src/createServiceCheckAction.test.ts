import { mockCredentials } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { ConflictError, InputError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  INITIATOR,
  runAction,
  TaskEventsFake,
} from '@internal/backend-common/testUtils';
import type { TaskCreationLog } from '@internal/backend-common';
import { mockServices } from '@backstage/backend-test-utils';
import { GitHubClientFactory } from '@internal/plugin-github-node';
import {
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFake,
} from '@internal/plugin-github-node/testUtils';
import {
  createServiceCheckAction,
  entityTopic,
} from './createServiceCheckAction';
import { PortalRepositories } from './PortalRepositories';

jest.setTimeout(30_000);

const BASE_URL = 'http://localhost:7007/api/example-repos';
const CATALOG_INFO_URL = `${BASE_URL}/payouts-api.git/raw/main/catalog-info.yaml`;

const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [] },
});

const system = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name, namespace: 'default' },
  spec: { owner: 'team-a' },
});

const component = (name: string, location?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: location
      ? { 'backstage.io/managed-by-location': location }
      : {},
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'experimental' },
});

/** Every integration on, as app-config.demo.yaml has them. */
const ALL_ON = {
  jenkins: {
    instances: [
      { name: 'default', baseUrl: 'http://j', username: 'u', apiKey: 'k' },
    ],
  },
  sonarqube: { baseUrl: 'http://s', apiKey: 'k' },
  jira: { instances: [{ name: 'default', baseUrl: 'http://jira' }] },
  integrations: { github: [{ host: 'github.com', token: 'ghp_x' }] },
};

let workDir: string;
let repositories: PortalRepositories;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-service-check-'));
  repositories = new PortalRepositories(path.join(workDir, 'git'), BASE_URL);
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function createRepository(entityRef: string, userEntityRef?: string) {
  const source = path.join(workDir, 'source');
  fs.mkdirSync(source, { recursive: true });
  fs.writeFileSync(path.join(source, 'catalog-info.yaml'), 'kind: Component\n');
  await repositories.create({
    name: 'payouts-api',
    entityRef,
    sourceDir: source,
    message: 'Create payouts-api',
    author: { name: 'Ada', email: 'user:default/ada' },
    userEntityRef,
  });
}

function check(
  options: {
    entities?: Entity[];
    config?: object;
    portal?: boolean;
    creationLog?: TaskCreationLog;
    github?: GitHubClientFactory;
  } = {},
) {
  const catalog = catalogServiceMock({
    entities: options.entities ?? [group('team-a'), system('payouts')],
  });
  const getEntityByRef = jest.spyOn(catalog, 'getEntityByRef');
  const action = createServiceCheckAction({
    catalog,
    config: new ConfigReader(options.config ?? ALL_ON),
    repositories: options.portal === false ? undefined : repositories,
    creationLog: options.creationLog,
    github: options.github,
  });
  return { action, getEntityByRef };
}

const GITHUB_REPO_URL = 'github.com?owner=acme&repo=payouts-api';

const INPUT = {
  name: 'payouts-api',
  owner: 'group:default/team-a',
  system: 'system:default/payouts',
  repoHost: 'portal',
};

describe('comet:service:check', () => {
  it('passes a free name whose owner and system exist, reading the catalog as the initiator', async () => {
    const { action, getEntityByRef } = check();
    const { output, logs } = await runAction(action, INPUT);
    expect(output).toEqual({
      resume: false,
      registered: false,
      jenkins: true,
      sonarqube: true,
      jira: true,
      github: true,
      testRecorder: true,
      skipped: [],
      // Where comet:repo:create will serve it, for the skeleton's catalog-info.yaml
      remoteUrl: `${BASE_URL}/payouts-api.git`,
      sourceLocation: `url:${BASE_URL}/payouts-api.git`,
    });
    expect(logs).toEqual([
      'payouts-api: the name is free; owner group:default/team-a and system system:default/payouts exist',
    ]);
    expect(getEntityByRef.mock.calls).toEqual([
      ['group:default/team-a', { credentials: INITIATOR }],
      ['system:default/payouts', { credentials: INITIATOR }],
      ['component:default/payouts-api', { credentials: INITIATOR }],
    ]);
  });

  it('takes short refs for the owner and the system, and no system at all', async () => {
    const { action, getEntityByRef } = check();
    const { output, logs } = await runAction(action, {
      ...INPUT,
      owner: 'team-a',
      system: undefined,
    });
    expect(output.resume).toBe(false);
    expect(logs[0]).toBe(
      'payouts-api: the name is free; owner group:default/team-a exists',
    );
    expect(getEntityByRef.mock.calls.map(call => call[0])).toEqual([
      'group:default/team-a',
      'component:default/payouts-api',
    ]);
  });

  it('says which integrations are off, what to set and what is skipped', async () => {
    const { action } = check({
      config: {
        backend: { actions: { pluginSources: ['catalog', 'pipelines'] } },
        integrations: { github: [{ host: 'github.com' }] },
      },
    });
    const { output, logs } = await runAction(action, INPUT);
    const skipped = [
      'Jenkins: not configured (set jenkins.instances), its steps are skipped',
      'SonarQube: not configured (set sonarqube.instances), its steps are skipped',
      'Jira: not configured (set jira.instances), its steps are skipped',
      'GitHub: not configured (set integrations.github with a token or an app), the repository is served by the portal instead',
      'Test recorder: its actions are off (add test-recorder to backend.actions.pluginSources), the starter test suite is skipped',
    ];
    expect(output).toEqual({
      resume: false,
      registered: false,
      jenkins: false,
      sonarqube: false,
      jira: false,
      github: false,
      testRecorder: false,
      skipped,
      remoteUrl: `${BASE_URL}/payouts-api.git`,
      sourceLocation: `url:${BASE_URL}/payouts-api.git`,
    });
    expect(logs.slice(1)).toEqual(skipped);
  });

  it('counts the single-instance shorthands, a GitHub app, and listed test-recorder actions', async () => {
    const { action } = check({
      config: {
        jenkins: { baseUrl: 'http://j', username: 'u', apiKey: 'k' },
        sonarqube: {
          instances: [{ name: 'a', baseUrl: 'http://s', apiKey: 'k' }],
        },
        jira: { baseUrl: 'http://jira' },
        integrations: {
          github: [{ host: 'ghe.example.com', apps: [{ appId: 1 }] }],
        },
        backend: { actions: { pluginSources: ['test-recorder'] } },
      },
    });
    const { output } = await runAction(action, INPUT);
    expect(output).toMatchObject({
      jenkins: true,
      sonarqube: true,
      jira: true,
      github: true,
      testRecorder: true,
      skipped: [],
    });
  });

  it.each([
    [
      { owner: 'group:default/team-z' },
      'owner group:default/team-z does not exist in the catalog',
    ],
    [
      { system: 'payments' },
      'system system:default/payments does not exist in the catalog',
    ],
    [
      { owner: 'user:default/ada' },
      'owner: "user:default/ada" is a user, not a group',
    ],
    [
      { owner: 'group:' },
      'owner: "group:" is not an entity ref, e.g. group:default/team-a',
    ],
    [{ name: 'Payouts API' }, 'name: "Payouts API" is not a repository name'],
  ])('refuses %j', async (extra, message) => {
    const { action } = check();
    const run = runAction(action, { ...INPUT, ...extra });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(message);
  });

  it('refuses a name the catalog has from elsewhere, naming the entity and where it came from', async () => {
    const { action } = check({
      entities: [
        group('team-a'),
        system('payouts'),
        component(
          'payouts-api',
          'url:https://github.com/acme/payouts/blob/main/catalog-info.yaml',
        ),
      ],
    });
    const run = runAction(action, INPUT);
    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow(
      'component:default/payouts-api already exists in the catalog (from url:https://github.com/acme/payouts/blob/main/catalog-info.yaml); pick another name',
    );
  });

  it('refuses a name the catalog has with no location, for either host', async () => {
    for (const repoHost of ['portal', 'github']) {
      const { action } = check({
        entities: [
          group('team-a'),
          system('payouts'),
          component('payouts-api'),
        ],
      });
      await expect(
        runAction(action, { ...INPUT, repoHost, repoUrl: GITHUB_REPO_URL }),
      ).rejects.toThrow(
        'component:default/payouts-api already exists in the catalog (from an unknown location); pick another name',
      );
    }
  });

  it('resumes a run of this template that created the repository and registered the entity', async () => {
    await createRepository('component:default/payouts-api', 'user:default/ada');
    const { action } = check({
      entities: [
        group('team-a'),
        system('payouts'),
        component('payouts-api', `url:${CATALOG_INFO_URL}`),
      ],
    });
    const { output, logs } = await runAction(action, INPUT);
    expect(output).toMatchObject({ resume: true, registered: true });
    expect(logs[0]).toBe(
      'payouts-api: resuming the earlier run of this template (repository created and entity registered)',
    );
  });

  it('resumes a run that created the repository but did not register the entity yet', async () => {
    await createRepository('component:default/payouts-api', 'user:default/ada');
    const { action } = check();
    const { output, logs } = await runAction(action, {
      ...INPUT,
      system: undefined,
    });
    expect(output).toMatchObject({ resume: true, registered: false });
    expect(logs[0]).toBe(
      'payouts-api: resuming the earlier run of this template (repository created, entity not registered yet)',
    );
  });

  it('refuses an entity registered from the portal URL whose repository is gone', async () => {
    const { action } = check({
      entities: [
        group('team-a'),
        component('payouts-api', `url:${CATALOG_INFO_URL}`),
      ],
    });
    await expect(
      runAction(action, { ...INPUT, system: undefined }),
    ).rejects.toThrow(
      `component:default/payouts-api already exists in the catalog (from url:${CATALOG_INFO_URL}), but its repository payouts-api.git does not; unregister it or pick another name`,
    );
  });

  it("refuses a portal repository of another entity, an example's, and another user's", async () => {
    await createRepository('component:default/payouts-web', 'user:default/ada');
    await expect(runAction(check().action, INPUT)).rejects.toThrow(
      'repository payouts-api.git already exists and belongs to component:default/payouts-web; pick another name',
    );

    fs.rmSync(path.join(workDir, 'git', 'payouts-api.git'), {
      recursive: true,
    });
    execFileSync('git', [
      'init',
      '--quiet',
      '--bare',
      path.join(workDir, 'git', 'payouts-api.git'),
    ]);
    await expect(runAction(check().action, INPUT)).rejects.toThrow(
      'repository payouts-api.git already exists and belongs to the examples; pick another name',
    );

    fs.rmSync(path.join(workDir, 'git', 'payouts-api.git'), {
      recursive: true,
    });
    await createRepository('component:default/payouts-api', 'user:default/ada');
    await expect(
      runAction(check().action, INPUT, {
        credentials: mockCredentials.user('user:default/mallory'),
      }),
    ).rejects.toThrow(
      'created by user:default/ada; only they can resume that template run (you are user:default/mallory)',
    );
  });

  it('does not look at portal repositories for GitHub', async () => {
    await createRepository('component:default/payouts-web');
    const { output } = await runAction(check().action, {
      ...INPUT,
      repoHost: 'github',
      repoUrl: GITHUB_REPO_URL,
    });
    expect(output).toMatchObject({ resume: false, registered: false });
    // GitHub's URLs, not the portal's
    expect(output.remoteUrl).toBe('https://github.com/acme/payouts-api.git');
    expect(output.repoContentsUrl).toBe(
      'https://github.com/acme/payouts-api/blob/main',
    );
    expect(output.sourceLocation).toBeUndefined();
  });

  it('refuses a host that is not configured, naming what to set', async () => {
    await expect(
      runAction(check({ portal: false }).action, INPUT),
    ).rejects.toThrow(
      'repoHost: the portal serves no git repositories because comet.exampleRepos.sourceDir is not set; set it, or choose GitHub',
    );
    await expect(
      runAction(check({ config: {}, portal: false }).action, {
        ...INPUT,
        repoHost: 'github',
      }),
    ).rejects.toThrow(
      'repoHost: GitHub is not configured (integrations.github has no entry with a token or an app) and the portal serves no git repositories (comet.exampleRepos.sourceDir is not set); configure one of them',
    );
  });

  it('checks the portal repository when GitHub is asked for but not configured, as the template then serves it', async () => {
    await createRepository('component:default/payouts-web');
    const run = runAction(check({ config: {} }).action, {
      ...INPUT,
      repoHost: 'github',
    });
    await expect(run).rejects.toThrow(
      'repository payouts-api.git already exists and belongs to component:default/payouts-web',
    );
    fs.rmSync(path.join(workDir, 'git', 'payouts-api.git'), {
      recursive: true,
    });
    const { output, logs } = await runAction(check({ config: {} }).action, {
      ...INPUT,
      repoHost: 'github',
    });
    expect(output).toMatchObject({
      github: false,
      resume: false,
      sourceLocation: `url:${BASE_URL}/payouts-api.git`,
    });
    expect(logs[0]).toBe(
      'repoHost: GitHub is not configured (integrations.github has no entry with a token or an app), so the portal serves the repository instead',
    );
  });

  it('checks the same in a dry run, creating nothing', async () => {
    const { action } = check();
    const { output } = await runAction(action, INPUT, { isDryRun: true });
    expect(output).toMatchObject({ resume: false, registered: false });
    await expect(
      runAction(action, { ...INPUT, owner: 'team-z' }, { isDryRun: true }),
    ).rejects.toThrow(
      'owner group:default/team-z does not exist in the catalog',
    );
    expect(fs.existsSync(path.join(workDir, 'git'))).toBe(false);
  });

  it('says that nothing was created yet when it stops a real run', async () => {
    const events = await TaskEventsFake.start();
    try {
      const { action } = check({
        entities: [group('team-a')],
        creationLog: events.creationLog(),
      });
      const error = await runAction(action, INPUT).catch(e => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        'system system:default/payouts does not exist in the catalog\n\nNothing was created yet.',
      );
      // A dry run's error stays as it is, and reads no log
      const dry = await runAction(action, INPUT, { isDryRun: true }).catch(
        e => e,
      );
      expect(dry.message).toBe(
        'system system:default/payouts does not exist in the catalog',
      );
      expect(events.requests).toHaveLength(1);
    } finally {
      await events.close();
    }
  });
});

describe('comet:service:check on GitHub (the GitHub fake)', () => {
  const TOPIC = entityTopic('component:default/payouts-api');
  const GITHUB = { ...INPUT, repoHost: 'github', repoUrl: GITHUB_REPO_URL };
  let fake: GitHubFake;
  let github: GitHubClientFactory;

  beforeEach(async () => {
    fake = await GitHubFake.start({
      repos: [
        { owner: 'acme', name: 'payouts-api' },
        { owner: 'acme', name: 'ledger' },
      ],
    });
    fake.state.repo('acme', 'payouts-api')!.topics = ['payments', TOPIC];
    github = GitHubClientFactory.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            {
              host: 'github.com',
              apiBaseUrl: fake.url,
              token: GITHUB_FAKE_DEMO_TOKEN,
            },
          ],
        },
        github: { cache: { ttlSeconds: 0 } },
      }),
      { logger: mockServices.logger.mock() },
    );
  });

  afterEach(async () => {
    await fake.close();
  });

  it('tags a new repository with a topic made from the entity ref', () => {
    expect(TOPIC).toMatch(/^comet-entity-[0-9a-f]{16}$/);
    // Entity refs compare case-insensitively; another entity gets another topic
    expect(entityTopic('Component:default/Payouts-API')).toBe(TOPIC);
    expect(entityTopic('component:default/payouts-web')).not.toBe(TOPIC);
  });

  it('passes a repository name GitHub does not have, with the URLs and topic for publish:github', async () => {
    const { output, logs } = await runAction(check({ github }).action, {
      ...GITHUB,
      repoUrl: 'github.com?owner=acme&repo=payouts-web',
      name: 'payouts-web',
    });
    expect(output).toMatchObject({
      resume: false,
      registered: false,
      github: true,
      githubTopic: entityTopic('component:default/payouts-web'),
      remoteUrl: 'https://github.com/acme/payouts-web.git',
      repoContentsUrl: 'https://github.com/acme/payouts-web/blob/main',
    });
    expect(logs.join('\n')).not.toContain('Adopted');
  });

  it('resumes with a repository that carries the service topic, and lists it as adopted', async () => {
    const { output, logs } = await runAction(check({ github }).action, GITHUB);
    expect(output).toMatchObject({
      resume: true,
      registered: false,
      githubTopic: TOPIC,
    });
    expect(logs).toContain(
      'Adopted repository acme/payouts-api: https://github.com/acme/payouts-api',
    );
    expect(logs).toContain(
      'payouts-api: resuming the earlier run of this template (repository created, entity not registered yet)',
    );
  });

  it('resumes a registered entity whose catalog-info.yaml is in that repository', async () => {
    const { output } = await runAction(
      check({
        github,
        entities: [
          group('team-a'),
          system('payouts'),
          component(
            'payouts-api',
            'url:https://github.com/acme/payouts-api/blob/main/catalog-info.yaml',
          ),
        ],
      }).action,
      GITHUB,
    );
    expect(output).toMatchObject({ resume: true, registered: true });
  });

  it('says in a dry run that it would adopt the repository', async () => {
    const { output, logs } = await runAction(check({ github }).action, GITHUB, {
      isDryRun: true,
    });
    expect(output).toMatchObject({ resume: true });
    expect(logs).toContain(
      `Dry run: would adopt the GitHub repository github.com/acme/payouts-api (topic ${TOPIC})`,
    );
  });

  it('refuses a repository without the topic, and an entity from another repository', async () => {
    const untagged = runAction(check({ github }).action, {
      ...GITHUB,
      name: 'ledger',
      repoUrl: 'github.com?owner=acme&repo=ledger',
    });
    await expect(untagged).rejects.toThrow(ConflictError);
    await expect(untagged).rejects.toThrow(
      `repoUrl: the GitHub repository github.com/acme/ledger already exists and was not created by this template for component:default/ledger (it lacks the topic ${entityTopic(
        'component:default/ledger',
      )}); pick another repository name`,
    );
    // Tagged for payouts-api, but asked for another service's name
    await expect(
      runAction(check({ github }).action, { ...GITHUB, name: 'payouts-web' }),
    ).rejects.toThrow(
      'repoUrl: the GitHub repository github.com/acme/payouts-api already exists and was not created by this template for component:default/payouts-web',
    );
    await expect(
      runAction(
        check({
          github,
          entities: [
            group('team-a'),
            system('payouts'),
            component(
              'payouts-api',
              'url:https://github.com/acme/other/blob/main/catalog-info.yaml',
            ),
          ],
        }).action,
        GITHUB,
      ),
    ).rejects.toThrow(
      'component:default/payouts-api already exists in the catalog (from url:https://github.com/acme/other/blob/main/catalog-info.yaml); pick another name',
    );
  });

  it('refuses a repoUrl that names no repository', async () => {
    for (const repoUrl of [undefined, 'github.com?owner=acme', '::']) {
      const run = runAction(check({ github }).action, { ...GITHUB, repoUrl });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(
        'does not name a GitHub repository; give one as github.com?owner=<owner>&repo=<name>',
      );
    }
  });
});
