import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  mockApis,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { configure, screen, within } from '@testing-library/react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import type { PipelineRun } from '@internal/plugin-pipelines-common';
import {
  CiCdProviderBlueprint,
  CiCdRunActionBlueprint,
  EditorActionBlueprint,
  pipelinesAttachPoints,
} from '@internal/plugin-pipelines-react';
import { PipelinesApi, pipelinesApiRef } from './api/PipelinesApi';
import { pipelinesPlugin } from './plugin';

// Rendering a themed app under jsdom is slow on a shared CI machine
jest.setTimeout(60_000);
configure({ asyncUtilTimeout: 15_000 });

// Looked up by the ids other plugins attach to, so a renamed host fails here
const ciCdContent = pipelinesPlugin.getExtension(
  pipelinesAttachPoints.ciCdContentProviders.id,
);
const latestRunsCard = pipelinesPlugin.getExtension(
  pipelinesAttachPoints.latestRunsCardProviders.id,
);

// A provider as a CI system's plugin attaches it: by the host's extension id, not by import
const jenkinsParams = {
  id: 'jenkins',
  title: 'Jenkins',
  appliesTo: (entity: Entity) =>
    Boolean(entity.metadata.annotations?.['jenkins.io/job-full-name']),
};
const jenkinsForTab = CiCdProviderBlueprint.make({
  name: 'jenkins',
  params: jenkinsParams,
});
const jenkinsForCard = CiCdProviderBlueprint.make({
  name: 'jenkins-card',
  attachTo: pipelinesAttachPoints.latestRunsCardProviders,
  params: jenkinsParams,
});

const jenkinsOnly: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    annotations: { 'jenkins.io/job-full-name': 'payments/build' },
  },
};
const cometOnly: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: {
    name: 'payments',
    annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
  },
};

describe('the CI/CD tab and latest-runs card filters', () => {
  it('show a Jenkins-only entity only when the Jenkins provider is attached', () => {
    const without = createExtensionTester(ciCdContent).get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(without(jenkinsOnly)).toBe(false);
    expect(without(cometOnly)).toBe(true);

    const withJenkins = createExtensionTester(ciCdContent)
      .add(jenkinsForTab)
      .get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(withJenkins(jenkinsOnly)).toBe(true);
    expect(withJenkins(cometOnly)).toBe(true);
  });

  it('the card follows its own providers input', () => {
    const without = createExtensionTester(latestRunsCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(without(jenkinsOnly)).toBe(false);

    const withJenkins = createExtensionTester(latestRunsCard)
      .add(jenkinsForCard)
      .get(EntityCardBlueprint.dataRefs.filterFunction)!;
    expect(withJenkins(jenkinsOnly)).toBe(true);
  });
});

describe('the actions other plugins attach by id', () => {
  const githubEntity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'payments-api',
      namespace: 'default',
      annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
    },
  };
  const githubRun: PipelineRun = {
    provider: 'github',
    runId: 'github:comet-examples/payments-api#101',
    entityRef: 'component:default/payments-api',
    pipeline: 'CI',
    number: 1,
    status: 'succeeded',
    trigger: { type: 'push' },
    params: {},
    createdAt: new Date().toISOString(),
    links: [],
    jobs: [],
  };
  const api = {
    listCiRuns: async () => ({
      providers: [{ id: 'github', title: 'GitHub Actions' }],
      runs: [githubRun],
      errors: [],
    }),
    listPipelines: async () => ({ pipelines: [] }),
    getStats: async () => ({ pipelines: [] }),
  } as unknown as PipelinesApi;

  it("the CI/CD tab shows a run action in its provider's rows", async () => {
    const rerun = CiCdRunActionBlueprint.make({
      name: 'rerun',
      params: {
        provider: 'github',
        loader: async () => props => <button>Re-run {props.run.runId}</button>,
      },
    });
    const tab = createExtensionTester(
      pipelinesPlugin.getExtension(pipelinesAttachPoints.ciCdRunActions.id),
    ).add(rerun);
    await renderInTestApp(
      <EntityProvider entity={githubEntity}>
        {tab.reactElement()}
      </EntityProvider>,
      { apis: [[pipelinesApiRef, api], mockApis.permission()] },
    );
    const table = await screen.findByRole('table', {
      name: 'Pipeline runs of payments-api',
    });
    expect(
      await within(table).findByRole('button', {
        name: 'Re-run github:comet-examples/payments-api#101',
      }),
    ).toBeInTheDocument();
  });

  it("the pipelines page hands the editor's actions to the editor", async () => {
    const propose = EditorActionBlueprint.make({
      name: 'propose',
      params: {
        loader: async () => props =>
          <button>Propose {props.files.map(f => f.path).join(', ')}</button>,
      },
    });
    const page = createExtensionTester(
      pipelinesPlugin.getExtension(pipelinesAttachPoints.editorActions.id),
    ).add(propose);
    await renderInTestApp(page.reactElement(), {
      apis: [
        [
          pipelinesApiRef,
          {
            ...api,
            listPipelines: async () => ({
              pipelines: [
                {
                  path: '.comet/pipeline.yaml',
                  text: 'name: ci\njobs: {}\n',
                },
              ],
            }),
            validate: async () => ({ ok: true, issues: [] }),
          } as unknown as PipelinesApi,
        ],
        mockApis.permission(),
      ],
      initialRouteEntries: [
        '/editor?entityRef=component%3Adefault%2Fpayments-api',
      ],
    });
    expect(
      await screen.findByRole('button', {
        name: 'Propose .comet/pipeline.yaml',
      }),
    ).toBeInTheDocument();
  });
});
