import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  checkCometAnnotations,
  type ConfiguredInstances,
} from '@internal/plugin-catalog-backend-module-comet';
import {
  isWiringAnnotation,
  WIRING_ANNOTATIONS,
  type WiringAnnotation,
} from '@internal/plugin-comet-common';
import {
  instanceNamedBy,
  JENKINS_ANNOTATION,
  parseJenkinsAnnotation,
} from '@internal/plugin-jenkins-common';
import type { JenkinsClient } from '@internal/plugin-jenkins-node';
import {
  ANNOTATION_JIRA_COMPONENT,
  ANNOTATION_JIRA_PROJECT_KEY,
  parseJiraProjectKeyAnnotation,
} from '@internal/plugin-jira-common';
import type { JiraInstances } from '@internal/plugin-jira-node';
import {
  ANNOTATION_SONARQUBE_PROJECT_KEY,
  parseProjectKeyAnnotation,
} from '@internal/plugin-sonarqube-common';
import type { SonarQubeClient } from '@internal/plugin-sonarqube-node';
import {
  ANNOTATION_PIPELINES,
  pipelinePathsOf,
} from '@internal/plugin-pipelines-common';
import {
  parseTestSuitesAnnotation,
  TEST_SUITES_ANNOTATION,
} from '@internal/plugin-test-recorder-common';
import { ActionCallError, type HealthActions } from '../service/HealthActions';

/** The most characters one annotation value may have. */
const MAX_VALUE_LENGTH = 1000;

/** The action the test suites are looked up with, as the caller. */
export const GET_SUITE_ACTION = 'test-recorder:get-suite';
/** The pipelines' list of an entity's pipeline files, read as the caller. */
export const LIST_PIPELINE_FILES_ACTION = 'pipelines:list-pipeline-files';

/** What `pipelines:list-pipeline-files` answers. */
export type PipelineFileListing = {
  repositoryUrl: string;
  ref: string;
  commit: string;
  files: Array<{ path: string; name?: string }>;
};

/** A 400 that names the field: the card shows the message at that field. */
export function fieldError(field: string, message: string): InputError {
  return new InputError(`Invalid wiring field "${field}": ${message}`);
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; kind?: string; statusCode?: number };
  return (
    e?.name === 'NotFoundError' ||
    e?.kind === 'notFound' ||
    (error instanceof ActionCallError && error.statusCode === 404)
  );
}

/**
 * Checks a change of wiring before anything is stored or proposed: only the wiring
 * annotations; each value by its family's own parser and against this portal's instances
 * (the checks the catalog processor runs, so a saved value never shows as a problem there);
 * then each named job, project, component and suite exists. Every failure is an InputError
 * naming the field. The external systems are asked with Comet's credentials, so callers must
 * be allowed to change the entity's wiring before this runs.
 */
export class WiringValidator {
  static create(options: {
    instances: ConfiguredInstances;
    jenkins: Pick<JenkinsClient, 'instance' | 'getJob'>;
    sonarqube: Pick<SonarQubeClient, 'getQualityGate'>;
    jira: Pick<JiraInstances, 'select'>;
  }): WiringValidator {
    return new WiringValidator(options);
  }

  private constructor(
    private readonly options: Parameters<typeof WiringValidator.create>[0],
  ) {}

  /**
   * The change, trimmed, when it is valid; an InputError naming the first bad field otherwise.
   * `actions` are the caller's (suites are looked up as the caller).
   */
  async validate(
    entity: Entity,
    annotations: Record<string, unknown>,
    actions: HealthActions,
  ): Promise<Partial<Record<WiringAnnotation, string>>> {
    const change = this.checkShape(annotations);
    const candidate: Entity = {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: { ...entity.metadata.annotations, ...change },
      },
    };
    const changed = new Set<string>(Object.keys(change));
    // jira/component is checked against the project key, which may be the entity's own
    if (changed.has(ANNOTATION_JIRA_PROJECT_KEY)) {
      changed.add(ANNOTATION_JIRA_COMPONENT);
    }
    for (const problem of checkCometAnnotations(
      candidate,
      this.options.instances,
    )) {
      // A warning here is a family this portal does not configure: wiring it does nothing
      if (changed.has(problem.annotation)) {
        throw fieldError(problem.annotation, problem.message);
      }
    }
    const merged = candidate.metadata.annotations ?? {};
    if (change[JENKINS_ANNOTATION] !== undefined) {
      await this.checkJenkinsJobs(change[JENKINS_ANNOTATION]);
    }
    if (change[ANNOTATION_SONARQUBE_PROJECT_KEY] !== undefined) {
      await this.checkSonarQubeProjects(
        change[ANNOTATION_SONARQUBE_PROJECT_KEY],
      );
    }
    if (
      change[ANNOTATION_JIRA_PROJECT_KEY] !== undefined ||
      change[ANNOTATION_JIRA_COMPONENT] !== undefined
    ) {
      await this.checkJira(
        merged[ANNOTATION_JIRA_PROJECT_KEY],
        merged[ANNOTATION_JIRA_COMPONENT],
        change[ANNOTATION_JIRA_PROJECT_KEY] !== undefined,
      );
    }
    if (change[TEST_SUITES_ANNOTATION] !== undefined) {
      await this.checkSuites(change[TEST_SUITES_ANNOTATION], actions);
    }
    if (change[ANNOTATION_PIPELINES] !== undefined) {
      await this.checkPipelineFiles(
        entity,
        change[ANNOTATION_PIPELINES],
        actions,
      );
    }
    return change;
  }

  /** Only wiring annotations, each a one-line string. */
  private checkShape(
    annotations: Record<string, unknown>,
  ): Partial<Record<WiringAnnotation, string>> {
    const change: Partial<Record<WiringAnnotation, string>> = {};
    for (const [key, raw] of Object.entries(annotations)) {
      if (!isWiringAnnotation(key)) {
        throw fieldError(
          key,
          `the Integrations card may only set ${WIRING_ANNOTATIONS.join(', ')}${
            key === 'backstage.io/source-location'
              ? '; backstage.io/source-location is never changed by Comet'
              : ''
          }`,
        );
      }
      if (typeof raw !== 'string') {
        throw fieldError(key, 'must be a string');
      }
      const value = raw.trim();
      if (value === '') {
        throw fieldError(
          key,
          'is empty; leave the field out to keep the catalog’s value',
        );
      }
      if (value.length > MAX_VALUE_LENGTH || /[\r\n]/.test(value)) {
        throw fieldError(
          key,
          `must be one line of at most ${MAX_VALUE_LENGTH} characters`,
        );
      }
      change[key] = value;
    }
    if (Object.keys(change).length === 0) {
      throw new InputError(
        `Invalid wiring: no annotation to set; set at least one of ${WIRING_ANNOTATIONS.join(
          ', ',
        )}`,
      );
    }
    return change;
  }

  private async checkJenkinsJobs(value: string) {
    const parsed = parseJenkinsAnnotation(value);
    if (!parsed.ok) throw fieldError(JENKINS_ANNOTATION, parsed.error);
    for (const job of parsed.jobs) {
      const instance = this.options.jenkins.instance(instanceNamedBy(job));
      try {
        await this.options.jenkins.getJob({
          instance,
          jobFullName: job.jobFullName,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        throw fieldError(
          JENKINS_ANNOTATION,
          `Jenkins instance "${instance.name}" has no job "${job.jobFullName}" (from "${job.source}")`,
        );
      }
    }
  }

  private async checkSonarQubeProjects(value: string) {
    const parsed = parseProjectKeyAnnotation(value);
    if (!parsed.ok) {
      throw fieldError(ANNOTATION_SONARQUBE_PROJECT_KEY, parsed.message);
    }
    for (const project of parsed.projects) {
      try {
        await this.options.sonarqube.getQualityGate({
          instance: project.instance,
          projectKey: project.projectKey,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        throw fieldError(
          ANNOTATION_SONARQUBE_PROJECT_KEY,
          `SonarQube${
            project.instance ? ` instance "${project.instance}"` : ''
          } has no project "${project.projectKey}"`,
        );
      }
    }
  }

  private async checkJira(
    projectKeys: string | undefined,
    component: string | undefined,
    projectChanged: boolean,
  ) {
    const parsed = parseJiraProjectKeyAnnotation(projectKeys ?? '');
    if (!parsed.ok)
      throw fieldError(ANNOTATION_JIRA_PROJECT_KEY, parsed.message);
    const components = new Set<string>();
    for (const project of parsed.projects) {
      const client = this.options.jira.select(project.instance);
      try {
        if (projectChanged) await client.getProject(project.projectKey);
        if (component !== undefined) {
          for (const c of await client.getComponents(project.projectKey)) {
            components.add(c.name);
          }
        }
      } catch (error) {
        if (!isNotFound(error)) throw error;
        throw fieldError(
          ANNOTATION_JIRA_PROJECT_KEY,
          `Jira${
            project.instance ? ` instance "${project.instance}"` : ''
          } has no project "${
            project.projectKey
          }" (or Comet's account may not see it)`,
        );
      }
    }
    if (component !== undefined && !components.has(component)) {
      throw fieldError(
        ANNOTATION_JIRA_COMPONENT,
        `"${component}" is not a component of ${parsed.projects
          .map(p => p.projectKey)
          .join(', ')}${
          components.size > 0
            ? ` (it has ${[...components].sort().join(', ')})`
            : ' (it has none)'
        }`,
      );
    }
  }

  /**
   * Each path is a file of the entity's repository at its default branch, as the pipelines
   * backend lists them for the caller. When that list cannot be read (the action is not
   * offered, the entity has no source location, the repository is unreachable) the shape
   * check above is all there is: the pipelines page says what is wrong when it reads them.
   */
  private async checkPipelineFiles(
    entity: Entity,
    value: string,
    actions: HealthActions,
  ) {
    const paths = pipelinePathsOf({ [ANNOTATION_PIPELINES]: value });
    if (!(await actions.has(LIST_PIPELINE_FILES_ACTION))) return;
    let listing: PipelineFileListing;
    try {
      listing = await actions.invoke<PipelineFileListing>(
        LIST_PIPELINE_FILES_ACTION,
        { entityRef: stringifyEntityRef(entity), paths },
      );
    } catch {
      return;
    }
    const found = new Set(listing.files.map(file => file.path));
    for (const path of paths) {
      if (found.has(path)) continue;
      const plain = path.replace(/^(\.\/)+/, '');
      throw fieldError(
        ANNOTATION_PIPELINES,
        `there is no file ${JSON.stringify(path)} in ${
          listing.repositoryUrl
        } at ${listing.ref} (commit ${listing.commit.slice(0, 12)})${
          plain !== path && found.has(plain) ? `; write it as ${plain}` : ''
        }; its pipeline files are ${[...found].sort().join(', ') || 'none'}`,
      );
    }
  }

  private async checkSuites(value: string, actions: HealthActions) {
    let names: string[];
    try {
      names = parseTestSuitesAnnotation(value);
    } catch (error) {
      throw fieldError(TEST_SUITES_ANNOTATION, (error as Error).message);
    }
    if (!(await actions.has(GET_SUITE_ACTION))) {
      throw fieldError(
        TEST_SUITES_ANNOTATION,
        'the test recorder is not configured: add @internal/plugin-test-recorder-backend and list test-recorder in backend.actions.pluginSources',
      );
    }
    for (const suite of names) {
      try {
        await actions.invoke(GET_SUITE_ACTION, { suite });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        throw fieldError(
          TEST_SUITES_ANNOTATION,
          `there is no test suite "${suite}" (or you cannot see it)`,
        );
      }
    }
  }
}
