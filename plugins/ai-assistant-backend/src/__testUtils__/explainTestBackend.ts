import {
  type AuditorServiceCreateEventOptions,
  type BackstageCredentials,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  type ActionsRegistryService,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import {
  actionsRegistryServiceFactory,
  actionsServiceFactory,
} from '@backstage/backend-defaults/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import type { AiFailureExplanation } from '@internal/plugin-ai-assistant-common';
import type { Knex } from 'knex';
import request from 'supertest';
import { aiAssistantPlugin } from '../plugin';

export const ADA = 'user:default/ada';
/** May not read pipeline logs. */
export const BOB = 'user:default/bob';
/** May not use the assistant's model. */
export const MALLORY = 'user:default/mallory';
export const ADMIN = 'user:default/admin';

export const APP_BASE_URL = 'http://comet.example';
/** Secrets of the backend's config: none may reach the model or the browser. */
export const JIRA_TOKEN = 'jira-api-token-6d1f0c2b';
export const GITHUB_TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';

function userOf(credentials: BackstageCredentials): string | undefined {
  return (credentials.principal as { userEntityRef?: string }).userEntityRef;
}

/** Who may do what, in the stand-in plugins and the assistant. */
export function policy(user: string | undefined, permission: string): boolean {
  if (!user) return true;
  if (user === ADMIN) return true;
  switch (permission) {
    case 'ai-assistant.chat.use':
      return user !== MALLORY;
    case 'ai-assistant.rules.manage':
    case 'ai-assistant.usage.read':
      return false;
    case 'pipelines.logs.read':
      return user !== BOB;
    default:
      return true;
  }
}

const policyPermissions: PermissionsService = {
  async authorize(requests, options) {
    return requests.map(r => ({
      ...r,
      result: policy(userOf(options.credentials), r.permission.name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    })) as any;
  },
  async authorizeConditional(requests, options) {
    return requests.map(r => ({
      ...r,
      result: policy(userOf(options.credentials), r.permission.name)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    })) as any;
  },
};

/** A Comet run as the pipelines plugin describes it, and its log lines. */
export type CometRunFixture = {
  run: {
    runId: string;
    entityRef: string;
    pipeline: string;
    number?: number;
    status: string;
    branch?: string;
    commit?: { sha: string; message?: string; url?: string };
    createdAt: string;
    startedAt?: string;
    finishedAt?: string;
    error?: string;
    links?: Array<{ title: string; url: string }>;
    jobs: Array<{
      jobRunId: string;
      name: string;
      status: string;
      error?: string;
      steps: Array<{
        stepIndex: number;
        name: string;
        status: string;
        exitCode?: number;
      }>;
    }>;
    reports?: JsonObject[];
  };
  lines: Array<{ jobRunId: string; text: string }>;
};

export type JenkinsBuildFixture = {
  build: JsonObject & {
    jobRef: string;
    number: number;
    status: string;
    startedAt: string;
    url: string;
  };
  log: string;
};

/** What the stand-in plugins serve; tests seed it. */
export type StandInState = {
  cometRuns: Map<string, CometRunFixture>;
  jenkinsBuilds: JenkinsBuildFixture[];
  githubRuns: JsonObject[];
  /** Workflow run id → its jobs, as `github:list-workflow-jobs` gives them. */
  githubJobs: Map<number, JsonObject[]>;
  /** Job id → its log as GitHub serves it (timestamped lines). */
  githubJobLogs: Map<number, string>;
  githubCommits: JsonObject[];
  testRuns: Map<string, JsonObject>;
  testHistory: Map<string, JsonObject[]>;
  jiraIssues: Map<string, JsonObject>;
  qualityGates: Map<string, JsonObject[]>;
};

export type Invocation = { actionId: string; user?: string; input: any };

/** Which stand-in actions are registered (all when absent). */
export type StandInOptions = {
  /** False: a github plugin without `list-workflow-jobs` and `get-job-log`. */
  githubJobActions?: boolean;
};

function standIns(
  state: StandInState,
  invocations: Invocation[],
  options: StandInOptions = {},
) {
  const record = (
    actionId: string,
    credentials: BackstageCredentials,
    input: unknown,
  ) => invocations.push({ actionId, user: userOf(credentials), input });
  const plugin = (
    pluginId: string,
    register: (registry: ActionsRegistryService) => void,
  ) =>
    createBackendPlugin({
      pluginId,
      register(reg) {
        reg.registerInit({
          deps: { registry: actionsRegistryServiceRef },
          async init({ registry }) {
            register(registry);
          },
        });
      },
    });
  const readOnly = { readOnly: true, destructive: false, idempotent: true };

  const pipelines = plugin('pipelines', registry => {
    registry.register({
      name: 'get-run',
      title: 'Get a pipeline run',
      description: 'Gets one Comet pipeline run',
      attributes: readOnly,
      schema: {
        input: z => z.object({ runId: z.string() }),
        output: z => z.object({ run: z.any() }),
      },
      action: async ({ input, credentials }) => {
        record('pipelines:get-run', credentials, input);
        const found = state.cometRuns.get(input.runId);
        if (!found) throw new NotFoundError(`No run ${input.runId}`);
        return { output: { run: found.run } };
      },
    });
    registry.register({
      name: 'get-run-logs',
      title: 'Get pipeline run logs',
      description: 'Reads the log lines of a Comet pipeline run',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            runId: z.string(),
            jobRunId: z.string().optional(),
            afterSeq: z.number().int().optional(),
            limit: z.number().int().min(1).max(5000).optional(),
          }),
        output: z =>
          z.object({
            status: z.string(),
            lines: z.array(
              z.object({
                seq: z.number(),
                jobRunId: z.string(),
                stepIndex: z.number().optional(),
                stream: z.string(),
                timestamp: z.string(),
                text: z.string(),
              }),
            ),
          }),
      },
      action: async ({ input, credentials }) => {
        record('pipelines:get-run-logs', credentials, input);
        if (!policy(userOf(credentials), 'pipelines.logs.read')) {
          throw new NotAllowedError(
            'You may not read the logs of this run (pipelines.logs.read)',
          );
        }
        const found = state.cometRuns.get(input.runId);
        if (!found) throw new NotFoundError(`No run ${input.runId}`);
        const lines = found.lines
          .map((line, seq) => ({
            seq,
            jobRunId: line.jobRunId,
            stream: 'stdout',
            timestamp: found.run.createdAt,
            text: line.text,
          }))
          .filter(
            line =>
              (!input.jobRunId || line.jobRunId === input.jobRunId) &&
              (input.afterSeq === undefined || line.seq > input.afterSeq),
          )
          .slice(0, input.limit ?? 500);
        return { output: { status: found.run.status, lines } };
      },
    });
    registry.register({
      name: 'list-runs',
      title: 'List pipeline runs',
      description: 'Lists Comet pipeline runs newest first',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string().optional(),
            pipeline: z.string().optional(),
            limit: z.number().int().min(1).max(100).optional(),
          }),
        output: z =>
          z.object({
            runs: z.array(z.any()),
            nextCursor: z.string().optional(),
          }),
      },
      action: async ({ input, credentials }) => {
        record('pipelines:list-runs', credentials, input);
        const runs = [...state.cometRuns.values()]
          .map(r => r.run)
          .filter(
            r =>
              (!input.entityRef || r.entityRef === input.entityRef) &&
              (!input.pipeline || r.pipeline === input.pipeline),
          )
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
          .slice(0, input.limit ?? 20);
        return { output: { runs } };
      },
    });
  });

  const jenkins = plugin('jenkins', registry => {
    const find = (job: string, number: number) => {
      const found = state.jenkinsBuilds.find(
        b => b.build.jobRef === job && b.build.number === number,
      );
      if (!found) throw new NotFoundError(`No build ${job} #${number}`);
      return found;
    };
    registry.register({
      name: 'get-build',
      title: 'Get a Jenkins build',
      description: 'Gets one Jenkins build',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            job: z.string(),
            number: z.number().int().min(1),
          }),
        output: z => z.object({ build: z.any() }),
      },
      action: async ({ input, credentials }) => {
        record('jenkins:get-build', credentials, input);
        return { output: { build: find(input.job, input.number).build } };
      },
    });
    registry.register({
      name: 'get-build-log',
      title: 'Get a Jenkins build log',
      description: "Reads a Jenkins build's console text",
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            job: z.string(),
            number: z.number().int().min(1),
            start: z.number().int().min(0).optional(),
            maxBytes: z.number().int().min(100).max(1_000_000).optional(),
          }),
        output: z =>
          z.object({
            text: z.string(),
            start: z.number(),
            nextStart: z.number(),
            more: z.boolean(),
            truncated: z.boolean(),
          }),
      },
      action: async ({ input, credentials }) => {
        record('jenkins:get-build-log', credentials, input);
        const bytes = Buffer.from(find(input.job, input.number).log, 'utf8');
        const max = input.maxBytes ?? 20_000;
        const start = Math.max(0, bytes.length - max);
        return {
          output: {
            text: bytes.subarray(start).toString('utf8'),
            start,
            nextStart: bytes.length,
            more: false,
            truncated: start > 0,
          },
        };
      },
    });
    registry.register({
      name: 'list-builds',
      title: 'List Jenkins builds',
      description: "Lists the Jenkins builds of an entity's jobs",
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            job: z.string().optional(),
            limit: z.number().int().min(1).max(100).optional(),
          }),
        output: z => z.object({ builds: z.array(z.any()) }),
      },
      action: async ({ input, credentials }) => {
        record('jenkins:list-builds', credentials, input);
        const builds = state.jenkinsBuilds
          .map(b => b.build)
          .filter(b => !input.job || b.jobRef === input.job)
          .sort((a, b) => b.number - a.number)
          .slice(0, input.limit ?? 20);
        return { output: { builds } };
      },
    });
  });

  const github = plugin('github', registry => {
    registry.register({
      name: 'list-workflow-runs',
      title: 'List GitHub Actions workflow runs',
      description: 'Lists workflow runs',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            page: z.number().int().min(1).optional(),
            perPage: z.number().int().min(1).max(100).optional(),
          }),
        output: z =>
          z.object({
            runs: z.array(z.any()),
            totalCount: z.number(),
            page: z.number(),
            perPage: z.number(),
            repository: z.object({
              host: z.string(),
              owner: z.string(),
              repo: z.string(),
              htmlUrl: z.string(),
            }),
          }),
      },
      action: async ({ input, credentials }) => {
        record('github:list-workflow-runs', credentials, input);
        const page = input.page ?? 1;
        const perPage = input.perPage ?? 20;
        return {
          output: {
            runs: state.githubRuns.slice((page - 1) * perPage, page * perPage),
            totalCount: state.githubRuns.length,
            page,
            perPage,
            repository: {
              host: 'github.com',
              owner: 'acme',
              repo: 'payments-api',
              htmlUrl: 'https://github.com/acme/payments-api',
            },
          },
        };
      },
    });
    if (options.githubJobActions !== false) {
      registry.register({
        name: 'list-workflow-jobs',
        title: 'List the jobs of a GitHub Actions workflow run',
        description: 'Lists the jobs of a workflow run',
        attributes: readOnly,
        schema: {
          input: z =>
            z.object({
              entityRef: z.string(),
              runId: z.number().int().min(1),
            }),
          output: z => z.object({ jobs: z.array(z.any()) }),
        },
        action: async ({ input, credentials }) => {
          record('github:list-workflow-jobs', credentials, input);
          const jobs = state.githubJobs.get(input.runId);
          if (!jobs) {
            throw new NotFoundError(
              `GitHub answered 404 for GET /repos/acme/payments-api/actions/runs/${input.runId}/jobs on github.com`,
            );
          }
          return { output: { jobs } };
        },
      });
      registry.register({
        name: 'get-job-log',
        title: 'Get the log of a GitHub Actions job',
        description: 'Reads the end of a job log',
        attributes: readOnly,
        schema: {
          input: z =>
            z.object({
              entityRef: z.string(),
              jobId: z.number().int().min(1),
              maxBytes: z.number().int().min(1_000).max(5_000_000).optional(),
            }),
          output: z =>
            z.object({
              jobId: z.number(),
              text: z.string(),
              bytesRead: z.number(),
              droppedBytes: z.number(),
              unreadAfter: z.boolean(),
            }),
        },
        action: async ({ input, credentials }) => {
          record('github:get-job-log', credentials, input);
          const log = state.githubJobLogs.get(input.jobId);
          if (log === undefined) {
            throw new NotFoundError(
              `GitHub answered 410 Gone for GET /repos/acme/payments-api/actions/jobs/${input.jobId}/logs on github.com: Gone`,
            );
          }
          // The end, from a whole line, as the github plugin keeps it
          const bytes = Buffer.from(log, 'utf8');
          const max = input.maxBytes ?? 1_000_000;
          let start = Math.max(0, bytes.length - max);
          if (start > 0) start = bytes.indexOf(0x0a, start) + 1;
          const text = bytes.subarray(start).toString('utf8');
          return {
            output: {
              jobId: input.jobId,
              text,
              bytesRead: bytes.length,
              droppedBytes: start,
              unreadAfter: false,
            },
          };
        },
      });
    }
    registry.register({
      name: 'list-commits',
      title: 'List GitHub commits',
      description: 'Lists the newest commits',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            perPage: z.number().int().min(1).max(100).optional(),
          }),
        output: z =>
          z.object({ branch: z.string(), commits: z.array(z.any()) }),
      },
      action: async ({ input, credentials }) => {
        record('github:list-commits', credentials, input);
        return { output: { branch: 'main', commits: state.githubCommits } };
      },
    });
  });

  const testRecorder = plugin('test-recorder', registry => {
    registry.register({
      name: 'get-run',
      title: 'Get a test run',
      description: 'A browser test run',
      attributes: readOnly,
      schema: {
        input: z => z.object({ runId: z.string() }),
        output: z => z.object({ run: z.any() }),
      },
      action: async ({ input, credentials }) => {
        record('test-recorder:get-run', credentials, input);
        const run = state.testRuns.get(input.runId);
        if (!run) throw new NotFoundError(`No test run ${input.runId}`);
        return { output: { run } };
      },
    });
    registry.register({
      name: 'get-test-history',
      title: 'Get a test history',
      description: "One test's recent results",
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            suite: z.string(),
            testId: z.string(),
            limit: z.number().int().min(1).max(200).default(50),
          }),
        output: z => z.object({ history: z.any() }),
      },
      action: async ({ input, credentials }) => {
        record('test-recorder:get-test-history', credentials, input);
        return {
          output: {
            history: {
              suiteName: input.suite,
              testId: input.testId,
              runs: state.testHistory.get(input.testId) ?? [],
            },
          },
        };
      },
    });
  });

  const jira = plugin('jira', registry => {
    registry.register({
      name: 'get-issue',
      title: 'Get a Jira issue',
      description: 'Gets one Jira issue',
      attributes: readOnly,
      schema: {
        input: z => z.object({ entityRef: z.string(), key: z.string() }),
        output: z =>
          z.object({
            issue: z.any(),
            description: z.string(),
            comments: z.array(
              z.object({
                author: z.string().optional(),
                created: z.string(),
                body: z.string(),
              }),
            ),
          }),
      },
      action: async ({ input, credentials }) => {
        record('jira:get-issue', credentials, input);
        const issue = state.jiraIssues.get(input.key);
        if (!issue)
          throw new NotFoundError(`Issue ${input.key} does not exist`);
        return {
          output: {
            issue: issue.issue,
            description: issue.description as string,
            comments: (issue.comments as any[]) ?? [],
          },
        };
      },
    });
  });

  const sonarqube = plugin('sonarqube', registry => {
    registry.register({
      name: 'get-quality-gate',
      title: 'Get the SonarQube quality gate',
      description: 'Gets the quality gate',
      attributes: readOnly,
      schema: {
        input: z =>
          z.object({
            entityRef: z.string(),
            branch: z.string().optional(),
          }),
        output: z =>
          z.object({
            projects: z.array(
              z.object({
                project: z.string(),
                instance: z.string(),
                status: z.string(),
                conditions: z.array(z.any()),
                url: z.string().optional(),
              }),
            ),
          }),
      },
      action: async ({ input, credentials }) => {
        record('sonarqube:get-quality-gate', credentials, input);
        const projects = state.qualityGates.get(input.entityRef);
        if (!projects) {
          throw new NotFoundError(
            `${input.entityRef} has no sonarqube.org/project-key annotation`,
          );
        }
        return { output: { projects: projects as any } };
      },
    });
  });

  return [pipelines, jenkins, github, testRecorder, jira, sonarqube];
}

export type RecordedAudit = AuditorServiceCreateEventOptions & {
  outcome?: 'success' | 'fail';
};

/**
 * The assistant in a test backend with Backstage's own actions registry and actions service
 * over HTTP, and stand-in pipelines, Jenkins, GitHub, test-recorder, Jira and SonarQube
 * plugins that register the actions the failure analysis reads, with the real ids and input
 * schemas, serving what the test seeds in `state`.
 */
export async function startExplainBackend(
  options: {
    aiAssistant?: JsonObject;
    knex?: Knex;
    standIns?: StandInOptions;
  } = {},
) {
  const invocations: Invocation[] = [];
  const audits: RecordedAudit[] = [];
  const state: StandInState = {
    cometRuns: new Map(),
    jenkinsBuilds: [],
    githubRuns: [],
    githubJobs: new Map(),
    githubJobLogs: new Map(),
    githubCommits: [],
    testRuns: new Map(),
    testHistory: new Map(),
    jiraIssues: new Map(),
    qualityGates: new Map(),
  };
  const backend = await startTestBackend({
    features: [
      actionsRegistryServiceFactory,
      actionsServiceFactory,
      createServiceFactory({
        service: coreServices.auditor,
        deps: {},
        factory: () => ({
          async createEvent(event: AuditorServiceCreateEventOptions) {
            const recorded: RecordedAudit = { ...event, request: undefined };
            audits.push(recorded);
            return {
              async success(result?: { meta?: JsonObject }) {
                recorded.outcome = 'success';
                if (result?.meta) {
                  recorded.meta = { ...recorded.meta, ...result.meta };
                }
              },
              async fail() {
                recorded.outcome = 'fail';
              },
            };
          },
        }),
      }),
      createServiceFactory({
        service: metricsServiceRef,
        deps: {},
        factory: () => {
          const instrument = () => ({ add: () => {}, record: () => {} });
          return {
            createCounter: instrument,
            createUpDownCounter: instrument,
            createHistogram: instrument,
          } as any;
        },
      }),
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () => policyPermissions,
      }),
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: `${APP_BASE_URL}/` },
          backend: {
            actions: {
              pluginSources: [
                'pipelines',
                'jenkins',
                'github',
                'test-recorder',
                'jira',
                'sonarqube',
                'ai-assistant',
              ],
            },
          },
          jira: { apiToken: JIRA_TOKEN },
          integrations: {
            github: [{ host: 'github.com', token: GITHUB_TOKEN }],
          },
          ...(options.aiAssistant ? { aiAssistant: options.aiAssistant } : {}),
        },
      }),
      ...standIns(state, invocations, options.standIns),
      aiAssistantPlugin,
    ],
  });

  const http = () => request(backend.server);
  const as = (user: string) => mockCredentials.user.header(user);

  return {
    backend,
    http,
    as,
    state,
    invocations,
    audits,
    /** `POST /api/ai-assistant/explain` as `user`. */
    explain: async (
      user: string,
      body: object,
    ): Promise<{
      status: number;
      body: any;
      explanation: AiFailureExplanation;
    }> => {
      const res = await http()
        .post('/api/ai-assistant/explain')
        .set('authorization', as(user))
        .send(body);
      return { status: res.status, body: res.body, explanation: res.body };
    },
    /** How many times an action was invoked with an input matching `input`. */
    calls: (actionId: string, input: object = {}) =>
      invocations.filter(
        i =>
          i.actionId === actionId &&
          Object.entries(input).every(([k, v]) => i.input?.[k] === v),
      ).length,
    stop: () => backend.stop(),
  };
}
