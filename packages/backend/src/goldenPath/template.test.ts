/*
 * The comet-service template (examples/templates/comet-service), dry-run through the real
 * scaffolder (POST /api/scaffolder/v2/dry-run) with the real actions of every step: the
 * scaffolder's built-ins, Comet's golden-path modules and the family modules, the latter
 * against the local Jenkins, SonarQube and Jira fakes. What the dry run renders is then checked
 * with the code that reads it for real: the pipeline parser, the catalog's annotation checker,
 * the test-suite parser, the resource scopes of the embedded defaults, and `node --test` on
 * the rendered service.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import { NotFoundError } from '@backstage/errors';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { JsonObject } from '@backstage/types';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import {
  createTemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import { ResourceScopes } from '@internal/backend-common';
import {
  checkCometAnnotations,
  ConfiguredInstances,
} from '@internal/plugin-catalog-backend-module-comet';
import { JENKINS_ANNOTATION } from '@internal/plugin-jenkins-common';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import { ANNOTATION_JIRA_PROJECT_KEY } from '@internal/plugin-jira-common';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import { QUALITY_GATE_STEP_ID } from '@internal/plugin-pipelines-backend-module-sonarqube';
import { TEST_RECORDER_SUITE_STEP_ID } from '@internal/plugin-pipelines-backend-module-test-recorder';
import { parsePipeline } from '@internal/plugin-pipelines-common';
import scaffolderModuleComet from '@internal/plugin-scaffolder-backend-module-comet';
import {
  GITHUB_FAKE_DEMO_TOKEN,
  GitHubFake,
} from '@internal/plugin-github-node/testUtils';
import scaffolderModuleJenkins from '@internal/plugin-scaffolder-backend-module-jenkins';
import scaffolderModuleJira from '@internal/plugin-scaffolder-backend-module-jira';
import scaffolderModulePipelines from '@internal/plugin-scaffolder-backend-module-pipelines';
import scaffolderModuleSonarqube from '@internal/plugin-scaffolder-backend-module-sonarqube';
import scaffolderModuleTestRecorder from '@internal/plugin-scaffolder-backend-module-test-recorder';
import { ANNOTATION_SONARQUBE_PROJECT_KEY } from '@internal/plugin-sonarqube-common';
import {
  SONARQUBE_FAKE_DEMO_TOKEN,
  SonarQubeFake,
} from '@internal/plugin-sonarqube-node/testUtils';
import {
  parseTestSuiteFile,
  TEST_SUITES_ANNOTATION,
} from '@internal/plugin-test-recorder-common';
import request from 'supertest';
import YAML from 'yaml';

// Each test starts a backend with the scaffolder and every Comet module
jest.setTimeout(60_000);

const repoRoot = path.resolve(__dirname, '../../../..');
const templateDir = path.join(repoRoot, 'examples/templates/comet-service');
const template = YAML.parse(
  fs.readFileSync(path.join(templateDir, 'template.yaml'), 'utf8'),
);
/** The embedded defaults, for what the portal configures the same everywhere. */
const appConfig = YAML.parse(
  fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'),
);

/**
 * The test recorder's read actions as its backend answers them for a portal without suites:
 * test-recorder:suite:create asks them in a dry run whether the suite exists. The test
 * recorder's backend itself needs the step sandbox and Chromium, so it is not started here.
 */
const testRecorderStandIn = createBackendPlugin({
  pluginId: 'test-recorder',
  register(reg) {
    reg.registerInit({
      deps: { registry: actionsRegistryServiceRef },
      async init({ registry }) {
        const attributes = {
          readOnly: true,
          destructive: false,
          idempotent: true,
        };
        registry.register({
          name: 'get-suite',
          title: 'Get a test suite',
          description: 'A browser test suite',
          attributes,
          schema: {
            input: z =>
              z.object({
                suite: z.string(),
                version: z.number().int().min(1).optional(),
              }),
            output: z => z.object({ version: z.number() }),
          },
          action: async ({ input }) => {
            throw new NotFoundError(`There is no test suite "${input.suite}"`);
          },
        });
        registry.register({
          name: 'list-suites',
          title: 'List test suites',
          description: 'The browser test suites of an entity',
          attributes,
          schema: {
            input: z => z.object({ entityRef: z.string() }),
            output: z =>
              z.object({
                suites: z.array(z.any()),
                missing: z.array(z.any()),
              }),
          },
          action: async () => ({ output: { suites: [], missing: [] } }),
        });
      },
    });
  },
});

/** Every action a step may use: the scaffolder's built-ins, then Comet's. */
const BUILT_IN_ACTIONS = [
  'fetch:template',
  'fs:delete',
  'fs:rename',
  'catalog:register',
  'debug:log',
  // From @backstage/plugin-scaffolder-backend-module-github, which this backend does not
  // install yet: the step only runs when repoHost is github and GitHub is configured
  'publish:github',
];
const COMET_ACTIONS = [
  'comet:service:check',
  'comet:repo:create',
  'pipelines:run:trigger',
  'jenkins:job:create',
  'sonarqube:project:create',
  'jira:component:create',
  'test-recorder:suite:create',
];

/** Which switch and which output of the check each integration's steps depend on. */
const GATED_STEPS: Record<string, { parameter: string; check: string }> = {
  jenkins: { parameter: 'jenkins', check: 'jenkins' },
  sonarqube: { parameter: 'sonarqube', check: 'sonarqube' },
  jira: { parameter: 'jira', check: 'jira' },
  'starter-test': { parameter: 'starterTest', check: 'testRecorder' },
  'drop-jenkinsfile': { parameter: 'jenkins', check: 'jenkins' },
  'drop-sonarqube': { parameter: 'sonarqube', check: 'sonarqube' },
  'drop-starter-test': { parameter: 'starterTest', check: 'testRecorder' },
  'publish-github': { parameter: 'repoHost', check: 'github' },
  'publish-portal': { parameter: 'repoHost', check: 'github' },
};

const USER = 'user:default/ada.lovelace';
/**
 * The portal's address (backend.baseUrl) in these tests: not the example catalog's
 * localhost:7007, so that every repository URL the template writes must come from the config.
 */
const PORTAL = 'http://portal.comet.test:7443';
const REPOS = `${PORTAL}/api/example-repos`;
const CATALOG: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'payments-team' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'storefront-team' },
    spec: { type: 'team', children: [] },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'System',
    metadata: { name: 'payments' },
    spec: { owner: 'payments-team' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'ada.lovelace' },
    spec: { memberOf: ['payments-team'] },
  },
];

/** `steps` of the template, as written. */
type Step = {
  id: string;
  action: string;
  if?: string;
  input?: Record<string, unknown>;
};
const steps: Step[] = template.spec.steps;

type DryRunFile = { path: string; base64Content: string };
type DryRunResult = {
  status: number;
  body: {
    errors?: Array<{ message?: string; property?: string; stack?: string }>;
    error?: { message: string };
    log: Array<{ body: { message: string; stepId?: string } }>;
    directoryContents: DryRunFile[];
    output: {
      entityRef?: string;
      runId?: string;
      links?: Array<{ title?: string; url?: string; entityRef?: string }>;
      text?: Array<{ title?: string; content?: string }>;
    };
  };
};

/** The template folder as the dry-run API takes it (what the editor uploads). */
function directoryContents(root: string, relative = ''): DryRunFile[] {
  return fs
    .readdirSync(path.join(root, relative), { withFileTypes: true })
    .flatMap(entry => {
      const file = path.posix.join(relative, entry.name);
      return entry.isDirectory()
        ? directoryContents(root, file)
        : [
            {
              path: file,
              base64Content: fs
                .readFileSync(path.join(root, file))
                .toString('base64'),
            },
          ];
    });
}

const templateFiles = directoryContents(templateDir);

function fileOf(result: DryRunResult, file: string): string {
  const found = result.body.directoryContents.find(f => f.path === file);
  if (!found) {
    throw new Error(
      `The dry run rendered no ${file}; it rendered ${result.body.directoryContents
        .map(f => f.path)
        .join(', ')}`,
    );
  }
  return Buffer.from(found.base64Content, 'base64').toString('utf8');
}

/** A step's log lines, without the logger's coloured level prefix ("info: "). */
function logOf(result: DryRunResult, stepId?: string): string[] {
  return result.body.log
    .filter(entry => stepId === undefined || entry.body.stepId === stepId)
    .map(entry =>
      // eslint-disable-next-line no-control-regex
      entry.body.message.replace(/^(\u001b\[\d+m)?\w+(\u001b\[\d+m)?: /, ''),
    );
}

/** The inputs a step ran with, from the dry run's "Running <action> in dry-run mode" line. */
function inputsOf(result: DryRunResult, stepId: string) {
  const line = logOf(result, stepId).find(message =>
    message.includes('in dry-run mode with inputs'),
  );
  if (!line) {
    throw new Error(`Step ${stepId} did not run: ${logOf(result, stepId)}`);
  }
  return JSON.parse(line.slice(line.indexOf('{')));
}

const ALL_ON = {
  name: 'payouts',
  description: 'Pays out "merchant" balances: daily, in EUR',
  owner: 'group:default/payments-team',
  system: 'system:default/payments',
  preset: 'node',
  repoHost: 'portal',
  jenkins: true,
  sonarqube: true,
  jira: true,
  jiraProject: 'PAY',
  starterTest: true,
};
const ALL_OFF = {
  name: 'ledger-export',
  owner: 'group:default/payments-team',
  preset: 'node',
  repoHost: 'portal',
  jenkins: false,
  sonarqube: false,
  jira: false,
  starterTest: false,
};

describe('the comet-service template', () => {
  it('uses only known actions, each integration behind its switch and the check', () => {
    const known = new Set([...BUILT_IN_ACTIONS, ...COMET_ACTIONS]);
    for (const step of steps) {
      expect({ step: step.id, known: known.has(step.action) }).toEqual({
        step: step.id,
        known: true,
      });
    }
    expect(steps[0]).toMatchObject({
      id: 'check',
      action: 'comet:service:check',
    });
    for (const [stepId, gate] of Object.entries(GATED_STEPS)) {
      const condition = steps.find(step => step.id === stepId)?.if ?? '';
      expect({ stepId, condition }).toEqual({
        stepId,
        condition: expect.stringContaining(`parameters.${gate.parameter}`),
      });
      expect({ stepId, condition }).toEqual({
        stepId,
        condition: expect.stringContaining(`steps.check.output.${gate.check}`),
      });
    }
    expect(steps.find(step => step.id === 'register')?.if).toContain(
      'not steps.check.output.registered',
    );
    // Registering comes before anything that waits for the entity in the catalog
    const order = steps.map(step => step.id);
    expect(order.indexOf('register')).toBeLessThan(
      order.indexOf('starter-test'),
    );
    expect(order.indexOf('starter-test')).toBeLessThan(
      order.indexOf('trigger'),
    );
    expect(order.at(-1)).toBe('trigger');
  });

  it('offers exactly the presets that have a skeleton folder', () => {
    const folders = fs
      .readdirSync(path.join(templateDir, 'skeletons'), { withFileTypes: true })
      .filter(entry => entry.isDirectory())
      .map(entry => entry.name)
      .sort();
    const preset = template.spec.parameters
      .map((page: { properties?: Record<string, unknown> }) => page.properties)
      .find((properties: Record<string, unknown>) => properties?.preset).preset;
    expect([...preset.enum].sort()).toEqual(folders);
    expect(preset.enumNames).toHaveLength(preset.enum.length);
    expect(folders).toContain(preset.default);
  });

  describe('through the scaffolder', () => {
    let jenkins: JenkinsFake;
    let sonarqube: SonarQubeFake;
    let jira: JiraFake;
    const mockDir = createMockDirectory();

    beforeAll(async () => {
      [jenkins, sonarqube, jira] = await Promise.all([
        JenkinsFake.start(),
        SonarQubeFake.start(),
        JiraFake.start({ example: true }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([jenkins.close(), sonarqube.close(), jira.close()]);
    });

    /** The embedded defaults' shape: the portal serves repositories, nothing else is on. */
    function bareConfig() {
      return {
        app: { baseUrl: 'http://localhost:3000' },
        backend: {
          // Not the example catalog's localhost:7007: the rendered URLs must follow it
          baseUrl: PORTAL,
          actions: appConfig.backend.actions,
        },
        comet: {
          exampleRepos: {
            sourceDir: mockDir.resolve('examples/projects'),
            targetDir: mockDir.resolve('git'),
          },
        },
      };
    }

    /** The demo's shape: every integration on, each at its fake. */
    function demoConfig() {
      return {
        ...bareConfig(),
        jenkins: {
          instances: [
            {
              name: 'default',
              baseUrl: jenkins.url,
              username: 'comet',
              apiKey: 'comet-fake-jenkins-token',
            },
          ],
        },
        sonarqube: {
          instances: [
            {
              name: 'default',
              baseUrl: sonarqube.url,
              apiKey: SONARQUBE_FAKE_DEMO_TOKEN,
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
      };
    }

    async function dryRun(
      config: JsonObject,
      values: Record<string, unknown>,
      extraFeatures: Parameters<typeof startTestBackend>[0]['features'] = [],
    ): Promise<DryRunResult> {
      const backend = await startTestBackend({
        features: [
          scaffolderPlugin,
          scaffolderModuleComet,
          scaffolderModulePipelines,
          scaffolderModuleJenkins,
          scaffolderModuleSonarqube,
          scaffolderModuleJira,
          scaffolderModuleTestRecorder,
          testRecorderStandIn,
          actionsRegistryServiceFactory,
          actionsServiceFactory,
          ...(extraFeatures ?? []),
          catalogServiceMock.factory({ entities: CATALOG }),
          mockServices.rootConfig.factory({ data: config }),
        ],
      });
      try {
        const response = await request(backend.server)
          .post('/api/scaffolder/v2/dry-run')
          .set('authorization', mockCredentials.user.header(USER))
          .send({ template, values, directoryContents: templateFiles });
        return { status: response.status, body: response.body };
      } finally {
        await backend.stop();
      }
    }

    describe('a real run that stops at a Jira that is down', () => {
      /** A port nothing listens on: where Jira's instance is configured. */
      let jiraDown: string;
      const TEMPLATE_ENTITY = {
        ...template,
        metadata: {
          ...template.metadata,
          namespace: 'default',
          // Where the scaffolder resolves ./skeletons/<preset> from
          annotations: {
            'backstage.io/managed-by-location': `file:${path.join(
              templateDir,
              'template.yaml',
            )}`,
          },
        },
      };
      const VALUES = {
        ...ALL_ON,
        name: 'chargebacks',
        description: 'Disputed card payments',
        starterTest: false,
      };

      beforeAll(async () => {
        const closed = await JiraFake.start();
        jiraDown = closed.url;
        await closed.close();
      });

      /** Starts a task of the template and waits until it has finished. */
      async function run(config: JsonObject) {
        const backend = await startTestBackend({
          features: [
            scaffolderPlugin,
            scaffolderModuleComet,
            scaffolderModulePipelines,
            scaffolderModuleJenkins,
            scaffolderModuleSonarqube,
            scaffolderModuleJira,
            scaffolderModuleTestRecorder,
            testRecorderStandIn,
            actionsRegistryServiceFactory,
            actionsServiceFactory,
            catalogServiceMock.factory({
              entities: [...CATALOG, TEMPLATE_ENTITY],
            }),
            mockServices.rootConfig.factory({ data: config }),
          ],
        });
        try {
          const auth = mockCredentials.user.header(USER);
          const started = await request(backend.server)
            .post('/api/scaffolder/v2/tasks')
            .set('authorization', auth)
            .send({
              templateRef: 'template:default/comet-service',
              values: VALUES,
            });
          expect(started.status).toBe(201);
          const taskId: string = started.body.id;
          // Wait for the task to finish (the worker runs it in the background)
          const deadline = Date.now() + 50_000;
          let status = 'open';
          while (!['failed', 'completed', 'cancelled'].includes(status)) {
            if (Date.now() > deadline) {
              throw new Error(`task ${taskId} is still ${status}`);
            }
            await new Promise(resolve => setTimeout(resolve, 100));
            status = (
              await request(backend.server)
                .get(`/api/scaffolder/v2/tasks/${taskId}`)
                .set('authorization', auth)
            ).body.status;
          }
          const events: Array<{
            type: string;
            body: {
              message: string;
              stepId?: string;
              status?: string;
              error?: { name: string; message: string };
            };
          }> = (
            await request(backend.server)
              .get(`/api/scaffolder/v2/tasks/${taskId}/events`)
              .set('authorization', auth)
          ).body;
          const stepLog = (stepId: string) =>
            events
              .filter(e => e.type === 'log' && e.body.stepId === stepId)
              .map(e =>
                e.body.message.replace(
                  // eslint-disable-next-line no-control-regex
                  /^(\u001b\[\d+m)?\w+(\u001b\[\d+m)?: /,
                  '',
                ),
              );
          const completion = events.find(e => e.type === 'completion');
          return { status, completion, stepLog };
        } finally {
          await backend.stop();
        }
      }

      function configWithJiraAt(baseUrl: string) {
        const config = demoConfig();
        return {
          ...config,
          jira: {
            instances: [{ ...config.jira.instances[0], baseUrl }],
          },
        };
      }

      it('stops at the Jira step with the reason, listing the repository, the Jenkins job and the SonarQube project; a re-run adopts them', async () => {
        const failed = await run(configWithJiraAt(jiraDown));
        expect(failed.status).toBe('failed');
        const error = failed.completion?.body.error;
        expect(error?.name).toBe('JiraError');
        const [reason, list] = error!.message.split('\n\n');
        expect(reason).toBe(
          `Jira instance "default" could not be reached at ${jiraDown} for GET /rest/api/3/project/PAY/components: ECONNREFUSED (check jira.instances[name=default].baseUrl)`,
        );
        expect(list).toBe(
          [
            'Already created by this run:',
            `- repository chargebacks (${REPOS}/chargebacks.git)`,
            `- Jenkins job payments/chargebacks (${jenkins.url}/job/payments/job/chargebacks/)`,
            `- SonarQube project comet-examples_payments-chargebacks (${sonarqube.url}/dashboard?id=comet-examples_payments-chargebacks)`,
            'Run the template again with the same name to resume: it adopts these.',
          ].join('\n'),
        );
        expect(error!.message).not.toContain(JIRA_FAKE_DEMO_API_TOKEN);
        expect(error!.message).not.toContain(SONARQUBE_FAKE_DEMO_TOKEN);
        // They exist, and the failed step created nothing
        expect(
          fs.existsSync(mockDir.resolve('git/chargebacks.git/config')),
        ).toBe(true);
        expect(jenkins.state.jobs.has('payments/chargebacks')).toBe(true);
        expect(
          sonarqube.state.projects.has('comet-examples_payments-chargebacks'),
        ).toBe(true);
        expect(
          jira.state
            .project('PAY')
            ?.components.some(component => component.name === 'chargebacks'),
        ).toBe(false);

        // Jira is back: the same name resumes, adopting what the first run created
        const again = await run(configWithJiraAt(jira.url));
        expect(again.stepLog('check')).toContain(
          'chargebacks: resuming the earlier run of this template (repository created, entity not registered yet)',
        );
        expect(again.stepLog('publish-portal')).toContain(
          `Adopted repository chargebacks: ${REPOS}/chargebacks.git`,
        );
        expect(again.stepLog('jenkins')).toContain(
          `Adopted Jenkins job payments/chargebacks: ${jenkins.url}/job/payments/job/chargebacks/`,
        );
        expect(again.stepLog('sonarqube')).toContain(
          `Adopted SonarQube project comet-examples_payments-chargebacks: ${sonarqube.url}/dashboard?id=comet-examples_payments-chargebacks`,
        );
        expect(again.stepLog('jira')).toContainEqual(
          expect.stringMatching(/^Created Jira component chargebacks: /),
        );
      });
    });

    describe('with every switch on', () => {
      let config: ReturnType<typeof demoConfig>;
      let result: DryRunResult;
      /** The rendered service, written out as the repository would hold it. */
      let workspace: string;

      beforeAll(async () => {
        config = demoConfig();
        result = await dryRun(config, ALL_ON);
        workspace = await mkdtemp(path.join(os.tmpdir(), 'comet-service-'));
        for (const file of result.body.directoryContents ?? []) {
          await mkdir(path.dirname(path.join(workspace, file.path)), {
            recursive: true,
          });
          await writeFile(
            path.join(workspace, file.path),
            Buffer.from(file.base64Content, 'base64'),
          );
        }
      });
      afterAll(async () => {
        await rm(workspace, { recursive: true, force: true });
      });

      it('renders every file of the skeleton', () => {
        expect(result.body.error).toBeUndefined();
        expect(result.status).toBe(200);
        expect(result.body.directoryContents.map(f => f.path).sort()).toEqual(
          [
            '.comet/pipeline.yaml',
            '.gitignore',
            'Jenkinsfile',
            'README.md',
            'catalog-info.yaml',
            'package.json',
            'scripts/build.js',
            'scripts/sonar-scan.js',
            'sonar-project.properties',
            'src/app.js',
            'src/server.js',
            'test-suites/smoke.json',
            'test/app.test.js',
          ].sort(),
        );
        expect(JSON.parse(fileOf(result, 'package.json')).name).toBe('payouts');
      });

      it('writes a catalog-info.yaml with every annotation, which the catalog accepts', () => {
        const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
        expect(stringifyEntityRef(entity)).toBe('component:default/payouts');
        expect(entity.metadata.description).toBe(ALL_ON.description);
        expect(entity.metadata.annotations).toEqual({
          'backstage.io/source-location': `url:${REPOS}/payouts.git`,
          'comet.dev/pipelines': '.comet/pipeline.yaml',
          [JENKINS_ANNOTATION]: 'payments/payouts',
          [ANNOTATION_SONARQUBE_PROJECT_KEY]: 'comet-examples_payments-payouts',
          [ANNOTATION_JIRA_PROJECT_KEY]: 'PAY',
          'jira/component': 'payouts',
          'comet.dev/jira-bug-on-failure': 'build-and-test',
          [TEST_SUITES_ANNOTATION]: 'payouts-smoke',
        });
        expect(entity.spec).toEqual({
          type: 'service',
          lifecycle: 'experimental',
          owner: 'group:default/payments-team',
          system: 'system:default/payments',
        });
        expect(
          checkCometAnnotations(
            entity,
            ConfiguredInstances.fromConfig(new ConfigReader(config)),
          ),
        ).toEqual([]);
      });

      it("names resources within the owner's resource scopes of the embedded defaults", () => {
        // So the quality-gate step may read the project, and the tabs show the job and issues
        const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
        const scopes = ResourceScopes.fromConfig(new ConfigReader(appConfig));
        const family = (id: string, annotation: string, separator: string) => ({
          id,
          annotation,
          instanceSeparator: separator,
          defaultInstance: () => 'default',
        });
        const resource = (name: string) => ({
          instance: 'default',
          name,
          source: name,
        });
        expect(scopes.enforced).toBe(true);
        expect([
          scopes.refusal(
            entity,
            family('jenkins', JENKINS_ANNOTATION, ':'),
            resource('payments/payouts'),
          ),
          scopes.refusal(
            entity,
            family('sonarqube', ANNOTATION_SONARQUBE_PROJECT_KEY, '/'),
            resource('comet-examples_payments-payouts'),
          ),
          scopes.refusal(
            entity,
            family('jira', ANNOTATION_JIRA_PROJECT_KEY, '/'),
            resource('PAY'),
          ),
        ]).toEqual([undefined, undefined, undefined]);
        // The same names for another team are refused: the check can fail
        expect(
          scopes.refusal(
            { ...entity, spec: { ...entity.spec, owner: 'storefront-team' } },
            family('sonarqube', ANNOTATION_SONARQUBE_PROJECT_KEY, '/'),
            resource('comet-examples_payments-payouts'),
          ),
        ).toContain('is outside the scopes of group:default/storefront-team');
      });

      it('writes a pipeline the pipelines parser accepts, with the gate and the suite steps', () => {
        const text = fileOf(result, '.comet/pipeline.yaml');
        const parsed = parsePipeline(text, {
          file: '.comet/pipeline.yaml',
          stepTypes: [QUALITY_GATE_STEP_ID, TEST_RECORDER_SUITE_STEP_ID],
          secrets: ['SONAR_TOKEN'],
        });
        expect(parsed.issues).toEqual([]);
        const pipeline = parsed.pipeline!;
        expect(pipeline.name).toBe('build-and-test');
        const [build, quality, browserTest] = pipeline.jobs;
        expect(pipeline.jobs.map(job => job.id)).toEqual([
          'build',
          'quality',
          'browser-test',
        ]);
        expect(build.steps.map(s => s.run)).toEqual([
          'npm run build',
          'npm test',
        ]);
        expect(quality.needs).toEqual(['build']);
        expect(quality.steps).toMatchObject([
          {
            run: 'node scripts/sonar-scan.js',
            env: { SONAR_TOKEN: '${{ secrets.SONAR_TOKEN }}' },
          },
          { uses: QUALITY_GATE_STEP_ID },
        ]);
        expect(browserTest.steps).toMatchObject([
          {
            uses: TEST_RECORDER_SUITE_STEP_ID,
            with: { suite: 'payouts-smoke' },
          },
        ]);
        // A portal without the secret gets a problem it can show, naming it
        expect(
          parsePipeline(text, {
            stepTypes: [QUALITY_GATE_STEP_ID, TEST_RECORDER_SUITE_STEP_ID],
            secrets: [],
          }).issues.map(issue => issue.message),
        ).toEqual(['Unknown secret "SONAR_TOKEN"']);
      });

      it('writes a starter suite and analysis settings that name what the entity names', () => {
        const suite = parseTestSuiteFile(
          fileOf(result, 'test-suites/smoke.json'),
          'test-suites/smoke.json',
        );
        expect(suite).toMatchObject({
          entityRef: 'component:default/payouts',
          name: 'payouts-smoke',
          webServer: { command: 'node src/server.js', port: 8080 },
        });
        expect(suite.tests[0].steps).toContainEqual(
          expect.objectContaining({ action: 'assertText', text: 'payouts' }),
        );
        expect(fileOf(result, 'sonar-project.properties')).toContain(
          'sonar.projectKey=comet-examples_payments-payouts\n',
        );
      });

      it('names every external call it would make, and makes none', () => {
        expect(inputsOf(result, 'check')).toEqual({
          name: 'payouts',
          owner: 'group:default/payments-team',
          system: 'system:default/payments',
          repoHost: 'portal',
        });
        expect(logOf(result, 'publish-portal')).toEqual(
          expect.arrayContaining([
            `Dry run: would commit catalog-info.yaml (${Buffer.byteLength(
              fileOf(result, 'catalog-info.yaml'),
            )} bytes)`,
            expect.stringMatching(
              /^Dry run: would create payouts\.git for component:default\/payouts with .*, served at /,
            ),
          ]),
        );
        expect(
          logOf(result, 'publish-portal').filter(line =>
            line.endsWith(`, served at ${REPOS}/payouts.git`),
          ),
        ).toHaveLength(1);
        expect(inputsOf(result, 'jenkins')).toMatchObject({
          folder: 'payments',
          name: 'payouts',
          repoUrl: `${REPOS}/payouts.git`,
          scriptPath: 'Jenkinsfile',
          entityRef: 'component:default/payouts',
        });
        expect(logOf(result, 'jenkins').join('\n')).toMatch(
          /Dry run: would create Jenkins job payments\/payouts on instance "default"/,
        );
        expect(inputsOf(result, 'sonarqube')).toMatchObject({
          projectKey: 'comet-examples_payments-payouts',
          name: 'payouts',
          entityRef: 'component:default/payouts',
        });
        expect(logOf(result, 'sonarqube').join('\n')).toMatch(
          /Dry run: would create the project comet-examples_payments-payouts on SonarQube instance "default"/,
        );
        expect(inputsOf(result, 'jira')).toMatchObject({
          projectKey: 'PAY',
          name: 'payouts',
          description: ALL_ON.description,
          entityRef: 'component:default/payouts',
        });
        expect(logOf(result, 'jira').join('\n')).toMatch(
          /Dry run: would create the component "payouts" in Jira project PAY on instance "default"/,
        );
        expect(inputsOf(result, 'register')).toEqual({
          catalogInfoUrl: `${REPOS}/payouts.git/raw/main/catalog-info.yaml`,
        });
        expect(logOf(result, 'register')).toContain(
          'Skipping because catalog:register does not support dry-run',
        );
        expect(logOf(result, 'starter-test').join('\n')).toMatch(
          /Dry run: would create the test suite "payouts-smoke" \(1 test\) for component:default\/payouts/,
        );
        expect(logOf(result, 'trigger').join('\n')).toMatch(
          /Dry run: would trigger \.comet\/pipeline\.yaml of component:default\/payouts on main as user:default\/ada\.lovelace/,
        );
        expect(jenkins.state.jobs.has('payments/payouts')).toBe(false);
        expect(
          sonarqube.state.projects.has('comet-examples_payments-payouts'),
        ).toBe(false);
        expect(
          jira.state.projects
            .get('PAY')
            ?.components.some(component => component.name === 'payouts'),
        ).toBe(false);
        expect(
          fs.existsSync(
            path.join(config.comet.exampleRepos.targetDir, 'payouts.git'),
          ),
        ).toBe(false);
      });

      it('links to the entity, the run, the repository and each resource', () => {
        expect(result.body.output.entityRef).toBe('component:default/payouts');
        expect(result.body.output.runId).toBe('dry-run');
        expect(result.body.output.links).toEqual([
          {
            title: 'payouts in the catalog',
            icon: 'catalog',
            entityRef: 'component:default/payouts',
          },
          {
            title: 'First pipeline run',
            icon: 'dashboard',
            url: '/pipelines',
          },
          {
            title: 'Repository',
            url: `${REPOS}/payouts.git`,
          },
          {
            title: 'Jenkins job payments/payouts',
            url: `${jenkins.url}/job/payments/job/payouts/`,
          },
          {
            title: 'SonarQube project comet-examples_payments-payouts',
            url: `${sonarqube.url}/dashboard?id=comet-examples_payments-payouts`,
          },
          {
            title: 'Jira component payouts',
            url: expect.stringContaining(`${jira.url}/issues/?jql=`),
          },
          {
            title: 'Starter browser test payouts-smoke',
            url: '/test-recorder/suites/payouts-smoke',
          },
        ]);
        // Only GitHub is off in this config: the portal serves the repository instead
        expect(result.body.output.text).toEqual([
          {
            title: 'Skipped',
            content: expect.stringContaining(
              '\n- GitHub: not configured (set integrations.github with a token or an app), the repository is served by the portal instead\n',
            ),
          },
        ]);
        expect(result.body.output.text?.[0].content).not.toMatch(
          /Jenkins|SonarQube|Jira|Test recorder/,
        );
      });

      it('renders a service that builds and passes its own tests with no install', async () => {
        const run = promisify(execFile);
        const env = { PATH: process.env.PATH ?? '' };
        const tests = await run(
          process.execPath,
          ['--test', '--test-reporter=tap'],
          { cwd: workspace, env },
        );
        expect(tests.stdout).toMatch(/^# pass 3$/m);
        expect(tests.stdout).toMatch(/^# fail 0$/m);
        const build = await run(process.execPath, ['scripts/build.js'], {
          cwd: workspace,
          env,
        });
        expect(build.stdout).toBe('built 2 file(s) into dist/\n');
        expect(
          JSON.parse(
            fs.readFileSync(path.join(workspace, 'dist/manifest.json'), 'utf8'),
          ),
        ).toMatchObject({ name: 'payouts', files: ['app.js', 'server.js'] });
      });

      it("renders an analysis script that submits this commit to SonarQube with the pipeline's token", async () => {
        // A SonarQube that takes no anonymous analysis, holding the project as
        // sonarqube:project:create leaves it: the script must send the token
        const strict = await SonarQubeFake.start({
          anonymousAnalysis: false,
          projects: [
            { key: 'comet-examples_payments-payouts', analysed: false },
          ],
        });
        const run = (token: string) =>
          promisify(execFile)(process.execPath, ['scripts/sonar-scan.js'], {
            cwd: workspace,
            env: {
              PATH: process.env.PATH ?? '',
              COMET_COMMIT: 'c0ffee0123456789c0ffee0123456789c0ffee01',
              COMET_BRANCH: 'main',
              SONAR_HOST_URL: strict.url,
              SONAR_TOKEN: token,
            },
          });
        try {
          const submitted = await run(SONARQUBE_FAKE_DEMO_TOKEN);
          expect(submitted.stdout).toContain(
            `Submitting the analysis of c0ffee012345 of comet-examples_payments-payouts to ${strict.url}\n`,
          );
          expect(submitted.stdout).not.toContain(SONARQUBE_FAKE_DEMO_TOKEN);
          const main = strict.state.projects
            .get('comet-examples_payments-payouts')
            ?.branches.get('main');
          expect(main?.analyses.map(a => a.revision)).toEqual([
            'c0ffee0123456789c0ffee0123456789c0ffee01',
          ]);

          const refused = await run('squ_not_a_token_the_fake_knows').then(
            () => undefined,
            (error: { code: number; stdout: string; stderr: string }) => error,
          );
          expect(refused?.code).toBe(1);
          expect(refused?.stderr).toContain('/api/ce/submit answered 401');
          expect(`${refused?.stdout}${refused?.stderr}`).not.toContain(
            'squ_not_a_token_the_fake_knows',
          );
        } finally {
          await strict.close();
        }
      });
    });

    it('with every switch off: only the service and its build-and-test pipeline', async () => {
      const config = demoConfig();
      const result = await dryRun(config, ALL_OFF);
      expect(result.body.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(result.body.directoryContents.map(f => f.path).sort()).toEqual(
        [
          '.comet/pipeline.yaml',
          '.gitignore',
          'README.md',
          'catalog-info.yaml',
          'package.json',
          'scripts/build.js',
          'src/app.js',
          'src/server.js',
          'test/app.test.js',
        ].sort(),
      );
      const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
      expect(entity.metadata.annotations).toEqual({
        'backstage.io/source-location': `url:${REPOS}/ledger-export.git`,
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      });
      expect(entity.metadata.description).toBeUndefined();
      expect(entity.spec).toEqual({
        type: 'service',
        lifecycle: 'experimental',
        owner: 'group:default/payments-team',
      });
      expect(
        checkCometAnnotations(
          entity,
          ConfiguredInstances.fromConfig(new ConfigReader(config)),
        ),
      ).toEqual([]);
      const parsed = parsePipeline(fileOf(result, '.comet/pipeline.yaml'), {
        stepTypes: [QUALITY_GATE_STEP_ID, TEST_RECORDER_SUITE_STEP_ID],
        secrets: [],
      });
      expect(parsed.issues).toEqual([]);
      expect(parsed.pipeline!.jobs.map(job => job.id)).toEqual(['build']);

      for (const stepId of ['jenkins', 'sonarqube', 'jira', 'starter-test']) {
        expect(logOf(result, stepId)).toContain(
          `Skipping step ${stepId} because its if condition was false`,
        );
      }
      expect(result.body.output.links).toEqual([
        {
          title: 'ledger-export in the catalog',
          icon: 'catalog',
          entityRef: 'component:default/ledger-export',
        },
        {
          title: 'First pipeline run',
          icon: 'dashboard',
          url: '/pipelines',
        },
        {
          title: 'Repository',
          url: `${REPOS}/ledger-export.git`,
        },
      ]);
    });

    it('skips what the portal does not configure, and says so in the output', async () => {
      const config = bareConfig();
      const result = await dryRun(config, {
        ...ALL_ON,
        owner: 'group:default/storefront-team',
        system: undefined,
      });
      expect(result.body.error).toBeUndefined();
      expect(result.status).toBe(200);
      for (const stepId of ['jenkins', 'sonarqube', 'jira']) {
        expect(logOf(result, stepId)).toContain(
          `Skipping step ${stepId} because its if condition was false`,
        );
      }
      // The test recorder needs no config, so the starter test stays
      expect(logOf(result, 'starter-test').join('\n')).toMatch(
        /would create the test suite "payouts-smoke"/,
      );
      const paths = result.body.directoryContents.map(f => f.path);
      expect(paths).toContain('test-suites/smoke.json');
      expect(paths).not.toContain('Jenkinsfile');
      expect(paths).not.toContain('sonar-project.properties');
      const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
      expect(Object.keys(entity.metadata.annotations ?? {}).sort()).toEqual([
        'backstage.io/source-location',
        'comet.dev/pipelines',
        TEST_SUITES_ANNOTATION,
      ]);
      expect(
        checkCometAnnotations(
          entity,
          ConfiguredInstances.fromConfig(new ConfigReader(config)),
        ),
      ).toEqual([]);
      const skipped = result.body.output.text?.find(t => t.title === 'Skipped');
      expect(skipped?.content).toContain(
        '- Jenkins: not configured (set jenkins.instances), its steps are skipped\n',
      );
      expect(skipped?.content).toContain(
        '- SonarQube: not configured (set sonarqube.instances), its steps are skipped\n',
      );
      expect(skipped?.content).toContain(
        '- Jira: not configured (set jira.instances), its steps are skipped\n',
      );
      expect(result.body.output.links?.map(link => link.title)).toEqual([
        'payouts in the catalog',
        'First pipeline run',
        'Repository',
        'Starter browser test payouts-smoke',
      ]);
    });

    it('on GitHub: names the repository in catalog-info.yaml and registers it from there', async () => {
      // A stand-in for publish:github (@backstage/plugin-scaffolder-backend-module-github) with
      // its documented outputs: this backend has no GitHub to push to (e2e/golden-path.spec.ts
      // runs the real action against the GitHub fake)
      const publishGithub = createBackendModule({
        pluginId: 'scaffolder',
        moduleId: 'publish-github-stand-in',
        register(reg) {
          reg.registerInit({
            deps: { scaffolder: scaffolderActionsExtensionPoint },
            async init({ scaffolder }) {
              scaffolder.addActions(
                createTemplateAction({
                  id: 'publish:github',
                  supportsDryRun: true,
                  async handler(ctx) {
                    ctx.output('remoteUrl', 'https://github.com/acme/payouts');
                    ctx.output(
                      'repoContentsUrl',
                      'https://github.com/acme/payouts/blob/main',
                    );
                  },
                }),
              );
            },
          });
        },
      });
      // comet:service:check asks GitHub (the fake) whether acme/payouts exists: it does not
      const github = await GitHubFake.start({
        repos: [{ owner: 'acme', name: 'ledger' }],
      });
      const config = {
        ...bareConfig(),
        integrations: {
          github: [
            {
              host: 'github.com',
              apiBaseUrl: github.url,
              token: GITHUB_FAKE_DEMO_TOKEN,
            },
          ],
        },
      };
      const result = await dryRun(
        config,
        {
          ...ALL_OFF,
          name: 'payouts',
          repoHost: 'github',
          repoUrl: 'github.com?owner=acme&repo=payouts',
        },
        [publishGithub],
      ).finally(() => github.close());
      expect(result.body.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(logOf(result, 'publish-portal')).toContain(
        'Skipping step publish-portal because its if condition was false',
      );
      expect(inputsOf(result, 'publish-github')).toMatchObject({
        repoUrl: 'github.com?owner=acme&repo=payouts',
        defaultBranch: 'main',
        // The topic a re-run adopts the repository by
        topics: [expect.stringMatching(/^comet-entity-[0-9a-f]{16}$/)],
      });
      const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
      expect(entity.metadata.annotations).toEqual({
        'backstage.io/source-location':
          'url:https://github.com/acme/payouts/tree/main/',
        'github.com/project-slug': 'acme/payouts',
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      });
      expect(
        checkCometAnnotations(
          entity,
          ConfiguredInstances.fromConfig(new ConfigReader(config)),
        ),
      ).toEqual([]);
      expect(inputsOf(result, 'register')).toEqual({
        catalogInfoUrl:
          'https://github.com/acme/payouts/blob/main/catalog-info.yaml',
      });
      // The output links the repository's page on GitHub
      expect(
        result.body.output.links?.find(link => link.title === 'Repository'),
      ).toEqual({
        title: 'Repository',
        url: 'https://github.com/acme/payouts/blob/main',
      });
    });

    it('falls back to the portal when GitHub is chosen but not configured', async () => {
      const result = await dryRun(bareConfig(), {
        ...ALL_OFF,
        repoHost: 'github',
        repoUrl: 'github.com?owner=acme&repo=ledger-export',
      });
      expect(result.body.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(logOf(result, 'publish-github')).toContain(
        'Skipping step publish-github because its if condition was false',
      );
      expect(logOf(result, 'publish-portal').join('\n')).toMatch(
        /Dry run: would create ledger-export\.git for component:default\/ledger-export/,
      );
      const entity: Entity = YAML.parse(fileOf(result, 'catalog-info.yaml'));
      expect(entity.metadata.annotations).toEqual({
        'backstage.io/source-location': `url:${REPOS}/ledger-export.git`,
        'comet.dev/pipelines': '.comet/pipeline.yaml',
      });
      expect(result.body.output.text?.[0]).toEqual({
        title: 'Skipped',
        content: expect.stringContaining(
          '- GitHub: not configured (set integrations.github with a token or an app), the repository is served by the portal instead\n',
        ),
      });
    });

    it('refuses bad parameters, naming the field', async () => {
      const badName = await dryRun(demoConfig(), {
        ...ALL_ON,
        name: 'Payouts API',
      });
      expect(badName.status).toBe(400);
      expect(badName.body.errors?.map(e => e.stack)).toEqual([
        'instance.name does not match pattern "^[a-z0-9]+(-[a-z0-9]+)*$"',
      ]);
      const noJiraProject = await dryRun(demoConfig(), {
        ...ALL_ON,
        jiraProject: undefined,
      });
      expect(noJiraProject.status).toBe(400);
      expect(noJiraProject.body.errors?.map(e => e.stack)).toContain(
        'instance requires property "jiraProject"',
      );
      const badFolder = await dryRun(demoConfig(), {
        ...ALL_ON,
        jenkinsFolder: '../payments',
      });
      expect(badFolder.status).toBe(400);
      expect(badFolder.body.errors?.map(e => e.stack)).toContain(
        'instance.jenkinsFolder does not match pattern "^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$"',
      );
    });
  });
});
