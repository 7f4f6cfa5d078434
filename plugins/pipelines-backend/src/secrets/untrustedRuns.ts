import type {
  PipelineDefinition,
  PipelineJob,
} from '@internal/plugin-pipelines-common';

/**
 * The id of the gate an untrusted run starts with. A pipeline file's job ids start with a
 * letter or a digit, so no job of the file can take this one's place.
 */
export const UNTRUSTED_GATE_JOB_ID = '_untrusted-approval';

/**
 * The definition of a run of untrusted code (a fork's pull request): the file's jobs behind
 * one approval gate that the entity's owners decide (anyone allowed to approve its runs when
 * it has no owner). Every job of the file that needed nothing now needs the gate, so nothing
 * of the fork runs before a member looked at it; the run gets no secrets either way (see
 * `grantJobSecrets`).
 */
export function gateUntrustedDefinition(
  definition: PipelineDefinition,
  options: { reason: string; approvers: string[] },
): PipelineDefinition {
  const gate: PipelineJob = {
    id: UNTRUSTED_GATE_JOB_ID,
    name: 'Approve untrusted code',
    needs: [],
    retry: 0,
    env: {},
    steps: [],
    artifacts: [],
    approval: {
      description: `${options.reason}. Review its changes before approving: it runs without secrets, but it runs.`,
      ...(options.approvers.length > 0 ? { approvers: options.approvers } : {}),
    },
  };
  return {
    ...definition,
    jobs: [
      gate,
      ...definition.jobs.map(job =>
        job.needs.length === 0
          ? { ...job, needs: [UNTRUSTED_GATE_JOB_ID] }
          : job,
      ),
    ],
  };
}
