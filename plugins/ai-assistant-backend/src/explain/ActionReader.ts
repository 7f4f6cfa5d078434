import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { AiUnreadEvidence } from '@internal/plugin-ai-assistant-common';

/** An action that could not be read: which one, its status, and what it said. */
export class ActionReadError extends Error {
  name = 'ActionReadError' as const;

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
}

/** The most action calls one explanation makes: a bound on work, whatever the history holds. */
export const MAX_ACTION_CALLS = 120;

/**
 * The only way the failure analysis reads other families' data: their actions, through the
 * actions service, with the caller's own credentials, so it sees exactly what the caller may
 * see. Failures become {@link ActionReadError}s naming the action; `optional` reads record
 * what they could not read instead of failing the explanation.
 */
export class ActionReader {
  static create(options: {
    actions: ActionsService;
    credentials: BackstageCredentials;
    maxCalls?: number;
  }): ActionReader {
    return new ActionReader(
      options.actions,
      options.credentials,
      options.maxCalls ?? MAX_ACTION_CALLS,
    );
  }

  /** What could not be read, in the order it was tried. */
  readonly unread: AiUnreadEvidence[] = [];
  private calls = 0;

  private constructor(
    private readonly actions: ActionsService,
    private readonly credentials: BackstageCredentials,
    private readonly maxCalls: number,
  ) {}

  /** How many actions were called. */
  get callCount(): number {
    return this.calls;
  }

  /** The action's output; throws an {@link ActionReadError} when it fails. */
  async invoke<T = any>(actionId: string, input: JsonObject): Promise<T> {
    if (this.calls >= this.maxCalls) {
      throw new ActionReadError(
        actionId,
        undefined,
        `this explanation already made ${this.maxCalls} action calls, its cap`,
      );
    }
    this.calls += 1;
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
        body?: { error?: { message?: string } };
        message?: string;
      };
      throw new ActionReadError(
        actionId,
        e?.statusCode,
        e?.body?.error?.message ?? e?.message ?? String(error),
      );
    }
  }

  /** The action's output, or undefined with `what` recorded as unread and why. */
  async optional<T = any>(
    what: string,
    actionId: string,
    input: JsonObject,
  ): Promise<T | undefined> {
    try {
      return await this.invoke<T>(actionId, input);
    } catch (error) {
      this.note(what, error);
      return undefined;
    }
  }

  /** Records that `what` could not be read because of `error`. */
  note(what: string, error: unknown) {
    this.unread.push({
      what,
      reason:
        error instanceof Error ? error.message : String(error as JsonValue),
    });
  }
}
