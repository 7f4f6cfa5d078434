/** A Kubernetes object as read from a manifest. */
export type KubernetesObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
};

/** One object of a manifest file, with where it came from. */
export type ManifestDocument = {
  /** The file, relative to the repository root. */
  file: string;
  /** Its position among the file's YAML documents, from 0. */
  index: number;
  object: KubernetesObject;
};

/** Something wrong with the manifests, with where it is. */
export type DeployProblem = {
  /** The file, relative to the repository root. */
  file: string;
  /** `Kind namespace/name` of the object, when the problem is in one. */
  resource?: string;
  /** The field, e.g. `spec.template.spec.containers[0].image`. */
  path?: string;
  message: string;
};

/** `Kind namespace/name`. */
export function resourceName(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${
    object.metadata?.name
  }`;
}

/** A problem about one document. */
export function problemIn(
  document: ManifestDocument,
  path: string | undefined,
  message: string,
): DeployProblem {
  return {
    file: document.file,
    resource: resourceName(document.object),
    ...(path ? { path } : {}),
    message,
  };
}

/** One line: `file: Kind ns/name: path: message`. */
export function formatProblem(problem: DeployProblem): string {
  return [problem.file, problem.resource, problem.path, problem.message]
    .filter(Boolean)
    .join(': ');
}
