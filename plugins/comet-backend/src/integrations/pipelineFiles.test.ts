/*
 * `comet.dev/pipelines` on the Integrations card: a live list of the entity's pipeline files
 * from `pipelines:list-pipeline-files` (a stand-in with the real id and input schema), and
 * typed or picked paths checked against that list on save.
 */
import { ServiceUnavailableError } from '@backstage/errors';
import {
  ADA,
  PAYMENTS,
  startIntegrationsBackend,
} from './__testUtils__/integrationsTestBackend';

jest.setTimeout(60_000);

const LEDGER = 'component:default/ledger';
const WITH_PIPELINES = ['test-recorder', 'github', 'pipelines'];

describe('the Integrations card’s pipeline files', () => {
  let fixture: Awaited<ReturnType<typeof startIntegrationsBackend>>;

  afterEach(async () => {
    await fixture?.stop();
  });

  const save = (pipelines: string) =>
    fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: { 'comet.dev/pipelines': pipelines },
    });

  it('offers the pipeline files of the entity’s repository, listed as the caller, labelled with their names', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    const res = await fixture.options(ADA);
    expect(res.status).toBe(200);
    expect(res.body.fields['comet.dev/pipelines']).toEqual({
      input: 'list',
      values: [
        {
          value: '.comet/pipeline.yaml',
          label: 'Build and test (.comet/pipeline.yaml)',
        },
        { value: '.comet/nightly.yml', label: '.comet/nightly.yml' },
      ],
      hint: 'Repository paths of pipeline files, comma-separated, e.g. .comet/pipeline.yaml: the YAML files of .comet/ and the declared ones in https://github.com/comet-examples/payments-api.git at HEAD (commit 0123456789ab); a typed path must exist there',
    });
    expect(
      fixture.invocations.filter(
        i => i.actionId === 'pipelines:list-pipeline-files',
      ),
    ).toEqual([
      {
        actionId: 'pipelines:list-pipeline-files',
        user: ADA,
        input: { entityRef: PAYMENTS },
      },
    ]);
  });

  it('falls back to typing, saying why, when the list cannot be read or is not offered', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    // An entity without a source location: the action's own reason
    const ledger = await fixture.options(ADA, LEDGER);
    expect(ledger.body.fields['comet.dev/pipelines']).toEqual({
      input: 'text',
      values: [],
      hint: 'Repository paths of pipeline files, comma-separated, e.g. .comet/pipeline.yaml',
      error:
        'pipelines:list-pipeline-files answered 400: component:default/ledger has no backstage.io/source-location annotation, so Comet cannot list its pipeline files',
    });
    fixture.repositoryFiles.set(
      PAYMENTS,
      new ServiceUnavailableError(
        'Cannot fetch HEAD from https://github.com/comet-examples/payments-api.git: timed out',
      ),
    );
    const down = await fixture.options(ADA);
    expect(down.body.fields['comet.dev/pipelines']).toMatchObject({
      input: 'text',
      error: expect.stringContaining('Cannot fetch HEAD from'),
    });
    await fixture.stop();

    fixture = await startIntegrationsBackend();
    const absent = await fixture.options(ADA);
    expect(absent.body.fields['comet.dev/pipelines']).toEqual({
      input: 'text',
      values: [],
      hint: 'Repository paths of pipeline files, comma-separated, e.g. .comet/pipeline.yaml; pipelines:list-pipeline-files is not available to list them (add pipelines to backend.actions.pluginSources)',
    });
  });

  it('saves paths that exist, picked or typed, asking for exactly those paths', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    const res = await save('.comet/pipeline.yaml, deploy/prod.yaml');
    expect(res.status).toBe(200);
    expect(res.body.override.annotations).toEqual({
      'comet.dev/pipelines': '.comet/pipeline.yaml, deploy/prod.yaml',
    });
    expect(
      fixture.invocations.filter(
        i => i.actionId === 'pipelines:list-pipeline-files',
      ),
    ).toEqual([
      {
        actionId: 'pipelines:list-pipeline-files',
        user: ADA,
        input: {
          entityRef: PAYMENTS,
          paths: ['.comet/pipeline.yaml', 'deploy/prod.yaml'],
        },
      },
    ]);
  });

  it('refuses a path the repository does not have, naming the field, the path and what there is', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    const missing = await save('.comet/pipeline.yaml, .comet/release.yaml');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe(
      'Invalid wiring field "comet.dev/pipelines": there is no file ".comet/release.yaml" in https://github.com/comet-examples/payments-api.git at HEAD (commit 0123456789ab); its pipeline files are .comet/nightly.yml, .comet/pipeline.yaml',
    );
    // A path the engine would not read as written, with the way to write it
    const dotted = await save('./.comet/nightly.yml');
    expect(dotted.status).toBe(400);
    expect(dotted.body.error.message).toContain(
      'there is no file "./.comet/nightly.yml" in https://github.com/comet-examples/payments-api.git at HEAD (commit 0123456789ab); write it as .comet/nightly.yml;',
    );
    // The shape check still comes first, and asks no list
    fixture.invocations.length = 0;
    const outside = await save('../outside.yaml');
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toContain(
      'Invalid wiring field "comet.dev/pipelines"',
    );
    expect(outside.body.error.message).toContain('".."');
    expect(fixture.invocations).toEqual([]);
    // Nothing was stored
    expect(fixture.auditEvents.map(e => e.outcome)).toEqual([
      'failure',
      'failure',
      'failure',
    ]);
  });

  it('keeps the shape check alone when the list cannot be read on save', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    fixture.repositoryFiles.set(
      PAYMENTS,
      new ServiceUnavailableError('the repository is unreachable'),
    );
    const res = await save('.comet/anything.yaml');
    expect(res.status).toBe(200);
    expect(res.body.override.annotations).toEqual({
      'comet.dev/pipelines': '.comet/anything.yaml',
    });
  });

  it('checks the paths of a pull request too', async () => {
    fixture = await startIntegrationsBackend({ installed: WITH_PIPELINES });
    const res = await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'pull-request',
      annotations: { 'comet.dev/pipelines': '.comet/gone.yaml' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /^Invalid wiring field "comet\.dev\/pipelines": there is no file "\.comet\/gone\.yaml"/,
    );
    expect(fixture.invocations.map(i => i.actionId)).not.toContain(
      'github:propose-catalog-change',
    );
  });
});
