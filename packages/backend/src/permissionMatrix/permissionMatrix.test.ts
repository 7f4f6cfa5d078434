/*
 * The permission matrix (security issue): the real Comet backend plugins, Backstage's
 * permission backend with Comet's policy, and every route and action each plugin serves,
 * asked by an owner, a member of another team, the guest, a static-token service, an admin
 * and an unauthenticated caller. The expected answers are the tables in matrix.ts.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  BackstageCredentials,
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createServiceFactory,
  DatabaseService,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  ActionsService,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import type { Entity } from '@backstage/catalog-model';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import type { JsonObject } from '@backstage/types';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import {
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFake,
} from '@internal/plugin-sonarqube-node/testUtils';
import jenkinsPlugin from '@internal/plugin-jenkins-backend';
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import pipelinesModuleJenkins from '@internal/plugin-pipelines-backend-module-jenkins';
import pipelinesModuleSonarqube from '@internal/plugin-pipelines-backend-module-sonarqube';
import scaffolderModuleJenkins from '@internal/plugin-scaffolder-backend-module-jenkins';
import scaffolderModuleSonarqube from '@internal/plugin-scaffolder-backend-module-sonarqube';
import pipelinesModuleJira from '@internal/plugin-pipelines-backend-module-jira';
import scaffolderModuleJira from '@internal/plugin-scaffolder-backend-module-jira';
import scaffolderModuleTestRecorder from '@internal/plugin-scaffolder-backend-module-test-recorder';
import scaffolderModuleComet from '@internal/plugin-scaffolder-backend-module-comet';
import scaffolderModulePipelines from '@internal/plugin-scaffolder-backend-module-pipelines';
import sonarqubePlugin from '@internal/plugin-sonarqube-backend';
import jiraPlugin from '@internal/plugin-jira-backend';
import testRecorderPlugin from '@internal/plugin-test-recorder-backend';
import pipelinesModuleTestRecorder from '@internal/plugin-pipelines-backend-module-test-recorder';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import githubPlugin from '@internal/plugin-github-backend';
import aiAssistantPlugin from '@internal/plugin-ai-assistant-backend';
import deliveryHealthPlugin from '@internal/plugin-comet-backend';
import pipelinesModuleS3 from '@internal/plugin-pipelines-backend-module-s3';
import pipelinesModuleKubernetes from '@internal/plugin-pipelines-backend-module-kubernetes';
import {
  OPENAI_FAKE_DEMO_API_KEY,
  OpenAiFake,
} from '@internal/plugin-ai-assistant-backend/testUtils';
import pipelinesModuleGithub from '@internal/plugin-pipelines-backend-module-github';
import catalogModuleComet from '@internal/plugin-catalog-backend-module-comet';
import {
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFake,
} from '@internal/plugin-github-node/testUtils';
import express from 'express';
import { parse as parseYaml } from 'yaml';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ACTIONS,
  Expectation,
  FRAMEWORK_ROUTE_PREFIXES,
  KnownGap,
  MatrixContext,
  MatrixRequest,
  Outcome,
  PrincipalId,
  PRINCIPALS,
  renderMatrixMarkdown,
  ROUTES,
  SCAFFOLDER_ACTIONS,
} from './matrix';
import {
  EnumeratedRoute,
  listRoutes,
  RecordedPlugin,
  recordingHttpRouterServiceFactory,
} from './__testUtils__/routeRecorder';
import {
  cometPermissionsServiceFactory,
  permissionModuleComet,
} from '../permissions';
import { createGitHttpRouter } from '../exampleRepos/gitHttpRouter';
import { actorAuthServiceFactory } from './__testUtils__/actorAuthServiceFactory';

jest.setTimeout(60_000);

const GITHUB_WEBHOOK_SECRET = 'matrix-github-webhook-secret';
const SONARQUBE_WEBHOOK_SECRET = 'matrix-sonarqube-webhook-secret';
/** A static token's subject, as `backend.auth.externalAccess` gives it (no prefix). */
const SERVICE_SUBJECT = 'release-bot';

/** The Comet backend plugins the matrix covers, by plugin id. */
const COMET_PLUGIN_IDS = [
  'pipelines',
  'jenkins',
  'sonarqube',
  'jira',
  'test-recorder',
  'github',
  'ai-assistant',
  'comet',
];

/** The Comet packages of packages/backend that the matrix backend starts. */
const COMET_FEATURES = {
  '@internal/plugin-pipelines-backend': pipelinesPlugin,
  '@internal/plugin-jenkins-backend': jenkinsPlugin,
  '@internal/plugin-sonarqube-backend': sonarqubePlugin,
  '@internal/plugin-jira-backend': jiraPlugin,
  '@internal/plugin-pipelines-backend-module-jenkins': pipelinesModuleJenkins,
  '@internal/plugin-pipelines-backend-module-sonarqube':
    pipelinesModuleSonarqube,
  '@internal/plugin-scaffolder-backend-module-jenkins': scaffolderModuleJenkins,
  '@internal/plugin-scaffolder-backend-module-sonarqube':
    scaffolderModuleSonarqube,
  '@internal/plugin-pipelines-backend-module-jira': pipelinesModuleJira,
  '@internal/plugin-scaffolder-backend-module-jira': scaffolderModuleJira,
  '@internal/plugin-test-recorder-backend': testRecorderPlugin,
  '@internal/plugin-pipelines-backend-module-test-recorder':
    pipelinesModuleTestRecorder,
  '@internal/plugin-scaffolder-backend-module-test-recorder':
    scaffolderModuleTestRecorder,
  // The golden path's scaffolder actions: routes none, rows in SCAFFOLDER_ACTIONS
  '@internal/plugin-scaffolder-backend-module-comet': scaffolderModuleComet,
  '@internal/plugin-scaffolder-backend-module-pipelines':
    scaffolderModulePipelines,
  '@internal/plugin-github-backend': githubPlugin,
  '@internal/plugin-pipelines-backend-module-github': pipelinesModuleGithub,
  '@internal/plugin-ai-assistant-backend': aiAssistantPlugin,
  '@internal/plugin-comet-backend': deliveryHealthPlugin,
  // Off without pipelines.artifacts.s3: serves nothing, replaces no store
  '@internal/plugin-pipelines-backend-module-s3': pipelinesModuleS3,
  // Off without pipelines.kubernetes: serves nothing, replaces no executor
  '@internal/plugin-pipelines-backend-module-kubernetes':
    pipelinesModuleKubernetes,
  // A catalog processor: serves nothing (the matrix's catalog is a mock, so it stays idle)
  '@internal/plugin-catalog-backend-module-comet': catalogModuleComet,
};

const USERS: Record<Exclude<PrincipalId, 'service' | 'none'>, string> = {
  owner: 'user:default/owner-a',
  other: 'user:default/member-b',
  guest: 'user:default/guest',
  admin: 'user:default/admin-ada',
};

/**
 * Another member of team-a, who triggers the runs the matrix asks about: none of the principals
 * asked is the run's trigger, so no answer depends on who may decide their own gate.
 */
const RELEASER = 'user:default/releaser-a';

const GROUPS: Record<string, string[]> = {
  [RELEASER]: ['group:default/team-a'],
  [USERS.owner]: ['group:default/team-a'],
  [USERS.other]: ['group:default/team-b'],
  [USERS.guest]: [],
  [USERS.admin]: ['group:default/platform-admins'],
};

function credentialsOf(principal: PrincipalId): BackstageCredentials {
  if (principal === 'none') return mockCredentials.none();
  if (principal === 'service') return mockCredentials.service(SERVICE_SUBJECT);
  return mockCredentials.user(USERS[principal]);
}

/** The Authorization header each principal sends to `pluginId`. */
function authorizationOf(
  principal: PrincipalId,
  pluginId: string,
): string | undefined {
  if (principal === 'none') return undefined;
  if (principal === 'service') {
    // What a static external-access token authenticates as: a service with its own subject
    return mockCredentials.service.header({
      onBehalfOf: mockCredentials.service(SERVICE_SUBJECT),
      targetPluginId: pluginId,
    });
  }
  return mockCredentials.user.header(USERS[principal]);
}

function component(
  name: string,
  owner: string,
  repo: string,
  tools: {
    jenkinsJob: string;
    sonarQubeProjectKey: string;
    jiraProjectKey: string;
    githubSlug: string;
  },
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/source-location': `url:${repo}`,
        'comet.dev/pipelines': '.comet/pipeline.yaml',
        'jenkins.io/job-full-name': tools.jenkinsJob,
        'sonarqube.org/project-key': tools.sonarQubeProjectKey,
        'jira/project-key': tools.jiraProjectKey,
        'github.com/project-slug': tools.githubSlug,
      },
    },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}

const PIPELINE = `name: release
on:
  manual: {}
jobs:
  build:
    steps:
      - run: echo build
  approve:
    needs: [build]
    approval:
      description: Ship it?
  deploy:
    needs: [approve]
    steps:
      - run: echo deploy
`;

/** The test recorder suite the matrix asks about; the worker is off, so its runs stay queued. */
function testSuiteDefinition(name: string) {
  return {
    name,
    title: 'Payments console (permission matrix)',
    baseUrl: 'http://127.0.0.1:4174',
    tests: [
      {
        id: 'opens',
        name: 'opens the console',
        steps: [{ id: 's1', action: 'navigate', url: '/' }],
      },
    ],
  };
}

function makeRepository(dir: string) {
  fs.mkdirSync(path.join(dir, '.comet'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.comet', 'pipeline.yaml'), PIPELINE);
  const env = {
    ...process.env,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Matrix',
    GIT_AUTHOR_EMAIL: 'matrix@example.com',
    GIT_COMMITTER_NAME: 'Matrix',
    GIT_COMMITTER_EMAIL: 'matrix@example.com',
  };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'pipeline');
}

/**
 * The repository served over git's smart HTTP on loopback, the way the portal serves its
 * examples: pipelines fetch only http(s) URLs on `pipelines.git.allowedHosts`.
 */
async function serveRepository(
  workDir: string,
  projectRoot: string,
): Promise<{ url: string; host: string; close(): Promise<void> }> {
  fs.mkdirSync(projectRoot, { recursive: true });
  execFileSync(
    'git',
    [
      'clone',
      '-q',
      '--bare',
      workDir,
      path.join(projectRoot, 'payments-api.git'),
    ],
    { stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
  );
  const app = express();
  app.use(
    createGitHttpRouter({
      projectRoot,
      repositories: () => new Set(['payments-api']),
      logger: mockServices.logger.mock(),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}/payments-api.git`,
    host,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close(error => (error ? reject(error) : resolve()));
      }),
  };
}

type Answer = { status: number; text: string };

function outcomeOf(answer: Answer, what: string): Outcome {
  if (answer.status >= 500) {
    throw new Error(`${what} answered ${answer.status}: ${answer.text}`);
  }
  if (answer.status === 401) return 'unauth';
  if (answer.status === 403) return 'deny';
  return 'allow';
}

/** A row's cells that did not answer as the table says, one line each. */
function mismatches(
  answers: Partial<Record<PrincipalId, Outcome>>,
  expect: Partial<Expectation>,
  gaps: Partial<Record<PrincipalId, KnownGap>> = {},
  details: Partial<Record<PrincipalId, string>> = {},
): string[] {
  const problems: string[] = [];
  for (const principal of PRINCIPALS) {
    const answer = answers[principal];
    if (answer === undefined || expect[principal] === undefined) continue;
    const gap = gaps[principal];
    const wanted = gap ? gap.actual : expect[principal];
    if (answer !== wanted) {
      problems.push(
        gap
          ? `${principal}: the known gap is closed (now ${answer}, documented ${expect[principal]}); remove the gap from matrix.ts`
          : `${principal}: got ${answer}, expected ${wanted} (${
              details[principal] ?? ''
            })`,
      );
    }
  }
  return problems;
}

describe('permission matrix', () => {
  const recorded = new Map<string, RecordedPlugin>();
  const scaffolderActions: TemplateAction<any, any, any>[] = [];
  // Filled in by beforeAll; one object, so the tests declared in loops read it safely
  const fixture = {} as {
    actionsService: ActionsService;
    baseUrl: string;
    tmp: string;
    jenkins: JenkinsFake;
    sonarqube: SonarQubeFake;
    jira: JiraFake;
    github: GitHubFake;
    openai: OpenAiFake;
    gitServer: { url: string; host: string; close(): Promise<void> };
    ctx: MatrixContext;
    /** The test recorder plugin's database (its store is not reachable from outside). */
    testRecorderDatabase: DatabaseService;
  };

  async function send(
    pluginId: string,
    method: string,
    request: MatrixRequest,
    principal: PrincipalId | { authorization: string },
  ): Promise<Answer> {
    const url = new URL(`${fixture.baseUrl}/api/${pluginId}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      url.searchParams.set(key, value);
    }
    const authorization =
      typeof principal === 'string'
        ? authorizationOf(principal, pluginId)
        : principal.authorization;
    const res = await fetch(url, {
      method: request.method ?? method,
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(request.body !== undefined && typeof request.body !== 'string'
          ? { 'content-type': 'application/json' }
          : {}),
        ...request.headers,
      },
      body:
        request.body === undefined || typeof request.body === 'string'
          ? (request.body as string | undefined)
          : JSON.stringify(request.body),
    });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      // A live stream: the status is the answer, the stream is not waited for
      await res.body?.cancel();
      return { status: res.status, text: '' };
    }
    return { status: res.status, text: await res.text() };
  }

  /**
   * The test recorder's part of the context: suites of the entity, two queued runs and an
   * artifact, made by a member of team-a.
   */
  async function seedTestRecorder(entityRef: string) {
    const call = async (method: string, request: MatrixRequest) => {
      const answer = await send('test-recorder', method, request, {
        authorization: mockCredentials.user.header(RELEASER),
      });
      if (answer.status >= 300) {
        throw new Error(
          `${RELEASER} could not seed ${method} /api/test-recorder${request.path}: ${answer.status} ${answer.text}`,
        );
      }
      return JSON.parse(answer.text) as Record<string, unknown>;
    };
    const createSuite = (name: string) =>
      call('POST', {
        path: '/suites',
        body: { entityRef, definition: testSuiteDefinition(name) },
      });
    const name = 'payments-matrix';
    await createSuite(name);
    const disposableTestSuites = {} as Record<PrincipalId, string>;
    for (const principal of PRINCIPALS) {
      disposableTestSuites[principal] = `payments-matrix-delete-${principal}`;
      await createSuite(disposableTestSuites[principal]);
    }
    const queueRun = async () => {
      const run = await call('POST', {
        path: `/suites/${name}/runs`,
        body: {},
      });
      if (typeof run.runId !== 'string') {
        throw new Error(
          `The seed test run has no runId: ${JSON.stringify(run)}`,
        );
      }
      return run.runId;
    };
    const testRunId = await queueRun();
    const cancellableTestRunId = await queueRun();

    // Only a running suite stores artifacts (and a run starts a browser): one screenshot of the
    // queued run, stored as the plugin's store stores it (bytes on disk, a row in its database)
    const testArtifactId = randomUUID();
    const screenshot = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    const artifactPath = `${testRunId}/${testArtifactId}`;
    const artifactsDir = path.join(fixture.tmp, 'test-recorder', 'artifacts');
    fs.mkdirSync(path.join(artifactsDir, testRunId), { recursive: true });
    fs.writeFileSync(path.join(artifactsDir, artifactPath), screenshot);
    const db = await fixture.testRecorderDatabase.getClient();
    await db('test_recorder_artifacts').insert({
      artifact_id: testArtifactId,
      run_id: testRunId,
      suite: name,
      entity_ref: entityRef,
      kind: 'screenshot',
      content_type: 'image/png',
      size: screenshot.length,
      path: artifactPath,
      created_at: new Date(),
    });
    const { url } = await call('POST', {
      path: `/artifacts/${testArtifactId}/url`,
    });
    const signed = new URL(String(url), 'http://signed-link.invalid');

    return {
      testSuite: {
        name,
        testId: 'opens',
        definition: testSuiteDefinition(name),
      },
      disposableTestSuites,
      testRunId,
      cancellableTestRunId,
      testArtifactId,
      signedTestArtifact: {
        path: signed.pathname,
        query: Object.fromEntries(signed.searchParams),
      },
    };
  }

  beforeAll(async () => {
    const tmp = fs.mkdtempSync(
      path.join(os.tmpdir(), 'comet-permission-matrix-'),
    );
    const repo = path.join(tmp, 'repo');
    makeRepository(repo);
    const gitServer = await serveRepository(repo, path.join(tmp, 'served'));
    const [jenkins, sonarqube, jira, github, openai] = await Promise.all([
      JenkinsFake.start(),
      SonarQubeFake.start(),
      JiraFake.start({ example: true }),
      GitHubFake.start(),
      OpenAiFake.start({ mode: 'demo' }),
    ]);
    Object.assign(fixture, {
      tmp,
      gitServer,
      jenkins,
      sonarqube,
      jira,
      github,
      openai,
    });

    const backend = await startTestBackend({
      extensionPoints: [
        // The catalog is a mock here: the annotation processor module is added, never run
        [
          catalogProcessingExtensionPoint,
          {
            addProcessor() {},
            addEntityProvider() {},
            addPlaceholderResolver() {},
            setOnProcessingErrorHandler() {},
          },
        ],
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...actions: TemplateAction<any, any, any>[]) => {
              scaffolderActions.push(...actions);
            },
          },
        ],
      ],
      features: [
        ...Object.values(COMET_FEATURES),
        permissionPlugin,
        // Comet's policy and permissions service, as packages/backend/src/index.ts adds them
        permissionModuleComet,
        cometPermissionsServiceFactory,
        recordingHttpRouterServiceFactory(recorded),
        actorAuthServiceFactory,
        // A request without a token is unauthenticated (the mock's default is a user)
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        actionsRegistryServiceFactory,
        actionsServiceFactory,
        createServiceFactory({
          service: coreServices.userInfo,
          deps: {},
          factory: () => ({
            async getUserInfo(credentials: BackstageCredentials) {
              const principal = credentials.principal as {
                type: string;
                userEntityRef?: string;
              };
              if (principal.type !== 'user' || !principal.userEntityRef) {
                throw new Error(`No user info for a ${principal.type}`);
              }
              const ref = principal.userEntityRef;
              return {
                userEntityRef: ref,
                ownershipEntityRefs: [ref, ...(GROUPS[ref] ?? [])],
              };
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: {
              database: { client: 'better-sqlite3', connection: ':memory:' },
              actions: { pluginSources: COMET_PLUGIN_IDS },
            },
            // As production requires: annotations count only within the owner's scopes
            comet: {
              resourceScopes: {
                'team-a': {
                  jenkins: ['payments/*'],
                  sonarqube: ['comet-examples_payments-*'],
                  jira: ['PAY'],
                  github: ['comet-examples/payments-*'],
                },
                'team-b': {
                  jenkins: ['storefront/*'],
                  sonarqube: ['comet-examples_storefront-*'],
                  jira: ['SHOP'],
                  github: ['comet-examples/storefront-*'],
                },
              },
            },
            permission: {
              enabled: true,
              comet: { admins: ['group:default/platform-admins'] },
            },
            pipelines: {
              dataDir: path.join(tmp, 'data'),
              localExecutor: { unsandboxed: true },
              // Runs stay queued: the matrix asks about them, nothing runs
              worker: { enabled: false },
              github: { webhookSecret: GITHUB_WEBHOOK_SECRET },
              git: { allowedHosts: [gitServer.host] },
            },
            testRecorder: {
              dataDir: path.join(tmp, 'test-recorder'),
              // Runs stay queued, and no browser starts: without Chromium recording is off
              worker: { enabled: false },
              chromiumPath: path.join(tmp, 'no-chromium'),
            },
            jenkins: {
              triggerWaitSeconds: 0,
              instances: [
                {
                  name: 'default',
                  baseUrl: jenkins.url,
                  username: 'comet',
                  apiKey: 'comet-fake-jenkins-token',
                },
              ],
            },
            aiAssistant: {
              provider: {
                baseUrl: openai.url,
                apiKey: OPENAI_FAKE_DEMO_API_KEY,
                model: openai.model,
              },
            },
            integrations: {
              github: [
                {
                  host: 'github.com',
                  apiBaseUrl: github.url,
                  token: GITHUB_FAKE_DEMO_TOKEN,
                },
              ],
            },
            jira: {
              instances: [
                {
                  name: 'default',
                  baseUrl: jira.url,
                  product: 'cloud',
                  email: JIRA_FAKE_DEMO_EMAIL,
                  apiToken: JIRA_FAKE_DEMO_API_TOKEN,
                },
              ],
            },
            sonarqube: {
              instances: [
                {
                  name: 'default',
                  baseUrl: sonarqube.url,
                  apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
                  webhookSecret: SONARQUBE_WEBHOOK_SECRET,
                },
              ],
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            component('payments-api', 'team-a', gitServer.url, {
              jenkinsJob: 'payments/payments-api',
              sonarQubeProjectKey: 'comet-examples_payments-api',
              jiraProjectKey: 'PAY',
              githubSlug: 'comet-examples/payments-api',
            }),
            component('storefront-web', 'team-b', gitServer.url, {
              jenkinsJob: 'storefront/storefront-web',
              sonarQubeProjectKey: 'comet-examples_storefront-web',
              jiraProjectKey: 'SHOP',
              githubSlug: 'comet-examples/storefront-web',
            }),
          ],
        }),
        createBackendModule({
          pluginId: 'test-recorder',
          moduleId: 'matrix-probe',
          register(reg) {
            reg.registerInit({
              deps: { database: coreServices.database },
              async init({ database }) {
                fixture.testRecorderDatabase = database;
              },
            });
          },
        }),
        createBackendPlugin({
          pluginId: 'matrix-probe',
          register(env) {
            env.registerInit({
              deps: { actions: actionsServiceRef },
              async init({ actions }) {
                fixture.actionsService = actions;
              },
            });
          },
        }),
      ],
    });
    fixture.baseUrl = `http://localhost:${backend.server.port()}`;

    const entityRef = 'component:default/payments-api';
    const trigger = async () => {
      const answer = await send(
        'pipelines',
        'POST',
        { path: '/runs', body: { entityRef } },
        { authorization: mockCredentials.user.header(RELEASER) },
      );
      if (answer.status !== 201) {
        throw new Error(
          `${RELEASER} could not trigger the seed run: ${answer.status} ${answer.text}`,
        );
      }
      const run = JSON.parse(answer.text) as {
        runId?: string;
        jobs?: Array<{ jobId: string; jobRunId: string }>;
      };
      if (typeof run.runId !== 'string' || !run.jobs) {
        throw new Error(`The seed run has no runId or jobs: ${answer.text}`);
      }
      return run as Required<typeof run>;
    };
    const run = await trigger();
    const cancellable = await trigger();
    const builds = await send(
      'jenkins',
      'GET',
      {
        path: '/builds',
        query: { entityRef, job: 'payments/payments-api' },
      },
      'owner',
    );
    const finished = (
      JSON.parse(builds.text).builds as Array<{
        number: number;
        building?: boolean;
        status?: string;
      }>
    ).find(build => !build.building && build.status !== 'running');
    if (!finished) {
      throw new Error(`No finished Jenkins build to ask about: ${builds.text}`);
    }
    const testRecorder = await seedTestRecorder(entityRef);
    const approval = run.jobs.find(job => job.jobId === 'approve');
    if (!approval) {
      throw new Error(
        `The seed run has no approval job: ${JSON.stringify(run.jobs)}`,
      );
    }
    fixture.ctx = {
      entityRef,
      runId: run.runId,
      approvalJobRunId: approval.jobRunId,
      cancellableRunId: cancellable.runId,
      jenkinsJob: 'payments/payments-api',
      jenkinsBuildNumber: finished.number,
      sonarQubeProjectKey: 'comet-examples_payments-api',
      ...testRecorder,
      signGithub: body =>
        `sha256=${createHmac('sha256', GITHUB_WEBHOOK_SECRET)
          .update(body)
          .digest('hex')}`,
      signSonarQube: body =>
        createHmac('sha256', SONARQUBE_WEBHOOK_SECRET)
          .update(body)
          .digest('hex'),
    };
  });

  afterAll(async () => {
    await Promise.all([
      fixture.jenkins?.close(),
      fixture.sonarqube?.close(),
      fixture.jira?.close(),
      fixture.github?.close(),
      fixture.openai?.close(),
      fixture.gitServer?.close(),
    ]);
    if (fixture.tmp) fs.rmSync(fixture.tmp, { recursive: true, force: true });
  });

  it('starts every Comet plugin and module the backend adds', () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    // Backend plugins and modules; -node, -common and shared libraries serve nothing
    const comet = Object.keys(pkg.dependencies).filter(name =>
      /^@internal\/plugin-[a-z0-9-]*backend(-module-[a-z0-9-]+)?$/.test(name),
    );
    const covered = Object.keys(COMET_FEATURES);
    expect(
      comet
        .filter(name => !covered.includes(name))
        .map(
          name =>
            `${name}: add it to COMET_FEATURES (and its routes and actions to matrix.ts)`,
        ),
    ).toEqual([]);
    for (const pluginId of COMET_PLUGIN_IDS) {
      expect(recorded.has(pluginId)).toBe(true);
    }
  });

  it('has a row for every route and a route for every row', () => {
    const served: Array<EnumeratedRoute & { plugin: string }> = [];
    for (const pluginId of COMET_PLUGIN_IDS) {
      for (const route of listRoutes(recorded.get(pluginId)!.handlers)) {
        if (
          FRAMEWORK_ROUTE_PREFIXES.some(prefix => route.path.startsWith(prefix))
        ) {
          continue;
        }
        served.push({ plugin: pluginId, ...route });
      }
    }
    const key = (r: { plugin: string; method: string; path: string }) =>
      `${r.method} /api/${r.plugin}${r.path}`;
    const rows = new Set(ROUTES.map(key));
    const routes = new Set(served.map(key));
    expect(
      [...routes]
        .filter(route => !rows.has(route))
        .map(
          route => `${route} is served but not in ROUTES of matrix.ts: add it`,
        ),
    ).toEqual([]);
    expect(
      [...rows]
        .filter(row => !routes.has(row))
        .map(
          row => `${row} is in ROUTES of matrix.ts but not served: remove it`,
        ),
    ).toEqual([]);
    // Skipped above as framework routes: the actions registry's, tested as actions below
    const frameworkRoutes = COMET_PLUGIN_IDS.flatMap(pluginId =>
      listRoutes(recorded.get(pluginId)!.handlers)
        .filter(r =>
          FRAMEWORK_ROUTE_PREFIXES.some(prefix => r.path.startsWith(prefix)),
        )
        .map(r => `${pluginId} ${r.method} ${r.path}`),
    );
    expect(new Set(frameworkRoutes)).toEqual(
      new Set(
        COMET_PLUGIN_IDS.flatMap(pluginId => [
          `${pluginId} GET /.backstage/actions/v1/actions`,
          `${pluginId} GET /.backstage/actions/v1/status`,
          `${pluginId} POST /.backstage/actions/v1/actions/:actionId/invoke`,
          `${pluginId} POST /.backstage/actions/v2/actions/:actionId/invoke`,
        ]),
      ),
    );
  });

  it('lets no Comet route through without a token except signed requests and the trace viewer', () => {
    const unauthenticated = COMET_PLUGIN_IDS.flatMap(pluginId =>
      recorded
        .get(pluginId)!
        .authPolicies.filter(policy => policy.allow !== 'user-cookie')
        .map(policy => `${pluginId} ${policy.path} ${policy.allow}`),
    );
    // Artifacts take a token or a signed link themselves (rows of GET /artifacts/:artifactId)
    expect(unauthenticated.sort()).toEqual([
      'pipelines /webhooks/github unauthenticated',
      'sonarqube /webhook unauthenticated',
      'test-recorder /artifacts unauthenticated',
      'test-recorder /trace-viewer unauthenticated',
    ]);
  });

  it('serves no WebSocket the matrix does not ask', () => {
    // The test recorder adds its live view (/recordings/socket) only where recording works; the
    // matrix turns recording off (no Chromium), and cannot ask a WebSocket yet
    expect(
      COMET_PLUGIN_IDS.flatMap(pluginId =>
        recorded
          .get(pluginId)!
          .webSocketPaths.map(socketPath => `${pluginId} ${socketPath}`),
      ),
    ).toEqual([]);
  });

  describe('routes', () => {
    for (const row of ROUTES) {
      it(`${row.method} /api/${row.plugin}${row.path}${
        row.variant ? ` ${row.variant}` : ''
      }`, async () => {
        const answers: Partial<Record<PrincipalId, Outcome>> = {};
        const details: Partial<Record<PrincipalId, string>> = {};
        for (const principal of PRINCIPALS) {
          const answer = await send(
            row.plugin,
            row.method,
            row.request(fixture.ctx, principal),
            principal,
          );
          answers[principal] = outcomeOf(
            answer,
            `${row.method} ${row.path} as ${principal}`,
          );
          details[principal] = `${answer.status} ${answer.text.slice(0, 300)}`;
        }
        expect(mismatches(answers, row.expect, row.gaps, details)).toEqual([]);
      });
    }
  });

  describe('actions', () => {
    it('has a row for every action and an action for every row', async () => {
      const { actions } = await fixture.actionsService.list({
        credentials: credentialsOf('admin'),
      });
      const listed = new Set(actions.map(action => action.id));
      const rows = new Set(ACTIONS.map(row => row.id));
      expect(
        [...listed]
          .filter(id => !rows.has(id))
          .map(
            id => `${id} is registered but not in ACTIONS of matrix.ts: add it`,
          ),
      ).toEqual([]);
      expect(
        [...rows]
          .filter(id => !listed.has(id))
          .map(
            id =>
              `${id} is in ACTIONS of matrix.ts but not registered: remove it`,
          ),
      ).toEqual([]);
    });

    /*
     * KNOWN GAP, from Backstage's DefaultAuthService.getPluginRequestToken: a plugin that calls
     * another on behalf of a service principal sends its own token, so the target sees
     * `plugin:<caller>`, a backend plugin, which Backstage allows everything. The MCP endpoint
     * invokes actions like this probe does, so a static token without a
     * `permission.comet.services` grant writes through /api/mcp-actions/v1 what it may not write
     * directly. (The test's auth makes plugin tokens as the real one does; see
     * actorAuthServiceFactory.) When this test fails, the gap is closed: make it assert 403.
     */
    it('KNOWN GAP: a static token writes through a plugin acting for it (as MCP does)', async () => {
      const writes = ACTIONS.filter(
        row => !row.filtered && row.expect.service === 'deny',
      );
      expect(writes.map(row => row.id)).toEqual([
        'pipelines:trigger-run',
        'jenkins:trigger-build',
        'jenkins:search-jobs',
        'sonarqube:search-projects',
        'jira:create-issue',
        'jira:transition-issue',
        'jira:add-comment',
        'jira:list-projects',
        'test-recorder:create-suite',
        'test-recorder:update-suite',
        'test-recorder:run-suite',
        'ai-assistant:generate-pipeline',
        'ai-assistant:generate-test-suite',
        'github:create-pull-request',
        'github:propose-catalog-change',
      ]);
      const answers: string[] = [];
      for (const row of writes) {
        try {
          await fixture.actionsService.invoke({
            id: row.id,
            input: row.input(fixture.ctx) as JsonObject,
            credentials: credentialsOf('service'),
          });
          answers.push(`${row.id}: allow`);
        } catch (error) {
          // Past authorization, the inputs may still be refused (a transition not allowed now)
          const status = (error as { statusCode?: number }).statusCode;
          answers.push(
            `${row.id}: ${status === 401 || status === 403 ? status : 'allow'}`,
          );
        }
      }
      expect(answers).toEqual([
        'pipelines:trigger-run: allow',
        'jenkins:trigger-build: allow',
        // Not gaps: the lists are narrowed by the caller's groups, so they take users only
        'jenkins:search-jobs: 403',
        'sonarqube:search-projects: 403',
        'jira:create-issue: allow',
        'jira:transition-issue: allow',
        'jira:add-comment: allow',
        'jira:list-projects: 403',
        'test-recorder:create-suite: allow',
        'test-recorder:update-suite: allow',
        'test-recorder:run-suite: allow',
        // Not gaps: usage and the rate limit are per user, and a pull request names the user
        // who proposed it, so these take users only
        'ai-assistant:generate-pipeline: 403',
        'ai-assistant:generate-test-suite: 403',
        'github:create-pull-request: 403',
        'github:propose-catalog-change: 403',
      ]);
    });

    it('marks what app-config.yaml filters out for MCP clients and the AI assistant', async () => {
      type FilterRule = { id?: string; attributes?: Record<string, boolean> };
      const appConfig = parseYaml(
        fs.readFileSync(
          path.join(__dirname, '..', '..', '..', '..', 'app-config.yaml'),
          'utf8',
        ),
      );
      const actionsConfig = appConfig?.backend?.actions ?? {};
      expect(actionsConfig.pluginSources).toEqual(
        expect.arrayContaining(COMET_PLUGIN_IDS),
      );
      const include: FilterRule[] = actionsConfig.filter?.include ?? [];
      const exclude: FilterRule[] = actionsConfig.filter?.exclude ?? [];
      const matches = (
        action: { attributes: Record<string, boolean> },
        rule: FilterRule,
      ) => {
        if (rule.id !== undefined) {
          throw new Error(
            `backend.actions.filter has an id rule (${rule.id}): teach this test to match ids`,
          );
        }
        return Object.entries(rule.attributes ?? {}).every(
          ([key, value]) => action.attributes[key] === value,
        );
      };
      const { actions } = await fixture.actionsService.list({
        credentials: credentialsOf('admin'),
      });
      const filtered = actions
        .filter(
          action =>
            exclude.some(rule => matches(action, rule)) ||
            (include.length > 0 &&
              !include.some(rule => matches(action, rule))),
        )
        .map(action => action.id);
      expect(filtered.sort()).toEqual(
        ACTIONS.filter(row => row.filtered)
          .map(row => row.id)
          .sort(),
      );
    });

    for (const row of ACTIONS) {
      it(`${row.id}`, async () => {
        const answers: Partial<Record<PrincipalId, Outcome>> = {};
        const details: Partial<Record<PrincipalId, string>> = {};
        for (const principal of PRINCIPALS) {
          if (principal === 'none' || principal === 'service') {
            // The actions service acts for users (as MCP and the AI assistant do); a caller
            // with a static token, or none, knocks on the plugin's invoke route itself.
            const pluginId = row.id.slice(0, row.id.indexOf(':'));
            const answer = await send(
              pluginId,
              'POST',
              {
                path: `/.backstage/actions/v1/actions/${encodeURIComponent(
                  row.id,
                )}/invoke`,
                body: row.input(fixture.ctx),
              },
              principal,
            );
            answers[principal] = outcomeOf(answer, `${row.id} as ${principal}`);
            details[principal] = `${answer.status} ${answer.text.slice(
              0,
              300,
            )}`;
            continue;
          }
          try {
            await fixture.actionsService.invoke({
              id: row.id,
              input: row.input(fixture.ctx) as JsonObject,
              credentials: credentialsOf(principal),
            });
            answers[principal] = 'allow';
          } catch (error) {
            const status = (error as { statusCode?: number }).statusCode;
            const message = String((error as Error).message).slice(0, 300);
            answers[principal] = outcomeOf(
              { status: status ?? 500, text: message },
              `${row.id} as ${principal}`,
            );
            details[principal] = `${status} ${message}`;
          }
        }
        expect(mismatches(answers, row.expect, row.gaps, details)).toEqual([]);
      });
    }
  });

  describe('scaffolder actions', () => {
    it('has rows for every scaffolder action and an action for every row', () => {
      const added = new Set(scaffolderActions.map(action => action.id));
      const rows = new Set(SCAFFOLDER_ACTIONS.map(row => row.id));
      expect([...added].sort()).toEqual([...rows].sort());
    });

    for (const row of SCAFFOLDER_ACTIONS) {
      it(`${row.id} ${row.variant}`, async () => {
        const action = scaffolderActions.find(a => a.id === row.id)!;
        const answers: Partial<Record<PrincipalId, Outcome>> = {};
        const details: Partial<Record<PrincipalId, string>> = {};
        for (const principal of PRINCIPALS) {
          if (principal === 'none') continue; // a task always has an initiator
          const workspacePath = fs.mkdtempSync(path.join(fixture.tmp, 'task-'));
          try {
            // A dry run: the permission checks come before anything is created
            await action.handler({
              input: row.input(fixture.ctx) as JsonObject,
              isDryRun: true,
              workspacePath,
              logger: mockServices.logger.mock(),
              output: () => {},
              createTemporaryDirectory: async () =>
                fs.mkdtempSync(path.join(fixture.tmp, 'task-tmp-')),
              checkpoint: async ({ fn }: { fn: () => Promise<unknown> }) =>
                fn(),
              getInitiatorCredentials: async () => credentialsOf(principal),
              task: { id: `matrix-${principal}` },
            } as any);
            answers[principal] = 'allow';
          } catch (error) {
            const name = (error as Error).name;
            const outcomes: Record<string, Outcome> = {
              NotAllowedError: 'deny',
              AuthenticationError: 'unauth',
            };
            answers[principal] = outcomes[name] ?? 'allow';
            details[principal] = `${name}: ${(error as Error).message}`;
          }
        }
        expect(mismatches(answers, row.expect, row.gaps, details)).toEqual([]);
      });
    }
  });
});

/** Markdown lines without the padding and rules' widths prettier gives tables. */
function normalizedMarkdown(markdown: string): string[] {
  return markdown
    .trim()
    .split('\n')
    .map(line =>
      line.startsWith('|')
        ? line
            .split('|')
            .map(cell => cell.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : line.trimEnd(),
    );
}

describe('the permission matrix in docs/security.md', () => {
  it('is what docs/security.md says', () => {
    const docPath = path.join(
      __dirname,
      '..',
      '..',
      '..',
      '..',
      'docs',
      'security.md',
    );
    const doc = fs.readFileSync(docPath, 'utf8');
    const section = renderMatrixMarkdown();
    const start = doc.indexOf('## Permission matrix\n');
    const next = start === -1 ? -1 : doc.indexOf('\n## ', start + 1);
    const current =
      start === -1 ? '' : doc.slice(start, next === -1 ? undefined : next + 1);
    if (process.env.UPDATE_PERMISSION_MATRIX_DOC === '1') {
      fs.writeFileSync(
        docPath,
        start === -1
          ? `${doc.replace(/\n*$/, '\n\n')}${section}`
          : doc.replace(current, next === -1 ? section : `${section}\n`),
      );
      return;
    }
    // Prettier pads the tables (`yarn prettier --write docs/security.md` after an update)
    expect(normalizedMarkdown(current)).toEqual(normalizedMarkdown(section));
  });
});
