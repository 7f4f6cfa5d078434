import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';

/**
 * What Comet's scaffolder actions create for a template, as their log lines name it. The list
 * is closed so that a line can be read back without ambiguity: `Created <kind> <name>: <url>`.
 */
export const CREATED_RESOURCE_KINDS = [
  'repository',
  'Jenkins job',
  'SonarQube project',
  'Jira component',
  'test suite',
  'pipeline run',
] as const;

export type CreatedResourceKind = (typeof CREATED_RESOURCE_KINDS)[number];

/** A resource a task step created, or adopted from an earlier run of the same template. */
export type CreatedResource = {
  how: 'Created' | 'Adopted';
  kind: CreatedResourceKind;
  name: string;
  /** Where to see it; a path when the portal's address is not configured. */
  url: string;
};

const CREATED_LINE = new RegExp(
  `^(Created|Adopted) (${CREATED_RESOURCE_KINDS.join('|')}) (.+): (\\S+)$`,
);

/** The level prefix the scaffolder's task logger writes before each message (colours and all). */
// eslint-disable-next-line no-control-regex
const TASK_LOG_PREFIX = /^(?:\u001b\[\d+m)*\w+(?:\u001b\[\d+m)*: /;

/**
 * The one log line an action writes when it creates or adopts a resource, e.g.
 * `Created Jenkins job payments/payouts: https://jenkins.example.com/job/payments/job/payouts/`;
 * a failing later step lists these lines (`TaskCreationLog`).
 */
export function createdLine(resource: CreatedResource): string {
  return `${resource.how} ${resource.kind} ${resource.name}: ${resource.url}`;
}

/** The resource a `createdLine` names (with or without the task log's level prefix), if any. */
export function parseCreatedLine(line: string): CreatedResource | undefined {
  const match = CREATED_LINE.exec(line.replace(TASK_LOG_PREFIX, '').trim());
  if (!match) return undefined;
  return {
    how: match[1] as CreatedResource['how'],
    kind: match[2] as CreatedResourceKind,
    name: match[3],
    url: match[4],
  };
}

/** A URL as a message may show it: never with a user name or password in it. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url; // a path: the portal's own page
  }
}

/**
 * The sentence a failed step's error ends with: what the task created before it, or that it
 * created nothing.
 */
export function describeCreated(
  resources: CreatedResource[],
  heading = 'Already created by this run:',
): string {
  if (resources.length === 0) return 'Nothing was created yet.';
  const items = resources.map(
    resource =>
      `- ${resource.kind} ${resource.name} (${shownUrl(resource.url)})${
        resource.how === 'Adopted' ? ', adopted from an earlier run' : ''
      }`,
  );
  return [
    heading,
    ...items,
    'Run the template again with the same name to resume: it adopts these.',
  ].join('\n');
}

/** One event of `GET /v2/tasks/:taskId/events`, as far as it is read here. */
type TaskEvent = { type?: string; body?: { message?: unknown } };

/** What the failing action's context must give (the scaffolder's ActionContext has it). */
export type TaskActionContext = {
  task?: { id: string };
  isDryRun?: boolean;
  logger: LoggerService;
  getInitiatorCredentials(): Promise<BackstageCredentials>;
};

/** An action as `TaskCreationLog.guard` wraps it: a scaffolder TemplateAction. */
type GuardedAction<TContext> = {
  handler(ctx: TContext): Promise<void>;
};

export type TaskCreationLogOptions = {
  discovery: Pick<DiscoveryService, 'getBaseUrl'>;
  auth: Pick<AuthService, 'getPluginRequestToken'>;
  /** How long reading the task's log may take; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

/** A logger that also keeps the created-lines it is given, for the step's own list. */
function recordingLogger(
  logger: LoggerService,
  lines: CreatedResource[],
): LoggerService {
  return {
    error: (...args) => logger.error(...args),
    warn: (...args) => logger.warn(...args),
    debug: (...args) => logger.debug(...args),
    info: (message, ...rest) => {
      const created = parseCreatedLine(message);
      if (created) lines.push(created);
      logger.info(message, ...rest);
    },
    child: meta => recordingLogger(logger.child(meta), lines),
  };
}

/**
 * What a scaffolder task created so far, read from its own log: when a Comet action fails in a
 * real run, its error keeps the reason first and then lists what the earlier steps (and the
 * step itself) created or adopted, so the user knows what exists and that a re-run resumes.
 *
 * The log is read as the user who started the task (`GET {scaffolder}/v2/tasks/{id}/events`
 * with a token on their behalf), so the scaffolder's own permission on the task decides, and
 * its redaction of secrets has already been applied to every line.
 */
export class TaskCreationLog {
  static create(options: TaskCreationLogOptions): TaskCreationLog {
    return new TaskCreationLog(options);
  }

  private constructor(private readonly options: TaskCreationLogOptions) {}

  /** What the task's log says it created or adopted, in order, each resource once. */
  async read(ctx: TaskActionContext): Promise<CreatedResource[]> {
    if (!ctx.task?.id) {
      throw new Error('the action runs outside a scaffolder task');
    }
    const credentials = await ctx.getInitiatorCredentials();
    const { token } = await this.options.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'scaffolder',
    });
    const baseUrl = await this.options.discovery.getBaseUrl('scaffolder');
    const url = `${baseUrl}/v2/tasks/${encodeURIComponent(ctx.task.id)}/events`;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Error(
        (error as Error)?.name === 'TimeoutError'
          ? `the scaffolder did not answer within ${timeoutMs / 1000} s`
          : `the scaffolder could not be reached (${
              (error as { cause?: { code?: string } })?.cause?.code ??
              (error as Error)?.message
            })`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(
        `the scaffolder answered ${response.status} for the task's log`,
      );
    }
    const events = (await response.json().catch(() => undefined)) as unknown;
    if (!Array.isArray(events)) {
      throw new Error("the scaffolder's answer is not a list of task events");
    }
    return uniqueResources(
      (events as TaskEvent[])
        .filter(event => event?.type === 'log')
        .map(event => event.body?.message)
        .filter((message): message is string => typeof message === 'string')
        .map(parseCreatedLine)
        .filter((resource): resource is CreatedResource => Boolean(resource)),
    );
  }

  /**
   * The error of a failed step with the list appended: `error` itself (its class and name
   * stay) with the reason first. `ownLines` are what the step itself logged, which the task's
   * log may not hold yet. If the log cannot be read, the message says so after the reason.
   */
  async explain(
    error: unknown,
    ctx: TaskActionContext,
    ownLines: CreatedResource[] = [],
  ): Promise<Error> {
    const failure = isError(error) ? error : new Error(String(error));
    let addition: string;
    try {
      const earlier = await this.read(ctx);
      addition = describeCreated(uniqueResources([...earlier, ...ownLines]));
    } catch (readError) {
      addition = `What this run already created could not be read (${
        (readError as Error).message
      }); the task's log lists it.`;
      if (ownLines.length) {
        addition += `\n${describeCreated(ownLines, 'This step had created:')}`;
      }
    }
    failure.message = `${failure.message}\n\n${addition}`;
    return failure;
  }

  /**
   * The action with its failures explained: in a real run, an error it throws gets the list
   * of what the task created (`explain`); a dry run's errors stay as they are.
   */
  guard<TAction extends GuardedAction<any>>(action: TAction): TAction {
    const handler = action.handler.bind(action);
    return {
      ...action,
      handler: async (ctx: TaskActionContext) => {
        if (ctx.isDryRun) {
          await handler(ctx);
          return;
        }
        const ownLines: CreatedResource[] = [];
        try {
          await handler({
            ...ctx,
            logger: recordingLogger(ctx.logger, ownLines),
          });
        } catch (error) {
          throw await this.explain(error, ctx, ownLines);
        }
      },
    };
  }
}

/** Each resource once (by kind and name), where it first appears. */
function uniqueResources(resources: CreatedResource[]): CreatedResource[] {
  const seen = new Set<string>();
  return resources.filter(resource => {
    const key = `${resource.kind}\n${resource.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
