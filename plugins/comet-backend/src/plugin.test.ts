import { mockCredentials } from '@backstage/backend-test-utils';
import {
  ADA,
  ANNOTATED,
  APP_BASE_URL,
  BARE,
  component,
  EVE,
  GROUP,
  MALLORY,
  PAYMENTS,
  startHealthBackend,
  StandInState,
  TEAM,
} from './__testUtils__/healthTestBackend';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

function run(
  runId: string,
  status: string,
  finishedHours: number,
  extra: object = {},
) {
  return {
    runId,
    provider: 'comet',
    pipeline: 'build',
    status,
    createdAt: at(finishedHours - 1),
    finishedAt: at(finishedHours),
    durationMs: 60_000,
    links: [],
    ...extra,
  };
}

/** Everything a fully annotated component has in every family. */
function seed(state: StandInState, entityRef = PAYMENTS) {
  state.runs.set(entityRef, [
    {
      runId: 'r6',
      provider: 'comet',
      pipeline: 'build',
      status: 'running',
      createdAt: at(60),
      links: [],
    },
    run('r5', 'succeeded', 50, { durationMs: 120_000 }),
    run('r4', 'failed', 40),
    run('r3', 'succeeded', 30),
    run('r2', 'failed', 10),
    run('r1', 'failed', 5),
  ]);
  state.gates.set(entityRef, [
    {
      project: 'payments',
      instance: 'default',
      status: 'ERROR',
      conditions: [],
      url: 'http://sonarqube.example/dashboard?id=payments',
    },
  ]);
  state.suites.set(entityRef, [
    { name: 'checkout', latestRun: { runId: 't1', status: 'failed' } },
    { name: 'search' },
  ]);
  state.testRuns.set('t1', {
    runId: 't1',
    status: 'failed',
    counts: { passed: 8, failed: 1, flaky: 1, skipped: 2 },
    tests: [],
  });
  state.bugs.set(entityRef, {
    issues: [{ key: 'PAY-1' }, { key: 'PAY-2' }, { key: 'PAY-3' }],
    total: 7,
  });
  const now = Date.now();
  state.pullRequests.set(entityRef, [
    {
      number: 2,
      htmlUrl: 'https://github.com/acme/payments-api/pull/2',
      createdAt: new Date(now - 2 * DAY).toISOString(),
    },
    {
      number: 1,
      htmlUrl: 'https://github.com/acme/payments-api/pull/1',
      createdAt: new Date(now - 10 * DAY).toISOString(),
    },
  ]);
}

describe('delivery health', () => {
  let harness: Awaited<ReturnType<typeof startHealthBackend>>;

  afterEach(async () => {
    await harness?.stop();
  });

  it('reads every section through the actions as the caller and rates each figure', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    const res = await harness.entity(ADA, PAYMENTS);
    expect(res.status).toBe(200);
    const health = res.body;
    expect(health.entityRef).toBe(PAYMENTS);
    expect(health.title).toBe('payments-api');

    expect(health.pipelines).toEqual({
      status: 'ok',
      link: `${APP_BASE_URL}/catalog/default/component/payments-api/ci-cd`,
      value: {
        lastRun: {
          runId: 'r6',
          provider: 'comet',
          pipeline: 'build',
          status: 'running',
          createdAt: at(60),
          link: `${APP_BASE_URL}/pipelines/runs/r6`,
        },
        // 2 of 5 finished runs; recoveries 25 h (5 → 30) and 10 h (40 → 50)
        successRate: { value: 40, rating: 'bad' },
        timeToRecoveryHours: { value: 17.5, rating: 'good' },
        sampleSize: 6,
      },
    });

    expect(health.qualityGate).toEqual({
      status: 'ok',
      link: 'http://sonarqube.example/dashboard?id=payments',
      value: {
        status: { value: 'ERROR', rating: 'bad' },
        projects: [
          {
            project: 'payments',
            instance: 'default',
            status: 'ERROR',
            link: 'http://sonarqube.example/dashboard?id=payments',
          },
        ],
      },
    });

    expect(health.tests.status).toBe('ok');
    // 8 passed and 1 flaky of 10 that ran: 90 %, at the default bad bound
    expect(health.tests.value.passRate).toEqual({ value: 90, rating: 'bad' });
    expect(health.tests.value.flakyCount).toEqual({ value: 1, rating: 'warn' });
    expect(health.tests.value.suites).toEqual([
      {
        suite: 'checkout',
        runId: 't1',
        status: 'failed',
        counts: { passed: 8, failed: 1, flaky: 1, skipped: 2 },
        link: `${APP_BASE_URL}/test-recorder/runs/t1`,
      },
      { suite: 'search', link: `${APP_BASE_URL}/test-recorder/suites/search` },
    ]);

    expect(health.bugs).toEqual({
      status: 'ok',
      link: `${APP_BASE_URL}/catalog/default/component/payments-api/jira`,
      value: { openBugs: { value: 7, rating: 'warn' }, isLowerBound: false },
    });

    expect(health.pullRequests.status).toBe('ok');
    expect(health.pullRequests.link).toBe(
      'https://github.com/acme/payments-api/pulls',
    );
    expect(health.pullRequests.value.open).toBe(2);
    expect(health.pullRequests.value.hasMore).toBe(false);
    expect(health.pullRequests.value.oldestAgeDays).toEqual({
      value: 10,
      rating: 'warn',
    });
    expect(health.pullRequests.value.averageAgeDays).toBe(6);

    // Every read was the caller's own, with the real actions' inputs
    const calls = harness.invocations;
    expect(new Set(calls.map(c => c.user))).toEqual(new Set([ADA]));
    expect(calls.map(c => c.actionId).sort()).toEqual([
      'github:list-pull-requests',
      'jira:search-issues',
      'pipelines:list-runs',
      'sonarqube:get-quality-gate',
      'test-recorder:get-run',
      'test-recorder:list-suites',
    ]);
    expect(
      calls.find(c => c.actionId === 'jira:search-issues')?.input,
    ).toMatchObject({
      entityRef: PAYMENTS,
      type: ['Bug'],
      jql: 'statusCategory != Done',
    });
    expect(
      calls.find(c => c.actionId === 'github:list-pull-requests')?.input,
    ).toEqual({ entityRef: PAYMENTS, state: 'open' });
  });

  it('serves the same through the comet:get-delivery-health action', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    const res = await harness
      .http()
      .post(
        '/api/comet/.backstage/actions/v1/actions/comet:get-delivery-health/invoke',
      )
      .set('Authorization', harness.as(ADA))
      .send({ entityRef: PAYMENTS });
    expect(res.status).toBe(200);
    const { output } = res.body;
    expect(output.entityRef).toBe(PAYMENTS);
    expect(output.pipelines.value.successRate).toEqual({
      value: 40,
      rating: 'bad',
    });
    expect(output.bugs.value.openBugs.value).toBe(7);

    const listed = await harness
      .http()
      .get('/api/comet/.backstage/actions/v1/actions')
      .set('Authorization', harness.as(ADA));
    const action = listed.body.actions.find(
      (a: { id: string }) => a.id === 'comet:get-delivery-health',
    );
    expect(action.attributes).toEqual({
      readOnly: true,
      destructive: false,
      idempotent: true,
    });
  });

  it('says what is not configured when the entity has no annotations and no data', async () => {
    harness = await startHealthBackend();
    const res = await harness.entity(ADA, BARE);
    expect(res.status).toBe(200);
    const { pipelines, qualityGate, tests, bugs, pullRequests } = res.body;
    expect(pipelines).toMatchObject({
      status: 'not-configured',
      message: `${BARE} has no pipeline runs yet`,
    });
    expect(qualityGate).toEqual({
      status: 'not-configured',
      message: `${BARE} has no SonarQube project: add the annotation sonarqube.org/project-key`,
    });
    expect(tests.status).toBe('not-configured');
    expect(tests.message).toContain('has no browser test suites');
    expect(bugs.message).toBe(
      `${BARE} has no Jira project: add the annotation jira/project-key`,
    );
    expect(pullRequests.message).toBe(
      `${BARE} has no GitHub repository: add the annotation github.com/project-slug`,
    );
    // No action is asked about an annotation the entity does not carry
    expect(harness.invocations.map(c => c.actionId).sort()).toEqual([
      'pipelines:list-runs',
      'test-recorder:list-suites',
    ]);
  });

  it('says a family is not installed when its actions are not offered', async () => {
    harness = await startHealthBackend({ installed: ['pipelines'] });
    seed(harness.state);
    const { body } = await harness.entity(ADA, PAYMENTS);
    expect(body.pipelines.status).toBe('ok');
    for (const [section, actionId] of [
      ['qualityGate', 'sonarqube:get-quality-gate'],
      ['tests', 'test-recorder:list-suites'],
      ['bugs', 'jira:search-issues'],
      ['pullRequests', 'github:list-pull-requests'],
    ]) {
      expect(body[section].status).toBe('not-configured');
      expect(body[section].message).toContain(`(${actionId} is not available)`);
    }
  });

  it('tells a family that is not configured from an instance that is down, and one failing section fails no other', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    harness.state.modes.jira = 'not-configured';
    harness.state.modes.github = 'down';
    const { status, body } = await harness.entity(ADA, PAYMENTS);
    expect(status).toBe(200);
    expect(body.bugs).toEqual({
      status: 'not-configured',
      message:
        'Jira is not configured: set jira.baseUrl, jira.email and jira.apiToken to turn it on',
      link: `${APP_BASE_URL}/catalog/default/component/payments-api/jira`,
    });
    expect(body.pullRequests.status).toBe('error');
    expect(body.pullRequests.message).toBe(
      'github:list-pull-requests answered 503: github instance default at http://127.0.0.1:9/ answered 503 Service Unavailable',
    );
    expect(body.pipelines.status).toBe('ok');
    expect(body.qualityGate.status).toBe('ok');
    expect(body.tests.status).toBe('ok');
  });

  it('reports a section that does not answer in time as an error, with the others read', async () => {
    harness = await startHealthBackend({
      deliveryHealth: { sectionTimeoutMs: 300 },
    });
    seed(harness.state);
    harness.state.modes.sonarqube = 'hang';
    const { status, body } = await harness.entity(ADA, PAYMENTS);
    expect(status).toBe(200);
    expect(body.qualityGate).toEqual({
      status: 'error',
      message: 'the quality gate did not answer within 300 ms',
      link: `${APP_BASE_URL}/catalog/default/component/payments-api/sonarqube`,
    });
    expect(body.bugs.value.openBugs.value).toBe(7);
  });

  it('shows each section only as far as the caller’s own actions answer', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    const { body } = await harness.entity(MALLORY, PAYMENTS);
    expect(body.qualityGate.status).toBe('error');
    expect(body.qualityGate.message).toBe(
      `sonarqube:get-quality-gate answered 403: You are not allowed to sonarqube.findings.read on ${PAYMENTS}`,
    );
    expect(body.pipelines.status).toBe('ok');
  });

  it('shows a project SonarQube has not analysed yet as gate NONE, not as a failure', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    harness.state.gates.set(PAYMENTS, [
      {
        project: 'payments',
        instance: 'default',
        status: 'NONE',
        conditions: [],
        analysed: false,
        error:
          'Project "payments" on SonarQube instance "default" has not been analysed yet',
      },
    ]);
    const { body } = await harness.entity(ADA, PAYMENTS);
    expect(body.qualityGate.status).toBe('ok');
    expect(body.qualityGate.value.status).toEqual({ value: 'NONE' });
    expect(body.qualityGate.message).toBeUndefined();
    expect(body.qualityGate.value.projects).toEqual([
      { project: 'payments', instance: 'default', status: 'NONE' },
    ]);
  });

  it('reads what it can of several projects and suites, and says what it could not', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    harness.state.gates.set(PAYMENTS, [
      {
        project: 'payments',
        instance: 'default',
        status: 'OK',
        conditions: [],
      },
      {
        project: 'payments-ui',
        instance: 'eu',
        status: 'NONE',
        conditions: [],
        error: 'SonarQube eu at http://127.0.0.1:9/ could not be reached',
      },
    ]);
    harness.state.suites.set(PAYMENTS, [
      { name: 'checkout', latestRun: { runId: 't1', status: 'failed' } },
      { name: 'search', latestRun: { runId: 'gone', status: 'passed' } },
    ]);
    const { body } = await harness.entity(ADA, PAYMENTS);
    expect(body.qualityGate.status).toBe('ok');
    expect(body.qualityGate.value.status).toEqual({
      value: 'OK',
      rating: 'good',
    });
    expect(body.qualityGate.message).toBe(
      'Not read: payments-ui: SonarQube eu at http://127.0.0.1:9/ could not be reached',
    );
    expect(body.tests.status).toBe('ok');
    expect(body.tests.value.passRate.value).toBe(90);
    expect(body.tests.message).toBe(
      'search: test-recorder:get-run answered 404: No test run gone',
    );

    // Nothing readable: the section is an error naming each failure
    harness.state.gates.set(PAYMENTS, [
      {
        project: 'payments',
        instance: 'default',
        status: 'NONE',
        conditions: [],
        error: 'SonarQube default answered 401',
      },
    ]);
    harness.state.suites.set(PAYMENTS, [
      { name: 'search', latestRun: { runId: 'gone', status: 'passed' } },
    ]);
    const again = await harness.entity(ADA, PAYMENTS);
    expect(again.body.qualityGate).toEqual({
      status: 'error',
      message: 'payments: SonarQube default answered 401',
      link: `${APP_BASE_URL}/catalog/default/component/payments-api/sonarqube`,
    });
    expect(again.body.tests.status).toBe('error');
    expect(again.body.tests.message).toBe(
      'search: test-recorder:get-run answered 404: No test run gone',
    );
  });

  it('counts bugs from one page when Jira gives no total, and reads runs of other providers', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    harness.state.bugs.set(PAYMENTS, {
      issues: Array.from({ length: 120 }, (_, i) => ({ key: `PAY-${i}` })),
    });
    harness.state.runs.set(PAYMENTS, [
      run('jenkins-7', 'failed', 5, {
        provider: 'jenkins',
        links: [{ url: 'https://jenkins.example.org/job/payments/7/' }],
      }),
    ]);
    const { body } = await harness.entity(ADA, PAYMENTS);
    expect(body.bugs.value).toEqual({
      openBugs: { value: 100, rating: 'bad' },
      isLowerBound: true,
    });
    expect(body.pipelines.value.lastRun.link).toBe(
      'https://jenkins.example.org/job/payments/7/',
    );
    expect(body.pipelines.value.successRate).toEqual({
      value: 0,
      rating: 'bad',
    });
    expect(body.pipelines.value.timeToRecoveryHours).toBeUndefined();
  });

  it('answers 404 for an entity the caller cannot see, without calling any action', async () => {
    harness = await startHealthBackend();
    seed(harness.state);
    const res = await harness.entity(EVE, PAYMENTS);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      `No entity ${PAYMENTS} in the catalog (or you cannot see it)`,
    );
    const action = await harness
      .http()
      .post(
        '/api/comet/.backstage/actions/v1/actions/comet:get-delivery-health/invoke',
      )
      .set('Authorization', harness.as(EVE))
      .send({ entityRef: PAYMENTS });
    expect(action.status).toBe(404);
    expect(harness.invocations).toEqual([]);
    // The group she sees, with none of the components she does not
    const group = await harness.group(EVE, TEAM);
    expect(group.status).toBe(200);
    expect(group.body.entities).toEqual([]);
  });

  it('rejects bad input naming the field, and an invalid token', async () => {
    harness = await startHealthBackend();
    const noRef = await harness
      .http()
      .get('/api/comet/entity')
      .set('Authorization', harness.as(ADA));
    expect(noRef.status).toBe(400);
    expect(noRef.body.error.message).toBe(
      'Invalid query field "entityRef": Required',
    );
    const badRef = await harness.entity(ADA, 'not a ref:/x/y');
    expect(badRef.status).toBe(400);
    expect(badRef.body.error.message).toContain('is not a valid entity ref');
    const notGroup = await harness.group(ADA, PAYMENTS);
    expect(notGroup.status).toBe(400);
    expect(notGroup.body.error.message).toBe(
      `groupRef: ${PAYMENTS} is a Component, not a Group`,
    );
    const noGroup = await harness
      .http()
      .post('/api/comet/group')
      .set('Authorization', harness.as(ADA))
      .send({});
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.error.message).toBe(
      'Invalid body field "groupRef": Required',
    );
    const invalid = await harness
      .http()
      .get('/api/comet/entity')
      .query({ entityRef: PAYMENTS })
      .set('Authorization', mockCredentials.user.invalidHeader());
    expect(invalid.status).toBe(401);
  });

  it('lists a group’s components with their health, bounded and a few at a time', async () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    harness = await startHealthBackend({
      entities: [
        GROUP,
        ...names.map(name => component(name, ANNOTATED)),
        component('other-team', ANNOTATED, 'group:default/team-b'),
      ],
      deliveryHealth: { group: { maxEntities: 3, concurrency: 2 } },
    });
    for (const name of names) seed(harness.state, `component:default/${name}`);
    const res = await harness.group(ADA, TEAM);
    expect(res.status).toBe(200);
    expect(res.body.groupRef).toBe(TEAM);
    expect(res.body.limit).toBe(3);
    expect(res.body.truncated).toBe(true);
    expect(res.body.entities.map((e: any) => e.entityRef)).toEqual([
      'component:default/alpha',
      'component:default/bravo',
      'component:default/charlie',
    ]);
    for (const entity of res.body.entities) {
      expect(entity.pipelines.value.successRate.value).toBe(40);
      expect(entity.qualityGate.value.status.value).toBe('ERROR');
    }
    expect(harness.state.maxRunListsInFlight).toBeLessThanOrEqual(2);
    expect(
      harness.invocations.filter(c => c.actionId === 'pipelines:list-runs'),
    ).toHaveLength(3);
  });

  it('rates figures against the configured thresholds', async () => {
    harness = await startHealthBackend({
      deliveryHealth: {
        thresholds: {
          successRate: { warn: 50, bad: 30 },
          openBugs: { warn: 10, bad: 50 },
          pullRequestAgeDays: { warn: 14, bad: 60 },
          flakyTests: { warn: 2, bad: 10 },
        },
      },
    });
    seed(harness.state);
    const { body } = await harness.entity(ADA, PAYMENTS);
    expect(body.pipelines.value.successRate).toEqual({
      value: 40,
      rating: 'warn',
    });
    expect(body.bugs.value.openBugs).toEqual({ value: 7, rating: 'good' });
    expect(body.pullRequests.value.oldestAgeDays.rating).toBe('good');
    expect(body.tests.value.flakyCount).toEqual({ value: 1, rating: 'good' });
  });
});
