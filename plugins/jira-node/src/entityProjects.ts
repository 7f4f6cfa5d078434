import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  type ResourceScopes,
  type ScopeFamily,
  selectInstance,
} from '@internal/backend-common';
import {
  ANNOTATION_JIRA_PROJECT_KEY,
  parseJiraProjectKeyAnnotation,
} from '@internal/plugin-jira-common';

/** A project an entity names in `jira/project-key`, on a configured instance. */
export type EntityJiraProject = { instance: string; projectKey: string };

/** The configured instances' names, as {@link JiraInstances.list} gives them. */
export type JiraInstanceNames = { list(): Array<{ name: string }> };

/** The instance `name` means: the default-instance rule, with errors naming the annotation. */
export function jiraInstanceName(
  instances: JiraInstanceNames,
  name: string | undefined,
): string {
  return selectInstance(instances.list(), name, {
    system: 'Jira',
    configKey: 'jira.instances',
    annotation: ANNOTATION_JIRA_PROJECT_KEY,
  }).name;
}

/** How Jira projects are written in `comet.resourceScopes.<group>.jira`. */
export function jiraScopeFamily(instances: JiraInstanceNames): ScopeFamily {
  return {
    id: 'jira',
    annotation: ANNOTATION_JIRA_PROJECT_KEY,
    instanceSeparator: '/',
    defaultInstance: () => jiraInstanceName(instances, undefined),
  };
}

/**
 * The Jira projects an entity names in `jira/project-key`, each on its instance, keeping only
 * those within the owner group's `comet.resourceScopes` (the others are in `refusals`, each
 * saying why). Throws NotFoundError without the annotation and InputError, naming the entity
 * and the item, for a malformed annotation or an instance that is not configured.
 */
export function entityJiraProjects(
  entity: Entity,
  options: { instances: JiraInstanceNames; scopes?: ResourceScopes },
): { projects: EntityJiraProject[]; refusals: string[] } {
  const entityRef = stringifyEntityRef(entity);
  const value = entity.metadata.annotations?.[ANNOTATION_JIRA_PROJECT_KEY];
  if (value === undefined) {
    throw new NotFoundError(
      `${entityRef} has no ${ANNOTATION_JIRA_PROJECT_KEY} annotation; add one, e.g. ${ANNOTATION_JIRA_PROJECT_KEY}: PAY`,
    );
  }
  const parsed = parseJiraProjectKeyAnnotation(value);
  if (!parsed.ok) {
    throw new InputError(`${entityRef}: ${parsed.message}`);
  }
  const family = jiraScopeFamily(options.instances);
  const projects: EntityJiraProject[] = [];
  const refusals: string[] = [];
  for (const ref of parsed.projects) {
    let instance: string;
    try {
      instance = jiraInstanceName(options.instances, ref.instance);
    } catch (error) {
      throw new InputError(
        `${entityRef}: ${(error as Error).message.replace(
          /^Unknown Jira instance/,
          'The Jira instance',
        )}`,
      );
    }
    const refusal = options.scopes?.refusal(entity, family, {
      instance,
      name: ref.projectKey,
      source: ref.instance
        ? `${ref.instance}/${ref.projectKey}`
        : ref.projectKey,
    });
    if (refusal) {
      refusals.push(refusal);
      continue;
    }
    projects.push({ instance, projectKey: ref.projectKey });
  }
  return { projects, refusals };
}
