import type { Entity } from '@backstage/catalog-model';
import { ANNOTATION_JIRA_PROJECT_KEY } from '@internal/plugin-jira-common';

/** The Jira tab and card show on entities that name their Jira project(s). */
export const hasJiraProjectKey = (entity: Entity) =>
  Boolean(entity.metadata.annotations?.[ANNOTATION_JIRA_PROJECT_KEY]?.trim());
