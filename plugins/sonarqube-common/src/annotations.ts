/** `[instance/]key[,…]`: the SonarQube project(s) of a catalog entity (the community key). */
export const ANNOTATION_SONARQUBE_PROJECT_KEY = 'sonarqube.org/project-key';

/** One project an entity points at; `instance` is undefined for the default instance. */
export type SonarQubeProjectRef = {
  instance?: string;
  projectKey: string;
};

export type ProjectKeyAnnotationResult =
  | { ok: true; projects: SonarQubeProjectRef[] }
  | { ok: false; message: string };

// SonarQube: "Allowed characters are alphanumeric, '-', '_', '.' and ':', with at least one
// non-digit."
const PROJECT_KEY = /^[A-Za-z0-9_.:-]+$/;
const INSTANCE_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `sonarqube.org/project-key`. Every problem is reported with the offending item, so a
 * typo shows as a precise message instead of "no information".
 */
export function parseProjectKeyAnnotation(
  value: string | undefined,
): ProjectKeyAnnotationResult {
  const example = 'e.g. "acme_payments-api" or "sonarcloud/acme_payments-api"';
  if (value === undefined || value.trim() === '') {
    return {
      ok: false,
      message: `The annotation ${ANNOTATION_SONARQUBE_PROJECT_KEY} is empty; expected [instance/]key[,…], ${example}`,
    };
  }
  const projects: SonarQubeProjectRef[] = [];
  const items = value.split(',');
  for (const [index, raw] of items.entries()) {
    const item = raw.trim();
    const where = `item ${
      index + 1
    } of ${ANNOTATION_SONARQUBE_PROJECT_KEY} "${value}"`;
    if (!item) {
      return { ok: false, message: `The ${where} is empty` };
    }
    const parts = item.split('/');
    if (parts.length > 2) {
      return {
        ok: false,
        message: `The ${where} has more than one "/"; expected [instance/]key, ${example}`,
      };
    }
    const [instance, projectKey] =
      parts.length === 2
        ? [parts[0].trim(), parts[1].trim()]
        : [undefined, item];
    if (instance !== undefined && !INSTANCE_NAME.test(instance)) {
      return {
        ok: false,
        message: `The ${where} names the instance "${instance}", which is not a valid instance name (letters, digits, "-", "_", ".")`,
      };
    }
    if (!PROJECT_KEY.test(projectKey) || /^\d+$/.test(projectKey)) {
      return {
        ok: false,
        message: `The ${where} has the project key "${projectKey}", which SonarQube does not allow (letters, digits, "-", "_", "." and ":", with at least one non-digit)`,
      };
    }
    if (
      !projects.some(
        p => p.instance === instance && p.projectKey === projectKey,
      )
    ) {
      projects.push(instance ? { instance, projectKey } : { projectKey });
    }
  }
  return { ok: true, projects };
}

/** `instance/key`, or `key` for the default instance: how a project is named in the API. */
export function stringifyProjectRef(ref: SonarQubeProjectRef): string {
  return ref.instance ? `${ref.instance}/${ref.projectKey}` : ref.projectKey;
}
