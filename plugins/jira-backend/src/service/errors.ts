import { CustomErrorBase, InputError, NotFoundError } from '@backstage/errors';
import { JiraError } from '@internal/plugin-jira-node';

/**
 * A Jira failure as Comet's API answers it. Jira's own 401/403 concern Comet's credentials, not
 * the signed-in user's session, so they are a 502 (bad gateway) with the instance named, never
 * a 401 the browser would take for an expired sign-in.
 */
export class JiraRequestError extends CustomErrorBase {
  readonly name = 'JiraError';
  constructor(message: string, readonly statusCode: number, cause?: Error) {
    super(message, cause);
  }
}

/** Turns a client's JiraError into the error the API answers with; anything else as is. */
export function toApiError(error: unknown): Error {
  if (!(error instanceof JiraError)) {
    return error as Error;
  }
  switch (error.kind) {
    case 'badRequest': {
      const details = [
        ...error.jiraMessages,
        ...Object.entries(error.fieldErrors).map(([f, m]) => `${f}: ${m}`),
      ];
      const message =
        details.length && !details.every(d => error.message.includes(d))
          ? `${error.message}: ${details.join('; ')}`
          : error.message;
      return new InputError(message);
    }
    case 'notFound':
      return new NotFoundError(error.message);
    case 'rateLimited':
    case 'unavailable':
      return new JiraRequestError(error.message, 503, error);
    default:
      return new JiraRequestError(error.message, 502, error);
  }
}

/** Whether serving a cached answer (with a notice) beats failing: Jira is throttling or down. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof JiraError &&
    (error.kind === 'rateLimited' ||
      error.kind === 'unavailable' ||
      error.kind === 'network')
  );
}
