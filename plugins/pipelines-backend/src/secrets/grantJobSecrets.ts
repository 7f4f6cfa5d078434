import type { PipelineJob } from '@internal/plugin-pipelines-common';
import type { ClaimedJob, PipelineStore } from '../store/PipelineStore';
import {
  approvedEnvironmentsOf,
  conditionSecretsOf,
  secretReferencesOf,
} from './jobSecrets';
import type { SecretRefusal, SecretScopes } from './SecretScopes';

/** The secrets one job of a run gets. */
export type JobSecrets = {
  /** Name → value: what `${{ secrets.NAME }}` resolves to in this job. */
  secrets: Record<string, string>;
  /** A log line for a run that builds untrusted code: which secrets are empty and why. */
  withheld?: string;
  refused: SecretRefusal[];
  /**
   * Throws, naming each secret and why it is refused (never a value), when the job references
   * a secret its scope does not allow; with a condition, only for the secrets it names.
   */
  failIfRefused(condition?: string): void;
};

/**
 * Decides which secrets a claimed job gets: those it references (see
 * {@link secretReferencesOf}) whose scope allows the run's entity and the environments of the
 * gates approved before the job, and none at all in a run of untrusted code (a fork's pull
 * request: whatever the definition, the run checks out the fork's commit).
 */
export async function grantJobSecrets(options: {
  scopes: SecretScopes;
  store: Pick<PipelineStore, 'getRun'>;
  claimed: ClaimedJob;
  job: PipelineJob;
  ownersOf?: (entityRef: string) => Promise<string[]>;
}): Promise<JobSecrets> {
  const { scopes, store, claimed, job, ownersOf } = options;
  const names = secretReferencesOf(claimed.definition, job);
  const result = (
    secrets: Record<string, string>,
    refused: SecretRefusal[],
    withheld?: string,
  ): JobSecrets => ({
    secrets,
    refused,
    withheld,
    failIfRefused(condition?: string) {
      const inCondition =
        condition === undefined ? undefined : conditionSecretsOf(condition);
      const relevant = refused.filter(
        refusal => !inCondition || inCondition.includes(refusal.name),
      );
      if (relevant.length > 0) {
        throw new Error(
          `The job references ${
            relevant.length === 1 ? 'a secret' : 'secrets'
          } it may not have: ${relevant
            .map(refusal => refusal.reason)
            .join('; ')} (see pipelines.secrets)`,
        );
      }
    },
  });
  if (names.length === 0) return result({}, []);
  const run = await store.getRun(claimed.runId);
  if (!run) {
    throw new Error(`Run ${claimed.runId} is gone; its secrets are withheld`);
  }
  if (run.trigger.untrusted) {
    return result(
      {},
      [],
      `Secrets withheld: ${run.trigger.untrusted}; ${names
        .map(name => `secrets.${name}`)
        .join(', ')} ${names.length === 1 ? 'is' : 'are'} empty in this run`,
    );
  }
  const environments = approvedEnvironmentsOf(
    run,
    claimed.definition,
    claimed.jobRunId,
  );
  const granted = await scopes.grant(names, {
    entityRef: claimed.entityRef,
    environments,
    owners: async () => {
      if (!ownersOf) return [];
      try {
        return await ownersOf(claimed.entityRef);
      } catch (error) {
        throw new Error(
          `Cannot read the owners of ${
            claimed.entityRef
          } to check the scope of its secrets: ${
            (error as Error)?.message ?? error
          }`,
        );
      }
    },
  });
  return result(granted.secrets, granted.refused);
}
