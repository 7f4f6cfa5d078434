import { ANNOTATION_LOCATION, type Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { GitHubRepositoryRef } from '@internal/plugin-github-common';
import { isMap, isScalar, parseAllDocuments, type Document } from 'yaml';

/** The file an entity is read from when its location says nothing else. */
export const DEFAULT_CATALOG_FILE = 'catalog-info.yaml';

/**
 * The annotations `github:propose-catalog-change` may set or remove: an entity's wiring to the
 * other systems (the Integrations card's), and nothing that says where the entity comes from.
 */
export const CATALOG_CHANGE_ANNOTATIONS = [
  'jira/project-key',
  'jira/component',
  'jenkins.io/job-full-name',
  'sonarqube.org/project-key',
  'comet.dev/test-suites',
  'comet.dev/pipelines',
] as const;

/** Annotation → its new value, or null to remove it. */
export type CatalogAnnotationChanges = Record<string, string | null>;

/** Where an entity's catalog file is in its repository, and why there. */
export type CatalogFileLocation = {
  path: string;
  /** The entity's `backstage.io/managed-by-location`, or the default at the root. */
  from: 'managed-by-location' | 'default';
};

/**
 * The file of `entity` in `repository`: its `backstage.io/managed-by-location` when that is a
 * `url:` of the same repository on the same host (`…/blob/<ref>/<path>` or
 * `…/tree/<ref>/<path>`; a path that names no `.yaml`/`.yml` file is a folder holding
 * `catalog-info.yaml`), else `catalog-info.yaml` at the root. A ref with slashes cannot be told
 * from the path, except the default branch's, which is recognized by name.
 */
export function catalogFileOf(
  entity: Entity,
  repository: GitHubRepositoryRef,
  defaultBranch: string,
): CatalogFileLocation {
  const fallback: CatalogFileLocation = {
    path: DEFAULT_CATALOG_FILE,
    from: 'default',
  };
  const location = entity.metadata.annotations?.[ANNOTATION_LOCATION]?.trim();
  if (!location?.startsWith('url:')) return fallback;
  let url: URL;
  try {
    url = new URL(location.slice('url:'.length));
  } catch {
    return fallback;
  }
  const [owner, repo, kind, ...rest] = url.pathname
    .split('/')
    .filter(Boolean)
    .map(segment => decodeURIComponent(segment));
  const sameRepository =
    url.host.toLowerCase() === repository.host.toLowerCase() &&
    owner?.toLowerCase() === repository.owner.toLowerCase() &&
    repo?.replace(/\.git$/, '').toLowerCase() ===
      repository.repo.toLowerCase() &&
    (kind === 'blob' || kind === 'tree') &&
    rest.length > 0;
  if (!sameRepository) return fallback;
  const branchSegments = defaultBranch.split('/');
  const onDefaultBranch = branchSegments.every(
    (segment, index) => rest[index] === segment,
  );
  const pathSegments = rest.slice(onDefaultBranch ? branchSegments.length : 1);
  const path = pathSegments.join('/');
  if (/\.ya?ml$/i.test(path)) return { path, from: 'managed-by-location' };
  return {
    path: path ? `${path}/${DEFAULT_CATALOG_FILE}` : DEFAULT_CATALOG_FILE,
    from: 'managed-by-location',
  };
}

/** `kind`, `namespace` and `name` as the catalog compares them: without case. */
function sameName(value: unknown, wanted: string): boolean {
  return (
    typeof value === 'string' && value.toLowerCase() === wanted.toLowerCase()
  );
}

/**
 * A document's indentation and how it writes block sequences under a key, as its text shows
 * them, so that re-writing it leaves the lines the change does not touch as they were.
 */
function styleOf(text: string): { indent: number; indentSeq: boolean } {
  const lines = text
    .split('\n')
    .filter(line => line.trim() !== '' && !line.trimStart().startsWith('#'));
  let indent = 0;
  let indentSeq = true;
  let previous: string | undefined;
  for (const line of lines) {
    const spaces = line.length - line.trimStart().length;
    if (spaces > 0 && (indent === 0 || spaces < indent)) indent = spaces;
    if (
      previous !== undefined &&
      /^\s*- /.test(line) &&
      /:\s*$/.test(previous) &&
      spaces === previous.length - previous.trimStart().length
    ) {
      indentSeq = false;
    }
    previous = line;
  }
  return { indent: indent || 2, indentSeq };
}

/**
 * `text` (the catalog file at `path`) with the annotations of the one document whose kind,
 * namespace (`default` when absent) and name are the entity's changed as `changes` says (null
 * removes one), through the `yaml` package's Document API: comments and the order of keys are
 * kept, the other documents are left byte for byte as they were, and the changed document is
 * written with its own indentation. Throws an InputError naming the file when it is not valid
 * YAML (with the line), holds no document of the entity, when the document's annotations are
 * not a map, or when nothing would change.
 */
export function changeCatalogAnnotations(options: {
  text: string;
  path: string;
  entity: { kind: string; namespace?: string; name: string };
  changes: CatalogAnnotationChanges;
}): string {
  const { text, path, entity, changes } = options;
  const namespace = entity.namespace ?? 'default';
  // An empty file is an empty stream: no documents
  const all: Document.Parsed[] = Array.from(parseAllDocuments(text));
  for (const document of all) {
    const error = document.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw new InputError(
        `${path} is not valid YAML${
          at ? ` (line ${at.line}, column ${at.col})` : ''
        }: ${error.message.split('\n')[0]}`,
      );
    }
  }
  const index = all.findIndex(
    document =>
      sameName(document.getIn(['kind']), entity.kind) &&
      sameName(document.getIn(['metadata', 'name']), entity.name) &&
      sameName(
        document.getIn(['metadata', 'namespace']) ?? 'default',
        namespace,
      ),
  );
  const entityName = `${entity.kind} ${namespace}/${entity.name}`;
  if (index < 0) {
    throw new InputError(
      `${path} holds no document of ${entityName} (kind, metadata.namespace and metadata.name): the entity is defined elsewhere, so propose the change where it is defined`,
    );
  }
  const document = all[index];
  const annotationsPath = ['metadata', 'annotations'];
  const annotations = document.getIn(annotationsPath, true);
  if (
    annotations !== undefined &&
    !isMap(annotations) &&
    !(isScalar(annotations) && annotations.value === null)
  ) {
    throw new InputError(
      `metadata.annotations of ${entityName} in ${path} is not a map of annotations`,
    );
  }
  let changed = false;
  for (const [key, value] of Object.entries(changes)) {
    const keyPath = [...annotationsPath, key];
    if (value === null) {
      if (isMap(annotations) && annotations.has(key)) {
        document.deleteIn(keyPath);
        changed = true;
      }
    } else if (!isMap(annotations) || annotations.get(key) !== value) {
      if (!isMap(document.getIn(annotationsPath, true))) {
        document.setIn(annotationsPath, document.createNode({}));
      }
      document.setIn(keyPath, value);
      changed = true;
    }
  }
  if (!changed) {
    throw new InputError(
      `nothing to change: the annotations of ${entityName} in ${path} already are as proposed`,
    );
  }
  const remaining = document.getIn(annotationsPath, true);
  if (isMap(remaining) && remaining.items.length === 0) {
    document.deleteIn(annotationsPath);
  }
  // The document's own text, as its toString() writes it: from the previous document's end
  // (comments before its `---` are its own) to its end, the file's end for the last one
  const start = index === 0 ? 0 : all[index - 1].range[2];
  const end = index + 1 < all.length ? document.range[2] : text.length;
  const original = text.slice(start, end);
  const rewritten = document
    .toString({
      ...styleOf(original),
      lineWidth: 0,
      flowCollectionPadding: false,
    })
    // The blank lines (or missing newline) at its end as they were
    .replace(/\n*$/, /\n*$/.exec(original)![0]);
  return `${text.slice(0, start)}${rewritten}${text.slice(end)}`;
}
