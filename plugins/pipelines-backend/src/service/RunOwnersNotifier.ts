import type { AuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { PipelineRun } from '@internal/plugin-pipelines-common';

/** A change of a run that may be worth telling its owners about (the engine's `onRunEvent`). */
export type RunOwnersEvent = {
  type: 'failed' | 'waiting' | 'finished';
  run: PipelineRun;
  /** For `waiting`: the gate that waits. */
  jobRunId?: string;
};

export type RunOwnersNotifierOptions = {
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  notifications: Pick<NotificationService, 'send'>;
};

/**
 * Tells the group that owns a run's entity when the run fails or an approval gate waits for a
 * decision. Finished runs are not worth a notification.
 */
export class RunOwnersNotifier {
  static create(options: RunOwnersNotifierOptions): RunOwnersNotifier {
    return new RunOwnersNotifier(options);
  }

  private constructor(private readonly options: RunOwnersNotifierOptions) {}

  async notify(event: RunOwnersEvent): Promise<void> {
    if (event.type === 'finished') return;
    const { auth, catalog, notifications } = this.options;
    const { run } = event;
    const credentials = await auth.getOwnServiceCredentials();
    const entity = await catalog.getEntityByRef(run.entityRef, {
      credentials,
    });
    const owner = entity?.spec?.owner;
    if (!entity || typeof owner !== 'string') return;
    const ownerRef = stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace,
      }),
    );
    const { kind, namespace, name } = parseEntityRef(run.entityRef);
    const waiting = run.jobs.find(j => j.jobRunId === event.jobRunId);
    const failed = event.type === 'failed';
    await notifications.send({
      recipients: { type: 'entity', entityRef: ownerRef },
      payload: {
        title: failed
          ? `Pipeline ${run.pipeline} #${run.number} of ${name} failed`
          : `Pipeline ${run.pipeline} #${run.number} of ${name} waits for approval`,
        description: failed
          ? run.error ?? 'A job failed'
          : waiting?.approval?.description ??
            `Job ${waiting?.jobRunId} waits for a decision`,
        link: `/catalog/${namespace}/${kind.toLocaleLowerCase(
          'en-US',
        )}/${name}`,
        severity: failed ? 'high' : 'normal',
        topic: `pipelines:${run.entityRef}`,
      },
    });
  }
}
