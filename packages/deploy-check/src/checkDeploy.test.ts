import fs from 'node:fs';
import path from 'node:path';
import { checkDeploy, COMET_DEPLOY } from './checkDeploy';
import { copyCometDeploy, REPO_ROOT } from './__testUtils__/cometDeploy';
import { formatProblem } from './types';

describe("checkDeploy on Comet's deploy/", () => {
  it('finds nothing wrong', () => {
    const { problems, rendered } = checkDeploy({
      repoRoot: REPO_ROOT,
      ...COMET_DEPLOY,
    });
    expect(problems.map(formatProblem)).toEqual([]);
    expect([...rendered.keys()]).toEqual(COMET_DEPLOY.kustomizations);
    for (const documents of rendered.values()) {
      expect(documents).toHaveLength(12);
    }
  });
});

describe('checkDeploy on a changed copy', () => {
  let copy: ReturnType<typeof copyCometDeploy>;
  const edit = (file: string, change: (text: string) => string) => {
    const full = path.join(copy.root, file);
    fs.writeFileSync(full, change(fs.readFileSync(full, 'utf8')));
  };
  const problems = () =>
    checkDeploy({ repoRoot: copy.root, ...COMET_DEPLOY }).problems.map(
      formatProblem,
    );

  beforeEach(() => {
    copy = copyCometDeploy();
  });

  afterEach(() => {
    copy.remove();
  });

  it('fails on a broken manifest, once for the base and its overlay', () => {
    edit('deploy/kubernetes/base/deployment.yaml', text =>
      text
        .replace('readinessProbe:', 'readinesProbe:')
        .replace(
          'terminationGracePeriodSeconds: 60',
          'terminationGracePeriodSeconds: 20',
        ),
    );
    expect(problems()).toEqual([
      expect.stringContaining(
        "deploy/kubernetes/base/deployment.yaml: Deployment comet/comet: spec.template.spec.terminationGracePeriodSeconds: is 20 s, not above the portal's shutdown",
      ),
      'deploy/kubernetes/base/deployment.yaml: Deployment comet/comet: spec.template.spec.containers[0].readinessProbe: is missing; it must be an httpGet of /.backstage/health/v1/readiness',
      'deploy/kubernetes/base/deployment.yaml: Deployment comet/comet: spec.template.spec.containers[0].readinesProbe: unknown field "readinesProbe"; did you mean readinessProbe? (the Kubernetes API would drop it)',
    ]);
  });

  it('fails on a manifest no kustomization applies', () => {
    fs.writeFileSync(
      path.join(copy.root, 'deploy/kubernetes/base/ingress.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: comet }\n',
    );
    expect(problems()).toEqual([
      'deploy/kubernetes/base/ingress.yaml: is part of no kustomization (deploy/kubernetes/base, deploy/kubernetes/overlays/local-executor) and is not the example Secrets: kubectl apply -k would never apply it',
    ]);
  });

  it('fails when an example Secret loses a key the Deployment reads', () => {
    edit('deploy/kubernetes/examples/secrets.example.yaml', text =>
      text.replace('  url: redis://', '  uri: redis://'),
    );
    expect(problems()).toEqual([
      expect.stringContaining(
        'REDIS_URL reads key "url" of Secret comet/comet-redis, which the example (deploy/kubernetes/examples/secrets.example.yaml) does not have (it has uri)',
      ),
    ]);
  });

  it('fails when the pipelines plugin no longer reads its shutdown grace as expected', () => {
    edit('plugins/pipelines-backend/src/plugin.ts', text =>
      text.replace(/engine\.stop\(/g, 'engine.shutdown('),
    );
    expect(problems()).toEqual([
      "plugins/pipelines-backend/src/plugin.ts: plugins/pipelines-backend/src/plugin.ts no longer calls engine.stop(...); update deploy-check's reading of the shutdown grace",
    ]);
  });

  it('fails without a Dockerfile', () => {
    fs.rmSync(path.join(copy.root, 'deploy/Dockerfile'));
    expect(problems()).toEqual(
      expect.arrayContaining([
        'deploy/Dockerfile: does not exist',
        'deploy/Dockerfile: USER must be a numeric uid other than 0 (got none), so that runAsNonRoot can verify it',
      ]),
    );
  });

  it('fails when the image pins another Yarn than the repository', () => {
    edit('package.json', text =>
      text.replace(
        /"packageManager": "yarn@[^"]+"/,
        '"packageManager": "yarn@4.99.0"',
      ),
    );
    expect(problems()).toEqual([
      expect.stringMatching(
        /^deploy\/Dockerfile: ARG YARN_VERSION is 4\.\d+\.\d+, but the repository pins 4\.99\.0 \(package\.json packageManager\)$/,
      ),
    ]);
  });
});
