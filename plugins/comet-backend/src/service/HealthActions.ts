import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import type { JsonObject } from '@backstage/types';

/** An action that failed: which one, its HTTP status when it answered, and what it said. */
export class ActionCallError extends Error {
  name = 'ActionCallError' as const;

  constructor(
    readonly actionId: string,
    readonly statusCode: number | undefined,
    readonly detail: string,
  ) {
    super(
      statusCode
        ? `${actionId} answered ${statusCode}: ${detail}`
        : `${actionId} could not be called: ${detail}`,
    );
  }

  /** The family answered that it is not configured ("Jira is not configured: set …"). */
  get notConfigured(): boolean {
    return /\bis not configured\b/i.test(this.detail);
  }
}

/**
 * The only way delivery health reads other families: their actions, through the actions
 * service, with the caller's own credentials, so every figure is one the caller may see.
 * The caller's list of actions is read once per request.
 */
export class HealthActions {
  static create(options: {
    actions: ActionsService;
    credentials: BackstageCredentials;
  }): HealthActions {
    return new HealthActions(options.actions, options.credentials);
  }

  private listed?: Promise<Set<string>>;

  private constructor(
    private readonly actions: ActionsService,
    private readonly credentials: BackstageCredentials,
  ) {}

  /** Whether the action is registered and offered to the caller. */
  async has(actionId: string): Promise<boolean> {
    this.listed ??= this.actions
      .list({ credentials: this.credentials })
      .then(({ actions }) => new Set(actions.map(a => a.id)));
    return (await this.listed).has(actionId);
  }

  /** The action's output; an {@link ActionCallError} when it fails. */
  async invoke<T>(actionId: string, input: JsonObject): Promise<T> {
    try {
      const { output } = await this.actions.invoke({
        id: actionId,
        input,
        credentials: this.credentials,
      });
      return output as T;
    } catch (error) {
      const e = error as {
        statusCode?: number;
        response?: { status?: number };
        body?: { error?: { message?: string } };
        message?: string;
      };
      throw new ActionCallError(
        actionId,
        e?.statusCode ?? e?.response?.status,
        e?.body?.error?.message ?? e?.message ?? String(error),
      );
    }
  }
}
