import type { Entity } from '@backstage/catalog-model';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import {
  CiCdProviderBlueprint,
  ciCdProviderDataRef,
} from './CiCdProviderBlueprint';
import {
  EntityPanelBlueprint,
  entityPanelDataRef,
} from './EntityPanelBlueprint';
import {
  RunPageActionBlueprint,
  runPageActionDataRef,
} from './RunPageActionBlueprint';
import {
  EditorActionBlueprint,
  editorActionDataRef,
  EditorActionProps,
} from './EditorActionBlueprint';
import {
  CiCdRunActionBlueprint,
  ciCdRunActionDataRef,
  CiCdRunActionProps,
} from './CiCdRunActionBlueprint';
import { pipelinesAttachPoints } from './attachPoints';

const github = (entity: Entity) =>
  Boolean(entity.metadata.annotations?.['github.com/project-slug']);

// Attaching to the pipelines plugin's hosts by these ids is tested in the pipelines plugin
// (plugin.test.tsx) and the app (ciCdProviders.test.tsx), which have the hosts.
describe('pipelines blueprints', () => {
  it('a CI/CD provider carries its id, title and appliesTo', () => {
    const provider = CiCdProviderBlueprint.make({
      name: 'github',
      params: { id: 'github', title: 'GitHub Actions', appliesTo: github },
    });
    const output = createExtensionTester(provider).get(ciCdProviderDataRef);
    expect(output).toMatchObject({ id: 'github', title: 'GitHub Actions' });
    expect(
      output.appliesTo({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'x',
          annotations: { 'github.com/project-slug': 'acme/x' },
        },
      }),
    ).toBe(true);
  });

  it('a run-page action carries a lazy loader of its component', async () => {
    const Action = () => <button>Explain this failure</button>;
    const action = RunPageActionBlueprint.make({
      name: 'explain',
      params: { loader: async () => Action },
    });
    const output = createExtensionTester(action).get(runPageActionDataRef);
    await expect(output.loader()).resolves.toBe(Action);
  });

  it('an entity panel carries its title', () => {
    const panel = EntityPanelBlueprint.make({
      name: 'tests',
      params: { title: 'Test results', loader: async () => <p>tests</p> },
    });
    expect(createExtensionTester(panel).get(entityPanelDataRef).title).toBe(
      'Test results',
    );
  });

  it('a pipeline-editor action attaches to the pipelines page with a lazy loader', async () => {
    const Propose = (props: EditorActionProps) => (
      <button>Propose {props.files.filter(f => f.changed).length} files</button>
    );
    const action = EditorActionBlueprint.make({
      name: 'propose',
      params: { loader: async () => Propose },
    });
    const output = createExtensionTester(action).get(editorActionDataRef);
    await expect(output.loader()).resolves.toBe(Propose);
    // By id: the attaching plugin never imports the pipelines plugin
    expect(String(action)).toContain('attachTo=page:pipelines@editorActions');
    expect(pipelinesAttachPoints.editorActions).toEqual({
      id: 'page:pipelines',
      input: 'editorActions',
    });
  });

  it("a CI/CD run action names its provider and attaches to the CI/CD tab's runs", async () => {
    const Rerun = (props: CiCdRunActionProps) => (
      <button onClick={props.onChanged}>Re-run {props.run.runId}</button>
    );
    const action = CiCdRunActionBlueprint.make({
      name: 'rerun',
      params: { provider: 'github', loader: async () => Rerun },
    });
    const output = createExtensionTester(action).get(ciCdRunActionDataRef);
    expect(output.provider).toBe('github');
    await expect(output.loader()).resolves.toBe(Rerun);
    expect(String(action)).toContain(
      'attachTo=entity-content:pipelines/ci-cd@runActions',
    );
  });
});
