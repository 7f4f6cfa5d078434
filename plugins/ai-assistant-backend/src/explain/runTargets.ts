import { InputError } from '@backstage/errors';
import type { AiFailureRunKind } from '@internal/plugin-ai-assistant-common';

/** A run to explain, from the id the unified CI/CD list (or the test recorder) gives. */
export type ExplainTarget =
  | { kind: 'comet'; runId: string }
  | {
      kind: 'jenkins';
      runId: string;
      entityRef: string;
      /** `instance:folder/job`, as jenkins:get-build takes it. */
      jobRef: string;
      number: number;
    }
  | {
      kind: 'github';
      runId: string;
      entityRef: string;
      owner: string;
      repo: string;
      workflowRunId: number;
    }
  | { kind: 'test-recorder'; runId: string };

const JENKINS = /^jenkins:(.+)#([1-9][0-9]{0,9})$/;
const GITHUB =
  /^github:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)#([1-9][0-9]{0,15})$/;
const ENTITY_REF = /^[a-z0-9_.-]+:[a-z0-9_.-]+\/[a-z0-9_.-]+$/i;

function entityRefFor(
  kind: AiFailureRunKind,
  runId: string,
  entityRef: string | undefined,
): string {
  if (!entityRef) {
    throw new InputError(
      `entityRef is required for the ${
        kind === 'jenkins' ? 'Jenkins build' : 'GitHub Actions run'
      } ${runId}: give the entity the CI/CD list shows it for, e.g. component:default/payments-api`,
    );
  }
  if (!ENTITY_REF.test(entityRef)) {
    throw new InputError(
      `entityRef "${entityRef}" is not an entity ref such as component:default/payments-api`,
    );
  }
  return entityRef;
}

/**
 * Reads what to explain: `runId` as the unified CI/CD list gives it (a Comet run id,
 * `jenkins:<instance>:<job>#<number>`, `github:<owner>/<repo>#<id>`; the last two with the
 * `entityRef` the list shows them for), or `testRunId` for a test-recorder run.
 */
export function parseExplainTarget(input: {
  runId?: string;
  entityRef?: string;
  testRunId?: string;
}): ExplainTarget {
  const runId = input.runId?.trim();
  const testRunId = input.testRunId?.trim();
  if (runId && testRunId) {
    throw new InputError(
      'Give either runId (a CI/CD run) or testRunId (a test-recorder run), not both',
    );
  }
  if (testRunId) {
    if (testRunId.length > 200) {
      throw new InputError('testRunId must be at most 200 characters');
    }
    return { kind: 'test-recorder', runId: testRunId };
  }
  if (!runId) {
    throw new InputError(
      'runId is required: a run id as the CI/CD list gives it (a Comet run id, jenkins:<instance>:<job>#<number>, github:<owner>/<repo>#<id>), or testRunId for a test-recorder run',
    );
  }
  if (runId.length > 500) {
    throw new InputError('runId must be at most 500 characters');
  }
  if (runId.startsWith('jenkins:')) {
    const match = JENKINS.exec(runId);
    if (!match) {
      throw new InputError(
        `runId "${runId}" is not a Jenkins build as the CI/CD list names it: jenkins:<instance>:<folder/job>#<number>`,
      );
    }
    return {
      kind: 'jenkins',
      runId,
      entityRef: entityRefFor('jenkins', runId, input.entityRef),
      jobRef: match[1],
      number: Number(match[2]),
    };
  }
  if (runId.startsWith('github:')) {
    const match = GITHUB.exec(runId);
    if (!match) {
      throw new InputError(
        `runId "${runId}" is not a GitHub Actions run as the CI/CD list names it: github:<owner>/<repo>#<run id>`,
      );
    }
    return {
      kind: 'github',
      runId,
      entityRef: entityRefFor('github', runId, input.entityRef),
      owner: match[1],
      repo: match[2],
      workflowRunId: Number(match[3]),
    };
  }
  if (/^[a-z][a-z0-9-]*:/i.test(runId)) {
    throw new InputError(
      `runId "${runId}" names a CI system the failure analysis cannot read (${
        runId.split(':')[0]
      }); it explains Comet, Jenkins (jenkins:…) and GitHub Actions (github:…) runs and test-recorder runs (testRunId)`,
    );
  }
  return { kind: 'comet', runId };
}
