import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { selectInstance } from '@internal/backend-common';
import {
  GITHUB_PROJECT_SLUG_ANNOTATION,
  gitHubRepositoryOf,
} from '@internal/plugin-github-common';
import {
  JENKINS_ANNOTATION,
  JENKINS_CONFIG_KEY,
  instanceNamedBy,
  parseJenkinsAnnotation,
} from '@internal/plugin-jenkins-common';
import {
  ANNOTATION_JIRA_ALL_ISSUES_JQL,
  ANNOTATION_JIRA_BUG_ON_FAILURE,
  ANNOTATION_JIRA_COMPONENT,
  ANNOTATION_JIRA_LABEL,
  ANNOTATION_JIRA_PROJECT_KEY,
  JIRA_CONFIG_KEY,
  parseJiraProjectKeyAnnotation,
} from '@internal/plugin-jira-common';
import { jiraInstanceName } from '@internal/plugin-jira-node';
import {
  ANNOTATION_PIPELINES,
  pipelinePathsOf,
} from '@internal/plugin-pipelines-common';
import {
  ANNOTATION_SONARQUBE_PROJECT_KEY,
  SONARQUBE_CONFIG_KEY,
  parseProjectKeyAnnotation,
} from '@internal/plugin-sonarqube-common';
import {
  TEST_SUITES_ANNOTATION,
  parseTestSuitesAnnotation,
} from '@internal/plugin-test-recorder-common';
import type { ConfiguredInstances } from './ConfiguredInstances';

/** `jenkins.io/override-base-url`, as the Jenkins backend reads it. */
export const JENKINS_OVERRIDE_BASE_URL_ANNOTATION =
  'jenkins.io/override-base-url';

/**
 * One problem with one annotation. `error`: the feature behind the annotation cannot work
 * (bad syntax, an instance this portal does not have); `warning`: it may be intended, e.g. the
 * family is not configured on this portal at all.
 */
export type AnnotationProblem = {
  annotation: string;
  value: string;
  level: 'error' | 'warning';
  message: string;
};

type Check = (
  entity: Entity,
  annotations: Record<string, string>,
  instances: ConfiguredInstances,
) => AnnotationProblem[];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The instance `name` means (undefined: the default instance), or why there is none: Comet's
 * one default-instance rule (`selectInstance`, which every family's tab uses), so the message
 * is the one the tab would show.
 */
function resolveInstance<T extends { name: string }>(
  select: (name: string | undefined) => T,
  name: string | undefined,
): { instance: T } | { problem: string } {
  try {
    return { instance: select(name) };
  } catch (error) {
    return { problem: messageOf(error) };
  }
}

function notConfigured(
  annotation: string,
  value: string,
  system: string,
  configKey: string,
): AnnotationProblem {
  return {
    annotation,
    value,
    level: 'warning',
    message: `${annotation} is "${value}", but ${system} is not configured on this portal (${configKey} is empty), so its tab shows nothing until ${configKey} is set`,
  };
}

const checkJenkins: Check = (_entity, annotations, instances) => {
  const value = annotations[JENKINS_ANNOTATION];
  const override = annotations[JENKINS_OVERRIDE_BASE_URL_ANNOTATION];
  const problems: AnnotationProblem[] = [];
  if (value === undefined) {
    if (override !== undefined) {
      problems.push({
        annotation: JENKINS_OVERRIDE_BASE_URL_ANNOTATION,
        value: override,
        level: 'warning',
        message: `${JENKINS_OVERRIDE_BASE_URL_ANNOTATION} is "${override}", but the entity has no ${JENKINS_ANNOTATION}, so it changes nothing`,
      });
    }
    return problems;
  }
  const parsed = parseJenkinsAnnotation(value);
  if (!parsed.ok) {
    return [
      {
        annotation: JENKINS_ANNOTATION,
        value,
        level: 'error',
        message: parsed.error,
      },
    ];
  }
  const configured = instances.families.jenkins;
  if (!configured) return problems;
  if (configured.length === 0) {
    return [
      notConfigured(JENKINS_ANNOTATION, value, 'Jenkins', JENKINS_CONFIG_KEY),
    ];
  }
  const select = (name: string | undefined) =>
    selectInstance(configured, name, {
      system: 'Jenkins',
      configKey: JENKINS_CONFIG_KEY,
      annotation: JENKINS_ANNOTATION,
    });
  const used = new Map<string, (typeof configured)[number]>();
  for (const job of parsed.jobs) {
    const resolved = resolveInstance(select, instanceNamedBy(job));
    if ('problem' in resolved) {
      problems.push({
        annotation: JENKINS_ANNOTATION,
        value,
        level: 'error',
        message: `The ${JENKINS_ANNOTATION} entry "${job.source}" cannot be used: ${resolved.problem}`,
      });
    } else {
      used.set(resolved.instance.name, resolved.instance);
    }
  }
  if (override !== undefined) {
    const normalized = override.replace(/\/+$/, '');
    let url: URL | undefined;
    try {
      url = new URL(normalized);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      problems.push({
        annotation: JENKINS_OVERRIDE_BASE_URL_ANNOTATION,
        value: override,
        level: 'error',
        message: `${JENKINS_OVERRIDE_BASE_URL_ANNOTATION} is "${override}", which is not an http(s) URL`,
      });
    } else {
      for (const instance of used.values()) {
        if (!instance.allowedBaseUrlOverride?.test(normalized)) {
          problems.push({
            annotation: JENKINS_OVERRIDE_BASE_URL_ANNOTATION,
            value: override,
            level: 'error',
            message: `${JENKINS_OVERRIDE_BASE_URL_ANNOTATION} "${override}" is not allowed by allowedBaseUrlOverrideRegex of Jenkins instance "${
              instance.name
            }" (${
              instance.allowedBaseUrlOverride
                ? `which allows ${instance.allowedBaseUrlOverride.source}`
                : 'which sets none, so no override is allowed'
            })`,
          });
        }
      }
    }
  }
  return problems;
};

const checkSonarQube: Check = (_entity, annotations, instances) => {
  const value = annotations[ANNOTATION_SONARQUBE_PROJECT_KEY];
  if (value === undefined) return [];
  const parsed = parseProjectKeyAnnotation(value);
  if (!parsed.ok) {
    return [
      {
        annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
        value,
        level: 'error',
        message: parsed.message,
      },
    ];
  }
  const configured = instances.families.sonarqube;
  if (!configured) return [];
  if (configured.length === 0) {
    return [
      notConfigured(
        ANNOTATION_SONARQUBE_PROJECT_KEY,
        value,
        'SonarQube',
        SONARQUBE_CONFIG_KEY,
      ),
    ];
  }
  const select = (name: string | undefined) =>
    selectInstance(configured, name, {
      system: 'SonarQube',
      configKey: SONARQUBE_CONFIG_KEY,
      annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
    });
  const problems: AnnotationProblem[] = [];
  for (const project of parsed.projects) {
    const resolved = resolveInstance(select, project.instance);
    if ('problem' in resolved) {
      problems.push({
        annotation: ANNOTATION_SONARQUBE_PROJECT_KEY,
        value,
        level: 'error',
        message: `The ${ANNOTATION_SONARQUBE_PROJECT_KEY} project "${
          project.instance ? `${project.instance}/` : ''
        }${project.projectKey}" cannot be used: ${resolved.problem}`,
      });
    }
  }
  return problems;
};

const JIRA_NARROWING = [
  ANNOTATION_JIRA_COMPONENT,
  ANNOTATION_JIRA_LABEL,
  ANNOTATION_JIRA_ALL_ISSUES_JQL,
];

const checkJira: Check = (_entity, annotations, instances) => {
  const value = annotations[ANNOTATION_JIRA_PROJECT_KEY];
  const problems: AnnotationProblem[] = [];
  if (value === undefined) {
    for (const annotation of JIRA_NARROWING) {
      const narrowing = annotations[annotation];
      if (narrowing !== undefined && narrowing.trim()) {
        problems.push({
          annotation,
          value: narrowing,
          level: 'error',
          message: `${annotation} is "${narrowing}", but the entity has no ${ANNOTATION_JIRA_PROJECT_KEY}, which it narrows; add one, e.g. ${ANNOTATION_JIRA_PROJECT_KEY}: PAY`,
        });
      }
    }
    const bugs = annotations[ANNOTATION_JIRA_BUG_ON_FAILURE];
    if (
      bugs !== undefined &&
      bugs.trim() &&
      bugs.trim().toLowerCase() !== 'false'
    ) {
      problems.push({
        annotation: ANNOTATION_JIRA_BUG_ON_FAILURE,
        value: bugs,
        level: 'error',
        message: `${ANNOTATION_JIRA_BUG_ON_FAILURE} is "${bugs}", but the entity has no ${ANNOTATION_JIRA_PROJECT_KEY}, so no bug can be filed; add one, e.g. ${ANNOTATION_JIRA_PROJECT_KEY}: PAY`,
      });
    }
    return problems;
  }
  const parsed = parseJiraProjectKeyAnnotation(value);
  if (!parsed.ok) {
    return [
      {
        annotation: ANNOTATION_JIRA_PROJECT_KEY,
        value,
        level: 'error',
        message: parsed.message,
      },
    ];
  }
  const configured = instances.families.jira;
  if (!configured) return [];
  if (configured.length === 0) {
    return [
      notConfigured(
        ANNOTATION_JIRA_PROJECT_KEY,
        value,
        'Jira',
        `${JIRA_CONFIG_KEY}.instances`,
      ),
    ];
  }
  const names = { list: () => configured };
  for (const project of parsed.projects) {
    const resolved = resolveInstance(
      name => ({ name: jiraInstanceName(names, name) }),
      project.instance,
    );
    if ('problem' in resolved) {
      problems.push({
        annotation: ANNOTATION_JIRA_PROJECT_KEY,
        value,
        level: 'error',
        message: `The ${ANNOTATION_JIRA_PROJECT_KEY} project "${
          project.instance ? `${project.instance}/` : ''
        }${project.projectKey}" cannot be used: ${resolved.problem}`,
      });
    }
  }
  return problems;
};

const checkGitHub: Check = (entity, annotations, instances) => {
  const value = annotations[GITHUB_PROJECT_SLUG_ANNOTATION];
  if (value === undefined) return [];
  let host: string;
  let slug: string;
  try {
    const repository = gitHubRepositoryOf(entity)!;
    host = repository.host;
    slug = `${repository.owner}/${repository.repo}`;
  } catch (error) {
    return [
      {
        annotation: GITHUB_PROJECT_SLUG_ANNOTATION,
        value,
        level: 'error',
        message: messageOf(error),
      },
    ];
  }
  const hosts = instances.families.githubHosts;
  if (!hosts || hosts.includes(host)) return [];
  return [
    {
      annotation: GITHUB_PROJECT_SLUG_ANNOTATION,
      value,
      level: 'error',
      message: `${GITHUB_PROJECT_SLUG_ANNOTATION} "${value}" is on the host ${host} (from backstage.io/source-location), which has no GitHub integration on this portal; integrations.github has ${hosts
        .map(h => `"${h}"`)
        .join(', ')}: add one with host ${host} to reach ${slug}`,
    },
  ];
};

/**
 * The rule the pipelines backend applies when it reads a pipeline file
 * (`GitPipelineSource`): a path relative to the repository, without `..`.
 */
function pipelinePathProblem(path: string): string | undefined {
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
    return 'is absolute; write it relative to the repository root';
  }
  if (path.split(/[\\/]/).includes('..')) {
    return 'contains ".."; pipeline files must be inside the repository';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(path)) {
    return 'contains a control character';
  }
  return undefined;
}

const checkPipelines: Check = (_entity, annotations) => {
  const value = annotations[ANNOTATION_PIPELINES];
  if (value === undefined || value === '') return [];
  const paths = pipelinePathsOf(annotations);
  if (paths.length === 0) {
    return [
      {
        annotation: ANNOTATION_PIPELINES,
        value,
        level: 'error',
        message: `${ANNOTATION_PIPELINES} is "${value}", which lists no path; expected comma-separated paths of pipeline files, e.g. .comet/pipeline.yaml`,
      },
    ];
  }
  const problems: AnnotationProblem[] = [];
  for (const path of paths) {
    const problem = pipelinePathProblem(path);
    if (problem) {
      problems.push({
        annotation: ANNOTATION_PIPELINES,
        value,
        level: 'error',
        message: `The ${ANNOTATION_PIPELINES} path ${JSON.stringify(
          path,
        )} ${problem}`,
      });
    }
  }
  return problems;
};

const checkTestSuites: Check = (_entity, annotations) => {
  const value = annotations[TEST_SUITES_ANNOTATION];
  if (value === undefined) return [];
  try {
    parseTestSuitesAnnotation(value);
    return [];
  } catch (error) {
    return [
      {
        annotation: TEST_SUITES_ANNOTATION,
        value,
        level: 'error',
        message: messageOf(error),
      },
    ];
  }
};

const CHECKS: Check[] = [
  checkJenkins,
  checkSonarQube,
  checkJira,
  checkGitHub,
  checkPipelines,
  checkTestSuites,
];

/**
 * Every problem with the Comet annotations of `entity`: their syntax, by each family's own
 * parser, and the instances they name, against this portal's config. Each message names the
 * entity, the annotation, the bad value and what is allowed or configured.
 */
export function checkCometAnnotations(
  entity: Entity,
  instances: ConfiguredInstances,
): AnnotationProblem[] {
  const annotations = entity.metadata.annotations ?? {};
  const entityRef = stringifyEntityRef(entity);
  return CHECKS.flatMap(check => check(entity, annotations, instances)).map(
    problem => ({ ...problem, message: `${entityRef}: ${problem.message}` }),
  );
}
