/** `[instance/]KEY[,…]`: the Jira project(s) of a catalog entity. */
export const ANNOTATION_JIRA_PROJECT_KEY = 'jira/project-key';
/** Narrows the entity's issues to one Jira component. */
export const ANNOTATION_JIRA_COMPONENT = 'jira/component';
/** Narrows the entity's issues to one label. */
export const ANNOTATION_JIRA_LABEL = 'jira/label';
/**
 * Replaces the JQL that selects the entity's issues: a template with `{{project}}`,
 * `{{component}}` and `{{label}}` (each substituted as a quoted JQL string).
 */
export const ANNOTATION_JIRA_ALL_ISSUES_JQL = 'jira/all-issues-jql';
/**
 * Opt-in: a failed run files a bug (one per failure signature). `true`, or a comma-separated
 * list of pipeline paths.
 */
export const ANNOTATION_JIRA_BUG_ON_FAILURE = 'comet.dev/jira-bug-on-failure';

/** One project an entity points at; `instance` is undefined for the default instance. */
export type JiraProjectKeyRef = {
  instance?: string;
  projectKey: string;
};

export type JiraProjectKeyAnnotationResult =
  | { ok: true; projects: JiraProjectKeyRef[] }
  | { ok: false; message: string };

// Jira: "project keys must start with an uppercase letter, followed by one or more uppercase
// alphanumeric characters or underscores" (the default pattern; admins may allow digits).
const PROJECT_KEY = /^[A-Z][A-Z0-9_]+$/;
const INSTANCE_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses `jira/project-key`. Every problem names the offending item, so a typo shows as a
 * precise message instead of an empty tab.
 */
export function parseJiraProjectKeyAnnotation(
  value: string | undefined,
): JiraProjectKeyAnnotationResult {
  const example = 'e.g. "PAY" or "jira-dc/PAY,OPS"';
  if (value === undefined || value.trim() === '') {
    return {
      ok: false,
      message: `The annotation ${ANNOTATION_JIRA_PROJECT_KEY} is empty; expected [instance/]KEY[,…], ${example}`,
    };
  }
  const projects: JiraProjectKeyRef[] = [];
  for (const [index, raw] of value.split(',').entries()) {
    const item = raw.trim();
    const where = `item ${
      index + 1
    } of ${ANNOTATION_JIRA_PROJECT_KEY} "${value}"`;
    if (!item) {
      return { ok: false, message: `The ${where} is empty` };
    }
    const parts = item.split('/');
    if (parts.length > 2) {
      return {
        ok: false,
        message: `The ${where} has more than one "/"; expected [instance/]KEY, ${example}`,
      };
    }
    const [instance, key] =
      parts.length === 2
        ? [parts[0].trim(), parts[1].trim()]
        : [undefined, item];
    if (instance !== undefined && !INSTANCE_NAME.test(instance)) {
      return {
        ok: false,
        message: `The ${where} names the instance "${instance}", which is not a valid instance name (letters, digits, "-", "_", ".")`,
      };
    }
    if (!PROJECT_KEY.test(key)) {
      return {
        ok: false,
        message: `The ${where} has the project key "${key}", which is not a Jira project key (an uppercase letter, then uppercase letters, digits or "_"), ${example}`,
      };
    }
    if (projects.some(p => p.instance === instance && p.projectKey === key)) {
      return { ok: false, message: `The ${where} repeats "${item}"` };
    }
    projects.push(
      instance ? { instance, projectKey: key } : { projectKey: key },
    );
  }
  return { ok: true, projects };
}

/** Quotes a value as a JQL string literal (`"…"`, with `"` and `\` escaped). */
export function jqlString(value: string): string {
  return `"${value.replace(/["\\]/g, c => `\\${c}`)}"`;
}

/**
 * The JQL of an entity's issues on one instance: its projects, narrowed by component and label,
 * or the `jira/all-issues-jql` template with those substituted as quoted strings.
 */
export function entityIssuesJql(options: {
  projectKeys: string[];
  component?: string;
  label?: string;
  template?: string;
}): string {
  const { projectKeys, component, label, template } = options;
  const project =
    projectKeys.length === 1
      ? jqlString(projectKeys[0])
      : `(${projectKeys.map(jqlString).join(', ')})`;
  if (template && template.trim()) {
    const text = template
      .replace(/\{\{\s*project\s*\}\}/g, project)
      .replace(/\{\{\s*component\s*\}\}/g, jqlString(component ?? ''))
      .replace(/\{\{\s*label\s*\}\}/g, jqlString(label ?? ''));
    return `(${text})`;
  }
  const clauses = [
    projectKeys.length === 1 ? `project = ${project}` : `project in ${project}`,
  ];
  if (component) clauses.push(`component = ${jqlString(component)}`);
  if (label) clauses.push(`labels = ${jqlString(label)}`);
  return clauses.join(' AND ');
}
