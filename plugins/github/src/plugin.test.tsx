import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { configure, screen } from '@testing-library/react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  CiCdProviderBlueprint,
  CiCdRunActionBlueprint,
  EditorActionBlueprint,
} from '@internal/plugin-pipelines-react';
import githubPlugin from './index';
import { GitHubClientApi, gitHubApiRef } from './api';
import {
  gitHubApi,
  gitHubCiCdProvider,
  gitHubEntityContent,
  gitHubLatestRunsProvider,
  gitHubProposePullRequestAction,
  gitHubPullRequestsCard,
  gitHubWorkflowRunActions,
} from './plugin';
import { ProposePullRequestAction } from './components/ProposePullRequestAction';
import { WorkflowRunActions } from './components/WorkflowRunActions';
import { entity, entityWith, mockApi } from './__testUtils__/fixtures';

configure({ asyncUtilTimeout: 15_000 });
jest.setTimeout(60_000);

describe('githubPlugin', () => {
  it('has the extensions the app wires by id', () => {
    expect(githubPlugin.pluginId).toBe('github');
    for (const id of [
      'api:github',
      'entity-content:github/repository',
      'entity-card:github/pull-requests',
      'ci-cd-provider:github/github',
      'ci-cd-provider:github/github-latest-runs',
      'pipeline-editor-action:github/propose-pull-request',
      'ci-cd-run-action:github/workflow-run',
    ]) {
      expect(githubPlugin.getExtension(id as any)).toBeDefined();
    }
  });

  it('shows the GitHub tab only on entities with github.com/project-slug, loaded lazily', async () => {
    const tab = createExtensionTester(gitHubEntityContent);
    expect(tab.get(coreExtensionData.routePath)).toBe('github');
    expect(tab.get(EntityContentBlueprint.dataRefs.title)).toBe('GitHub');
    const filter = tab.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(entity)).toBe(true);
    expect(filter(entityWith({}))).toBe(false);
    expect(filter(entityWith({ 'github.com/project-slug': '  ' }))).toBe(false);
    expect(filter(entityWith({ 'jenkins.io/job-full-name': 'x' }))).toBe(false);
    expect(tab.get(coreExtensionData.reactElement)).toBeDefined();
  });

  it('puts the Pull requests card on the overview of the same entities', () => {
    const card = createExtensionTester(gitHubPullRequestsCard);
    const filter = card.get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(filter(entity)).toBe(true);
    expect(filter(entityWith({ 'sonarqube.org/project-key': 'x' }))).toBe(
      false,
    );
    expect(card.get(coreExtensionData.reactElement)).toBeDefined();
  });

  it("adds GitHub Actions to the pipelines' CI/CD tab and latest-runs card by id", () => {
    const providers = [
      createExtensionTester(gitHubCiCdProvider).get(
        CiCdProviderBlueprint.dataRefs.provider,
      ),
      createExtensionTester(gitHubLatestRunsProvider).get(
        CiCdProviderBlueprint.dataRefs.provider,
      ),
    ];
    for (const provider of providers) {
      expect(provider.id).toBe('github');
      expect(provider.title).toBe('GitHub Actions');
      expect(provider.appliesTo(entity)).toBe(true);
      expect(provider.appliesTo(entityWith({}))).toBe(false);
    }
    // Attached by id: the pipelines plugin is never imported
    expect(String(gitHubCiCdProvider)).toContain(
      'attachTo=entity-content:pipelines/ci-cd@providers',
    );
    expect(String(gitHubLatestRunsProvider)).toContain(
      'attachTo=entity-card:pipelines/latest-runs@providers',
    );
  });

  it('adds Propose as pull request to the pipeline editor and Re-run/Cancel to the GitHub Actions runs, by id and lazily', async () => {
    const editorAction = createExtensionTester(
      gitHubProposePullRequestAction,
    ).get(EditorActionBlueprint.dataRefs.action);
    await expect(editorAction.loader()).resolves.toBe(ProposePullRequestAction);
    expect(String(gitHubProposePullRequestAction)).toContain(
      'attachTo=page:pipelines@editorActions',
    );
    const runAction = createExtensionTester(gitHubWorkflowRunActions).get(
      CiCdRunActionBlueprint.dataRefs.action,
    );
    // The runs the pipelines backend's github provider lists
    expect(runAction.provider).toBe('github');
    await expect(runAction.loader()).resolves.toBe(WorkflowRunActions);
    expect(String(gitHubWorkflowRunActions)).toContain(
      'attachTo=entity-content:pipelines/ci-cd@runActions',
    );
  });

  it('builds the client from discovery and fetch, calling /api/github', async () => {
    const factory = createExtensionTester(gitHubApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api).toBe(gitHubApiRef);
    const fetch = jest.fn(
      async () =>
        new Response(JSON.stringify({ configured: true, hosts: [] }), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = factory.factory({
      discoveryApi: {
        getBaseUrl: async (id: string) => `http://backstage/api/${id}`,
      },
      fetchApi: { fetch },
    }) as GitHubClientApi;
    expect(client).toBeInstanceOf(GitHubClientApi);
    await expect(client.getConfig()).resolves.toEqual({
      configured: true,
      hosts: [],
    });
    expect(fetch).toHaveBeenCalledWith('http://backstage/api/github/config', {
      method: 'GET',
    });
  });

  it.each([
    ['tab', gitHubEntityContent, 'table'],
    ['card', gitHubPullRequestsCard, 'list'],
  ])('loads the %s lazily', async (_kind, extension, role) => {
    await renderInTestApp(
      <TestApiProvider apis={[[gitHubApiRef, mockApi()]]}>
        <EntityProvider entity={entity}>
          {createExtensionTester(extension as any).reactElement()}
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByRole(role, { name: 'Open pull requests' }),
    ).toBeInTheDocument();
  });
});
