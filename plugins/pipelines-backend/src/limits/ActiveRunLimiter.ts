import type { PipelineStore } from '../store/PipelineStore';
import { LimitExceededError } from './LimitExceededError';
import type { PipelineLimits } from './limitsConfig';

export type ActiveRunLimiterOptions = {
  store: Pick<PipelineStore, 'countActiveRuns'>;
  limits: Pick<
    PipelineLimits,
    'maxActiveRunsPerUser' | 'maxActiveRunsPerEntity'
  >;
};

/**
 * Caps the runs (queued, running or waiting for approval) one user and one entity may have
 * at once (`pipelines.limits.maxActiveRunsPerUser` / `maxActiveRunsPerEntity`), so nobody can
 * fill every worker's queue. Triggers of the same entity or user on this replica are admitted
 * one at a time (count, then create), so concurrent requests to one replica cannot both slip
 * under the cap; replicas count from the shared database, so N replicas admitting at the same
 * instant may overshoot by at most N - 1.
 */
export class ActiveRunLimiter {
  static create(options: ActiveRunLimiterOptions): ActiveRunLimiter {
    return new ActiveRunLimiter(options);
  }

  /** The admission in progress per key (`entity:<ref>` / `user:<ref>`), to queue behind. */
  private readonly tails = new Map<string, Promise<void>>();

  private constructor(private readonly options: ActiveRunLimiterOptions) {}

  /**
   * Runs `start` (which creates the run) only when `entityRef`, and `user` when given, are
   * below their caps; otherwise throws a {@link LimitExceededError} (429) naming the cap.
   * A user-less request (a webhook, a schedule) is held to the entity's cap only.
   */
  async admit<T>(
    request: { entityRef: string; user?: string },
    start: () => Promise<T>,
  ): Promise<T> {
    const keys = [`entity:${request.entityRef}`];
    if (request.user) keys.push(`user:${request.user}`);
    const release = await this.lock(keys.sort());
    try {
      await this.check(request);
      return await start();
    } finally {
      release();
    }
  }

  private async check(request: { entityRef: string; user?: string }) {
    const { store, limits } = this.options;
    const [entityActive, userActive] = await Promise.all([
      store.countActiveRuns({ entityRef: request.entityRef }),
      request.user
        ? store.countActiveRuns({ triggeredBy: request.user })
        : Promise.resolve(0),
    ]);
    if (request.user && userActive >= limits.maxActiveRunsPerUser) {
      throw new LimitExceededError(
        `${request.user} already has ${userActive} runs queued, running or waiting; pipelines.limits.maxActiveRunsPerUser allows ${limits.maxActiveRunsPerUser}. Wait for one to finish, or cancel one`,
        'pipelines.limits.maxActiveRunsPerUser',
      );
    }
    if (entityActive >= limits.maxActiveRunsPerEntity) {
      throw new LimitExceededError(
        `${request.entityRef} already has ${entityActive} runs queued, running or waiting; pipelines.limits.maxActiveRunsPerEntity allows ${limits.maxActiveRunsPerEntity}. Wait for one to finish, or cancel one`,
        'pipelines.limits.maxActiveRunsPerEntity',
      );
    }
  }

  /** Waits for the admissions in progress on `keys` (sorted, so two never wait on each other). */
  private async lock(keys: string[]): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>(resolve => {
      release = resolve;
    });
    const before = keys.map(key => this.tails.get(key) ?? Promise.resolve());
    for (const key of keys) {
      this.tails.set(key, mine);
    }
    await Promise.all(before);
    return () => {
      for (const key of keys) {
        if (this.tails.get(key) === mine) this.tails.delete(key);
      }
      release();
    };
  }
}
