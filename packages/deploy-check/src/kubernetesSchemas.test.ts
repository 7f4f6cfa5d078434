import path from 'node:path';
import { validateKubernetesSchemas } from './kubernetesSchemas';
import { renderKustomization } from './kustomize';
import { REPO_ROOT, renderComet } from './__testUtils__/cometDeploy';
import { formatProblem } from './types';

const BROKEN = path.relative(
  REPO_ROOT,
  path.join(__dirname, '__fixtures__/broken'),
);

describe('validateKubernetesSchemas', () => {
  it("finds nothing wrong with Comet's manifests and its local-executor overlay", () => {
    expect(validateKubernetesSchemas(renderComet()).map(formatProblem)).toEqual(
      [],
    );
    expect(
      validateKubernetesSchemas(
        renderComet('deploy/kubernetes/overlays/local-executor'),
      ).map(formatProblem),
    ).toEqual([]);
  });

  it('reports every schema error and unknown field of a broken manifest', () => {
    const { documents, problems } = renderKustomization(REPO_ROOT, BROKEN);
    expect(problems).toEqual([]);
    const deployment = `${BROKEN}/deployment.yaml: Deployment comet/broken`;
    const others = `${BROKEN}/others.yaml`;
    const container = 'spec.template.spec.containers[0]';
    expect(validateKubernetesSchemas(documents).map(formatProblem)).toEqual([
      // types, required fields, formats and enums: the OpenAPI schemas
      `${deployment}: spec.replicas: must be integer (Kubernetes schema)`,
      `${deployment}: ${container}: must have required property name (Kubernetes schema)`,
      `${deployment}: ${container}.resources.limits.memory: must be number or must match format "quantity" (Kubernetes schema)`,
      `${deployment}: ${container}.securityContext.capabilities.drop: must be array (Kubernetes schema)`,
      `${deployment}: ${container}.securityContext.procMount: must be equal to one of the allowed values: Default, Unmasked (Kubernetes schema)`,
      `${others}: Widget unknown-kind: the Kubernetes API has no kind Widget in v1`,
      `${others}: Widget unknown-api-version: the Kubernetes API has no apiVersion example.com/v1`,
      // fields the API does not have: the type declarations
      `${deployment}: spec.template.spec.terminationGracePeriod: unknown field "terminationGracePeriod"; did you mean terminationGracePeriodSeconds? (the Kubernetes API would drop it)`,
      `${deployment}: ${container}.ports[0].protocl: unknown field "protocl"; did you mean protocol? (the Kubernetes API would drop it)`,
      `${deployment}: ${container}.livenesProbe: unknown field "livenesProbe"; did you mean livenessProbe? (the Kubernetes API would drop it)`,
    ]);
  });

  it('checks fields under maps, lists and objects of every depth', () => {
    const [deployment] = renderComet().filter(
      document => document.object.kind === 'Deployment',
    );
    const object = deployment.object as any;
    // a map of strings is free-form; a list of objects is checked item by item
    object.metadata.labels['any.key/you-like'] = 'yes';
    object.spec.template.spec.volumes[2].emptyDir.sizeLimt = '1Gi';
    object.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabel =
      {};
    expect(validateKubernetesSchemas([deployment]).map(formatProblem)).toEqual([
      expect.stringContaining(
        'spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabel: unknown field "matchLabel"; did you mean matchLabels?',
      ),
      expect.stringContaining(
        'spec.template.spec.volumes[2].emptyDir.sizeLimt: unknown field "sizeLimt"; did you mean sizeLimit?',
      ),
    ]);
  });

  it('validates nothing for no documents', () => {
    expect(validateKubernetesSchemas([])).toEqual([]);
  });
});
