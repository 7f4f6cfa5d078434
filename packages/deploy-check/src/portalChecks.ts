import path from 'node:path';
import {
  type Container,
  DEFAULT_METRICS_PORT,
  findObject,
  HEALTH_PATHS,
  keysOf,
  type ManifestCheckContext,
  PORTAL_LABELS,
  portalsOf,
  type Workload,
  workloads,
} from './manifestModel';
import {
  loadPodConfig,
  type PodConfigFile,
  shutdownSeconds,
} from './repoFacts';
import { selectorMatches } from './selectors';
import { type DeployProblem, problemIn } from './types';

function portPathValue(
  container: Container,
  port: unknown,
): number | undefined {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: any) => p.name === port);
  return named?.containerPort;
}

function isLoopback(host: string): boolean {
  return /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);
}

/** The config files a container's command line loads, with their text. */
function configFilesOf(
  context: ManifestCheckContext,
  workload: Workload,
  container: Container,
  where: string,
): { files: PodConfigFile[]; problems: DeployProblem[] } {
  const { document } = workload;
  const problems: DeployProblem[] = [];
  const files: PodConfigFile[] = [];
  const { dockerfile } = context;
  const command: string[] = container.command ?? dockerfile.entrypoint ?? [];
  const args: string[] =
    container.args ?? (container.command ? [] : dockerfile.cmd ?? []);
  const argv = [...command, ...args];
  const workingDir: string | undefined =
    container.workingDir ?? dockerfile.workdir;
  const configArgs: string[] = [];
  argv.forEach((arg, index) => {
    if (arg === '--config' && argv[index + 1] !== undefined) {
      configArgs.push(argv[index + 1]);
    } else if (arg.startsWith('--config=')) {
      configArgs.push(arg.slice('--config='.length));
    }
  });
  if (configArgs.length === 0) {
    problems.push(
      problemIn(
        document,
        `${where}.args`,
        `loads no --config file (the image's CMD in ${context.dockerfileFile} is replaced by args)`,
      ),
    );
    return { files, problems };
  }
  if (!workingDir) {
    problems.push(
      problemIn(
        document,
        `${where}.workingDir`,
        `is not set and ${context.dockerfileFile} has no WORKDIR: relative --config paths cannot be resolved`,
      ),
    );
    return { files, problems };
  }
  for (const configArg of configArgs) {
    const absolute = path.posix.resolve(workingDir, configArg);
    const mount = (container.volumeMounts ?? []).find(
      (candidate: any) =>
        absolute === candidate.mountPath ||
        absolute.startsWith(`${candidate.mountPath.replace(/\/$/, '')}/`),
    );
    if (mount) {
      const volume = (workload.podSpec.volumes ?? []).find(
        (candidate: any) => candidate.name === mount.name,
      );
      const relativeInMount = path.posix.relative(mount.mountPath, absolute);
      const configMapName = volume?.configMap?.name;
      if (!configMapName) {
        problems.push(
          problemIn(
            document,
            `${where}.args`,
            `--config ${configArg} is in volume ${mount.name}, which is not a ConfigMap; deploy-check cannot read it`,
          ),
        );
        continue;
      }
      const items: Array<{ key: string; path: string }> | undefined =
        volume.configMap.items;
      const key = items
        ? items.find(item => item.path === relativeInMount)?.key
        : relativeInMount;
      const configMap = findObject(
        context.documents,
        'ConfigMap',
        workload.namespace,
        configMapName,
      );
      const text =
        key !== undefined && configMap
          ? keysOf(configMap.object).get(key)
          : undefined;
      if (text === undefined) {
        problems.push(
          problemIn(
            document,
            `${where}.args`,
            `--config ${configArg} (${absolute}) is not a key of ConfigMap ${workload.namespace}/${configMapName} mounted at ${mount.mountPath}`,
          ),
        );
        continue;
      }
      files.push({
        file: `${configMap!.file} (ConfigMap ${configMapName}, ${key})`,
        text,
      });
      continue;
    }
    // A file of the image: the repository's file of the same path under /app, copied by
    // the Dockerfile
    const relative = absolute.startsWith('/app/')
      ? absolute.slice('/app/'.length)
      : undefined;
    const text = relative ? context.readRepoFile(relative) : undefined;
    const copied =
      relative !== undefined &&
      dockerfile.instructions.some(
        instruction =>
          instruction.instruction === 'COPY' &&
          instruction.value.split(/\s+/).slice(0, -1).includes(relative),
      );
    if (text === undefined || !copied) {
      problems.push(
        problemIn(
          document,
          `${where}.args`,
          `--config ${configArg} (${absolute}) is neither in a mounted ConfigMap nor a repository file that ${context.dockerfileFile} copies to /app`,
        ),
      );
      continue;
    }
    files.push({ file: relative!, text });
  }
  return { files, problems };
}

type EnvValue = { value: string; optional: boolean; source: string };

/** The container's environment with the values it gets (placeholders for Secrets). */
function environmentOf(
  context: ManifestCheckContext,
  workload: Workload,
  container: Container,
): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  const dockerEnv = context.dockerfile.runtime.filter(
    instruction => instruction.instruction === 'ENV',
  );
  for (const instruction of dockerEnv) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(instruction.value);
    if (match) {
      env.set(match[1], {
        value: match[2].replace(/^"(.*)"$/, '$1'),
        optional: false,
        source: `${context.dockerfileFile} ENV`,
      });
    }
  }
  const lookup = (
    kind: 'Secret' | 'ConfigMap',
    name: string,
  ): Map<string, string> | undefined => {
    const source = findObject(
      kind === 'Secret' ? context.exampleSecrets : context.documents,
      kind,
      workload.namespace,
      name,
    );
    return source ? keysOf(source.object) : undefined;
  };
  for (const source of container.envFrom ?? []) {
    const reference = source.secretRef ?? source.configMapRef;
    const kind = source.secretRef ? 'Secret' : 'ConfigMap';
    for (const [key, value] of lookup(kind, reference?.name) ?? []) {
      env.set(`${source.prefix ?? ''}${key}`, {
        value,
        optional: Boolean(reference.optional),
        source: `${kind} ${reference.name}`,
      });
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined || !variable.valueFrom) {
      env.set(variable.name, {
        value: String(variable.value ?? ''),
        optional: false,
        source: 'env',
      });
      continue;
    }
    const secretRef = variable.valueFrom.secretKeyRef;
    const configMapRef = variable.valueFrom.configMapKeyRef;
    const reference = secretRef ?? configMapRef;
    if (reference) {
      const kind = secretRef ? 'Secret' : 'ConfigMap';
      env.set(variable.name, {
        value: lookup(kind, reference.name)?.get(reference.key) ?? '',
        optional: Boolean(reference.optional),
        source: `${kind} ${reference.name} key ${reference.key}`,
      });
    } else {
      env.set(variable.name, {
        value: `<${Object.keys(variable.valueFrom).join(',')}>`,
        optional: false,
        source: 'env',
      });
    }
  }
  return env;
}

function listenPortOf(config: ReturnType<typeof loadPodConfig>['config']): {
  port: number;
  host?: string;
} {
  const listen = config.getOptional('backend.listen');
  if (typeof listen === 'string') {
    const [host, port] = listen.split(':');
    return { port: Number(port) || 7007, host: host || undefined };
  }
  return {
    port: config.getOptionalNumber('backend.listen.port') ?? 7007,
    host: config.getOptionalString('backend.listen.host'),
  };
}

/** The config files the portal's container loads, in order, e.g. for a schema check. */
export function portalConfigFiles(
  context: ManifestCheckContext,
): PodConfigFile[] {
  const [portal] = portalsOf(context.documents);
  if (!portal) {
    throw new Error(`${context.origin} has no Deployment of the portal`);
  }
  const { files, problems } = configFilesOf(
    context,
    portal,
    portal.podSpec.containers?.[0] ?? {},
    `${portal.podPath}.containers[0]`,
  );
  if (problems.length > 0) {
    throw new Error(problems.map(problem => problem.message).join('; '));
  }
  return files;
}

/** Checks the portal's Deployment against the backend, its config and the image. */
export function checkPortal(context: ManifestCheckContext): DeployProblem[] {
  const problems: DeployProblem[] = [];
  const { documents, dockerfile } = context;
  const portals = portalsOf(documents);
  if (portals.length !== 1) {
    return [
      {
        file: context.origin,
        message: `has ${
          portals.length
        } Deployments of the portal (pods labelled ${JSON.stringify(
          PORTAL_LABELS,
        )}); expected one`,
      },
    ];
  }
  const [portal] = portals;
  const { document, podSpec, podPath, namespace } = portal;
  const deployment = document.object as any;
  const containers = podSpec.containers ?? [];
  const container: Container = containers[0] ?? {};
  const where = `${podPath}.containers[0]`;
  const replicas: number = deployment.spec?.replicas ?? 1;

  if (replicas < 2) {
    problems.push(
      problemIn(
        document,
        'spec.replicas',
        `is ${replicas}; the portal runs at least 2 replicas so that one serves while the other restarts`,
      ),
    );
  }
  if (!selectorMatches(deployment.spec?.selector, portal.labels)) {
    problems.push(
      problemIn(
        document,
        'spec.selector',
        'does not select the pod template labels',
      ),
    );
  }

  // The config the container runs with
  const { files, problems: configProblems } = configFilesOf(
    context,
    portal,
    container,
    where,
  );
  problems.push(...configProblems);
  const env = environmentOf(context, portal, container);
  const nodeEnv = env.get('NODE_ENV')?.value;
  if (nodeEnv !== 'production') {
    problems.push(
      problemIn(
        document,
        `${where}.env`,
        `NODE_ENV is ${
          nodeEnv === undefined ? 'not set' : `"${nodeEnv}"`
        }; the portal must run with NODE_ENV=production (its production checks and refusals)`,
      ),
    );
  }
  let listenPort = 7007;
  if (files.length > 0 && configProblems.length === 0) {
    let loaded: ReturnType<typeof loadPodConfig> | undefined;
    try {
      loaded = loadPodConfig(
        files,
        new Map([...env].map(([name, value]) => [name, value.value])),
      );
    } catch (error) {
      problems.push(problemIn(document, `${where}.args`, String(error)));
    }
    if (loaded) {
      const { config, references } = loaded;
      const reported = new Set<string>();
      for (const reference of references) {
        const value = env.get(reference.variable);
        if (reported.has(reference.variable)) continue;
        if (!value) {
          reported.add(reference.variable);
          problems.push(
            problemIn(
              document,
              `${where}.env`,
              `${reference.file} reads \${${reference.variable}} (${reference.key}), which the container does not set; the portal refuses to start in production without it`,
            ),
          );
        } else if (value.optional) {
          reported.add(reference.variable);
          problems.push(
            problemIn(
              document,
              `${where}.env`,
              `${reference.variable} comes from an optional ${value.source}, but ${reference.file} reads it (${reference.key}); without it the portal refuses to start`,
            ),
          );
        }
      }

      const listen = listenPortOf(config);
      listenPort = listen.port;
      if (listen.host !== undefined && isLoopback(listen.host)) {
        problems.push(
          problemIn(
            document,
            `${where}.args`,
            `the config listens on ${listen.host} (backend.listen.host), which nothing outside the pod reaches: not the probes, not the Service`,
          ),
        );
      }
      if (replicas > 1) {
        const client = config.getOptionalString('backend.database.client');
        if (client !== 'pg') {
          problems.push(
            problemIn(
              document,
              'spec.replicas',
              `is ${replicas} while backend.database.client is ${
                client ?? 'unset'
              }: replicas must share PostgreSQL (pg), or each has a database of its own`,
            ),
          );
        }
      }

      // The engine's shutdown must fit in the pod's termination grace period
      let shutdown: ReturnType<typeof shutdownSeconds> | undefined;
      try {
        shutdown = shutdownSeconds(config, context.shutdownDefaults);
      } catch (error) {
        problems.push(problemIn(document, `${where}.args`, String(error)));
      }
      const grace: number = podSpec.terminationGracePeriodSeconds ?? 30;
      if (shutdown && !(grace > shutdown.total)) {
        problems.push(
          problemIn(
            document,
            `${podPath}.terminationGracePeriodSeconds`,
            `is ${grace} s, not above the portal's shutdown of ${shutdown.total} s (backend.lifecycle.serverShutdownDelay ${shutdown.serverShutdownDelay} s + pipelines.shutdownGraceSeconds ${shutdown.shutdownGraceSeconds} s + pipelines.killGracePeriodSeconds ${shutdown.killGracePeriodSeconds} s): Kubernetes would kill running pipeline jobs before the engine hands them back`,
          ),
        );
      }
    }
  }

  // Ports and probes
  const httpPort = (container.ports ?? []).find((p: any) => p.name === 'http');
  if (!httpPort) {
    problems.push(
      problemIn(document, `${where}.ports`, 'has no port named http'),
    );
  } else if (httpPort.containerPort !== listenPort) {
    problems.push(
      problemIn(
        document,
        `${where}.ports`,
        `port http is ${httpPort.containerPort}, but the backend listens on ${listenPort} (backend.listen.port)`,
      ),
    );
  }
  const probes: Array<[string, string[], boolean]> = [
    ['readinessProbe', [HEALTH_PATHS.readiness], true],
    ['livenessProbe', [HEALTH_PATHS.liveness], true],
    ['startupProbe', [HEALTH_PATHS.liveness, HEALTH_PATHS.readiness], false],
  ];
  for (const [key, paths, required] of probes) {
    const probe = container[key];
    if (!probe) {
      if (required) {
        problems.push(
          problemIn(
            document,
            `${where}.${key}`,
            `is missing; it must be an httpGet of ${paths[0]}`,
          ),
        );
      }
      continue;
    }
    if (!probe.httpGet) {
      problems.push(
        problemIn(
          document,
          `${where}.${key}`,
          `must be an httpGet of ${paths.join(' or ')}`,
        ),
      );
      continue;
    }
    if (!paths.includes(probe.httpGet.path)) {
      problems.push(
        problemIn(
          document,
          `${where}.${key}.httpGet.path`,
          `is ${probe.httpGet.path}; the backend's ${
            key === 'readinessProbe' ? 'readiness' : 'health'
          } endpoint is ${paths.join(' or ')}`,
        ),
      );
    }
    const port = portPathValue(container, probe.httpGet.port);
    if (port !== listenPort) {
      problems.push(
        problemIn(
          document,
          `${where}.${key}.httpGet.port`,
          `is ${JSON.stringify(probe.httpGet.port)}${
            port !== undefined && port !== probe.httpGet.port
              ? ` (${port})`
              : ''
          }, not the backend's port ${listenPort}`,
        ),
      );
    }
  }

  // Metrics on their own port, announced to Prometheus
  const metricsPort = (container.ports ?? []).find(
    (p: any) => p.name === 'metrics',
  );
  const annotations = deployment.spec?.template?.metadata?.annotations ?? {};
  const configuredMetricsPort = env.get('COMET_METRICS_PORT')?.value;
  const expectedMetricsPort = configuredMetricsPort
    ? Number(configuredMetricsPort)
    : DEFAULT_METRICS_PORT;
  if (!metricsPort) {
    problems.push(
      problemIn(
        document,
        `${where}.ports`,
        `has no port named metrics (${expectedMetricsPort})`,
      ),
    );
  } else {
    if (metricsPort.containerPort !== expectedMetricsPort) {
      problems.push(
        problemIn(
          document,
          `${where}.ports`,
          `port metrics is ${metricsPort.containerPort}, but the exporter listens on ${expectedMetricsPort} (COMET_METRICS_PORT)`,
        ),
      );
    }
    const expected: Record<string, string> = {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort.containerPort),
      'prometheus.io/path': '/metrics',
    };
    for (const [key, value] of Object.entries(expected)) {
      if (annotations[key] !== value) {
        problems.push(
          problemIn(
            document,
            `spec.template.metadata.annotations.${key}`,
            `is ${JSON.stringify(annotations[key])}, expected "${value}"`,
          ),
        );
      }
    }
  }

  // The image agrees with the Deployment
  for (const port of container.ports ?? []) {
    if (!dockerfile.exposedPorts.includes(port.containerPort)) {
      problems.push(
        problemIn(
          document,
          `${where}.ports`,
          `port ${port.containerPort} is not EXPOSEd by ${context.dockerfileFile}`,
        ),
      );
    }
  }
  const imageUid = Number(dockerfile.user?.split(':')[0]);
  const runAsUser =
    container.securityContext?.runAsUser ?? podSpec.securityContext?.runAsUser;
  if (!Number.isInteger(imageUid) || imageUid === 0) {
    problems.push({
      file: context.dockerfileFile,
      message: `USER must be a numeric uid other than 0 (got ${
        dockerfile.user ?? 'none'
      }), so that runAsNonRoot can verify it`,
    });
  } else if (runAsUser !== undefined && runAsUser !== imageUid) {
    problems.push(
      problemIn(
        document,
        `${podPath}.securityContext.runAsUser`,
        `is ${runAsUser}, but the image's files are set up for uid ${imageUid} (${context.dockerfileFile} USER)`,
      ),
    );
  }
  if (
    !dockerfile.healthcheck ||
    !Object.values(HEALTH_PATHS).some(health =>
      dockerfile.healthcheck!.includes(health),
    )
  ) {
    problems.push({
      file: context.dockerfileFile,
      message: `HEALTHCHECK must call ${HEALTH_PATHS.readiness} or ${HEALTH_PATHS.liveness}`,
    });
  }
  const pins: Array<[string, string | undefined, string]> = [
    ['NODE_VERSION', context.toolchain.node, 'scripts/toolchain.sh'],
    ['YARN_VERSION', context.toolchain.yarn, 'package.json packageManager'],
  ];
  for (const [arg, expected, from] of pins) {
    const actual = dockerfile.globalArgs.get(arg);
    if (expected !== undefined && actual !== expected) {
      problems.push({
        file: context.dockerfileFile,
        message: `ARG ${arg} is ${
          actual || 'unset'
        }, but the repository pins ${expected} (${from})`,
      });
    }
  }

  // The Service and the PodDisruptionBudget select these pods
  const services = documents.filter(
    candidate =>
      candidate.object.kind === 'Service' &&
      (candidate.object.metadata.namespace ?? 'default') === namespace &&
      selectorMatches(
        { matchLabels: (candidate.object as any).spec?.selector },
        portal.labels,
      ),
  );
  if (services.length === 0) {
    problems.push(
      problemIn(document, undefined, 'no Service selects the portal pods'),
    );
  }
  for (const service of services) {
    ((service.object as any).spec?.ports ?? []).forEach(
      (port: any, index: number) => {
        const target = port.targetPort ?? port.port;
        if (portPathValue(container, target) === undefined) {
          problems.push(
            problemIn(
              service,
              `spec.ports[${index}].targetPort`,
              `${JSON.stringify(target)} is not a port of the portal container`,
            ),
          );
        }
      },
    );
  }
  const budgets = documents.filter(
    candidate =>
      candidate.object.kind === 'PodDisruptionBudget' &&
      (candidate.object.metadata.namespace ?? 'default') === namespace &&
      selectorMatches((candidate.object as any).spec?.selector, portal.labels),
  );
  if (budgets.length === 0) {
    problems.push(
      problemIn(
        document,
        undefined,
        'no PodDisruptionBudget selects the portal pods',
      ),
    );
  }
  for (const budget of budgets) {
    const spec = (budget.object as any).spec ?? {};
    const resolve = (value: unknown) =>
      typeof value === 'string' && value.endsWith('%')
        ? Math.ceil((replicas * Number(value.slice(0, -1))) / 100)
        : Number(value);
    if (spec.minAvailable !== undefined) {
      const minimum = resolve(spec.minAvailable);
      if (minimum < 1 || minimum >= replicas) {
        problems.push(
          problemIn(
            budget,
            'spec.minAvailable',
            `is ${spec.minAvailable} with ${replicas} replicas: it must keep at least 1 pod and let at least 1 be evicted`,
          ),
        );
      }
    } else if (spec.maxUnavailable !== undefined) {
      const maximum = resolve(spec.maxUnavailable);
      if (maximum < 1 || maximum >= replicas) {
        problems.push(
          problemIn(
            budget,
            'spec.maxUnavailable',
            `is ${spec.maxUnavailable} with ${replicas} replicas: it must let at least 1 pod be evicted and keep at least 1`,
          ),
        );
      }
    }
  }
  return problems;
}

/** Every PodDisruptionBudget selects some workload's pods in its namespace. */
export function checkBudgetsSelectSomething(
  context: ManifestCheckContext,
): DeployProblem[] {
  const all = workloads(context.documents);
  return context.documents
    .filter(document => document.object.kind === 'PodDisruptionBudget')
    .filter(
      budget =>
        !all.some(
          workload =>
            workload.namespace ===
              (budget.object.metadata.namespace ?? 'default') &&
            selectorMatches(
              (budget.object as any).spec?.selector,
              workload.labels,
            ),
        ),
    )
    .map(budget =>
      problemIn(
        budget,
        'spec.selector',
        'selects no pod of any workload in its namespace',
      ),
    );
}
