/** `[instance:]folder/job[,…]`: the Jenkins jobs of an entity, as in the community plugin. */
export const JENKINS_ANNOTATION = 'jenkins.io/job-full-name';

/** The instance a job reference without `instance:` uses. */
export const DEFAULT_JENKINS_INSTANCE = 'default';

/** One job of the annotation. */
export type JenkinsJobRef = {
  /** The instance name from `jenkins.instances[].name`. */
  instance: string;
  /** Full name with `/` between folders, e.g. `payments/payments-api`. */
  jobFullName: string;
  /** The annotation entry as written, for messages. */
  source: string;
};

export type JenkinsAnnotationParseResult =
  | { ok: true; jobs: JenkinsJobRef[] }
  | { ok: false; error: string };

const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Why a job full name cannot be used, or undefined when it is fine. Each `/`-separated
 * segment becomes one URL-encoded `job/<segment>` path part, so nothing here can reach
 * another path or host; names that try (`..`, encoded slashes, control characters) are
 * refused outright so the user learns the value is wrong.
 */
export function jobFullNameProblem(jobFullName: string): string | undefined {
  if (!jobFullName) return 'the job name is empty';
  if (jobFullName.length > 1000) return 'the job name is too long';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\?#]/.test(jobFullName)) {
    return 'the job name contains a control character, a backslash, "?" or "#"';
  }
  if (/%(2f|5c|2e|25|3f|23)/i.test(jobFullName)) {
    return 'the job name contains a URL-encoded "/", "\\", ".", "%", "?" or "#"';
  }
  if (/:\/\//.test(jobFullName)) {
    return 'the job name looks like a URL; use folder/job';
  }
  for (const segment of jobFullName.split('/')) {
    if (!segment.trim()) return 'the job name has an empty folder segment';
    if (segment === '.' || segment === '..') {
      return 'the job name contains "." or ".." segments';
    }
  }
  return undefined;
}

/**
 * One entry of the annotation's syntax, `[instance:]folder/job`, split without checking the
 * job name: `instance` is undefined when the entry names none (the default instance then
 * decides, see `selectInstance`). Jenkins refuses `:` in job names, so the first one ends the
 * instance name.
 */
export function splitJenkinsJobRef(entry: string): {
  instance?: string;
  jobFullName: string;
} {
  const source = entry.trim();
  const colon = source.indexOf(':');
  return {
    instance: colon > 0 ? source.slice(0, colon).trim() : undefined,
    jobFullName: (colon > 0 ? source.slice(colon + 1) : source)
      .trim()
      .replace(/^\/+|\/+$/g, ''),
  };
}

/** The instance an annotation entry names, or undefined for `folder/job`. */
export function instanceNamedBy(ref: Pick<JenkinsJobRef, 'source'>) {
  return splitJenkinsJobRef(ref.source).instance;
}

/**
 * Parses `jenkins.io/job-full-name`. Entries are comma-separated; an entry is
 * `folder/job` (default instance) or `instance:folder/job`.
 */
export function parseJenkinsAnnotation(
  value: string | undefined,
): JenkinsAnnotationParseResult {
  if (value === undefined || !value.trim()) {
    return {
      ok: false,
      error: `The ${JENKINS_ANNOTATION} annotation is empty; expected [instance:]folder/job[,…]`,
    };
  }
  const jobs: JenkinsJobRef[] = [];
  for (const raw of value.split(',')) {
    const source = raw.trim();
    if (!source) {
      return {
        ok: false,
        error: `The ${JENKINS_ANNOTATION} annotation "${value}" has an empty entry; expected [instance:]folder/job[,…]`,
      };
    }
    const split = splitJenkinsJobRef(source);
    const instance = split.instance ?? DEFAULT_JENKINS_INSTANCE;
    const { jobFullName } = split;
    if (source.startsWith(':') || !INSTANCE_NAME.test(instance)) {
      return {
        ok: false,
        error: `The ${JENKINS_ANNOTATION} entry "${source}" has an invalid instance name; expected [instance:]folder/job`,
      };
    }
    const problem = jobFullNameProblem(jobFullName);
    if (problem) {
      return {
        ok: false,
        error: `The ${JENKINS_ANNOTATION} entry "${source}" is not a valid job: ${problem}`,
      };
    }
    jobs.push({ instance, jobFullName, source });
  }
  return { ok: true, jobs };
}

/** `instance:folder/job`, the key a job is known by in Comet's API. */
export function stringifyJenkinsJobRef(ref: {
  instance: string;
  jobFullName: string;
}): string {
  return `${ref.instance}:${ref.jobFullName}`;
}
