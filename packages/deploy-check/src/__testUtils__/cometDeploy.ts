import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMET_DEPLOY, toolchainVersions } from '../checkDeploy';
import { parseDockerfile } from '../dockerfile';
import { readManifestFile, renderKustomization } from '../kustomize';
import type { ManifestCheckContext } from '../manifestModel';
import { PIPELINES_PLUGIN_FILE, readShutdownDefaults } from '../repoFacts';
import type { ManifestDocument } from '../types';

/** The repository this package is in. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export function readRepoFile(relative: string): string | undefined {
  try {
    return fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');
  } catch {
    return undefined;
  }
}

/** Comet's base kustomization as kubectl would apply it, a fresh copy each time. */
export function renderComet(
  kustomization = COMET_DEPLOY.kustomizations[0],
): ManifestDocument[] {
  const { documents, problems } = renderKustomization(REPO_ROOT, kustomization);
  if (problems.length > 0) {
    throw new Error(
      `${kustomization} does not render: ${JSON.stringify(problems)}`,
    );
  }
  return documents;
}

/** The object of a kind and name among rendered documents (the first one). */
export function objectOf(
  documents: ManifestDocument[],
  kind: string,
  name?: string,
): any {
  const found = documents.find(
    document =>
      document.object.kind === kind &&
      (name === undefined || document.object.metadata.name === name),
  );
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in the render`);
  return found.object;
}

/** The portal Deployment's first container. */
export function portalContainer(documents: ManifestDocument[]): any {
  return objectOf(documents, 'Deployment', 'comet').spec.template.spec
    .containers[0];
}

/** The Kubernetes layer of the portal's configuration, from the rendered ConfigMap. */
export function setKubernetesConfig(
  documents: ManifestDocument[],
  text: string,
) {
  objectOf(documents, 'ConfigMap', 'comet-app-config').data[
    'app-config.kubernetes.yaml'
  ] = text;
}

export function kubernetesConfig(documents: ManifestDocument[]): string {
  return objectOf(documents, 'ConfigMap', 'comet-app-config').data[
    'app-config.kubernetes.yaml'
  ];
}

/** The check context of the real repository, for the given (possibly changed) documents. */
export function cometContext(
  documents: ManifestDocument[],
  overrides: Partial<ManifestCheckContext> = {},
): ManifestCheckContext {
  return {
    origin: COMET_DEPLOY.kustomizations[0],
    documents,
    exampleSecrets: readManifestFile(
      REPO_ROOT,
      path.join(REPO_ROOT, COMET_DEPLOY.exampleSecrets),
    ).documents,
    dockerfile: parseDockerfile(readRepoFile(COMET_DEPLOY.dockerfile)!),
    dockerfileFile: COMET_DEPLOY.dockerfile,
    shutdownDefaults: readShutdownDefaults(
      readRepoFile(PIPELINES_PLUGIN_FILE)!,
    ),
    readRepoFile,
    toolchain: toolchainVersions(REPO_ROOT),
    ...overrides,
  };
}

/**
 * A temporary copy of the files checkDeploy reads (deploy/, the config files, the pipelines
 * plugin, the toolchain pins), to change without touching the repository.
 */
export function copyCometDeploy(): { root: string; remove: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-check-repo-'));
  const files = [
    'deploy',
    'app-config.yaml',
    'app-config.production.yaml',
    'package.json',
    'scripts/toolchain.sh',
    PIPELINES_PLUGIN_FILE,
  ];
  for (const file of files) {
    fs.cpSync(path.join(REPO_ROOT, file), path.join(root, file), {
      recursive: true,
    });
  }
  return {
    root,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
