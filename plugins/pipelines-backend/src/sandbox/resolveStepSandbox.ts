import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  parseEgressRule,
  PipelineSandboxService,
} from '@internal/plugin-pipelines-node';

export const UNSANDBOXED_KEY = 'pipelines.localExecutor.unsandboxed';

/** How the local executor runs steps: in the sandbox, or (explicitly allowed) without it. */
export type StepSandboxDecision =
  | { sandbox: PipelineSandboxService; allowedEgress: string[] }
  | { unsandboxed: true };

/**
 * Decides at start-up where the local executor runs steps. The sandbox is used whenever it
 * works; where it does not (no bwrap, or its probe fails), start-up fails with the reason and
 * the key that allows running steps as plain child processes of the backend, and with that
 * key set the executor runs unsandboxed after a loud warning.
 */
export async function resolveStepSandbox(options: {
  config: RootConfigService;
  sandbox: PipelineSandboxService;
  logger: LoggerService;
}): Promise<StepSandboxDecision> {
  const { config, sandbox, logger } = options;
  const allowedEgress =
    config.getOptionalStringArray('pipelines.sandbox.allowedEgress') ?? [];
  for (const entry of allowedEgress) {
    parseEgressRule(entry, 'pipelines.sandbox.allowedEgress');
  }
  const unsandboxed = config.getOptionalBoolean(UNSANDBOXED_KEY) ?? false;
  const availability = await sandbox.available();
  if (availability.available) {
    logger.info(`Pipeline steps run sandboxed: ${sandbox.describe()}`);
    if (unsandboxed) {
      logger.info(
        `${UNSANDBOXED_KEY} is set but the sandbox works, so steps run sandboxed`,
      );
    }
    return { sandbox, allowedEgress };
  }
  if (!unsandboxed) {
    throw new Error(
      `The pipeline step sandbox is unavailable: ${availability.reason}. ` +
        `Install bubblewrap (scripts/comet.sh setup does), or set ${UNSANDBOXED_KEY}: true ` +
        `to run steps as plain child processes of the backend, with its user, files and network ` +
        `(never in production)`,
    );
  }
  logger.warn(
    `!!! PIPELINE STEPS RUN UNSANDBOXED (${UNSANDBOXED_KEY}: true): every step runs as the ` +
      `backend's user, can read its config, data and environment and reach every service it ` +
      `can reach. The sandbox is unavailable: ${availability.reason}`,
  );
  return { unsandboxed: true };
}
