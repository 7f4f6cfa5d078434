import { CustomErrorBase } from '@backstage/errors';

/**
 * A request refused because it would go over one of `pipelines.limits`: answered with 429
 * (the backend's error handler takes `statusCode`), with a message naming the cap and the
 * config key that sets it.
 */
export class LimitExceededError extends CustomErrorBase {
  name = 'LimitExceededError' as const;
  readonly statusCode = 429;

  /** The config key of the cap, e.g. `pipelines.limits.maxActiveRunsPerUser`. */
  readonly limitKey: string;

  constructor(message: string, limitKey: string) {
    super(message);
    this.limitKey = limitKey;
  }

  static is(error: unknown): error is LimitExceededError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Error).name === 'LimitExceededError'
    );
  }
}
