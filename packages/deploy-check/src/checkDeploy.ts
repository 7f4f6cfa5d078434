import fs from 'node:fs';
import path from 'node:path';
import { parseDockerfile } from './dockerfile';
import { validateKubernetesSchemas } from './kubernetesSchemas';
import { readManifestFile, renderKustomization } from './kustomize';
import { checkManifests } from './manifestChecks';
import {
  PIPELINES_PLUGIN_FILE,
  readShutdownDefaults,
  type ShutdownDefaults,
} from './repoFacts';
import {
  type DeployProblem,
  formatProblem,
  type ManifestDocument,
} from './types';

/** Where Comet's deployment files are, relative to the repository root. */
export type DeployCheckOptions = {
  repoRoot: string;
  /** The kustomizations to render and check (each as `kubectl apply -k` would apply it). */
  kustomizations: string[];
  /** Every YAML file under this folder must be part of a kustomization or an example. */
  manifestsDir: string;
  /** The example Secrets. */
  exampleSecrets: string;
  dockerfile: string;
};

export const COMET_DEPLOY: Omit<DeployCheckOptions, 'repoRoot'> = {
  kustomizations: [
    'deploy/kubernetes/base',
    'deploy/kubernetes/overlays/local-executor',
  ],
  manifestsDir: 'deploy/kubernetes',
  exampleSecrets: 'deploy/kubernetes/examples/secrets.example.yaml',
  dockerfile: 'deploy/Dockerfile',
};

export type DeployCheckResult = {
  problems: DeployProblem[];
  /** The rendered objects of each kustomization. */
  rendered: Map<string, ManifestDocument[]>;
};

function yamlFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFilesUnder(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** The Node.js and Yarn versions the repository pins. */
export function toolchainVersions(repoRoot: string): {
  node?: string;
  yarn?: string;
} {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(repoRoot, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const node = /COMET_NODE_VERSION="\$\{COMET_NODE_VERSION:-([^}]+)\}"/.exec(
    read('scripts/toolchain.sh') ?? '',
  )?.[1];
  let yarn: string | undefined;
  try {
    yarn = /^yarn@(.+)$/.exec(
      JSON.parse(read('package.json') ?? '{}').packageManager ?? '',
    )?.[1];
  } catch {
    yarn = undefined;
  }
  return { node, yarn };
}

/**
 * Checks Comet's deployment: renders each kustomization, validates every object against the
 * Kubernetes schemas, and checks the manifests against the backend, its configuration and the
 * image (see manifestChecks.ts). Returns every problem found, none when all is well.
 */
export function checkDeploy(options: DeployCheckOptions): DeployCheckResult {
  const { repoRoot } = options;
  const problems: DeployProblem[] = [];
  const rendered = new Map<string, ManifestDocument[]>();
  const readRepoFile = (relative: string) => {
    try {
      return fs.readFileSync(path.join(repoRoot, relative), 'utf8');
    } catch {
      return undefined;
    }
  };

  const dockerfileText = readRepoFile(options.dockerfile);
  if (dockerfileText === undefined) {
    problems.push({ file: options.dockerfile, message: 'does not exist' });
  }
  const dockerfile = parseDockerfile(dockerfileText ?? '');

  let shutdownDefaults: ShutdownDefaults | undefined;
  try {
    shutdownDefaults = readShutdownDefaults(
      readRepoFile(PIPELINES_PLUGIN_FILE) ?? '',
    );
  } catch (error) {
    problems.push({
      file: PIPELINES_PLUGIN_FILE,
      message: (error as Error).message,
    });
  }

  const examples = readManifestFile(
    repoRoot,
    path.join(repoRoot, options.exampleSecrets),
  );
  problems.push(...examples.problems);
  // Validated together: one schema run for all
  const toValidate: ManifestDocument[] = [...examples.documents];

  const used = new Set<string>([options.exampleSecrets]);
  for (const kustomization of options.kustomizations) {
    const render = renderKustomization(repoRoot, kustomization);
    render.files.forEach(file => used.add(file));
    rendered.set(kustomization, render.documents);
    problems.push(...render.problems);
    toValidate.push(...render.documents);
    if (shutdownDefaults) {
      problems.push(
        ...checkManifests({
          origin: kustomization,
          documents: render.documents,
          exampleSecrets: examples.documents,
          dockerfile,
          dockerfileFile: options.dockerfile,
          shutdownDefaults,
          readRepoFile,
          toolchain: toolchainVersions(repoRoot),
        }),
      );
    }
  }

  problems.push(...validateKubernetesSchemas(toValidate));

  for (const file of yamlFilesUnder(
    path.join(repoRoot, options.manifestsDir),
  )) {
    const relative = path.relative(repoRoot, file);
    if (!used.has(relative)) {
      problems.push({
        file: relative,
        message: `is part of no kustomization (${options.kustomizations.join(
          ', ',
        )}) and is not the example Secrets: kubectl apply -k would never apply it`,
      });
    }
  }

  // An overlay renders its base again: report each problem once
  const seen = new Set<string>();
  return {
    problems: problems.filter(problem => {
      const line = formatProblem(problem);
      if (seen.has(line)) return false;
      seen.add(line);
      return true;
    }),
    rendered,
  };
}
