import {
  containersOf,
  EXAMPLE_ANNOTATION,
  type ManifestCheckContext,
  workloads,
} from './manifestModel';
import { type DeployProblem, problemIn, resourceName } from './types';

/** Secrets are created by the operator from the examples, never applied from the repository. */
export function checkSecrets(context: ManifestCheckContext): DeployProblem[] {
  const problems: DeployProblem[] = [];
  for (const document of context.documents) {
    if (document.object.kind === 'Secret') {
      problems.push(
        problemIn(
          document,
          undefined,
          'a Secret in the kustomization applies its values from the repository; create it from the examples instead',
        ),
      );
    }
  }
  const referenced = new Set<string>();
  for (const workload of workloads(context.documents)) {
    for (const { container } of containersOf(workload)) {
      for (const variable of container.env ?? []) {
        const name = variable?.valueFrom?.secretKeyRef?.name;
        if (name) referenced.add(`${workload.namespace}/${name}`);
      }
      for (const source of container.envFrom ?? []) {
        if (source.secretRef?.name) {
          referenced.add(`${workload.namespace}/${source.secretRef.name}`);
        }
      }
    }
    for (const volume of workload.podSpec.volumes ?? []) {
      if (volume.secret?.secretName) {
        referenced.add(`${workload.namespace}/${volume.secret.secretName}`);
      }
    }
  }
  for (const example of context.exampleSecrets) {
    if (example.object.kind !== 'Secret') {
      problems.push(
        problemIn(example, 'kind', 'the examples file holds Secrets only'),
      );
      continue;
    }
    if (!example.object.metadata.annotations?.[EXAMPLE_ANNOTATION]) {
      problems.push(
        problemIn(
          example,
          `metadata.annotations.${EXAMPLE_ANNOTATION}`,
          'is missing: every example Secret says that its values are placeholders',
        ),
      );
    }
    const key = `${example.object.metadata.namespace ?? 'default'}/${
      example.object.metadata.name
    }`;
    if (!referenced.has(key)) {
      problems.push(
        problemIn(
          example,
          undefined,
          `no workload of ${context.origin} reads ${resourceName(
            example.object,
          )}`,
        ),
      );
    }
  }
  return problems;
}
