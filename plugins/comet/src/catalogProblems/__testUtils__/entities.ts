import type { Entity } from '@backstage/catalog-model';

/** A Comet annotation problem as the catalog module writes it on `status.items`. */
export function cometProblem(
  level: 'error' | 'warning',
  annotation: string,
  message: string,
) {
  return {
    type: 'backstage.io/catalog-processing',
    level,
    message: `CometAnnotationError: ${message}`,
    error: { name: 'CometAnnotationError', message, annotation },
  };
}

export const TYPO_MESSAGE =
  'component:default/e2e-annotation-typo: The jenkins.io/job-full-name entry "ci-eu:payments/payments-api" cannot be used: Unknown Jenkins instance "ci-eu" (from jenkins.io/job-full-name); jenkins.instances has "default"';

/** An unknown Jenkins instance, beside another processor's problem the page leaves out. */
export const typoEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'e2e-annotation-typo',
    namespace: 'default',
    annotations: {
      'jenkins.io/job-full-name': 'ci-eu:payments/payments-api',
      'comet.dev/annotation-problems': '1',
    },
  },
  spec: { type: 'service', lifecycle: 'experimental', owner: 'payments-team' },
  status: {
    items: [
      {
        type: 'backstage.io/catalog-processing',
        level: 'error',
        message: 'InputError: from another processor',
        error: { name: 'InputError', message: 'from another processor' },
      },
      cometProblem('error', 'jenkins.io/job-full-name', TYPO_MESSAGE),
    ],
  },
} as Entity;

/** A titled entity in another namespace, owned by a user, a warning listed before an error. */
export const ledgerEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'ledger-worker',
    namespace: 'ops',
    title: 'Ledger worker',
    annotations: { 'comet.dev/annotation-problems': '2' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'user:default/ada' },
  status: {
    items: [
      cometProblem(
        'warning',
        'sonarqube.org/project-key',
        'SonarQube is not configured on this portal (sonarqube.instances)',
      ),
      cometProblem(
        'error',
        'comet.dev/pipelines',
        'The comet.dev/pipelines path "../x.yaml" leaves the repository',
      ),
    ],
  },
} as Entity;

/** No problems: the catalog's filter leaves it out. */
export const goodEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: { 'jenkins.io/job-full-name': 'payments/payments-api' },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'payments-team' },
};
