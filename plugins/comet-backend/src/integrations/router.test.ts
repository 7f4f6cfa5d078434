import { mockCredentials } from '@backstage/backend-test-utils';
import {
  ADA,
  BOB,
  EVE,
  PAYMENTS,
  ROOT,
  startIntegrationsBackend,
} from './__testUtils__/integrationsTestBackend';

jest.setTimeout(60_000);

const LEDGER = 'component:default/ledger';

describe('the Integrations routes', () => {
  let fixture: Awaited<ReturnType<typeof startIntegrationsBackend>>;

  beforeEach(async () => {
    fixture = await startIntegrationsBackend();
  });

  afterEach(async () => {
    await fixture.stop();
  });

  it('shows the wiring, the override permission and the mode to each caller', async () => {
    const ada = await fixture.wiring(ADA);
    expect(ada.status).toBe(200);
    expect(ada.body).toEqual({
      entityRef: PAYMENTS,
      annotations: { 'jira/project-key': 'PAY' },
      overridden: [],
      mode: 'pull-request',
      canOverride: true,
    });

    const bob = await fixture.wiring(BOB);
    expect(bob.status).toBe(200);
    expect(bob.body.canOverride).toBe(false);

    // No GitHub repository: only an override is possible, and the card says why
    const ledger = await fixture.wiring(ADA, LEDGER);
    expect(ledger.body.mode).toBe('override');
    expect(ledger.body.modeReason).toContain('github.com/project-slug');

    // An entity the caller cannot see is not there
    const eve = await fixture.wiring(EVE);
    expect(eve.status).toBe(404);

    const bad = await fixture.wiring(ADA, 'not a ref');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('not a valid entity ref');

    const missing = await fixture
      .http()
      .get('/api/comet/integrations/wiring')
      .set('Authorization', fixture.as(ADA));
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe(
      'Invalid query field "entityRef": Required',
    );
  });

  it('lists the choices from the live systems to those who may change the wiring', async () => {
    const res = await fixture.options(ADA);
    expect(res.status).toBe(200);
    expect(res.body.fields['jira/component']).toEqual({
      input: 'list',
      values: [
        { value: 'payments-api', label: 'payments-api (PAY)' },
        { value: 'checkout', label: 'checkout (PAY)' },
        { value: 'refunds', label: 'refunds (PAY)' },
        { value: 'fraud-detection', label: 'fraud-detection (PAY)' },
      ],
      hint: expect.stringContaining('jira/project-key'),
    });
    expect(res.body.fields['comet.dev/test-suites']).toEqual({
      input: 'list',
      values: [
        {
          value: 'payments-checkout',
          label: 'payments checkout (payments-checkout)',
        },
        {
          value: 'payments-refunds',
          label: 'payments refunds (payments-refunds)',
        },
      ],
      hint: expect.any(String),
    });
    expect(res.body.fields['jenkins.io/job-full-name']).toMatchObject({
      input: 'text',
      hint: expect.stringContaining('instances: default'),
    });
    expect(res.body.fields['jenkins.io/job-full-name'].notConfigured).toBe(
      undefined,
    );
    // The suites were listed as the caller
    expect(fixture.invocations).toContainEqual({
      actionId: 'test-recorder:list-suites',
      user: ADA,
      input: { entityRef: PAYMENTS },
    });

    const bob = await fixture.options(BOB);
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toContain(
      'You may not change the wiring of component:default/payments-api',
    );

    // Without a project key there is no component list, and the hint says what to set first
    const ledger = await fixture.options(ADA, LEDGER);
    expect(ledger.body.fields['jira/component']).toMatchObject({
      input: 'text',
      values: [],
      hint: expect.stringContaining('set jira/project-key first'),
    });
    expect(ledger.body.fields['comet.dev/test-suites'].values).toEqual([]);
  });

  it('saves an override for an owner, audited, refreshes the entity and serves it to the catalog', async () => {
    const res = await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: {
        'jira/project-key': ' SHOP ',
        'jenkins.io/job-full-name': 'payments/payments-api',
        'sonarqube.org/project-key': 'comet-examples_payments-api',
        'comet.dev/test-suites': 'payments-checkout',
        'comet.dev/pipelines': '.comet/pipeline.yaml, .comet/nightly.yaml',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mode: 'override',
      override: {
        entityRef: PAYMENTS,
        annotations: {
          'jira/project-key': 'SHOP',
          'jenkins.io/job-full-name': 'payments/payments-api',
          'sonarqube.org/project-key': 'comet-examples_payments-api',
          'comet.dev/test-suites': 'payments-checkout',
          'comet.dev/pipelines': '.comet/pipeline.yaml, .comet/nightly.yaml',
        },
        updatedBy: ADA,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    expect(fixture.refreshed).toEqual([PAYMENTS]);
    // The suite was looked up as the caller
    expect(fixture.invocations).toContainEqual({
      actionId: 'test-recorder:get-suite',
      user: ADA,
      input: { suite: 'payments-checkout' },
    });
    expect(fixture.auditEvents).toEqual([
      {
        eventId: 'integrations-override-save',
        meta: {
          entityRef: PAYMENTS,
          keys: [
            'comet.dev/pipelines',
            'comet.dev/test-suites',
            'jenkins.io/job-full-name',
            'jira/project-key',
            'sonarqube.org/project-key',
          ],
        },
        outcome: 'success',
        successMeta: {
          entityRef: PAYMENTS,
          before: {},
          after: res.body.override.annotations,
        },
      },
    ]);

    const wiring = await fixture.wiring(BOB);
    expect(wiring.body.override).toEqual(res.body.override);

    // A second save replaces the first, and the audit has old → new
    const again = await fixture.change(ROOT, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: { 'jira/project-key': 'PAY' },
    });
    expect(again.status).toBe(200);
    expect(fixture.auditEvents[1].successMeta).toEqual({
      entityRef: PAYMENTS,
      before: res.body.override.annotations,
      after: { 'jira/project-key': 'PAY' },
    });

    const catalog = await fixture.overrides(
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('plugin:catalog'),
        targetPluginId: 'comet',
      }),
    );
    expect(catalog.status).toBe(200);
    expect(catalog.body.overrides).toEqual([
      {
        entityRef: PAYMENTS,
        annotations: { 'jira/project-key': 'PAY' },
        updatedBy: ROOT,
        updatedAt: expect.any(String),
      },
    ]);
    const otherService = await fixture.overrides(
      mockCredentials.service.header({
        onBehalfOf: mockCredentials.service('plugin:jenkins'),
        targetPluginId: 'comet',
      }),
    );
    expect(otherService.status).toBe(403);
    const user = await fixture.overrides(fixture.as(ADA));
    expect(user.status).toBe(403);
  });

  it.each([
    [
      { 'backstage.io/source-location': 'url:https://evil.example/repo' },
      'backstage.io/source-location',
      'backstage.io/source-location is never changed by Comet',
    ],
    [{ 'jira/label': 'x' }, 'jira/label', 'may only set jira/project-key'],
    [{ 'jira/project-key': 42 }, 'jira/project-key', 'must be a string'],
    [{ 'jira/project-key': '  ' }, 'jira/project-key', 'is empty'],
    [
      { 'comet.dev/pipelines': 'a\nb' },
      'comet.dev/pipelines',
      'must be one line',
    ],
    [
      { 'jenkins.io/job-full-name': 'nowhere:payments/payments-api' },
      'jenkins.io/job-full-name',
      'Unknown Jenkins instance "nowhere"',
    ],
    [
      { 'jenkins.io/job-full-name': 'payments/no-such-job' },
      'jenkins.io/job-full-name',
      'Jenkins instance "default" has no job "payments/no-such-job"',
    ],
    [
      { 'sonarqube.org/project-key': 'no-such-project' },
      'sonarqube.org/project-key',
      'SonarQube has no project "no-such-project"',
    ],
    [
      { 'sonarqube.org/project-key': 'a/b/c' },
      'sonarqube.org/project-key',
      'has more than one "/"',
    ],
    [
      { 'jira/project-key': 'NOPE' },
      'jira/project-key',
      'Jira has no project "NOPE"',
    ],
    [{ 'jira/project-key': 'lower' }, 'jira/project-key', 'lower'],
    [
      { 'jira/component': 'no-such-component' },
      'jira/component',
      '"no-such-component" is not a component of PAY (it has checkout, fraud-detection, payments-api, refunds)',
    ],
    [
      { 'comet.dev/test-suites': 'no-such-suite' },
      'comet.dev/test-suites',
      'there is no test suite "no-such-suite"',
    ],
    [
      { 'comet.dev/test-suites': 'Bad_Name' },
      'comet.dev/test-suites',
      'is not a suite name',
    ],
    [
      { 'comet.dev/pipelines': '../outside.yaml' },
      'comet.dev/pipelines',
      'contains ".."',
    ],
  ])(
    'refuses %j with a 400 naming the field',
    async (annotations, field, message) => {
      const res = await fixture.change(ADA, {
        entityRef: PAYMENTS,
        mode: 'override',
        annotations,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.name).toBe('InputError');
      expect(res.body.error.message).toContain(
        `Invalid wiring field "${field}"`,
      );
      expect(res.body.error.message).toContain(message);
      expect((await fixture.wiring(ADA)).body.override).toBeUndefined();
      expect(fixture.refreshed).toEqual([]);
      expect(fixture.auditEvents.map(e => e.outcome)).toEqual(['failure']);
    },
  );

  it('refuses an empty change, a bad mode and a malformed body', async () => {
    const empty = await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: {},
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('no annotation to set');

    const mode = await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'direct',
      annotations: { 'jira/project-key': 'PAY' },
    });
    expect(mode.status).toBe(400);
    expect(mode.body.error.message).toContain('Invalid body field "mode"');
  });

  it('refuses an override to a non-owner and to a service, and audits the refusal', async () => {
    const bob = await fixture.change(BOB, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: { 'jira/project-key': 'SHOP' },
    });
    expect(bob.status).toBe(403);
    expect(bob.body.error.message).toBe(
      'You are not allowed to comet.integrations.override on component:default/payments-api',
    );
    expect(fixture.auditEvents).toEqual([
      expect.objectContaining({
        eventId: 'integrations-override-save',
        outcome: 'failure',
      }),
    ]);

    const service = await fixture
      .http()
      .post('/api/comet/integrations/wiring')
      .send({
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: { 'jira/project-key': 'SHOP' },
      })
      .set('Authorization', mockCredentials.service.header());
    expect(service.status).toBe(403);
    expect(service.body.error.message).toContain('Only a signed-in user');
    expect((await fixture.wiring(ADA)).body.override).toBeUndefined();
  });

  it('proposes a pull request through GitHub’s action as the caller', async () => {
    const res = await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'pull-request',
      annotations: { 'jira/component': 'checkout' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mode: 'pull-request',
      pullRequestUrl: 'https://github.com/comet-examples/payments-api/pull/7',
    });
    expect(fixture.invocations).toContainEqual({
      actionId: 'github:propose-catalog-change',
      user: ADA,
      input: {
        entityRef: PAYMENTS,
        annotations: { 'jira/component': 'checkout' },
        title: 'Wire payments-api to jira/component',
        body: `Proposed from Comet's Integrations card by ${ADA}.`,
      },
    });
    // Nothing stored
    expect((await fixture.wiring(ADA)).body.override).toBeUndefined();

    const ledger = await fixture.change(ADA, {
      entityRef: LEDGER,
      mode: 'pull-request',
      annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
    });
    expect(ledger.status).toBe(400);
    expect(ledger.body.error.message).toContain('Invalid wiring field "mode"');

    const bob = await fixture.change(BOB, {
      entityRef: PAYMENTS,
      mode: 'pull-request',
      annotations: { 'jira/component': 'checkout' },
    });
    expect(bob.status).toBe(403);
  });

  it('removes an override for an owner only, audited', async () => {
    const none = await fixture.remove(ADA);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(
      'component:default/payments-api has no portal-side override of its wiring',
    );

    await fixture.change(ADA, {
      entityRef: PAYMENTS,
      mode: 'override',
      annotations: { 'jira/project-key': 'SHOP' },
    });
    const bob = await fixture.remove(BOB);
    expect(bob.status).toBe(403);

    fixture.refreshed.length = 0;
    const res = await fixture.remove(ADA);
    expect(res.status).toBe(200);
    expect(res.body.removed.annotations).toEqual({
      'jira/project-key': 'SHOP',
    });
    expect(fixture.refreshed).toEqual([PAYMENTS]);
    expect(fixture.auditEvents.at(-1)).toEqual({
      eventId: 'integrations-override-delete',
      meta: { entityRef: PAYMENTS },
      outcome: 'success',
      successMeta: {
        entityRef: PAYMENTS,
        before: { 'jira/project-key': 'SHOP' },
        after: {},
      },
    });
    expect((await fixture.wiring(ADA)).body.override).toBeUndefined();
  });
});

describe('the Integrations routes without the families configured', () => {
  it('names the key to set for each family, and refuses values for them', async () => {
    const fixture = await startIntegrationsBackend({
      configured: [],
      installed: [],
    });
    try {
      const options = await fixture.options(ADA);
      expect(options.status).toBe(200);
      const { fields } = options.body;
      expect(fields['jira/project-key'].notConfigured).toBe(
        'not configured: set jira.instances (name, baseUrl, credentials)',
      );
      expect(fields['jira/component'].notConfigured).toBe(
        'not configured: set jira.instances (name, baseUrl, credentials)',
      );
      expect(fields['jenkins.io/job-full-name'].notConfigured).toContain(
        'set jenkins.instances',
      );
      expect(fields['sonarqube.org/project-key'].notConfigured).toContain(
        'set sonarqube.instances',
      );
      expect(fields['comet.dev/test-suites'].notConfigured).toContain(
        'test-recorder',
      );

      const wiring = await fixture.wiring(ADA);
      expect(wiring.body.mode).toBe('override');
      expect(wiring.body.modeReason).toContain('github:propose-catalog-change');

      const jenkins = await fixture.change(ADA, {
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: { 'jenkins.io/job-full-name': 'payments/payments-api' },
      });
      expect(jenkins.status).toBe(400);
      expect(jenkins.body.error.message).toContain(
        'Invalid wiring field "jenkins.io/job-full-name"',
      );
      expect(jenkins.body.error.message).toContain('Jenkins is not configured');

      const suites = await fixture.change(ADA, {
        entityRef: PAYMENTS,
        mode: 'override',
        annotations: { 'comet.dev/test-suites': 'payments-checkout' },
      });
      expect(suites.status).toBe(400);
      expect(suites.body.error.message).toContain(
        'the test recorder is not configured',
      );

      const pr = await fixture.change(ADA, {
        entityRef: PAYMENTS,
        mode: 'pull-request',
        annotations: { 'comet.dev/pipelines': '.comet/pipeline.yaml' },
      });
      expect(pr.status).toBe(400);
      expect(pr.body.error.message).toContain('save an override instead');
    } finally {
      await fixture.stop();
    }
  });
});
