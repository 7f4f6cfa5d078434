/*
 * Comet backend: one Backstage backend that serves the API and the built frontend on one port.
 */
import { createBackend } from '@backstage/backend-defaults';
import { ConfigSources } from '@backstage/config-loader';
import { mkdir } from 'node:fs/promises';
import {
  checkConfig,
  checkEnvReferences,
  checkPortFree,
  PreflightError,
} from './preflight';
import { configFilesFromArgs, findEnvReferences } from './envReferences';
import {
  MetricsSettings,
  readMetricsSettings,
  startMetricsEndpoint,
} from './metrics/PrometheusMetricsServer';
import { exampleReposPlugin } from './exampleRepos/plugin';
import { fakesPlugin } from './fakes/plugin';
import {
  cometPermissionsServiceFactory,
  permissionModuleComet,
} from './permissions';
import { precompressedAssetsPlugin } from './staticAssets/plugin';

/** Variables that may be unset in production, e.g. a PostgreSQL password under trust auth. */
const OPTIONAL_ENV = ['POSTGRES_PASSWORD'];

async function preflight(): Promise<{
  url: string;
  metricsSettings: MetricsSettings;
}> {
  const unset = checkEnvReferences(
    findEnvReferences(
      configFilesFromArgs(process.argv.slice(2), process.cwd()),
    ),
    process.env,
    {
      production: process.env.NODE_ENV === 'production',
      optional: OPTIONAL_ENV,
    },
  );
  for (const reference of unset) {
    process.stderr.write(
      `Comet: ${reference.key} is left out because ${reference.variable} is not set (${reference.file})\n`,
    );
  }
  const config = await ConfigSources.toConfig(
    ConfigSources.default({ argv: process.argv, env: process.env }),
  );
  try {
    checkConfig(config);
    // Folders the embedded defaults write to; created here so a fresh clone just starts.
    const connection = config.getOptional('backend.database.connection');
    const dirs: unknown[] = [config.getOptional('backend.workingDirectory')];
    if (connection && typeof connection === 'object') {
      dirs.push((connection as { directory?: unknown }).directory);
    }
    for (const dir of dirs) {
      if (typeof dir === 'string' && dir !== ':memory:') {
        await mkdir(dir, { recursive: true });
      }
    }
    const listen = config.getOptional('backend.listen');
    let port = 7007;
    let host: string | undefined;
    if (typeof listen === 'string') {
      const [listenHost, listenPort] = listen.split(':');
      port = Number(listenPort) || port;
      host = listenHost || undefined;
    } else if (listen && typeof listen === 'object') {
      port = config.getOptionalNumber('backend.listen.port') ?? port;
      host = config.getOptionalString('backend.listen.host');
    }
    await checkPortFree(port, host);
    let metricsSettings: MetricsSettings;
    try {
      metricsSettings = readMetricsSettings(config, process.env, host);
    } catch (error) {
      throw new PreflightError('comet.metrics.port', (error as Error).message);
    }
    return {
      url:
        config.getOptionalString('app.baseUrl') ?? `http://localhost:${port}`,
      metricsSettings,
    };
  } finally {
    config.close();
  }
}

async function main() {
  let url: string;
  let metricsSettings: MetricsSettings;
  try {
    ({ url, metricsSettings } = await preflight());
  } catch (error) {
    if (error instanceof PreflightError) {
      process.stderr.write(`\nComet cannot start: ${error.message}\n\n`);
      process.exit(1);
    }
    throw error;
  }

  // Prometheus metrics at /metrics on their own port (comet.metrics, COMET_METRICS_PORT):
  // started before the plugins, whose instruments bind to the meter provider set here
  const metricsEndpoint = await startMetricsEndpoint(metricsSettings, message =>
    process.stderr.write(`${message}\n`),
  );

  const backend = createBackend();

  backend.add(import('@backstage/plugin-app-backend'));
  // The frontend's scripts as the build compressed them, not gzipped again per request
  backend.add(precompressedAssetsPlugin);
  backend.add(import('@backstage/plugin-proxy-backend'));
  backend.add(import('@backstage/plugin-events-backend'));

  // Sign-in: guest for the embedded defaults, GitHub in production
  backend.add(import('@backstage/plugin-auth-backend'));
  backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
  backend.add(import('@backstage/plugin-auth-backend-module-github-provider'));

  backend.add(import('@backstage/plugin-catalog-backend'));
  backend.add(
    import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
  );
  backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
  // Entities that failed to process, for the catalog's error view
  backend.add(import('@backstage/plugin-catalog-backend-module-unprocessed'));
  // Checks Comet's annotations; problems go on the entity's status, the entity stays listed
  backend.add(import('@internal/plugin-catalog-backend-module-comet'));

  backend.add(import('@backstage/plugin-scaffolder-backend'));
  backend.add(
    import('@backstage/plugin-scaffolder-backend-module-notifications'),
  );
  // publish:github and the other github:* template steps, with integrations.github's
  // credentials (the comet-service template publishes there when GitHub is configured)
  backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
  // The golden path's own steps: comet:service:check, and comet:repo:create (a repository the
  // portal serves next to the example repositories, so the comet-service template works offline)
  backend.add(import('@internal/plugin-scaffolder-backend-module-comet'));

  // Comet's permission policy (roles from permission.comet, ownership conditions) and the
  // permissions service every plugin uses: static tokens read-only unless
  // permission.comet.services grants more, no gate approvals by AI or MCP clients
  backend.add(import('@backstage/plugin-permission-backend'));
  backend.add(permissionModuleComet);
  backend.add(cometPermissionsServiceFactory);

  // Search: PostgreSQL's full-text engine in production, in-memory Lunr on SQLite
  backend.add(import('@backstage/plugin-search-backend'));
  backend.add(import('@backstage/plugin-search-backend-module-pg'));
  backend.add(import('@backstage/plugin-search-backend-module-catalog'));

  backend.add(import('@backstage/plugin-user-settings-backend'));
  backend.add(import('@backstage/plugin-notifications-backend'));
  backend.add(import('@backstage/plugin-signals-backend'));

  // Every action registered by a Comet plugin is reachable at /api/mcp-actions/v1
  backend.add(import('@backstage/plugin-mcp-actions-backend'));

  // Comet's pipelines: pipeline-as-code, the run queue, live logs, triggers
  backend.add(import('@internal/plugin-pipelines-backend'));
  // Job artifacts in S3-compatible object storage instead of the local disk (off until
  // pipelines.artifacts.s3.bucket is set)
  backend.add(import('@internal/plugin-pipelines-backend-module-s3'));
  // Pipeline jobs as Kubernetes Jobs, one pod per job (off until pipelines.kubernetes is set)
  backend.add(import('@internal/plugin-pipelines-backend-module-kubernetes'));
  // The pipelines:run:trigger scaffolder action: a template starts a run as its user
  backend.add(import('@internal/plugin-scaffolder-backend-module-pipelines'));

  // Jenkins: builds on entity pages, triggers, live consoles (jenkins.instances), the
  // jenkins:job:* scaffolder actions, and Jenkins builds in the unified CI/CD view
  backend.add(import('@internal/plugin-jenkins-backend'));
  backend.add(import('@internal/plugin-pipelines-backend-module-jenkins'));
  backend.add(import('@internal/plugin-scaffolder-backend-module-jenkins'));

  // SonarQube: quality on entity pages, the quality-gate webhook, actions (sonarqube.instances)
  backend.add(import('@internal/plugin-sonarqube-backend'));
  // The sonarqube/quality-gate pipeline step
  backend.add(import('@internal/plugin-pipelines-backend-module-sonarqube'));
  // The sonarqube:project:create scaffolder action
  backend.add(import('@internal/plugin-scaffolder-backend-module-sonarqube'));

  // Jira: an entity's issues, sprint and release notes, issue writes, the jira:* actions
  // (jira.instances)
  backend.add(import('@internal/plugin-jira-backend'));
  // Runs linked to the issues they name, bugs from failed runs (comet.dev/jira-bug-on-failure)
  backend.add(import('@internal/plugin-pipelines-backend-module-jira'));
  // The jira:issue:create and jira:component:create scaffolder actions
  backend.add(import('@internal/plugin-scaffolder-backend-module-jira'));

  // Test recorder: browser tests recorded in the portal, runs with traces, video and
  // screenshots, history and flakes, the test-recorder:* actions (testRecorder.*)
  backend.add(import('@internal/plugin-test-recorder-backend'));
  // The test-recorder/suite pipeline step
  backend.add(
    import('@internal/plugin-pipelines-backend-module-test-recorder'),
  );
  backend.add(
    import('@internal/plugin-scaffolder-backend-module-test-recorder'),
  );

  // GitHub: Actions runs in the CI/CD list, pull requests and commits, the github:* actions
  // (integrations.github)
  backend.add(import('@internal/plugin-github-backend'));
  // Comet runs reported to GitHub as commit statuses or check runs, and a pull-request comment
  backend.add(import('@internal/plugin-pipelines-backend-module-github'));

  // AI assistant: a chat over an OpenAI-compatible model that acts through the actions
  // registry as the signed-in user, asking before any write (aiAssistant.provider)
  backend.add(import('@internal/plugin-ai-assistant-backend'));

  // Delivery health: an entity's pipelines, quality gate, tests, bugs and pull requests, read
  // through the other plugins' actions as the caller (deliveryHealth.thresholds)
  backend.add(import('@internal/plugin-comet-backend'));

  // Example projects served as git repositories, the source of the example components
  backend.add(exampleReposPlugin);
  backend.add(fakesPlugin);

  await backend.start();
  if (metricsEndpoint) {
    process.stdout.write(
      `Comet serves Prometheus metrics at http://${
        metricsSettings.host ?? 'localhost'
      }:${metricsEndpoint.port}/metrics\n`,
    );
  }
  process.stdout.write(`\nComet is ready at ${url}\n\n`);
}

main().catch(error => {
  process.stderr.write(`\nComet failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
