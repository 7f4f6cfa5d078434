import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { JiraInstances } from './JiraInstances';

/**
 * The Jira instances and their clients, one set per backend (root scope), built from `jira.*`
 * config. For system-to-system callers (a pipeline step, a scaffolder action, a scheduled
 * task): `(await deps.jira).select(instanceName).createIssue(…)`. A user's own reads and writes
 * go through the Jira backend (`/api/jira`), where permissions, the cache and audit apply.
 */
export const jiraClientServiceRef = createServiceRef<JiraInstances>({
  id: 'jira.client',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      initialization: 'lazy',
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
      },
      factory: ({ config, logger }) =>
        JiraInstances.fromConfig(config, { logger }),
    }),
});
