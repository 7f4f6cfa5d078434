import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { type Entity, parseEntityRef } from '@backstage/catalog-model';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { EntityAccess } from '@internal/backend-common';
import {
  GitRemotePolicy,
  pipelineSandboxServiceRef,
} from '@internal/plugin-pipelines-node';
import { testRecorderPermissions } from '@internal/plugin-test-recorder-common';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { registerActions } from './actions/registerActions';
import { findChromium, findFfmpeg } from './browser/BrowserWorker';
import { createRecordingSocketHandler } from './recorder/recordingSocket';
import { RecordingSessions } from './recorder/RecordingSessions';
import {
  RepositoryCheckout,
  repositoryUrlOf,
} from './runner/RepositoryCheckout';
import { SuiteRunner } from './runner/SuiteRunner';
import { ArtifactSigner } from './service/ArtifactSigner';
import { JiraBugs } from './service/JiraBugs';
import { readTestRecorderConfig } from './service/config';
import { createRouter } from './service/router';
import { ScheduledRuns } from './service/ScheduledRuns';
import { seedSuites } from './service/seedSuites';
import { TestRecorderService } from './service/TestRecorderService';
import { DatabaseTestRecorderStore } from './store/DatabaseTestRecorderStore';
import { SecretsCipher } from './store/SecretsCipher';

/**
 * Comet's test recorder: suites of browser tests recorded in the portal (a headless Chromium
 * in the pipelines sandbox, streamed over a WebSocket), runs with traces, video and
 * screenshots, history, flake detection and visual checks, and the `test-recorder:*` actions.
 */
export const testRecorderPlugin = createBackendPlugin({
  pluginId: 'test-recorder',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        actions: actionsServiceRef,
        sandbox: pipelineSandboxServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        auditor,
        database,
        scheduler,
        lifecycle,
        catalog,
        actionsRegistry,
        actions,
        sandbox,
      }) {
        // Every testRecorder.* key, checked once: a bad value stops start-up naming the key
        const settings = readTestRecorderConfig(config);
        const cipher = await SecretsCipher.fromConfig(config, {
          dataDir: settings.dataDir,
          logger,
        });
        const store = await DatabaseTestRecorderStore.create({
          database,
          artifactsDir: path.join(settings.dataDir, 'artifacts'),
          cipher,
        });
        const signer = ArtifactSigner.create({
          key: cipher.deriveKey('test-recorder artifact links'),
        });
        const access = EntityAccess.create({ catalog, permissions });
        const checkout = RepositoryCheckout.create({
          gitRemotePolicy: GitRemotePolicy.fromConfig(config),
        });
        const chromium = findChromium(settings.chromiumPath);
        const ffmpeg = findFfmpeg(settings.ffmpegPath);
        const sandboxState = await sandbox.available();
        let browserProblem: string | undefined;
        if ('reason' in chromium) {
          browserProblem = chromium.reason;
        } else if (!sandboxState.available) {
          browserProblem = `the pipelines sandbox is not available: ${sandboxState.reason}`;
        }
        if (browserProblem) {
          logger.warn(
            `Test recorder: recording and runs are off because ${browserProblem}`,
          );
        }
        if ('reason' in ffmpeg) {
          logger.info(
            `Test recorder: runs have no video because ${ffmpeg.reason}`,
          );
        }

        // An entity without backstage.io/source-location has no repository: undefined, for
        // the runner and the service to say so, rather than an error from deep inside a run
        const repositoryOf = (entity: Entity) => {
          try {
            return { url: repositoryUrlOf(entity) };
          } catch {
            return undefined;
          }
        };
        const resolveRepository = async (entityRef: string) => {
          const entity = await catalog.getEntityByRef(
            parseEntityRef(entityRef),
            { credentials: await auth.getOwnServiceCredentials() },
          );
          return entity ? repositoryOf(entity) : undefined;
        };

        const runner =
          browserProblem || !settings.worker
            ? undefined
            : SuiteRunner.create({
                store,
                sandbox,
                checkout,
                resolveRepository,
                logger: logger.child({ component: 'suite-runner' }),
                workDir: path.join(settings.dataDir, 'runs'),
                owner: `${process.pid}-${randomUUID()}`,
                maxRunning: settings.maxConcurrentRuns,
                runTimeoutMs: settings.runTimeoutMs,
                allowedOrigins: settings.allowedOrigins,
                allowedEgress: settings.allowedEgress,
                testIdAttribute: settings.testIdAttribute,
                stepTimeoutMs: settings.stepTimeoutMs,
                trace: true,
                chromiumPath: (chromium as { path: string }).path,
                ffmpegPath: 'path' in ffmpeg ? ffmpeg.path : undefined,
                videoUnavailable:
                  'reason' in ffmpeg ? ffmpeg.reason : undefined,
                configSecrets: settings.configSecrets,
              });
        const recordings = browserProblem
          ? undefined
          : RecordingSessions.create({
              sandbox,
              checkout,
              logger: logger.child({ component: 'recording' }),
              workDir: path.join(settings.dataDir, 'recordings'),
              limits: settings.recording,
              allowedOrigins: settings.allowedOrigins,
              allowedEgress: settings.allowedEgress,
              testIdAttribute: settings.testIdAttribute,
              chromiumPath: (chromium as { path: string }).path,
              stepTimeoutMs: settings.stepTimeoutMs,
            });

        const service = new TestRecorderService({
          store,
          access,
          auditor,
          queue: { wake: () => runner?.wake() },
          recordings,
          origins: { allowedOrigins: settings.allowedOrigins },
          repositoryOf,
          configSecrets: settings.configSecrets,
          devices: settings.devices,
          testIdAttribute: settings.testIdAttribute,
          maxRetries: 5,
          signArtifact: id => signer.sign(id),
          status: () => ({
            videoAvailable: 'path' in ffmpeg,
            ...('reason' in ffmpeg
              ? { videoUnavailableReason: ffmpeg.reason }
              : {}),
            // Recording and runs need both the sandbox and Chromium
            sandboxAvailable: !browserProblem,
            ...(browserProblem
              ? { sandboxUnavailableReason: browserProblem }
              : {}),
            maxConcurrentRuns: settings.maxConcurrentRuns,
          }),
        });

        permissionsRegistry.addPermissions(testRecorderPermissions);
        registerActions(actionsRegistry, service);
        const jiraBugs = new JiraBugs({
          actions,
          getRun: (credentials, runId) => service.getRun(credentials, runId),
          secretsOf: async suiteName => [
            ...Object.values(await store.getSecrets(suiteName)),
            ...Object.values(settings.configSecrets(suiteName)),
          ],
          appBaseUrl: config.getOptionalString('app.baseUrl') ?? '',
        });
        httpRouter.use(
          await createRouter({
            service,
            jiraBugs,
            httpAuth,
            signer,
            traceViewerDir: settings.traceViewerDir,
          }),
        );
        // The trace viewer is static; artifacts check a token or a signed link themselves
        httpRouter.addAuthPolicy({
          path: '/trace-viewer',
          allow: 'unauthenticated',
        });
        httpRouter.addAuthPolicy({
          path: '/artifacts',
          allow: 'unauthenticated',
        });
        if (recordings) {
          const socket = createRecordingSocketHandler({
            sessions: recordings,
            auth,
            logger,
          });
          httpRouter.addWebSocketHandler(socket);
          lifecycle.addShutdownHook(async () => {
            socket.close();
            await recordings.closeAll();
          });
        }

        await seedSuites({ store, files: settings.seedSuites, logger });

        await scheduler.scheduleTask({
          id: 'test-recorder-prune-artifacts',
          frequency: { hours: 1 },
          timeout: { minutes: 10 },
          initialDelay: { minutes: 1 },
          fn: async () => {
            const before = new Date(
              Date.now() - settings.retentionDays * 24 * 60 * 60_000,
            );
            const { deleted } = await store.pruneArtifacts(before);
            if (deleted > 0) {
              logger.info(
                `Test recorder: deleted ${deleted} artifacts older than ${settings.retentionDays} days`,
              );
            }
          },
        });

        const scheduledRuns = new ScheduledRuns({
          store,
          run: (suiteName, tick) => service.runScheduled(suiteName, tick),
          logger,
        });
        await scheduler.scheduleTask({
          id: 'test-recorder-scheduled-runs',
          frequency: { minutes: 1 },
          timeout: { minutes: 1 },
          initialDelay: { seconds: 30 },
          fn: async () => {
            const { queued } = await scheduledRuns.check(new Date());
            if (queued.length > 0) {
              logger.info(
                `Test recorder: queued scheduled runs of ${queued.join(', ')}`,
              );
            }
          },
        });

        if (runner) {
          runner.start();
          lifecycle.addShutdownHook(() => runner.stop());
        }
      },
    });
  },
});
