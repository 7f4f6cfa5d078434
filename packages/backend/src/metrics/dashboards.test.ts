/*
 * Every metric the Grafana dashboard (deploy/grafana/*.json) and the Prometheus alert rules
 * (deploy/prometheus/*.yaml) query is one the backend exports: the exported names come from a
 * real scrape of /metrics after the real instruments recorded something — a pipeline run
 * through the pipelines plugin (queue, runs, jobs, steps, logs), and the real Jenkins and Jira
 * clients against their fakes (calls, a 404, a 429 waited out) — not from a list kept by hand.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { AiAssistantMetrics } from '@internal/plugin-ai-assistant-backend';
import { registerRateLimitMetrics } from '@internal/plugin-github-backend';
import pipelinesPlugin from '@internal/plugin-pipelines-backend';
import { JenkinsClient } from '@internal/plugin-jenkins-node';
import { JenkinsFake } from '@internal/plugin-jenkins-node/testUtils';
import { JiraInstances } from '@internal/plugin-jira-node';
import {
  JIRA_FAKE_DEMO_API_TOKEN,
  JIRA_FAKE_DEMO_EMAIL,
  JiraFake,
} from '@internal/plugin-jira-node/testUtils';
import {
  makeGitRepository,
  startGitHttpServer,
  type GitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { metrics } from '@opentelemetry/api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import YAML from 'yaml';
import { PrometheusMetricsServer } from './PrometheusMetricsServer';

jest.setTimeout(120_000);

const DEPLOY = path.resolve(__dirname, '../../../../deploy');

const PROMQL_WORDS = new Set([
  // aggregation operators and keywords
  ...'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio'.split(
    ' ',
  ),
  ...'by without on ignoring group_left group_right bool and or unless offset inf nan'.split(
    ' ',
  ),
]);

/** The metric names a PromQL expression reads (functions, labels and keywords left out). */
function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range selectors
    .replace(
      /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g,
      ' ',
    )
    .replace(/\$\w+|\$\{[^}]*\}/g, ' '); // Grafana variables
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index! + word.length).trimStart();
    const before = stripped.slice(0, match.index!);
    if (after.startsWith('(')) continue; // a function
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/\d$/.test(before) || /[\d.]e$/i.test(before + word)) continue; // 1e3, 5m
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

/** Every PromQL expression in the dashboards (panel targets, variable queries). */
function dashboardExpressions(): Array<{ where: string; expr: string }> {
  const found: Array<{ where: string; expr: string }> = [];
  const dir = path.join(DEPLOY, 'grafana');
  for (const file of fs.readdirSync(dir).filter(f => f.endsWith('.json'))) {
    const dashboard = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const visit = (panels: any[]) => {
      for (const panel of panels ?? []) {
        for (const target of panel.targets ?? []) {
          if (target.expr) {
            found.push({
              where: `${file}: panel "${panel.title}" ${target.refId}`,
              expr: target.expr,
            });
          }
        }
        visit(panel.panels);
      }
    };
    visit(dashboard.panels);
    for (const variable of dashboard.templating?.list ?? []) {
      const query =
        typeof variable.query === 'string'
          ? variable.query
          : variable.query?.query;
      if (variable.type === 'query' && query) {
        const inner = /label_values\(\s*([^,)]+)/.exec(query)?.[1] ?? query;
        found.push({
          where: `${file}: variable ${variable.name}`,
          expr: inner,
        });
      }
    }
  }
  return found;
}

/** Every alert and recording rule expression, and `query "…"` templates in annotations. */
function alertExpressions(): Array<{ where: string; expr: string }> {
  const found: Array<{ where: string; expr: string }> = [];
  const dir = path.join(DEPLOY, 'prometheus');
  for (const file of fs
    .readdirSync(dir)
    .filter(f => f.endsWith('.yaml') || f.endsWith('.yml'))) {
    const rules = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const group of rules.groups ?? []) {
      for (const rule of group.rules ?? []) {
        const name = rule.alert ?? rule.record;
        found.push({ where: `${file}: ${name}`, expr: String(rule.expr) });
        for (const text of Object.values(rule.annotations ?? {})) {
          for (const match of String(text).matchAll(/query\s+"([^"]+)"/g)) {
            found.push({
              where: `${file}: ${name} annotation`,
              expr: match[1],
            });
          }
        }
      }
    }
  }
  return found;
}

/** The metric names of a Prometheus text exposition. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    names.add(/^[^{\s]+/.exec(line)![0]);
  }
  return names;
}

describe('metricNamesOf', () => {
  it('finds metric names, not functions, labels, keywords or durations', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (le, system) (rate(comet_a_bucket{system=~"$system"}[5m]))) > 300',
      ),
    ).toEqual(['comet_a_bucket']);
    expect(
      metricNamesOf(
        'sum by (instance) (rate(x_total[$__rate_interval])) / on (instance) group_left sum(y) * 60 > 1e3',
      ),
    ).toEqual(['x_total', 'y']);
    expect(metricNamesOf('max(comet_q) offset 5m')).toEqual(['comet_q']);
  });
});

describe('the dashboard and alert rules', () => {
  let server: PrometheusMetricsServer;
  let tmp: string;
  let gitServer: GitHttpServer;
  let stopBackend: (() => Promise<void>) | undefined;
  let httpServer: any;
  let jenkins: JenkinsFake;
  let jira: JiraFake;

  beforeAll(async () => {
    // As packages/backend/src/index.ts does before the plugins start
    server = await PrometheusMetricsServer.start({
      port: 0,
      host: '127.0.0.1',
      registerGlobal: true,
    });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-metrics-'));
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    makeGitRepository(repo, {
      '.comet/pipeline.yaml': `name: build
on:
  manual: {}
jobs:
  build:
    steps:
      - run: echo "building" && echo "héllo"
  test:
    needs: [build]
    steps:
      - run: echo "testing"
`,
    });
    gitServer = await startGitHttpServer({ root: tmp });
    // The AI assistant's and the GitHub plugin's instruments, created through the metrics
    // service as those plugins create them (their plugins need a model and GitHub to run)
    const instrumentsProbe = createBackendPlugin({
      pluginId: 'metrics-probe',
      register(env) {
        env.registerInit({
          deps: { metrics: metricsServiceRef },
          async init({ metrics: metricsService }) {
            AiAssistantMetrics.create(metricsService).modelCall(
              'comet-demo-model',
              'ok',
              { promptTokens: 120, completionTokens: 30, totalTokens: 150 },
            );
            registerRateLimitMetrics(metricsService, {
              rateLimitReadings: () => [
                {
                  credential: 'github.com:0123456789abcdef',
                  limit: 5000,
                  remaining: 4990,
                  resetAt: new Date(Date.now() + 60_000).toISOString(),
                },
              ],
            });
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        pipelinesPlugin,
        instrumentsProbe,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
        mockServices.database.factory(),
        mockServices.rootConfig.factory({
          data: {
            pipelines: {
              dataDir: path.join(tmp, 'data'),
              git: { allowedHosts: [gitServer.host] },
              heartbeatSeconds: 1,
            },
          },
        }),
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'demo',
                namespace: 'default',
                annotations: {
                  'backstage.io/source-location': `url:${gitServer.url(
                    'repo',
                  )}`,
                },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
          ],
        }),
      ],
    });
    httpServer = backend.server;
    stopBackend = () => backend.stop();
    [jenkins, jira] = await Promise.all([
      JenkinsFake.start(),
      JiraFake.start({ example: true }),
    ]);
  });

  afterAll(async () => {
    await stopBackend?.();
    await gitServer?.close();
    await jenkins?.close();
    await jira?.close();
    await server?.stop();
    metrics.disable();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('query only metrics the backend exports', async () => {
    // A pipeline run: queue wait, runs, jobs, steps, log lines
    const user = mockCredentials.user.header();
    const triggered = await request(httpServer)
      .post('/api/pipelines/runs')
      .set('Authorization', user)
      .send({ entityRef: 'component:default/demo', pipeline: 'build' });
    expect(triggered.status).toBe(201);
    const runId = triggered.body.runId;

    // Calls through the real clients (created as their service refs create them)
    const jenkinsClient = JenkinsClient.fromConfig(
      new ConfigReader({
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
      }),
      { logger: mockServices.logger.mock() },
    );
    const instance = jenkinsClient.instance('default');
    await jenkinsClient.getJob({
      instance,
      jobFullName: 'payments/payments-api',
    });
    await expect(
      jenkinsClient.getJob({ instance, jobFullName: 'no/such-job' }),
    ).rejects.toThrow();
    const jiraInstances = JiraInstances.fromConfig(
      new ConfigReader({
        jira: {
          instances: [
            {
              name: 'cloud',
              baseUrl: jira.url,
              product: 'cloud',
              email: JIRA_FAKE_DEMO_EMAIL,
              apiToken: JIRA_FAKE_DEMO_API_TOKEN,
            },
          ],
        },
      }),
    );
    jira.state.throttle({ requests: 1, retryAfterSeconds: 0 });
    await jiraInstances.select('cloud').count('project = PAY');

    // The run finished and its events reached the metrics listener
    let scraped = '';
    const deadline = Date.now() + 60_000;
    for (;;) {
      const run = await request(httpServer)
        .get(`/api/pipelines/runs/${runId}`)
        .set('Authorization', user);
      scraped = await (
        await fetch(`http://127.0.0.1:${server.port}/metrics`)
      ).text();
      if (
        run.body.status === 'succeeded' &&
        /comet_pipelines_runs_finished_total\{result="succeeded"/.test(
          scraped,
        ) &&
        scraped.includes('comet_pipelines_job_duration_seconds_count')
      ) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The run did not finish with its metrics: ${JSON.stringify(
            run.body,
          )}\n${scraped}`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }

    const exported = exportedNames(scraped);
    // What was recorded, in Prometheus names and values
    expect(scraped).toMatch(/^comet_pipelines_runs_started_total\{[^}]*\} 1$/m);
    expect(scraped).toMatch(/^comet_pipelines_log_lines_total\{[^}]*\} \d+$/m);
    expect(scraped).toMatch(
      /^comet_pipelines_queue_wait_seconds_count\{[^}]*\} 2$/m,
    );
    expect(scraped).toMatch(
      /^comet_external_errors_total\{system="jenkins",instance="default",status_class="4xx"[^}]*\} 1$/m,
    );
    expect(scraped).toMatch(
      /^comet_external_rate_limit_waits_total\{system="jira",instance="cloud"[^}]*\} 1$/m,
    );

    expect(scraped).toMatch(
      /^comet_ai_tokens_total\{model="comet-demo-model",kind="prompt"[^}]*\} 120$/m,
    );
    expect(scraped).toMatch(
      /^comet_github_rate_limit_remaining\{host="github.com",credential="0123456789ab"[^}]*\} 4990$/m,
    );

    const queried = [...dashboardExpressions(), ...alertExpressions()];
    expect(queried.length).toBeGreaterThan(15);
    const missing = queried.flatMap(({ where, expr }) =>
      metricNamesOf(expr)
        .filter(name => !exported.has(name))
        .map(name => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
