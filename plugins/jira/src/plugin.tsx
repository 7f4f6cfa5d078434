import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';
import { RunPageActionBlueprint } from '@internal/plugin-pipelines-react';
import { JiraClientApi, jiraApiRef } from './api';
import { hasJiraProjectKey } from './filters';

const jiraApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: jiraApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new JiraClientApi({ discoveryApi, fetchApi }),
    }),
});

/** Issue counts and the most recently updated open issues, on entities with the annotation. */
export const jiraOpenIssuesCard = EntityCardBlueprint.make({
  name: 'open-issues',
  params: {
    filter: hasJiraProjectKey,
    loader: () =>
      import('./components/OpenIssuesCard').then(m => <m.OpenIssuesCard />),
  },
});

/** The Jira tab: overview, issues with filters, active sprint, release notes, create issue. */
export const jiraEntityContent = EntityContentBlueprint.make({
  name: 'issues',
  params: {
    path: 'jira',
    title: 'Jira',
    filter: hasJiraProjectKey,
    loader: () =>
      import('./components/JiraContent').then(m => <m.JiraContent />),
  },
});

/** "My Jira issues" for the home page (`page:home`, from `@backstage/plugin-home`). */
export const jiraMyIssuesWidget = HomePageWidgetBlueprint.make({
  name: 'my-issues',
  params: {
    name: 'MyJiraIssues',
    title: 'My Jira issues',
    description: 'Open Jira issues assigned to you, on every Jira instance',
    components: () =>
      import('./components/MyJiraIssuesCard').then(m => ({
        Content: m.MyJiraIssuesContent,
      })),
  },
});

/** "Create Jira bug" on a failed run's page (the pipelines plugin's `runActions` input). */
export const jiraCreateBugRunAction = RunPageActionBlueprint.make({
  name: 'create-bug',
  params: {
    loader: () =>
      import('./components/CreateBugFromRunAction').then(
        m => m.CreateBugFromRunAction,
      ),
  },
});

/** Comet's Jira UI (new frontend system). */
export const jiraPlugin = createFrontendPlugin({
  pluginId: 'jira',
  title: 'Jira',
  extensions: [
    jiraApi,
    jiraOpenIssuesCard,
    jiraEntityContent,
    jiraMyIssuesWidget,
    jiraCreateBugRunAction,
  ],
});
