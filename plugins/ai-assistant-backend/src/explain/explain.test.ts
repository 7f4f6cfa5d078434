import { TestDatabases } from '@backstage/backend-test-utils';
import type { AiFailureExplanation } from '@internal/plugin-ai-assistant-common';
import {
  ADA,
  APP_BASE_URL,
  BOB,
  GITHUB_TOKEN,
  JIRA_TOKEN,
  startExplainBackend,
} from '../__testUtils__/explainTestBackend';
import {
  BUILD_LINES,
  cometRun,
  ENTITY,
  uuid,
} from '../__testUtils__/explainFixtures';
import { readLogFixture } from '../analysis/__fixtures__';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const failureLog = readLogFixture('jest-failure.log');
const greenLog = readLogFixture('jest-green.log');
/** The same failure on another day, with other durations. */
const earlierFailureLog = failureLog
  .replace(/2025-03-11T10:02:/g, '2025-03-10T11:47:')
  .replace(/8\.921 s/g, '9.402 s')
  .replace(/12\.604 s/g, '13.117 s');
/** A log as GitHub Actions serves it: each line after its UTC timestamp. */
const githubLog = (text: string) =>
  text
    .split('\n')
    .map(
      (line, i) =>
        `${new Date(Date.UTC(2025, 2, 12, 9, 0, i))
          .toISOString()
          .replace(/\.(\d{3})Z$/, '.$10000Z')} ${line}`,
    )
    .join('\n');
/** The failed run's log also prints two secrets. */
const failedRunLog = [
  `+ git clone https://x-access-token:${GITHUB_TOKEN}@github.com/acme/payments-web`,
  `+ export JIRA_TOKEN=${JIRA_TOKEN}`,
  failureLog,
].join('\n');

describe('Explain this failure, through HTTP, with the real actions registry', () => {
  let backend: Awaited<ReturnType<typeof startExplainBackend>>;

  beforeAll(async () => {
    backend = await startExplainBackend({
      knex: await databases.init('SQLITE_3'),
      aiAssistant: {
        failureAnalysis: { maxLogLines: 8000, backfillRuns: 3 },
      },
    });
    const runs = [
      cometRun({
        n: 1,
        status: 'succeeded',
        finishedAt: '2025-03-09T10:00:00.000Z',
        log: greenLog,
        commit: 'aaaa000000000001',
      }),
      cometRun({
        n: 2,
        status: 'failed',
        finishedAt: '2025-03-10T12:00:00.000Z',
        log: earlierFailureLog,
        commit: 'bbbb000000000002',
      }),
      cometRun({
        n: 3,
        status: 'succeeded',
        finishedAt: '2025-03-10T16:00:00.000Z',
        log: greenLog.replace(/2025-03-10T16:40/g, '2025-03-10T15:58'),
        commit: 'cccc000000000003',
        commitMessage: 'Format totals in the invoice currency',
      }),
      cometRun({
        n: 4,
        status: 'succeeded',
        finishedAt: '2025-03-10T18:00:00.000Z',
        log: greenLog.replace(/2025-03-10T16:40/g, '2025-03-10T17:51'),
        commit: 'dddd000000000004',
      }),
      cometRun({
        n: 5,
        status: 'failed',
        finishedAt: '2025-03-11T10:05:00.000Z',
        log: failedRunLog,
        commit: 'eeee000000000005',
      }),
    ];
    for (const run of runs) backend.state.cometRuns.set(run.run.runId, run);
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('explains a failed Comet run offline: cause, first error, new lines, and the fix of the same failure before', async () => {
    const { status, explanation } = await backend.explain(ADA, {
      runId: uuid(5),
    });
    expect(status).toBe(200);
    const runUrl = `${APP_BASE_URL}/pipelines/runs/${uuid(5)}`;
    expect(explanation.run).toEqual({
      kind: 'comet',
      runId: uuid(5),
      title: `${ENTITY} · ci #5`,
      status: 'failed',
      entityRef: ENTITY,
      pipeline: 'ci',
      branch: 'main',
      commit: {
        sha: 'eeee000000000005',
        message: 'Change 5',
        url: 'https://github.com/acme/payments-web/commit/eeee000000000005',
      },
      failedStep: 'test › yarn test',
      url: runUrl,
    });
    expect(explanation.category).toBe('test-failure');
    expect(explanation.exitCode).toBe(1);
    expect(explanation.summary).toContain('InvoiceTable');
    expect(explanation.summary).toContain('Seen in 1 earlier run');
    expect(explanation.suggestedFix).toBeTruthy();
    expect(explanation.log).toEqual({
      source: expect.stringMatching(/^the log of job test \(\d+ lines\)$/),
      lines: failedRunLog.trimEnd().split('\n').length,
      characters: expect.any(Number),
    });

    // The first error block, each line linked to its place in the run's log (its seq)
    const failLine = failedRunLog
      .split('\n')
      .findIndex(line => line.includes('FAIL src/components/InvoiceTable'));
    const first = explanation.firstErrorLines.find(l =>
      l.text.includes('FAIL src/components/InvoiceTable'),
    );
    expect(first).toEqual({
      line: failLine + 1,
      text: expect.stringContaining('FAIL src/components/InvoiceTable'),
      url: `${runUrl}#L${BUILD_LINES.length + failLine}`,
    });

    // Matched rules, the shipped ones
    expect(explanation.matchedRules[0]).toEqual(
      expect.objectContaining({
        category: 'test-failure',
        source: 'shipped',
        lines: expect.arrayContaining([
          expect.objectContaining({
            url: expect.stringContaining(`${runUrl}#L`),
          }),
        ]),
      }),
    );

    // New lines against the two last green runs
    expect(explanation.newLines?.greenRuns).toBe(2);
    const newTexts = explanation.newLines!.lines.map(l => l.text);
    expect(
      newTexts.some(t => t.includes('FAIL src/components/InvoiceTable')),
    ).toBe(true);
    expect(newTexts.some(t => t.includes('PASS src/utils/formatMoney'))).toBe(
      false,
    );

    // Seen before: the earlier run with the same failure, fixed by the next green run's commit
    expect(explanation.similarRuns).toEqual(
      expect.objectContaining({
        seenCount: 1,
        runs: [
          {
            runId: uuid(2),
            url: `${APP_BASE_URL}/pipelines/runs/${uuid(2)}`,
          },
        ],
        lastFixedBy: {
          runId: uuid(3),
          url: `${APP_BASE_URL}/pipelines/runs/${uuid(3)}`,
          commit: 'cccc000000000003',
          commitUrl:
            'https://github.com/acme/payments-web/commit/cccc000000000003',
          finishedAt: '2025-03-10T16:00:00.000Z',
        },
        fixedSinceLastSeen: true,
        comparedRuns: 4,
      }),
    );
    expect(explanation.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(explanation.model).toEqual({
      status: 'not-configured',
      message: expect.stringContaining('aiAssistant.provider.baseUrl'),
    });
    expect(explanation.unread).toEqual([]);

    // Secrets in the log reach neither the answer nor anything else the browser gets
    const text = JSON.stringify(explanation);
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).not.toContain(JIRA_TOKEN);

    // Read only through actions, as Ada
    expect(new Set(backend.invocations.map(i => i.user))).toEqual(
      new Set([ADA]),
    );
    expect(backend.audits).toContainEqual(
      expect.objectContaining({
        eventId: 'explain-run',
        outcome: 'success',
        meta: expect.objectContaining({
          runId: uuid(5),
          kind: 'comet',
          category: 'test-failure',
          model: 'not-configured',
        }),
      }),
    );
  });

  it('remembers fingerprints: the earlier failure is read once, and runs explained later know this one', async () => {
    const earlierLogReads = () =>
      backend.calls('pipelines:get-run-logs', { runId: uuid(2) });
    const before = earlierLogReads();
    expect(before).toBeGreaterThan(0);
    const again = await backend.explain(ADA, { runId: uuid(5) });
    expect(again.explanation.similarRuns?.seenCount).toBe(1);
    expect(earlierLogReads()).toBe(before);

    // A later failure of the same cause: seen twice now, still not fixed since the last time
    const later = cometRun({
      n: 6,
      status: 'failed',
      finishedAt: '2025-03-11T14:00:00.000Z',
      log: failureLog.replace(/2025-03-11T10:02:/g, '2025-03-11T13:55:'),
    });
    backend.state.cometRuns.set(later.run.runId, later);
    const { explanation } = await backend.explain(ADA, { runId: uuid(6) });
    expect(explanation.similarRuns).toEqual(
      expect.objectContaining({
        seenCount: 2,
        runs: [{ runId: uuid(5), url: expect.any(String) }, expect.anything()],
        fixedSinceLastSeen: false,
      }),
    );
    expect(explanation.summary).toContain('Seen in 2 earlier runs');
    expect(backend.calls('pipelines:get-run-logs', { runId: uuid(5) })).toBe(
      backend.calls('pipelines:get-run-logs', {
        runId: uuid(5),
        jobRunId: 'test',
      }),
    );
    backend.state.cometRuns.delete(later.run.runId);
  });

  it('says what it could not read: a user who may not read logs gets the run without its log', async () => {
    const { status, explanation } = await backend.explain(BOB, {
      runId: uuid(5),
    });
    expect(status).toBe(200);
    expect(explanation.category).toBe('unknown');
    expect(explanation.unread).toEqual([
      {
        what: 'the log of job test',
        reason: expect.stringMatching(
          /^pipelines:get-run-logs answered 403: .*pipelines\.logs\.read/,
        ),
      },
    ]);
    expect(explanation.summary).toContain('Its log could not be read');
    expect(explanation.log.source).toBe('no log');
    expect(explanation.fingerprint).toBeUndefined();
    expect(explanation.similarRuns).toBeUndefined();
    expect(explanation.firstErrorLines).toEqual([]);
  });

  it('reads a long log page by page and analyses its end', async () => {
    const noise = Array.from(
      { length: 11_000 },
      (_, i) => `[2025-03-11T10:00:00.000Z] step output line ${i}`,
    );
    const long = cometRun({
      n: 20,
      status: 'failed',
      finishedAt: '2025-03-11T11:00:00.000Z',
      pipeline: 'long',
      log: [...noise, readLogFixture('tsc.log')].join('\n'),
    });
    backend.state.cometRuns.set(long.run.runId, long);
    const { explanation } = await backend.explain(ADA, { runId: uuid(20) });
    expect(explanation.category).toBe('typescript');
    expect(
      backend.calls('pipelines:get-run-logs', {
        runId: uuid(20),
        jobRunId: 'test',
      }),
    ).toBe(3);
    expect(explanation.log.source).toMatch(/its last 8,000 were analysed/);
    expect(explanation.warnings).toContainEqual(
      expect.stringContaining('only its last 8,000 were analysed'),
    );
    // Line numbers count in what was analysed; the links point at the line's real place
    const tsc = explanation.firstErrorLines.find(l =>
      l.text.includes('TS2322'),
    )!;
    const seq = Number(tsc.url!.split('#L')[1]);
    expect(long.lines[seq].text).toContain('TS2322');

    // Longer than the analysis reads at all: said, not hidden
    const huge = cometRun({
      n: 21,
      status: 'failed',
      finishedAt: '2025-03-11T11:00:00.000Z',
      pipeline: 'huge',
      log: Array.from({ length: 26_000 }, (_, i) => `line ${i}`).join('\n'),
    });
    backend.state.cometRuns.set(huge.run.runId, huge);
    const cut = await backend.explain(ADA, { runId: uuid(21) });
    expect(cut.explanation.log.source).toContain('more than 25,000 lines');
    expect(cut.explanation.warnings).toContainEqual(
      expect.stringContaining('the failure may be there'),
    );
    backend.state.cometRuns.delete(long.run.runId);
    backend.state.cometRuns.delete(huge.run.runId);
  });

  it('refuses what it cannot explain, naming why', async () => {
    const running = cometRun({
      n: 30,
      status: 'running',
      finishedAt: '2025-03-11T11:00:00.000Z',
      log: 'still going',
    });
    backend.state.cometRuns.set(running.run.runId, running);
    const cases: Array<[object, number, string]> = [
      [{ runId: uuid(999) }, 404, `Comet run ${uuid(999)} cannot be read`],
      [{ runId: uuid(30) }, 409, 'is still running'],
      [{ runId: uuid(4) }, 409, 'did not fail (it is succeeded)'],
      [
        { runId: uuid(5), testRunId: 'x' },
        400,
        'Give either runId (a CI/CD run) or testRunId',
      ],
      [{}, 400, 'runId is required'],
      [
        { runId: 'jenkins:default:payments/build#12' },
        400,
        'entityRef is required for the Jenkins build',
      ],
      [
        { runId: 'jenkins:default:payments/build', entityRef: ENTITY },
        400,
        'is not a Jenkins build as the CI/CD list names it',
      ],
      [
        { runId: 'gitlab:acme/x#1' },
        400,
        'names a CI system the failure analysis cannot read (gitlab)',
      ],
      [{ runId: uuid(5), extra: true }, 400, 'Invalid body'],
    ];
    for (const [body, expected, message] of cases) {
      const res = await backend.explain(ADA, body);
      expect({ body, status: res.status }).toEqual({ body, status: expected });
      expect(res.body.error.message).toContain(message);
    }
    backend.state.cometRuns.delete(running.run.runId);
  });

  it('explains a failed Jenkins build from the end of its console', async () => {
    const job = 'default:payments/build';
    const build = (n: number, status: string, log: string) => ({
      build: {
        jobRef: job,
        jobFullName: 'payments/build',
        number: n,
        status,
        building: false,
        startedAt: new Date(Date.UTC(2025, 2, 10 + n, 9)).toISOString(),
        durationMs: 120_000,
        branch: 'main',
        commit: { sha: `f00${n}`, message: `PAY-${n} change` },
        stages: [
          { name: 'Build', status: 'success' },
          {
            name: 'Type check',
            status: status === 'failure' ? 'failure' : 'success',
          },
        ],
        url: `https://jenkins.example/job/payments/job/build/${n}/`,
      },
      log,
    });
    backend.state.jenkinsBuilds.push(
      build(1, 'success', '+ yarn tsc\nDone in 12s.\nFinished: SUCCESS'),
      build(
        2,
        'failure',
        `+ yarn tsc\n${readLogFixture('tsc.log')}\nFinished: FAILURE`,
      ),
    );
    const { status, explanation } = await backend.explain(ADA, {
      runId: `jenkins:${job}#2`,
      entityRef: ENTITY,
    });
    expect(status).toBe(200);
    expect(explanation.run).toEqual(
      expect.objectContaining({
        kind: 'jenkins',
        title: 'Jenkins payments/build #2',
        status: 'failure',
        pipeline: 'payments/build',
        failedStep: 'stage Type check',
        url: 'https://jenkins.example/job/payments/job/build/2/',
      }),
    );
    expect(explanation.category).toBe('typescript');
    expect(explanation.firstErrorLines[0].url).toBeUndefined();
    expect(explanation.newLines?.greenRuns).toBe(1);
    expect(explanation.log.source).toMatch(
      /^the console of build #2 \(\d+ lines\)$/,
    );
    expect(backend.calls('jenkins:get-build-log', { number: 1 })).toBe(1);
    expect(
      backend.calls('jenkins:get-build-log', {
        number: 2,
        maxBytes: 1_000_000,
      }),
    ).toBe(1);

    // A build that is green has nothing to explain
    const green = await backend.explain(ADA, {
      runId: `jenkins:${job}#1`,
      entityRef: ENTITY,
    });
    expect(green.status).toBe(409);
    const missing = await backend.explain(ADA, {
      runId: `jenkins:${job}#9`,
      entityRef: ENTITY,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain(
      'Jenkins build payments/build #9 cannot be read: jenkins:get-build answered 404',
    );
  });

  it("explains a failed GitHub Actions run from its failed job's log, read as the caller", async () => {
    const run = (id: number, conclusion: string, day: number) => ({
      id,
      name: 'CI',
      workflowId: 77,
      headBranch: 'main',
      headSha: `abc${id}`,
      event: 'push',
      status: 'completed',
      conclusion,
      runNumber: id - 900,
      runAttempt: 1,
      htmlUrl: `https://github.com/acme/payments-api/actions/runs/${id}`,
      createdAt: new Date(Date.UTC(2025, 2, day, 9)).toISOString(),
      updatedAt: new Date(Date.UTC(2025, 2, day, 9, 10)).toISOString(),
    });
    const job = (id: number, name: string, conclusion: string) => ({
      id,
      runId: Math.floor(id / 10),
      name,
      status: 'completed',
      conclusion,
      htmlUrl: `https://github.com/acme/payments-api/actions/runs/${Math.floor(
        id / 10,
      )}/job/${id}`,
      steps: [
        {
          number: 1,
          name: 'Checkout',
          status: 'completed',
          conclusion: 'success',
        },
        { number: 2, name: 'Run yarn test', status: 'completed', conclusion },
      ],
    });
    backend.state.githubRuns.push(
      run(907, 'failure', 12),
      run(906, 'success', 11),
      run(905, 'failure', 10),
      run(904, 'failure', 9),
    );
    backend.state.githubJobs.set(907, [
      job(9070, 'lint', 'success'),
      job(9071, 'test', 'failure'),
    ]);
    backend.state.githubJobs.set(906, [job(9061, 'test', 'success')]);
    backend.state.githubJobs.set(905, [job(9051, 'test', 'failure')]);
    backend.state.githubJobs.set(904, [
      job(9041, 'test', 'failure'),
      job(9042, 'e2e', 'cancelled'),
    ]);
    backend.state.githubJobLogs.set(9071, githubLog(failedRunLog));
    backend.state.githubJobLogs.set(9061, githubLog(greenLog));
    backend.state.githubJobLogs.set(9051, githubLog(earlierFailureLog));
    // 9041's log is past its retention: not there

    const { status, explanation } = await backend.explain(ADA, {
      runId: 'github:acme/payments-api#907',
      entityRef: ENTITY,
    });
    expect(status).toBe(200);
    expect(explanation.run).toEqual(
      expect.objectContaining({
        kind: 'github',
        title: 'GitHub Actions CI #7',
        status: 'failure',
        failedStep: 'test › Run yarn test',
        commit: {
          sha: 'abc907',
          url: 'https://github.com/acme/payments-api/commit/abc907',
        },
        url: 'https://github.com/acme/payments-api/actions/runs/907',
      }),
    );
    // Only the earlier run whose log is gone could not be read
    expect(explanation.unread).toEqual([
      {
        what: 'the log of job test of the earlier run 904',
        reason: expect.stringContaining('GitHub answered 410 Gone'),
      },
    ]);
    expect(explanation.category).toBe('test-failure');
    expect(explanation.summary).toContain('InvoiceTable');
    expect(explanation.log).toEqual({
      source: `the log of job test (${
        failedRunLog.trimEnd().split('\n').length
      } lines)`,
      lines: failedRunLog.trimEnd().split('\n').length,
      characters: expect.any(Number),
    });
    // Without GitHub's timestamps: the lines as the job printed them
    const first = explanation.firstErrorLines.find(l =>
      l.text.includes('FAIL src/components/InvoiceTable'),
    );
    expect(first?.text).toMatch(/^FAIL src\/components\/InvoiceTable/);
    expect(first?.line).toBe(
      failedRunLog
        .split('\n')
        .findIndex(line => line.includes('FAIL src/components/InvoiceTable')) +
        1,
    );
    // Against the same job of the green run before it; the same failure seen in run 905
    expect(explanation.newLines?.greenRuns).toBe(1);
    expect(
      explanation.newLines!.lines.some(l =>
        l.text.includes('PASS src/utils/formatMoney'),
      ),
    ).toBe(false);
    expect(explanation.similarRuns).toEqual(
      expect.objectContaining({
        seenCount: 1,
        runs: [
          {
            runId: 'github:acme/payments-api#905',
            url: 'https://github.com/acme/payments-api/actions/runs/905',
          },
        ],
      }),
    );
    // Secrets in the job log reach nothing the browser gets
    const text = JSON.stringify(explanation);
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).not.toContain(JIRA_TOKEN);
    // The failed job's log, then the same job's in earlier runs, all as Ada
    const logReads = backend.invocations.filter(
      i => i.actionId === 'github:get-job-log',
    );
    expect(logReads[0]).toEqual({
      actionId: 'github:get-job-log',
      user: ADA,
      input: { entityRef: ENTITY, jobId: 9071, maxBytes: 1_000_000 },
    });
    expect(logReads.map(i => i.input.jobId)).toEqual(
      expect.arrayContaining([9061, 9051]),
    );
    expect(new Set(logReads.map(i => i.user))).toEqual(new Set([ADA]));

    // A log past its retention: said, with GitHub's answer; the failed step is still known
    const expired = await backend.explain(ADA, {
      runId: 'github:acme/payments-api#904',
      entityRef: ENTITY,
    });
    expect(expired.status).toBe(200);
    expect(expired.explanation.run.failedStep).toBe('test › Run yarn test');
    expect(expired.explanation.unread).toEqual([
      {
        what: 'the log of job test',
        reason: expect.stringContaining(
          'github:get-job-log answered 404: GitHub answered 410 Gone for GET /repos/acme/payments-api/actions/jobs/9041/logs',
        ),
      },
    ]);
    expect(expired.explanation.warnings).toContain(
      '2 jobs failed; the log of the first, test, was analysed (also failed: e2e).',
    );

    const unknown = await backend.explain(ADA, {
      runId: 'github:acme/payments-api#123',
      entityRef: ENTITY,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain(
      'is not among the newest 4 workflow runs',
    );
  });

  it('explains a failed test-recorder run from its tests, linking each line to its test', async () => {
    const testRun = (runId: string, createdAt: string, error: string) => ({
      runId,
      suite: 'storefront-checkout',
      entityRef: 'component:default/storefront-web',
      status: 'failed',
      trigger: 'manual',
      createdAt,
      finishedAt: createdAt,
      counts: { passed: 3, failed: 1, flaky: 0, skipped: 0 },
      tests: [
        {
          testId: 'pay-by-card',
          name: 'pays by card',
          status: 'failed',
          quarantined: false,
          attempts: [
            {
              attempt: 1,
              status: 'failed',
              durationMs: 30_000,
              error,
              failedStep: 's4',
            },
            {
              attempt: 2,
              status: 'failed',
              durationMs: 30_000,
              error,
              failedStep: 's4',
            },
          ],
        },
        {
          testId: 'browse',
          name: 'browses',
          status: 'passed',
          quarantined: false,
          attempts: [{ attempt: 1, status: 'passed', durationMs: 900 }],
        },
      ],
    });
    const error =
      "Test timeout of 30000ms exceeded.\nError: locator.click: Target closed\n  waiting for getByRole('button', { name: 'Pay' })";
    backend.state.testRuns.set(
      'tr-2',
      testRun('tr-2', '2025-03-12T09:00:00.000Z', error),
    );
    backend.state.testRuns.set(
      'tr-1',
      testRun('tr-1', '2025-03-11T09:00:00.000Z', error),
    );
    backend.state.testHistory.set('pay-by-card', [
      {
        runId: 'tr-2',
        createdAt: '2025-03-12T09:00:00.000Z',
        status: 'failed',
        durationMs: 60_000,
      },
      {
        runId: 'tr-1',
        createdAt: '2025-03-11T09:00:00.000Z',
        status: 'failed',
        durationMs: 60_000,
        commit: 'c1',
      },
      {
        runId: 'tr-0',
        createdAt: '2025-03-10T09:00:00.000Z',
        status: 'passed',
        durationMs: 60_000,
        commit: 'c0',
      },
    ]);
    const { status, explanation } = await backend.explain(ADA, {
      testRunId: 'tr-2',
    });
    expect(status).toBe(200);
    expect(explanation.run).toEqual(
      expect.objectContaining({
        kind: 'test-recorder',
        title: 'storefront-checkout test run',
        failedStep: 'pays by card',
        url: `${APP_BASE_URL}/test-recorder/runs/tr-2`,
      }),
    );
    expect(explanation.category).toBe('test-failure');
    expect(explanation.matchedRules.map(r => r.ruleId)).toEqual(
      expect.arrayContaining(['playwright-failed-test', 'playwright-timeout']),
    );
    expect(
      explanation.firstErrorLines.some(
        l =>
          l.url === `${APP_BASE_URL}/test-recorder/runs/tr-2?test=pay-by-card`,
      ),
    ).toBe(true);
    expect(explanation.similarRuns).toEqual(
      expect.objectContaining({
        seenCount: 1,
        runs: [
          { runId: 'tr-1', url: `${APP_BASE_URL}/test-recorder/runs/tr-1` },
        ],
      }),
    );
    expect(backend.calls('test-recorder:get-run', { runId: 'tr-1' })).toBe(1);
  });

  it('is the action ai-assistant:explain-run too, for AI and MCP clients', async () => {
    const listed = await backend
      .http()
      .get('/api/ai-assistant/.backstage/actions/v1/actions')
      .set('authorization', backend.as(ADA));
    const action = listed.body.actions.find(
      (a: { id: string }) => a.id === 'ai-assistant:explain-run',
    );
    expect(action.attributes).toEqual({
      readOnly: true,
      destructive: false,
      idempotent: true,
    });
    const invoked = await backend
      .http()
      .post(
        '/api/ai-assistant/.backstage/actions/v1/actions/ai-assistant:explain-run/invoke',
      )
      .set('authorization', backend.as(ADA))
      .send({ runId: uuid(5) });
    expect(invoked.status).toBe(200);
    const output: AiFailureExplanation = invoked.body.output;
    expect(output.category).toBe('test-failure');
    expect(output.similarRuns?.seenCount).toBeGreaterThanOrEqual(1);
    expect(output.model.status).toBe('not-configured');

    const bad = await backend
      .http()
      .post(
        '/api/ai-assistant/.backstage/actions/v1/actions/ai-assistant:explain-run/invoke',
      )
      .set('authorization', backend.as(ADA))
      .send({ runId: 'jenkins:x#1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('entityRef is required');
  });
});
