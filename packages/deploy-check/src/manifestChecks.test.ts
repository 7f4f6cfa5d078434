import { parseDockerfile } from './dockerfile';
import { checkManifests } from './manifestChecks';
import {
  cometContext,
  kubernetesConfig,
  objectOf,
  portalContainer,
  readRepoFile,
  renderComet,
  setKubernetesConfig,
} from './__testUtils__/cometDeploy';
import type { ManifestDocument } from './types';
import { formatProblem } from './types';

/** The problems of Comet's base after `change`, one line each. */
function problemsAfter(
  change: (documents: ManifestDocument[]) => void,
  overrides: Parameters<typeof cometContext>[1] = {},
): string[] {
  const documents = renderComet();
  change(documents);
  return checkManifests(cometContext(documents, overrides)).map(formatProblem);
}

function podSpec(documents: ManifestDocument[]): any {
  return objectOf(documents, 'Deployment', 'comet').spec.template.spec;
}

function envVar(documents: ManifestDocument[], name: string): any {
  return portalContainer(documents).env.find((e: any) => e.name === name);
}

describe('checkManifests on Comet', () => {
  it('finds nothing wrong with the base and the local-executor overlay', () => {
    expect(
      checkManifests(cometContext(renderComet())).map(formatProblem),
    ).toEqual([]);
    const overlay = renderComet('deploy/kubernetes/overlays/local-executor');
    expect(
      checkManifests(
        cometContext(overlay, {
          origin: 'deploy/kubernetes/overlays/local-executor',
        }),
      ).map(formatProblem),
    ).toEqual([]);
  });
});

describe('images', () => {
  it('refuses latest and an image without a version', () => {
    expect(
      problemsAfter(d => (portalContainer(d).image = 'comet:latest')),
    ).toEqual([
      expect.stringContaining(
        'spec.template.spec.containers[0].image: "comet:latest" must name a version',
      ),
    ]);
    expect(
      problemsAfter(d => (portalContainer(d).image = 'registry:5000/comet')),
    ).toEqual([
      expect.stringContaining('"registry:5000/comet" must name a version'),
    ]);
  });

  it('accepts a digest', () => {
    expect(
      problemsAfter(
        d =>
          (portalContainer(
            d,
          ).image = `registry.example.com/comet@sha256:${'a'.repeat(64)}`),
      ),
    ).toEqual([]);
  });
});

describe('container security', () => {
  it('refuses a container that may run as root', () => {
    const problems = problemsAfter(d => {
      delete podSpec(d).securityContext.runAsNonRoot;
      delete portalContainer(d).securityContext.runAsNonRoot;
    });
    expect(problems).toContainEqual(
      expect.stringContaining(
        'containers[0].securityContext.runAsNonRoot: must be true',
      ),
    );
    expect(
      problemsAfter(d => (portalContainer(d).securityContext.runAsUser = 0)),
    ).toContainEqual(
      expect.stringContaining(
        'containers[0].securityContext.runAsUser: is 0 (root)',
      ),
    );
  });

  it('refuses privilege escalation, capabilities and a writable root filesystem', () => {
    const problems = problemsAfter(d => {
      const security = portalContainer(d).securityContext;
      security.allowPrivilegeEscalation = true;
      security.capabilities = { drop: ['NET_RAW'], add: ['SYS_ADMIN'] };
      security.readOnlyRootFilesystem = false;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('allowPrivilegeEscalation: must be false'),
        expect.stringContaining('capabilities.drop: must contain ALL'),
        expect.stringContaining('capabilities.add: adds SYS_ADMIN'),
        expect.stringContaining('readOnlyRootFilesystem: must be true'),
        // the comet namespace enforces restricted, so the API server would refuse the pod
        expect.stringContaining(
          'namespace comet enforces the restricted Pod Security level, which refuses this pod: spec.template.spec.containers[0].securityContext.capabilities.add has SYS_ADMIN',
        ),
      ]),
    );
  });

  it("knows the restricted level refuses the local executor's needs without the overlay's namespace", () => {
    const problems = problemsAfter(d => {
      podSpec(d).securityContext.seccompProfile.type = 'Unconfined';
      portalContainer(d).securityContext.procMount = 'Unmasked';
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'refuses this pod: spec.template.spec.securityContext.seccompProfile.type is Unconfined',
      ),
      expect.stringContaining(
        'refuses this pod: spec.template.spec.containers[0].securityContext.procMount is Unmasked',
      ),
      expect.stringContaining(
        'refuses this pod: spec.template.spec.containers[0] has no RuntimeDefault or Localhost seccomp profile',
      ),
    ]);
  });

  it('wants requests and a memory limit', () => {
    expect(
      problemsAfter(d => delete portalContainer(d).resources.limits.memory),
    ).toEqual([
      expect.stringContaining(
        'containers[0].resources.limits.memory: is not set',
      ),
    ]);
  });
});

describe('Secrets and ConfigMaps', () => {
  it('refuses a Secret key the example Secrets do not have', () => {
    expect(
      problemsAfter(
        d =>
          (envVar(d, 'POSTGRES_PASSWORD').valueFrom.secretKeyRef.key = 'pass'),
      ),
    ).toEqual([
      expect.stringMatching(
        /env\[\d+\]\.valueFrom\.secretKeyRef: POSTGRES_PASSWORD reads key "pass" of Secret comet\/comet-postgres, which the example \(deploy\/kubernetes\/examples\/secrets\.example\.yaml\) does not have \(it has username, password\)/,
      ),
    ]);
  });

  it('refuses a Secret the examples do not define', () => {
    expect(
      problemsAfter(
        d => (envVar(d, 'REDIS_URL').valueFrom.secretKeyRef.name = 'redis'),
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'REDIS_URL reads Secret comet/redis, which the example Secrets do not define',
        ),
        // and the example comet-redis is read by nothing any more
        expect.stringContaining(
          'Secret comet/comet-redis: no workload of deploy/kubernetes/base reads Secret comet/comet-redis',
        ),
      ]),
    );
  });

  it('refuses a ConfigMap key that does not exist', () => {
    expect(
      problemsAfter(
        d =>
          (envVar(d, 'POSTGRES_HOST').valueFrom.configMapKeyRef.key =
            'pg-host'),
      ),
    ).toContainEqual(
      expect.stringContaining(
        'POSTGRES_HOST reads key "pg-host" of ConfigMap comet/comet-settings, which it does not have',
      ),
    );
  });

  it('refuses a Secret in the kustomization', () => {
    expect(
      problemsAfter(d =>
        d.push({
          file: 'deploy/kubernetes/base/secret.yaml',
          index: 0,
          object: {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'leak', namespace: 'comet' },
          },
        }),
      ),
    ).toEqual([
      expect.stringContaining(
        'Secret comet/leak: a Secret in the kustomization applies its values from the repository',
      ),
    ]);
  });

  it('wants every example Secret marked as an example', () => {
    const context = cometContext(renderComet());
    delete context.exampleSecrets[0].object.metadata.annotations;
    expect(checkManifests(context).map(formatProblem)).toEqual([
      expect.stringContaining(
        'Secret comet/comet-postgres: metadata.annotations.comet.dev/example: is missing',
      ),
    ]);
  });
});

describe('the portal', () => {
  it('wants the probes on the health endpoints and the backend port', () => {
    const problems = problemsAfter(d => {
      const container = portalContainer(d);
      container.readinessProbe.httpGet.path = '/healthcheck';
      container.livenessProbe.httpGet.path = '/.backstage/health/v1/readiness';
      container.startupProbe.httpGet.port = 'metrics';
    });
    expect(problems).toEqual([
      expect.stringContaining(
        "containers[0].readinessProbe.httpGet.path: is /healthcheck; the backend's readiness endpoint is /.backstage/health/v1/readiness",
      ),
      expect.stringContaining(
        "containers[0].livenessProbe.httpGet.path: is /.backstage/health/v1/readiness; the backend's health endpoint is /.backstage/health/v1/liveness",
      ),
      expect.stringContaining(
        'containers[0].startupProbe.httpGet.port: is "metrics" (9464), not the backend\'s port 7007',
      ),
    ]);
  });

  it('wants a readiness probe, as an httpGet', () => {
    expect(
      problemsAfter(d => delete portalContainer(d).readinessProbe),
    ).toEqual([
      expect.stringContaining(
        'containers[0].readinessProbe: is missing; it must be an httpGet of /.backstage/health/v1/readiness',
      ),
    ]);
    expect(
      problemsAfter(
        d =>
          (portalContainer(d).livenessProbe = { tcpSocket: { port: 'http' } }),
      ),
    ).toEqual([
      expect.stringContaining(
        'containers[0].livenessProbe: must be an httpGet of /.backstage/health/v1/liveness',
      ),
    ]);
  });

  it("wants the grace period above the engine's shutdown, as the code and config set it", () => {
    // serverShutdownDelay 5 s (configmap.yaml) + the engine's defaults from
    // plugins/pipelines-backend/src/plugin.ts
    const defaults = cometContext([]).shutdownDefaults;
    const total =
      5 + defaults.shutdownGraceSeconds + defaults.killGracePeriodSeconds;
    expect(
      problemsAfter(d => (podSpec(d).terminationGracePeriodSeconds = total)),
    ).toEqual([
      expect.stringContaining(
        `spec.template.spec.terminationGracePeriodSeconds: is ${total} s, not above the portal's shutdown of ${total} s (backend.lifecycle.serverShutdownDelay 5 s + pipelines.shutdownGraceSeconds ${defaults.shutdownGraceSeconds} s + pipelines.killGracePeriodSeconds ${defaults.killGracePeriodSeconds} s)`,
      ),
    ]);
    // Kubernetes' default of 30 s when unset
    expect(
      problemsAfter(d => delete podSpec(d).terminationGracePeriodSeconds),
    ).toEqual([
      expect.stringContaining('terminationGracePeriodSeconds: is 30 s'),
    ]);
    // A longer engine grace in the config needs a longer period
    expect(
      problemsAfter(d =>
        setKubernetesConfig(
          d,
          `${kubernetesConfig(d)}\npipelines:\n  shutdownGraceSeconds: 50\n`,
        ),
      ),
    ).toEqual([
      expect.stringContaining(
        `not above the portal's shutdown of ${
          55 + defaults.killGracePeriodSeconds
        } s (backend.lifecycle.serverShutdownDelay 5 s + pipelines.shutdownGraceSeconds 50 s`,
      ),
    ]);
  });

  it('reads the engine defaults it is given, not a copy', () => {
    expect(
      problemsAfter(() => {}, {
        shutdownDefaults: {
          shutdownGraceSeconds: 120,
          killGracePeriodSeconds: 10,
        },
      }),
    ).toEqual([
      expect.stringContaining("not above the portal's shutdown of 135 s"),
    ]);
  });

  it('wants every variable the config reads set, and not optional', () => {
    expect(
      problemsAfter(d => {
        const container = portalContainer(d);
        container.env = container.env.filter(
          (e: any) => e.name !== 'REDIS_URL',
        );
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'app-config.production.yaml reads ${REDIS_URL} (backend.rateLimit.store.connection), which the container does not set',
        ),
      ]),
    );
    expect(
      problemsAfter(
        d => (envVar(d, 'GITHUB_TOKEN').valueFrom.secretKeyRef.optional = true),
      ),
    ).toEqual([
      expect.stringContaining(
        'GITHUB_TOKEN comes from an optional Secret comet-integrations key github-token, but deploy/kubernetes/base/configmap.yaml (ConfigMap comet-app-config, app-config.kubernetes.yaml) reads it (integrations.github[0].token)',
      ),
    ]);
  });

  it('wants NODE_ENV=production', () => {
    expect(
      problemsAfter(d => (envVar(d, 'NODE_ENV').value = 'development')),
    ).toEqual([
      expect.stringContaining(
        'NODE_ENV is "development"; the portal must run with NODE_ENV=production',
      ),
    ]);
  });

  it('wants the backend reachable on the port the probes and Service use', () => {
    expect(
      problemsAfter(d =>
        setKubernetesConfig(
          d,
          kubernetesConfig(d).replace(
            'backend:\n',
            'backend:\n  listen:\n    host: 127.0.0.1\n',
          ),
        ),
      ),
    ).toEqual([
      expect.stringContaining(
        'the config listens on 127.0.0.1 (backend.listen.host), which nothing outside the pod reaches',
      ),
    ]);
    const problems = problemsAfter(
      d => (envVar(d, 'COMET_PORT').value = '8080'),
    );
    expect(problems).toContainEqual(
      expect.stringContaining(
        'port http is 7007, but the backend listens on 8080 (backend.listen.port)',
      ),
    );
    expect(problems).toContainEqual(
      expect.stringContaining(
        'readinessProbe.httpGet.port: is "http" (7007), not the backend\'s port 8080',
      ),
    );
  });

  it('wants replicas on a shared PostgreSQL', () => {
    expect(
      problemsAfter(d =>
        setKubernetesConfig(
          d,
          kubernetesConfig(d).replace(
            'backend:\n',
            'backend:\n  database:\n    client: better-sqlite3\n    connection: { directory: /app/.data/sqlite }\n',
          ),
        ),
      ),
    ).toEqual([
      expect.stringContaining(
        'spec.replicas: is 2 while backend.database.client is better-sqlite3',
      ),
    ]);
  });

  it('wants two replicas, a Service and a budget that lets one go', () => {
    const problems = problemsAfter(d => {
      objectOf(d, 'Deployment', 'comet').spec.replicas = 1;
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'spec.replicas: is 1; the portal runs at least 2 replicas',
      ),
      expect.stringContaining(
        'PodDisruptionBudget comet/comet: spec.minAvailable: is 1 with 1 replicas',
      ),
    ]);
  });

  it('wants the PodDisruptionBudget to select the portal pods', () => {
    const problems = problemsAfter(d => {
      objectOf(d, 'PodDisruptionBudget', 'comet').spec.selector.matchLabels[
        'app.kubernetes.io/component'
      ] = 'frontend';
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'Deployment comet/comet: no PodDisruptionBudget selects the portal pods',
      ),
      expect.stringContaining(
        'PodDisruptionBudget comet/comet: spec.selector: selects no pod of any workload in its namespace',
      ),
    ]);
  });

  it("wants the Service's target ports to be the container's", () => {
    expect(
      problemsAfter(
        d =>
          (objectOf(d, 'Service', 'comet').spec.ports[1].targetPort =
            'prometheus'),
      ),
    ).toEqual([
      expect.stringContaining(
        'Service comet/comet: spec.ports[1].targetPort: "prometheus" is not a port of the portal container',
      ),
    ]);
    expect(
      problemsAfter(
        d =>
          (objectOf(d, 'Service', 'comet').spec.selector[
            'app.kubernetes.io/name'
          ] = 'backstage'),
      ),
    ).toEqual([expect.stringContaining('no Service selects the portal pods')]);
  });

  it('wants the metrics port announced to Prometheus', () => {
    expect(
      problemsAfter(d => {
        objectOf(d, 'Deployment', 'comet').spec.template.metadata.annotations[
          'prometheus.io/port'
        ] = '9090';
      }),
    ).toEqual([
      expect.stringContaining(
        'spec.template.metadata.annotations.prometheus.io/port: is "9090", expected "9464"',
      ),
    ]);
    expect(
      problemsAfter(d => (envVar(d, 'COMET_METRICS_PORT').value = '9465')),
    ).toEqual([
      expect.stringContaining(
        'port metrics is 9464, but the exporter listens on 9465 (COMET_METRICS_PORT)',
      ),
    ]);
  });

  it('wants the config files the container loads to exist', () => {
    expect(
      problemsAfter(d => {
        portalContainer(d).args[5] = '/app/config/app-config.k8s.yaml';
      }),
    ).toEqual([
      expect.stringContaining(
        '--config /app/config/app-config.k8s.yaml (/app/config/app-config.k8s.yaml) is not a key of ConfigMap comet/comet-app-config mounted at /app/config',
      ),
    ]);
    expect(
      problemsAfter(d => {
        portalContainer(d).args[1] = '../../app-config.local.yaml';
      }),
    ).toEqual([
      expect.stringContaining(
        '--config ../../app-config.local.yaml (/app/app-config.local.yaml) is neither in a mounted ConfigMap nor a repository file that deploy/Dockerfile copies to /app',
      ),
    ]);
    expect(problemsAfter(d => (portalContainer(d).args = []))).toEqual([
      expect.stringContaining('containers[0].args: loads no --config file'),
    ]);
  });

  it('checks the image against the Deployment', () => {
    const dockerfile = readRepoFile('deploy/Dockerfile')!;
    const problems = problemsAfter(() => {}, {
      dockerfile: parseDockerfile(
        dockerfile
          .replace('EXPOSE 7007 9464', 'EXPOSE 7007')
          .replace('USER 1000:1000', 'USER node')
          .replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '')
          .replace('ARG NODE_VERSION=22.23.3', 'ARG NODE_VERSION=20.19.0'),
      ),
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'containers[0].ports: port 9464 is not EXPOSEd by deploy/Dockerfile',
      ),
      'deploy/Dockerfile: USER must be a numeric uid other than 0 (got node), so that runAsNonRoot can verify it',
      expect.stringMatching(/^deploy\/Dockerfile: HEALTHCHECK must call/),
      'deploy/Dockerfile: ARG NODE_VERSION is 20.19.0, but the repository pins 22.23.3 (scripts/toolchain.sh)',
    ]);
  });
});

describe('RBAC', () => {
  it('refuses cluster-wide rights and wildcards', () => {
    const problems = problemsAfter(d => {
      d.push({
        file: 'x.yaml',
        index: 0,
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'comet-all' },
          rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }],
        } as any,
      });
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'ClusterRole comet-all: Comet needs no cluster-wide rights',
      ),
      expect.stringContaining(
        'ClusterRole comet-all: rules[0].resources: has the wildcard *',
      ),
    ]);
  });

  it("refuses rights for the portal's account outside the jobs namespace", () => {
    const problems = problemsAfter(d => {
      const binding = structuredClone(
        objectOf(d, 'RoleBinding', 'comet-executor'),
      );
      binding.metadata.namespace = 'comet';
      d.push({ file: 'x.yaml', index: 0, object: binding });
    });
    expect(problems).toEqual([
      expect.stringContaining(
        "RoleBinding comet/comet-executor: gives the portal's ServiceAccount comet/comet rights in comet; it gets rights only in the jobs namespace (comet-jobs)",
      ),
    ]);
  });

  it('wants what the Kubernetes executor needs', () => {
    const problems = problemsAfter(d => {
      const role = objectOf(d, 'Role', 'comet-executor');
      role.rules = role.rules.filter(
        (rule: any) => !rule.resources.includes('pods/exec'),
      );
    });
    expect(problems).toEqual([
      "deploy/kubernetes/base: the portal's ServiceAccount comet/comet may not create pods/exec in comet-jobs, which the Kubernetes executor needs",
    ]);
    expect(
      problemsAfter(d => {
        objectOf(d, 'RoleBinding', 'comet-executor').roleRef.name =
          'comet-exec';
      }),
    ).toEqual([
      expect.stringContaining(
        'roleRef: refers to Role comet-exec, which is not a Role defined in comet-jobs',
      ),
      expect.stringContaining('may not create batch/jobs, get batch/jobs'),
    ]);
  });
});

describe('the jobs namespace', () => {
  it('wants the restricted Pod Security level and no API token in job pods', () => {
    const problems = problemsAfter(d => {
      objectOf(d, 'Namespace', 'comet-jobs').metadata.labels[
        'pod-security.kubernetes.io/enforce'
      ] = 'baseline';
      objectOf(d, 'ServiceAccount', 'comet-job').automountServiceAccountToken =
        true;
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'Namespace comet-jobs: metadata.labels.pod-security.kubernetes.io/enforce: is "baseline"',
      ),
      expect.stringContaining(
        'ServiceAccount comet-jobs/comet-job: automountServiceAccountToken: must be false',
      ),
    ]);
  });

  it('refuses egress to the cloud metadata address and the private ranges', () => {
    const problems = problemsAfter(d => {
      const rule = objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec
        .egress[1];
      rule.to[0].ipBlock.except = [
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
      ];
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'NetworkPolicy comet-jobs/comet-job-egress: spec.egress[1].to[0].ipBlock: allows job pods to reach 169.254.169.254, the cloud metadata address',
      ),
    ]);
    const open = problemsAfter(d => {
      const rule = objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec
        .egress[1];
      delete rule.to[0].ipBlock.except;
    });
    expect(open.map(line => line.split('ipBlock: ')[1])).toEqual([
      'allows job pods to reach 169.254.169.254, the cloud metadata address; list it in except',
      'allows job pods to reach 10.0.0.1, the private range 10.0.0.0/8 (pods and services: the portal, its PostgreSQL and Redis); list it in except',
      'allows job pods to reach 172.16.0.1, the private range 172.16.0.0/12 (pods and services: the portal, its PostgreSQL and Redis); list it in except',
      'allows job pods to reach 192.168.0.1, the private range 192.168.0.0/16 (pods and services: the portal, its PostgreSQL and Redis); list it in except',
    ]);
  });

  it('refuses rules that open everything or the portal, and leaves other pods to the operator', () => {
    const problems = problemsAfter(d => {
      const egress = objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec
        .egress;
      egress.push(
        { ports: [{ port: 443 }] },
        {
          to: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': 'comet' },
              },
            },
          ],
        },
        // pods of other namespaces by label: the operator's choice (docs/deploy.md)
        {
          to: [
            {
              namespaceSelector: {},
              podSelector: { matchLabels: { app: 'package-mirror' } },
            },
          ],
        },
        { to: [{ namespaceSelector: {} }] },
      );
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'spec.egress[2]: has no "to", so it allows every destination',
      ),
      expect.stringContaining(
        "spec.egress[3].to[0]: selects the portal's pods (comet): job pods must not reach the portal",
      ),
      // every pod of every namespace: the portal's too
      expect.stringContaining(
        "spec.egress[5].to[0]: selects the portal's pods (comet)",
      ),
    ]);
  });

  it('wants DNS, and a policy at all', () => {
    expect(
      problemsAfter(d => {
        objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec.egress.shift();
      }),
    ).toEqual([
      expect.stringContaining(
        'spec.egress: allows no DNS (port 53): job pods cannot resolve the hosts they may reach',
      ),
    ]);
    expect(
      problemsAfter(d => {
        d.splice(
          d.findIndex(x => x.object.kind === 'NetworkPolicy'),
          1,
        );
      }),
    ).toEqual([
      expect.stringContaining(
        'Namespace comet-jobs: no NetworkPolicy in it confines the egress of all its pods',
      ),
    ]);
    expect(
      problemsAfter(d => {
        objectOf(d, 'Namespace', 'comet-jobs').metadata.labels[
          'app.kubernetes.io/component'
        ] = 'jobs';
      }),
    ).toEqual([
      expect.stringContaining(
        "RoleBinding comet-jobs/comet-executor: gives the portal's ServiceAccount comet/comet rights in comet-jobs; it gets rights only in the jobs namespace (none defined)",
      ),
      'deploy/kubernetes/base: has no Namespace labelled app.kubernetes.io/component: pipeline-jobs for pipeline jobs',
    ]);
  });
});

describe('NetworkPolicy ipBlocks', () => {
  it('refuses what the API server refuses', () => {
    const problems = problemsAfter(d => {
      const block = objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec
        .egress[1].to[0].ipBlock;
      block.except.push('169.254.169.254', '8.8.8.8/33');
      objectOf(d, 'NetworkPolicy', 'comet-job-egress').spec.egress.push({
        to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.1.0/24'] } }],
        ports: [{ port: 5432 }],
      });
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'spec.egress[1].to[0].ipBlock.except[6]: "169.254.169.254" is not a CIDR (address/bits); the API server refuses it',
      ),
      expect.stringContaining(
        'spec.egress[1].to[0].ipBlock.except[7]: "8.8.8.8/33" is not a CIDR',
      ),
      expect.stringContaining(
        'spec.egress[2].to[0].ipBlock.except[0]: 192.168.1.0/24 is not inside 10.0.0.0/8',
      ),
      // and a rule opening the private range 10.0.0.0/8
      expect.stringContaining(
        'spec.egress[2].to[0].ipBlock: allows job pods to reach 10.0.0.1',
      ),
    ]);
  });
});

describe('other workloads and forms', () => {
  it('checks every pod template: CronJobs, envFrom and mounted Secrets', () => {
    const problems = problemsAfter(d =>
      d.push({
        file: 'deploy/kubernetes/base/cronjob.yaml',
        index: 0,
        object: {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'cleanup', namespace: 'comet' },
          spec: {
            schedule: '0 3 * * *',
            jobTemplate: {
              spec: {
                template: {
                  metadata: { labels: { app: 'cleanup' } },
                  spec: {
                    serviceAccountName: 'cleanup',
                    hostNetwork: true,
                    restartPolicy: 'Never',
                    containers: [
                      {
                        name: 'run',
                        image: 'comet:0.1.0',
                        securityContext: {
                          privileged: true,
                          runAsNonRoot: true,
                          allowPrivilegeEscalation: false,
                          readOnlyRootFilesystem: true,
                          capabilities: { drop: ['ALL'] },
                        },
                        resources: {
                          requests: { cpu: '10m', memory: '64Mi' },
                          limits: { memory: '64Mi' },
                        },
                        envFrom: [
                          { secretRef: { name: 'cleanup-secrets' } },
                          { configMapRef: { name: 'cleanup-settings' } },
                          { secretRef: { name: 'maybe', optional: true } },
                        ],
                        volumeMounts: [{ name: 'keys', mountPath: '/keys' }],
                      },
                    ],
                    volumes: [
                      {
                        name: 'keys',
                        secret: {
                          secretName: 'comet-backend-auth',
                          items: [{ key: 'signing-key', path: 'key' }],
                        },
                      },
                      { name: 'host', hostPath: { path: '/var/run' } },
                      { name: 'gone', configMap: { name: 'gone' } },
                    ],
                  },
                },
              },
            },
          },
        } as any,
      }),
    );
    const cronJob =
      'deploy/kubernetes/base/cronjob.yaml: CronJob comet/cleanup';
    const pod = 'spec.jobTemplate.spec.template.spec';
    expect(problems).toEqual([
      `${cronJob}: namespace comet enforces the restricted Pod Security level, which refuses this pod: ${pod}.hostNetwork is true`,
      `${cronJob}: namespace comet enforces the restricted Pod Security level, which refuses this pod: ${pod}.containers[0].securityContext.privileged is true`,
      `${cronJob}: namespace comet enforces the restricted Pod Security level, which refuses this pod: ${pod}.containers[0] has no RuntimeDefault or Localhost seccomp profile`,
      `${cronJob}: namespace comet enforces the restricted Pod Security level, which refuses this pod: volume host is of type hostPath`,
      `${cronJob}: ${pod}.serviceAccountName: ServiceAccount comet/cleanup is not defined`,
      `${cronJob}: ${pod}.containers[0].envFrom[0].secretRef: Secret comet/cleanup-secrets is not among the example Secrets`,
      `${cronJob}: ${pod}.containers[0].envFrom[1].configMapRef: ConfigMap comet/cleanup-settings is not defined`,
      `${cronJob}: ${pod}.volumes[0]: volume keys mounts key "signing-key" of Secret comet/comet-backend-auth, which it does not have`,
      `${cronJob}: ${pod}.volumes[2]: volume gone mounts ConfigMap comet/gone, which is not defined`,
    ]);
  });

  it('reads --config=FILE, a host:port listen string and maxUnavailable', () => {
    expect(
      problemsAfter(d => {
        const container = portalContainer(d);
        container.args = container.args.flatMap((arg: string, i: number) =>
          i % 2 === 1 ? [`--config=${arg}`] : [],
        );
        setKubernetesConfig(
          d,
          kubernetesConfig(d).replace(
            'backend:\n',
            'backend:\n  listen: "0.0.0.0:7007"\n',
          ),
        );
        const budget = objectOf(d, 'PodDisruptionBudget', 'comet');
        delete budget.spec.minAvailable;
        budget.spec.maxUnavailable = '100%';
      }),
    ).toEqual([
      expect.stringContaining(
        'PodDisruptionBudget comet/comet: spec.maxUnavailable: is 100% with 2 replicas: it must let at least 1 pod be evicted and keep at least 1',
      ),
    ]);
  });

  it('says which config file is not YAML and which volume is not a ConfigMap', () => {
    expect(problemsAfter(d => setKubernetesConfig(d, 'backend: ['))).toEqual([
      expect.stringContaining(
        'containers[0].args: Error: deploy/kubernetes/base/configmap.yaml (ConfigMap comet-app-config, app-config.kubernetes.yaml) is not valid YAML',
      ),
    ]);
    expect(
      problemsAfter(d => {
        portalContainer(d).args.push('--config', '/app/.data/extra.yaml');
      }),
    ).toEqual([
      expect.stringContaining(
        '--config /app/.data/extra.yaml is in volume data, which is not a ConfigMap; deploy-check cannot read it',
      ),
    ]);
  });

  it('wants exactly one portal Deployment', () => {
    expect(
      problemsAfter(d => {
        objectOf(d, 'Deployment', 'comet').spec.template.metadata.labels[
          'app.kubernetes.io/component'
        ] = 'web';
      }),
    ).toContainEqual(
      'deploy/kubernetes/base: has 0 Deployments of the portal (pods labelled {"app.kubernetes.io/name":"comet","app.kubernetes.io/component":"portal"}); expected one',
    );
  });
});
