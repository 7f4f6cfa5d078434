import Ajv from 'ajv';
import { applyPatch, JsonPatchError, type Operation } from 'fast-json-patch';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  type DeployProblem,
  type KubernetesObject,
  type ManifestDocument,
  problemIn,
  resourceName,
} from './types';

/**
 * What `kubectl apply -k` builds from a kustomization, for the parts of kustomize Comet's
 * manifests use: `resources` (files and folders with their own kustomization), `patches` (JSON
 * 6902 operations, inline or from a file, with a target) and `images`. Any other kustomize
 * feature is reported as unsupported rather than silently ignored, so the checks never pass on
 * something other than what the cluster gets.
 */
export type RenderResult = {
  documents: ManifestDocument[];
  problems: DeployProblem[];
  /** Every file the kustomization read (manifests and patches), relative to the repository. */
  files: string[];
};

type Kustomization = {
  resources?: string[];
  patches?: Array<{
    path?: string;
    patch?: string;
    target: {
      group?: string;
      version?: string;
      kind?: string;
      name?: string;
      namespace?: string;
    };
  }>;
  images?: Array<{
    name: string;
    newName?: string;
    newTag?: string;
    digest?: string;
  }>;
};

const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

const kustomizationSchema = {
  type: 'object',
  required: ['apiVersion', 'kind'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'kustomize.config.k8s.io/v1beta1' },
    kind: { const: 'Kustomization' },
    resources: { type: 'array', items: { type: 'string', minLength: 1 } },
    patches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['target'],
        oneOf: [{ required: ['path'] }, { required: ['patch'] }],
        properties: {
          path: { type: 'string' },
          patch: { type: 'string' },
          target: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              group: { type: 'string' },
              version: { type: 'string' },
              kind: { type: 'string' },
              name: { type: 'string' },
              namespace: { type: 'string' },
            },
          },
        },
      },
    },
    images: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string' },
          newName: { type: 'string' },
          newTag: { type: 'string' },
          digest: { type: 'string' },
        },
      },
    },
  },
} as const;

const validateKustomization = new Ajv({ allErrors: true }).compile(
  kustomizationSchema,
);

/** Parses every YAML document of a file; empty documents are skipped. */
export function readManifestFile(
  repoRoot: string,
  file: string,
): { documents: ManifestDocument[]; problems: DeployProblem[] } {
  const relative = path.relative(repoRoot, file);
  const problems: DeployProblem[] = [];
  const documents: ManifestDocument[] = [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return {
      documents,
      problems: [{ file: relative, message: `cannot be read: ${error}` }],
    };
  }
  parseAllDocuments(text).forEach((parsed, index) => {
    if (parsed.errors.length > 0) {
      for (const error of parsed.errors) {
        problems.push({
          file: relative,
          message: `YAML document ${index + 1}: ${error.message}`,
        });
      }
      return;
    }
    const object = parsed.toJS();
    if (object === null || object === undefined) {
      return;
    }
    const missing = ['apiVersion', 'kind'].filter(
      key => typeof object?.[key] !== 'string',
    );
    if (typeof object?.metadata?.name !== 'string') {
      missing.push('metadata.name');
    }
    if (typeof object !== 'object' || Array.isArray(object) || missing.length) {
      problems.push({
        file: relative,
        message: `YAML document ${
          index + 1
        } is not a Kubernetes object: it has no ${missing.join(', ')}`,
      });
      return;
    }
    documents.push({ file: relative, index, object });
  });
  return { documents, problems };
}

function findKustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map(name => path.join(dir, name)).find(file =>
    fs.existsSync(file),
  );
}

function targetMatches(
  target: NonNullable<Kustomization['patches']>[number]['target'],
  object: KubernetesObject,
): boolean {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  return (
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.namespace === undefined ||
      target.namespace === object.metadata.namespace)
  );
}

/** The pod templates' container lists of a workload, for the images transformer. */
export function podSpecOf(
  object: KubernetesObject,
): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, any> | undefined;
  switch (object.kind) {
    case 'Pod':
      return spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template?.spec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** `registry/name:tag@digest` split into its name, tag and digest. */
export function parseImage(image: string): {
  name: string;
  tag?: string;
  digest?: string;
} {
  const [withoutDigest, digest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    return {
      name: withoutDigest.slice(0, lastColon),
      tag: withoutDigest.slice(lastColon + 1),
      ...(digest ? { digest } : {}),
    };
  }
  return { name: withoutDigest, ...(digest ? { digest } : {}) };
}

function applyImages(
  images: NonNullable<Kustomization['images']>,
  documents: ManifestDocument[],
) {
  for (const document of documents) {
    const podSpec = podSpecOf(document.object);
    for (const key of ['initContainers', 'containers']) {
      const containers = podSpec?.[key];
      if (!Array.isArray(containers)) continue;
      for (const container of containers) {
        if (typeof container?.image !== 'string') continue;
        const current = parseImage(container.image);
        const rule = images.find(image => image.name === current.name);
        if (!rule) continue;
        const name = rule.newName ?? current.name;
        const digest =
          rule.digest ?? (rule.newTag ? undefined : current.digest);
        const tag = rule.digest ? undefined : rule.newTag ?? current.tag;
        container.image = `${name}${tag ? `:${tag}` : ''}${
          digest ? `@${digest}` : ''
        }`;
      }
    }
  }
}

function readPatch(
  repoRoot: string,
  dir: string,
  patch: NonNullable<Kustomization['patches']>[number],
  files: string[],
): { operations?: Operation[]; problem?: string } {
  let text = patch.patch;
  if (patch.path !== undefined) {
    const file = path.resolve(dir, patch.path);
    files.push(path.relative(repoRoot, file));
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      return { problem: `patch file ${patch.path} cannot be read: ${error}` };
    }
  }
  const parsed = parseAllDocuments(text ?? '');
  if (parsed.length !== 1 || parsed[0].errors.length > 0) {
    return {
      problem: `patch is not one YAML document: ${
        parsed[0]?.errors.map(error => error.message).join('; ') ?? 'empty'
      }`,
    };
  }
  const operations = parsed[0].toJS();
  if (!Array.isArray(operations)) {
    return {
      problem:
        'is a strategic merge patch, which deploy-check does not apply; write it as JSON 6902 operations (a list of op/path/value)',
    };
  }
  return { operations };
}

/**
 * Renders a kustomization folder as `kubectl kustomize` would for the supported features, and
 * reports everything it cannot render.
 */
export function renderKustomization(
  repoRoot: string,
  dir: string,
  seen: Set<string> = new Set(),
): RenderResult {
  const absoluteDir = path.resolve(repoRoot, dir);
  const relativeDir = path.relative(repoRoot, absoluteDir);
  const problems: DeployProblem[] = [];
  const documents: ManifestDocument[] = [];
  const files: string[] = [];
  const kustomizationFile = findKustomizationFile(absoluteDir);
  if (!kustomizationFile) {
    return {
      documents,
      files,
      problems: [
        {
          file: relativeDir || '.',
          message: `has no kustomization (${KUSTOMIZATION_FILES.join(', ')})`,
        },
      ],
    };
  }
  const kustomizationRelative = path.relative(repoRoot, kustomizationFile);
  if (seen.has(kustomizationFile)) {
    return {
      documents,
      files,
      problems: [
        {
          file: kustomizationRelative,
          message: 'is included in a cycle of kustomizations',
        },
      ],
    };
  }
  seen.add(kustomizationFile);
  files.push(kustomizationRelative);

  const parsed = parseAllDocuments(fs.readFileSync(kustomizationFile, 'utf8'));
  const kustomization = parsed[0]?.toJS() as Kustomization | undefined;
  if (!validateKustomization(kustomization)) {
    for (const error of validateKustomization.errors ?? []) {
      const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const extra =
        error.keyword === 'additionalProperties'
          ? `${
              (error.params as { additionalProperty: string })
                .additionalProperty
            } is not supported by deploy-check (it renders resources, patches with JSON 6902 operations and images)`
          : error.message;
      problems.push({
        file: kustomizationRelative,
        ...(field ? { path: field } : {}),
        message: extra ?? 'is invalid',
      });
    }
    return { documents, files, problems };
  }

  for (const resource of kustomization.resources ?? []) {
    if (/^[a-z]+:\/\//i.test(resource) || resource.includes('?ref=')) {
      problems.push({
        file: kustomizationRelative,
        path: 'resources',
        message: `${resource}: remote resources are not supported; vendor them into the repository`,
      });
      continue;
    }
    const target = path.resolve(absoluteDir, resource);
    if (!fs.existsSync(target)) {
      problems.push({
        file: kustomizationRelative,
        path: 'resources',
        message: `${resource} does not exist`,
      });
      continue;
    }
    if (fs.statSync(target).isDirectory()) {
      const nested = renderKustomization(repoRoot, target, seen);
      documents.push(...nested.documents);
      problems.push(...nested.problems);
      files.push(...nested.files);
    } else {
      const read = readManifestFile(repoRoot, target);
      documents.push(...read.documents);
      problems.push(...read.problems);
      files.push(path.relative(repoRoot, target));
    }
  }

  // Two objects with one identity: kustomize refuses to build
  const identities = new Map<string, ManifestDocument>();
  for (const document of documents) {
    const [group] = document.object.apiVersion.split('/');
    const identity = `${
      document.object.apiVersion.includes('/') ? group : ''
    }/${document.object.kind}/${document.object.metadata.namespace ?? ''}/${
      document.object.metadata.name
    }`;
    const first = identities.get(identity);
    if (first) {
      problems.push(
        problemIn(
          document,
          undefined,
          `is defined twice (also in ${first.file}); kustomize refuses to build`,
        ),
      );
    } else {
      identities.set(identity, document);
    }
  }

  (kustomization.patches ?? []).forEach((patch, patchIndex) => {
    const where = `patches[${patchIndex}]`;
    const { operations, problem } = readPatch(
      repoRoot,
      absoluteDir,
      patch,
      files,
    );
    if (!operations) {
      problems.push({
        file: kustomizationRelative,
        path: where,
        message: problem!,
      });
      return;
    }
    const targets = documents.filter(document =>
      targetMatches(patch.target, document.object),
    );
    if (targets.length === 0) {
      problems.push({
        file: kustomizationRelative,
        path: where,
        message: `its target ${JSON.stringify(
          patch.target,
        )} matches no resource`,
      });
      return;
    }
    for (const document of targets) {
      try {
        document.object = applyPatch(
          document.object,
          operations,
          true,
          false,
        ).newDocument;
      } catch (error) {
        const detail =
          error instanceof JsonPatchError
            ? `operation ${error.index ?? '?'} (${error.operation?.op} ${
                error.operation?.path
              }) fails: ${error.name}`
            : String(error);
        problems.push({
          file: kustomizationRelative,
          path: where,
          message: `cannot be applied to ${resourceName(
            document.object,
          )}: ${detail}`,
        });
      }
    }
  });

  if (kustomization.images) {
    applyImages(kustomization.images, documents);
  }
  return { documents, problems, files };
}
