import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { homePageWidgetDataRef } from '@backstage/plugin-home-react/alpha';
import { runPageActionDataRef } from '@internal/plugin-pipelines-react';
import jiraPlugin from './index';
import {
  jiraCreateBugRunAction,
  jiraEntityContent,
  jiraMyIssuesWidget,
  jiraOpenIssuesCard,
} from './plugin';
import { CreateBugFromRunAction } from './components/CreateBugFromRunAction';
import { MyJiraIssuesContent } from './components/MyJiraIssuesCard';
import { entity, entityWith } from './__testUtils__/fixtures';

describe('jiraPlugin', () => {
  it('has the extensions the app wires by id', () => {
    for (const id of [
      'api:jira',
      'entity-content:jira/issues',
      'entity-card:jira/open-issues',
      'home-page-widget:jira/my-issues',
      'run-page-action:jira/create-bug',
    ]) {
      expect(jiraPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('shows the tab and the card only on entities with jira/project-key', () => {
    const tab = createExtensionTester(jiraEntityContent);
    expect(tab.get(coreExtensionData.routePath)).toBe('jira');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe('Jira');
    const tabFilter = tab.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(tabFilter(entity)).toBe(true);
    expect(tabFilter(entityWith({}))).toBe(false);
    expect(tabFilter(entityWith({ 'jira/project-key': '  ' }))).toBe(false);
    const cardFilter = createExtensionTester(jiraOpenIssuesCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(cardFilter(entity)).toBe(true);
    expect(cardFilter(entityWith({ 'sonarqube.org/project-key': 'x' }))).toBe(
      false,
    );
  });

  it("attaches Create Jira bug to the pipelines run page's actions, loaded lazily", async () => {
    const output = createExtensionTester(jiraCreateBugRunAction).get(
      runPageActionDataRef,
    );
    await expect(output.loader()).resolves.toBe(CreateBugFromRunAction);
    // Attached by id: the pipelines plugin is never imported
    expect(String(jiraCreateBugRunAction)).toContain(
      'attachTo=page:pipelines@runActions',
    );
  });

  it('offers My Jira issues as a home-page widget', async () => {
    const widget = createExtensionTester(jiraMyIssuesWidget).get(
      homePageWidgetDataRef,
    );
    expect(widget.title).toBe('My Jira issues');
    expect(widget.name).toBe('MyJiraIssues');
    expect(widget.component).toBeDefined();
    expect(String(jiraMyIssuesWidget)).toContain('attachTo=page:home@widgets');
    expect(MyJiraIssuesContent).toBeDefined();
  });
});
