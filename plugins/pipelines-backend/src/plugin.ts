import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  metricsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { notificationService } from '@backstage/plugin-notifications-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { pipelinesPermissions } from '@internal/plugin-pipelines-common';
import {
  PipelineArtifactStore,
  PipelineExecutor,
  pipelineExecutorExtensionPoint,
  pipelineSandboxServiceRef,
  PipelineProvider,
  pipelineProvidersExtensionPoint,
  PipelineRunEventListener,
  pipelinesRunEventsExtensionPoint,
  PipelineStepType,
  pipelineStepTypesExtensionPoint,
  GitRemotePolicy,
} from '@internal/plugin-pipelines-node';
import path from 'node:path';
import { registerActions } from './actions/registerActions';
import { ApprovalEnvironments } from './approvals/ApprovalEnvironments';
import { LocalArtifactStore } from './artifacts/LocalArtifactStore';
import { GitPipelineSource } from './engine/GitPipelineSource';
import { RunEventContexts } from './events/RunEventContexts';
import { RunEventDispatcher } from './events/RunEventDispatcher';
import { RunOwnersEventListener } from './events/RunOwnersEventListener';
import { LiveLogBus } from './engine/LiveLogBus';
import { PipelineEngine } from './engine/PipelineEngine';
import { PipelineMetrics } from './metrics/PipelineMetrics';
import { LocalExecutor } from './executor/LocalExecutor';
import { resolveStepSandbox } from './sandbox/resolveStepSandbox';
import { CometPipelineProvider } from './service/CometPipelineProvider';
import { GithubWebhookHandler } from './service/GithubWebhookHandler';
import { PipelinesService } from './service/PipelinesService';
import { LiveLogStream } from './service/LiveLogStream';
import { RunOwnersNotifier } from './service/RunOwnersNotifier';
import { createRouter } from './service/router';
import { ScheduledPipelines } from './service/ScheduledPipelines';
import { WebhookPipelineTrigger } from './service/WebhookPipelineTrigger';
import { DatabasePipelineStore } from './store/DatabasePipelineStore';
import { ActiveRunLimiter } from './limits/ActiveRunLimiter';
import {
  readJobTimeoutLimits,
  readPipelineLimits,
  readRetentionPolicy,
} from './limits/limitsConfig';
import { RetentionSweep } from './retention/RetentionSweep';
import { ownersOfEntity } from './secrets/ownersOfEntity';
import { SecretScopes } from './secrets/SecretScopes';
import { readRepositoryWebhookSecrets } from './secrets/webhookSecrets';

/**
 * Comet's pipelines: pipeline-as-code from each entity's repository, run by a database-backed
 * queue shared by every backend replica, with live logs, triggers and approvals.
 */
export const pipelinesPlugin = createBackendPlugin({
  pluginId: 'pipelines',
  register(env) {
    const stepTypes = new Map<string, PipelineStepType>();
    const providers: PipelineProvider[] = [];
    let customExecutor: PipelineExecutor | undefined;
    let customArtifactStore: PipelineArtifactStore | undefined;
    const runEventListeners: PipelineRunEventListener[] = [];

    env.registerExtensionPoint(pipelineStepTypesExtensionPoint, {
      addStepType(...types) {
        for (const type of types) {
          if (stepTypes.has(type.id)) {
            throw new Error(
              `Pipeline step type ${type.id} is registered twice`,
            );
          }
          stepTypes.set(type.id, type);
        }
      },
    });
    env.registerExtensionPoint(pipelinesRunEventsExtensionPoint, {
      addListener(listener) {
        runEventListeners.push(listener);
      },
    });
    env.registerExtensionPoint(pipelineProvidersExtensionPoint, {
      addProvider(...added) {
        providers.push(...added);
      },
    });
    env.registerExtensionPoint(pipelineExecutorExtensionPoint, {
      setArtifactStore(store) {
        if (customArtifactStore) {
          throw new Error('A pipeline artifact store is already set');
        }
        customArtifactStore = store;
      },
      setExecutor(executor) {
        if (customExecutor) {
          throw new Error(
            `A pipeline executor (${customExecutor.id}) is already set`,
          );
        }
        customExecutor = executor;
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        scheduler: coreServices.scheduler,
        notifications: notificationService,
        sandbox: pipelineSandboxServiceRef,
        metrics: metricsServiceRef,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        permissions,
        userInfo,
        permissionsRegistry,
        auditor,
        auth,
        lifecycle,
        catalog,
        actionsRegistry,
        scheduler,
        notifications,
        sandbox,
        metrics,
      }) {
        const pipelinesConfig = config.getOptionalConfig('pipelines');
        const dataDir = path.resolve(
          pipelinesConfig?.getOptionalString('dataDir') ??
            path.join(process.cwd(), '.data', 'pipelines'),
        );
        // Each secret with its scope; a plain string (for everyone) only outside production.
        const secrets = SecretScopes.fromConfig(
          pipelinesConfig?.getOptionalConfig('secrets'),
          { production: process.env.NODE_ENV === 'production' },
        );

        // Which repositories checkouts and pipeline-file reads may fetch (after the rewrites)
        const gitRemotePolicy = GitRemotePolicy.fromConfig(config);
        // pipelines.jobTimeout, pipelines.limits and pipelines.retention; a bad value stops
        // start-up with a message naming the key
        const jobTimeout = readJobTimeoutLimits(config);
        const limits = readPipelineLimits(config);
        const retention = readRetentionPolicy(config);
        const store = await DatabasePipelineStore.create({
          database,
          runListCacheMs:
            (pipelinesConfig?.getOptionalNumber('runListCacheSeconds') ?? 1) *
            1000,
        });
        const liveLogs = new LiveLogBus();
        const leaseMs =
          (pipelinesConfig?.getOptionalNumber('leaseSeconds') ?? 30) * 1000;
        // comet.pipelines.* metrics (docs/operations.md); `engine` is set below, before any scrape
        // can reach the running-jobs gauge
        let engine: PipelineEngine | undefined = undefined;
        const pipelineMetrics = PipelineMetrics.create(metrics, {
          queueStats: expiredBefore => store.queueStats(expiredBefore),
          runningJobs: () => engine?.runningJobs ?? 0,
          liveViewers: () => liveLogs.viewerCount,
          // Recovery runs every few seconds; a lease expired a whole lease ago is not recovered
          stuckAfterMs: leaseMs,
        });
        liveLogs.observeStored(lines => pipelineMetrics.logStored(lines));
        // Tells the owning group when a run fails or a gate waits for a decision.
        const ownersNotifier = RunOwnersNotifier.create({
          auth,
          catalog,
          notifications,
        });
        // Run events reach listeners (the owners' notifier first) from the database outbox.
        const eventContexts = RunEventContexts.create({ store });
        const runEvents = new RunEventDispatcher({
          outbox: store.runEvents,
          logger: logger.child({ component: 'run-events' }),
          context: (listenerId, event) => eventContexts.for(listenerId, event),
        });
        runEvents.addListener(
          RunOwnersEventListener.create({ notifier: ownersNotifier, store }),
        );
        for (const listener of runEventListeners) {
          runEvents.addListener(listener);
        }
        runEvents.addListener(pipelineMetrics.listener());
        const artifacts =
          customArtifactStore ??
          new LocalArtifactStore(path.join(dataDir, 'artifacts'));
        const executor =
          customExecutor ??
          LocalExecutor.create({
            workspaceRoot: path.join(dataDir, 'workspaces'),
            // The step sandbox, or a start-up error naming pipelines.localExecutor.unsandboxed
            ...(await resolveStepSandbox({
              config,
              sandbox,
              logger: logger.child({ component: 'step-sandbox' }),
            })),
            logger: logger.child({ component: 'local-executor' }),
            killGracePeriodMs:
              (pipelinesConfig?.getOptionalNumber('killGracePeriodSeconds') ??
                10) * 1000,
            gitRemotePolicy,
          });
        engine = new PipelineEngine({
          store,
          executor,
          stepTypes,
          logger,
          secrets,
          ownersOf: entityRef => ownersOfEntity(catalog, auth, entityRef),
          artifacts,
          concurrency: pipelinesConfig?.getOptionalNumber('concurrency') ?? 4,
          leaseMs,
          heartbeatMs:
            (pipelinesConfig?.getOptionalNumber('heartbeatSeconds') ?? 5) *
            1000,
          // Only the local executor keeps workspaces there
          workspaceRoot: customExecutor
            ? undefined
            : path.join(dataDir, 'workspaces'),
          killGraceMs:
            (pipelinesConfig?.getOptionalNumber('killGracePeriodSeconds') ??
              10) * 1000,
          logLimitBytes:
            pipelinesConfig?.getOptionalNumber('logLimitBytes') ??
            50 * 1024 * 1024,
          liveLogs,
          jobTimeout,
          metrics: pipelineMetrics,
        });

        const source = GitPipelineSource.create({
          remotePolicy: gitRemotePolicy,
          cacheCommits: pipelinesConfig?.getOptionalNumber(
            'git.pipelineFileCacheCommits',
          ),
        });
        const service = new PipelinesService({
          store,
          engine,
          artifacts,
          providers,
          catalog,
          permissions,
          userInfo,
          auditor,
          source,
          stepTypes: () => [...stepTypes.keys()],
          requiredInputs: () =>
            Object.fromEntries(
              [...stepTypes.values()].map(type => [
                type.id,
                type.requiredInputs ?? [],
              ]),
            ),
          secretNames: () => secrets.names(),
          secretScopes: secrets,
          readAccessCacheMs:
            (pipelinesConfig?.getOptionalNumber('readAccessCacheSeconds') ??
              5) * 1000,
          runLimiter: ActiveRunLimiter.create({ store, limits }),
          jobTimeout,
          environments: ApprovalEnvironments.fromConfig(config),
        });
        providers.unshift(new CometPipelineProvider(store));

        const webhookSecret = pipelinesConfig?.getOptionalString(
          'github.webhookSecret',
        );
        // Repositories with their own secret are verified with it, never with the global one
        const repositorySecrets = readRepositoryWebhookSecrets(pipelinesConfig);
        if (!webhookSecret && repositorySecrets.size === 0) {
          logger.info(
            'GitHub webhooks are off; set pipelines.github.webhookSecret (or pipelines.github.repositories.<owner/repo>.webhookSecret) to run pipelines on push and pull requests',
          );
        }
        const webhookTrigger = WebhookPipelineTrigger.create({
          catalog,
          auth,
          source,
          service,
          logger,
        });
        const webhooks = new GithubWebhookHandler({
          secret: webhookSecret,
          repositorySecrets,
          maxBodyBytes: pipelinesConfig?.getOptionalNumber(
            'github.webhookMaxBytes',
          ),
          logger,
          recordDelivery: (deliveryId, triggerKey) =>
            store.recordWebhookDelivery(deliveryId, triggerKey),
          forgetDelivery: deliveryId => store.forgetWebhookDelivery(deliveryId),
          onTrigger: (trigger, delivery) =>
            webhookTrigger.trigger(trigger, delivery),
        });

        permissionsRegistry.addPermissions(pipelinesPermissions);
        registerActions(actionsRegistry, service);
        httpRouter.use(
          await createRouter({
            service,
            httpAuth,
            logger,
            webhooks,
            liveLogStream: LiveLogStream.create({ liveLogs, limits }),
          }),
        );
        // GitHub cannot send a Backstage token; the signature check is the authentication.
        httpRouter.addAuthPolicy({
          path: '/webhooks/github',
          allow: 'unauthenticated',
        });

        // Scheduled pipelines: one tick a minute across all replicas (the scheduler runs a task
        // on one replica per tick), so each `on.schedule` cron gives exactly one run.
        const scheduled = new ScheduledPipelines({
          catalog,
          auth,
          source,
          trigger: request => service.triggerFromEvent(request),
          recordFailure: request => service.recordFailedTrigger(request),
          logger,
          validate: (text, file) => service.validate(text, file),
        });
        await scheduler.scheduleTask({
          id: 'pipelines-schedule-tick',
          frequency: { cron: '* * * * *' },
          timeout: { seconds: 55 },
          fn: async () => {
            await scheduled.tick();
          },
        });

        // Retention: old finished runs, logs and artifacts go, on one replica per sweep.
        const retentionSweep = RetentionSweep.create({
          store,
          artifacts,
          policy: retention,
          logger: logger.child({ component: 'retention' }),
        });
        await scheduler.scheduleTask({
          id: 'pipelines-retention-sweep',
          frequency: { milliseconds: retention.sweepIntervalMs },
          timeout: { minutes: 30 },
          initialDelay: { minutes: 1 },
          fn: async () => {
            await retentionSweep.sweep();
          },
        });

        // Every replica delivers run events, workers or not.
        runEvents.start();
        if (pipelinesConfig?.getOptionalBoolean('worker.enabled') !== false) {
          engine.start();
          logger.info(`Pipeline worker ${engine.id} started`);
        }
        lifecycle.addShutdownHook(async () => {
          await engine.stop(
            (pipelinesConfig?.getOptionalNumber('shutdownGraceSeconds') ?? 20) *
              1000,
          );
          await runEvents.stop();
        });
      },
    });
  },
});
