import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseImage, renderKustomization } from './kustomize';
import { renderComet, objectOf } from './__testUtils__/cometDeploy';
import { formatProblem, resourceName } from './types';

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-check-kustomize-'));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function write(files: Record<string, string>) {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

const KUSTOMIZATION =
  'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers:
        - name: migrate
          image: registry.example.com/web:1.0
      containers:
        - name: web
          image: registry.example.com/web:1.0
        - name: proxy
          image: envoy:1.30
`;

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: run
              image: registry.example.com/web@sha256:${'b'.repeat(64)}
`;

function render(dir = 'app') {
  const result = renderKustomization(root, dir);
  return { ...result, lines: result.problems.map(formatProblem) };
}

describe("renderKustomization on Comet's manifests", () => {
  it('renders every object of the base', () => {
    expect(
      renderComet().map(document => resourceName(document.object)),
    ).toEqual([
      'Namespace comet',
      'ServiceAccount comet/comet',
      'ConfigMap comet/comet-settings',
      'ConfigMap comet/comet-app-config',
      'Deployment comet/comet',
      'Service comet/comet',
      'PodDisruptionBudget comet/comet',
      'Namespace comet-jobs',
      'ServiceAccount comet-jobs/comet-job',
      'Role comet-jobs/comet-executor',
      'RoleBinding comet-jobs/comet-executor',
      'NetworkPolicy comet-jobs/comet-job-egress',
    ]);
  });

  it("applies the local-executor overlay's patches to a copy of the base", () => {
    const overlay = renderComet('deploy/kubernetes/overlays/local-executor');
    const pod = objectOf(overlay, 'Deployment', 'comet').spec.template.spec;
    expect(pod.hostUsers).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'Unconfined' });
    expect(pod.containers[0].securityContext).toMatchObject({
      procMount: 'Unmasked',
      appArmorProfile: { type: 'Unconfined' },
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(
      objectOf(overlay, 'Namespace', 'comet').metadata.labels,
    ).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    const base = objectOf(renderComet(), 'Deployment', 'comet').spec.template
      .spec;
    expect(base.hostUsers).toBeUndefined();
    expect(base.securityContext.seccompProfile).toEqual({
      type: 'RuntimeDefault',
    });

    // The base runs jobs with the Kubernetes executor; the overlay empties its settings
    const executorKey = 'app-config.kubernetes-executor.yaml';
    expect(
      objectOf(renderComet(), 'ConfigMap', 'comet-app-config').data[
        executorKey
      ],
    ).toContain('kubernetes:');
    expect(
      objectOf(overlay, 'ConfigMap', 'comet-app-config').data[executorKey],
    ).not.toContain('kubernetes:');
    expect(base.containers[0].args).toContain(`/app/config/${executorKey}`);
  });
});

describe('renderKustomization', () => {
  it('sets images by name in containers, init containers and CronJobs', () => {
    write({
      'app/kustomization.yaml': `${KUSTOMIZATION}resources: [deployment.yaml, cronjob.yaml]
images:
  - name: registry.example.com/web
    newName: mirror.example.com/web
    newTag: "2.0"
  - name: envoy
    digest: sha256:${'c'.repeat(64)}
`,
      'app/deployment.yaml': DEPLOYMENT,
      'app/cronjob.yaml': CRONJOB,
    });
    const { documents, lines } = render();
    expect(lines).toEqual([]);
    const deployment = documents[0].object as any;
    expect(deployment.spec.template.spec.initContainers[0].image).toBe(
      'mirror.example.com/web:2.0',
    );
    expect(
      deployment.spec.template.spec.containers.map((c: any) => c.image),
    ).toEqual(['mirror.example.com/web:2.0', `envoy@sha256:${'c'.repeat(64)}`]);
    // a new tag replaces the digest the image had
    expect(
      (documents[1].object as any).spec.jobTemplate.spec.template.spec
        .containers[0].image,
    ).toBe('mirror.example.com/web:2.0');
  });

  it('renders nested kustomizations and patches from files', () => {
    write({
      'base/kustomization.yaml': `${KUSTOMIZATION}resources: [deployment.yaml]\n`,
      'base/deployment.yaml': DEPLOYMENT,
      'app/kustomization.yaml': `${KUSTOMIZATION}resources: [../base]
patches:
  - path: replicas.yaml
    target: { kind: Deployment, name: web }
`,
      'app/replicas.yaml': '- op: add\n  path: /spec/replicas\n  value: 3\n',
    });
    const { documents, lines, files } = render();
    expect(lines).toEqual([]);
    expect((documents[0].object as any).spec.replicas).toBe(3);
    expect(files).toEqual([
      'app/kustomization.yaml',
      'base/kustomization.yaml',
      'base/deployment.yaml',
      'app/replicas.yaml',
    ]);
  });

  it('reports kustomize features it does not render', () => {
    write({
      'app/kustomization.yaml': `${KUSTOMIZATION}namePrefix: shop-\nresources: [deployment.yaml]\n`,
      'app/deployment.yaml': DEPLOYMENT,
    });
    expect(render().lines).toEqual([
      'app/kustomization.yaml: namePrefix is not supported by deploy-check (it renders resources, patches with JSON 6902 operations and images)',
    ]);
  });

  it('reports a wrong kustomization header and patch', () => {
    write({
      'app/kustomization.yaml': `apiVersion: v1\nkind: Kustomization\npatches:\n  - target: { kind: Deployment }\n`,
    });
    expect(render().lines).toEqual([
      'app/kustomization.yaml: apiVersion: must be equal to constant',
      "app/kustomization.yaml: patches.0: must have required property 'path'",
      "app/kustomization.yaml: patches.0: must have required property 'patch'",
      'app/kustomization.yaml: patches.0: must match exactly one schema in oneOf',
    ]);
  });

  it('reports missing, remote and doubly defined resources', () => {
    write({
      'app/kustomization.yaml': `${KUSTOMIZATION}resources:
  - deployment.yaml
  - again.yaml
  - missing.yaml
  - https://github.com/acme/manifests//base?ref=v1
`,
      'app/deployment.yaml': DEPLOYMENT,
      'app/again.yaml': DEPLOYMENT,
    });
    expect(render().lines).toEqual([
      'app/kustomization.yaml: resources: missing.yaml does not exist',
      'app/kustomization.yaml: resources: https://github.com/acme/manifests//base?ref=v1: remote resources are not supported; vendor them into the repository',
      'app/again.yaml: Deployment shop/web: is defined twice (also in app/deployment.yaml); kustomize refuses to build',
    ]);
  });

  it('reports patches that match nothing, fail, or are strategic merges', () => {
    write({
      'app/kustomization.yaml': `${KUSTOMIZATION}resources: [deployment.yaml]
patches:
  - target: { kind: Deployment, name: api }
    patch: |-
      - op: add
        path: /spec/replicas
        value: 2
  - target: { kind: Deployment, name: web }
    patch: |-
      - op: replace
        path: /spec/template/spec/hostUsers
        value: false
  - target: { kind: Deployment }
    patch: |-
      spec:
        replicas: 2
  - target: { group: apps, version: v1, kind: Deployment, namespace: shop }
    path: missing-patch.yaml
`,
      'app/deployment.yaml': DEPLOYMENT,
    });
    const { lines } = render();
    expect(lines).toEqual([
      'app/kustomization.yaml: patches[0]: its target {"kind":"Deployment","name":"api"} matches no resource',
      'app/kustomization.yaml: patches[1]: cannot be applied to Deployment shop/web: operation 0 (replace /spec/template/spec/hostUsers) fails: OPERATION_PATH_UNRESOLVABLE',
      'app/kustomization.yaml: patches[2]: is a strategic merge patch, which deploy-check does not apply; write it as JSON 6902 operations (a list of op/path/value)',
      expect.stringMatching(
        /^app\/kustomization\.yaml: patches\[3\]: patch file missing-patch\.yaml cannot be read: .*ENOENT/,
      ),
    ]);
  });

  it('reports YAML that is not a Kubernetes object', () => {
    write({
      'app/kustomization.yaml': `${KUSTOMIZATION}resources: [things.yaml]\n`,
      'app/things.yaml': `kind: Deployment\nmetadata: { name: x }\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a\n`,
    });
    expect(render().lines).toEqual([
      'app/things.yaml: YAML document 1 is not a Kubernetes object: it has no apiVersion',
      expect.stringMatching(/^app\/things\.yaml: YAML document 3: /),
    ]);
  });

  it('reports a folder without a kustomization and a cycle', () => {
    write({
      'a/kustomization.yaml': `${KUSTOMIZATION}resources: [../b]\n`,
      'b/kustomization.yaml': `${KUSTOMIZATION}resources: [../a]\n`,
      'c/deployment.yaml': DEPLOYMENT,
    });
    expect(render('a').lines).toEqual([
      'a/kustomization.yaml: is included in a cycle of kustomizations',
    ]);
    expect(render('c').lines).toEqual([
      'c: has no kustomization (kustomization.yaml, kustomization.yml, Kustomization)',
    ]);
  });
});

describe('parseImage', () => {
  it('splits registries with ports, tags and digests', () => {
    expect(parseImage('registry:5000/team/comet:1.2@sha256:abc')).toEqual({
      name: 'registry:5000/team/comet',
      tag: '1.2',
      digest: 'sha256:abc',
    });
    expect(parseImage('registry:5000/team/comet')).toEqual({
      name: 'registry:5000/team/comet',
    });
    expect(parseImage('comet@sha256:abc')).toEqual({
      name: 'comet',
      digest: 'sha256:abc',
    });
  });
});
