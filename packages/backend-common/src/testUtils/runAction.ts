import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/** The user who starts the tasks of these tests. */
export const INITIATOR = mockCredentials.user('user:default/ada');

export const TEMPLATE_REF = 'template:default/comet-service';

/**
 * Runs an action's handler as the scaffolder would: the initiator's credentials, the task's
 * workspace, a checkpoint store (`checkpoints`: pass the same one to act as a retried step), and
 * what it logged and output.
 */
export async function runAction(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  options: {
    isDryRun?: boolean;
    workspacePath?: string;
    checkpoints?: Map<string, unknown>;
    signal?: AbortSignal;
    /** Who started the task; INITIATOR by default. */
    credentials?: BackstageCredentials;
    /** The task's user as the scaffolder decorates it from the catalog. */
    user?: { ref?: string; entity?: unknown };
  } = {},
) {
  const output: Record<string, unknown> = {};
  const logs: string[] = [];
  const logger = mockServices.logger.mock();
  for (const level of ['info', 'warn', 'error', 'debug'] as const) {
    logger[level].mockImplementation((message: string) => {
      logs.push(message);
    });
  }
  const checkpoints = options.checkpoints ?? new Map<string, unknown>();
  await action.handler({
    input,
    logger,
    output: (name: string, value: unknown) => {
      output[name] = value;
    },
    isDryRun: options.isDryRun ?? false,
    checkpoint: async ({ key, fn }: { key: string; fn: () => unknown }) => {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    },
    createTemporaryDirectory: async () => '/tmp',
    getInitiatorCredentials: async () => options.credentials ?? INITIATOR,
    user: options.user ?? {
      ref: (
        (options.credentials ?? INITIATOR).principal as {
          userEntityRef?: string;
        }
      ).userEntityRef,
    },
    workspacePath: options.workspacePath ?? '/nonexistent-workspace',
    signal: options.signal,
    task: { id: 'task-1' },
    templateInfo: { entityRef: TEMPLATE_REF },
  } as any);
  return { output, logs };
}
