import { readLogFixture } from './__fixtures__';
import { explainOffline } from './explainOffline';
import { FailureKnowledgeBase } from './FailureKnowledgeBase';
import { LogBaseline } from './LogBaseline';
import { LogText } from './LogText';
import { compileFailureRule } from './parseFailureRules';

describe('explainOffline', () => {
  it.each([
    [
      'npm-eresolve.log',
      'package-install',
      'npm peer dependency conflict (line 14): npm could not resolve the dependency tree: react-beautiful-dnd@13.1.1 needs peer react@"^16.8.0 || ^17.0.0", which the installed version does not satisfy. Also matched: npm could not resolve the dependency tree.',
      'Align the versions: upgrade react-beautiful-dnd@13.1.1',
      6,
    ],
    [
      'tsc.log',
      'typescript',
      "TypeScript compile error (line 3): TypeScript error TS2322 in src/components/InvoiceTable.tsx at line 42: Type 'string | undefined' is not assignable to type 'string'.",
      'Fix the type error at src/components/InvoiceTable.tsx:42:7',
      3,
    ],
    [
      'jest-failure.log',
      'test-failure',
      'Failed test file (Jest or Vitest) (line 5): Tests in src/components/InvoiceTable.test.tsx failed. Also matched: Failed test (Jest); Test timeout (Jest); Jest test summary.',
      'Run that file locally (yarn test src/components/InvoiceTable.test.tsx)',
      5,
    ],
    [
      'playwright-failure.log',
      'test-failure',
      'Failed test (Playwright) (line 8): Playwright test failed in chromium: tests/checkout.spec.ts:21:5 › pays an invoice by card. Also matched: Test timeout (Playwright); Playwright test summary.',
      'npx playwright show-trace',
      8,
    ],
    [
      'node-oom.log',
      'out-of-memory',
      'Node.js heap out of memory (line 11): Node.js ran out of heap memory and aborted.',
      'NODE_OPTIONS=--max-old-space-size=4096',
      11,
    ],
    [
      'oom-killed.log',
      'out-of-memory',
      'Killed for using too much memory (line 10): The process was killed, most likely by the out-of-memory killer (OOMKilled, exit code 137).',
      'Give the job more memory',
      10,
    ],
    [
      'git-auth.log',
      'git-authentication',
      'Git authentication failed (line 17): Git could not authenticate to https://github.com/acme/payments-api.git/. Also matched: Git SSH authentication failed.',
      'Check the credentials the job uses for https://github.com/acme/payments-api.git/',
      13,
    ],
    [
      'dns-failure.log',
      'network',
      'Host name not resolved (DNS) (line 5): The host npm.internal.acme.example could not be resolved (DNS).',
      'HTTP_PROXY, NO_PROXY',
      2,
    ],
    [
      'eslint.log',
      'lint',
      'ESLint errors (line 10): ESLint found 2 errors (3 problems in all). Also matched: ESLint error.',
      'with --fix',
      4,
    ],
    [
      'pytest.log',
      'test-failure',
      'Failed test (pytest) (line 22): pytest test failed: tests/test_ledger.py::test_balance_after_refund. Also matched: pytest summary.',
      '',
      17,
    ],
    [
      'missing-env.log',
      'missing-configuration',
      'Missing environment variable or setting (line 4): The environment variable or setting DEPLOY_TOKEN is not set.',
      'Set DEPLOY_TOKEN for this job',
      4,
    ],
    [
      'port-in-use.log',
      'port-in-use',
      'Port already in use (line 8): Another process already listens on :::7007 (EADDRINUSE).',
      'listen on port 0',
      8,
    ],
    [
      'permission-denied.log',
      'permission-denied',
      'Permission denied (line 6): Permission denied on /usr/local/lib/node_modules/@acme.',
      'Check the owner and mode of /usr/local/lib/node_modules/@acme',
      2,
    ],
    [
      'connection-refused.log',
      'network',
      'Connection refused (line 5): Nothing accepted connections at 127.0.0.1:5432 (connection refused). Also matched: Failed test file (Jest or Vitest); Failed test (Jest); Jest test summary.',
      'wait until it is ready',
      2,
    ],
  ])('explains %s', (fixture, category, summary, fix, firstErrorLine) => {
    const explanation = explainOffline(readLogFixture(fixture));
    expect(explanation.category).toBe(category);
    expect(explanation.summary).toBe(summary);
    // '' in the table: no fix.
    expect(explanation.suggestedFix ?? '').toContain(fix);
    expect(explanation.suggestedFix === undefined).toBe(fix === '');
    expect(explanation.fingerprint.basis).toBe('error-block');
    expect(explanation.fingerprint.startLine).toBe(firstErrorLine);
    expect(explanation.firstErrorLines.map(line => line.line)).toContain(
      firstErrorLine,
    );
    expect(explanation.firstErrorLines[0].line).toBe(
      Math.max(1, firstErrorLine - 2),
    );
    expect(explanation.warnings).toEqual([]);
    expect(explanation.similarRuns).toBeUndefined();
    expect(explanation.newLines).toBeUndefined();
  });

  it('looks past what the green runs print too, to the new lines', () => {
    const log = readLogFixture('jest-failure-with-noise.log');
    // Without the green runs, the expected console.error of a passing test looks like the cause.
    const alone = explainOffline(log);
    expect(alone.category).toBe('network');
    expect(alone.fingerprint.startLine).toBe(8);

    const baseline = LogBaseline.fromLogs([readLogFixture('jest-green.log')]);
    const explanation = explainOffline(log, { baseline });
    expect(explanation.category).toBe('test-failure');
    expect(explanation.summary).toBe(
      'Failed test file (Jest or Vitest) (line 9): Tests in src/components/InvoiceTable.test.tsx failed. Also matched: Failed test (Jest); Jest test summary.',
    );
    expect(explanation.fingerprint.startLine).toBe(9);
    expect(explanation.firstErrorLines.map(line => line.text)).toEqual([
      '    console.error',
      '      Error: connect ECONNREFUSED 127.0.0.1:9876 (expected: the client retries against a closed port)',
      'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
      '  ● InvoiceTable › renders the total in the invoice currency',
      '',
      "    TypeError: Cannot read properties of undefined (reading 'currency')",
      '',
      '      at InvoiceTable (/home/runner/work/payments/payments/src/components/InvoiceTable.tsx:57:31)',
      '      at renderWithHooks (/home/runner/work/payments/payments/node_modules/react-dom/cjs/react-dom.development.js:15486:18)',
    ]);
    const noise = explanation.matchedRules.find(
      rule => rule.id === 'connection-refused',
    );
    expect(noise?.alsoInGreenRuns).toBe(true);
    expect(
      explanation.matchedRules[explanation.matchedRules.length - 1].id,
    ).toBe('connection-refused');
    expect(explanation.newLines?.total).toBe(8);
    expect(explanation.newLines?.lines[0]).toEqual({
      line: 9,
      text: 'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
    });
  });

  it('says when the only cause it found is printed by the green runs as well', () => {
    const baseline = LogBaseline.fromLogs([
      'Error: connect ECONNREFUSED 10.0.0.1:5432',
    ]);
    const explanation = explainOffline(
      'Error: connect ECONNREFUSED 10.0.0.9:5432\nstill failing\n',
      { baseline },
    );
    expect(explanation.category).toBe('network');
    expect(explanation.summary).toContain(
      'The green runs print the same lines, so this may not be the cause.',
    );
  });

  it('answers "seen in N runs since …, last fixed by commit …" from the run history', () => {
    const log = readLogFixture('node-oom.log');
    const { fingerprint } = explainOffline(log);
    const explanation = explainOffline(log, {
      history: [
        {
          runId: '40',
          status: 'failed',
          finishedAt: '2025-03-01T10:00:00Z',
          fingerprint: fingerprint.hash,
        },
        {
          runId: '41',
          status: 'succeeded',
          finishedAt: '2025-03-02T10:00:00Z',
          commit: 'a1b2c3d4e5f6a7b8',
        },
        {
          runId: '42',
          status: 'failed',
          finishedAt: '2025-03-03T10:00:00Z',
          fingerprint: 'something-else',
        },
      ],
    });
    expect(explanation.similarRuns).toMatchObject({
      seenCount: 1,
      runIds: ['40'],
      lastFixedBy: { runId: '41', commit: 'a1b2c3d4e5f6a7b8' },
    });
    expect(explanation.summary).toBe(
      'Node.js heap out of memory (line 11): Node.js ran out of heap memory and aborted. Seen in 1 earlier run since 2025-03-01T10:00:00.000Z; last fixed by commit a1b2c3d4e5f6 (run 41) on 2025-03-02T10:00:00.000Z.',
    );
    expect(explainOffline(log, { history: [] }).summary).not.toContain(
      'Seen in',
    );
  });

  it.each([
    [137, 'killed (SIGKILL), most often by the out-of-memory killer'],
    [143, 'terminated (SIGTERM), often a timeout or a cancelled job'],
    [134, 'aborted (SIGABRT), as Node.js does when its heap runs out'],
    [127, 'command not found'],
    [126, 'command found but not executable'],
    [130, 'killed by signal 2'],
    [1, 'failed'],
  ])('says what exit code %s means', (exitCode, meaning) => {
    const explanation = explainOffline('building\n', { exitCode });
    expect(explanation.exitCode).toBe(exitCode);
    expect(explanation.summary).toContain(
      `The step exited with code ${exitCode}: ${meaning}.`,
    );
  });

  it('explains a log no rule knows from its first error, or from its end', () => {
    const unknown = explainOffline(
      'step 1\nstep 2\nError: the flux capacitor is out of sync\n    at main (/app/x.js:1:1)\nend\n',
      { exitCode: 0 },
    );
    expect(unknown.category).toBe('unknown');
    expect(unknown.summary).toBe(
      'No known failure cause matched. The first error is on line 3: Error: the flux capacitor is out of sync',
    );
    expect(unknown.suggestedFix).toBeUndefined();
    expect(unknown.fingerprint).toMatchObject({
      basis: 'error-block',
      startLine: 3,
      endLine: 4,
    });

    const quiet = explainOffline('step 1\nstep 2\nstopping\n');
    expect(quiet.summary).toBe(
      'No known failure cause matched and no line looks like an error; the log ends on line 3: stopping',
    );
    expect(quiet.firstErrorLines).toEqual([
      { line: 1, text: 'step 1' },
      { line: 2, text: 'step 2' },
      { line: 3, text: 'stopping' },
    ]);

    const empty = explainOffline('');
    expect(empty).toMatchObject({
      category: 'unknown',
      summary: 'The log is empty.',
      firstErrorLines: [],
      matchedRules: [],
      log: { lines: 0, characters: 0, skippedCharacters: 0 },
    });
    expect(empty.fingerprint.basis).toBe('empty');
  });

  it('masks secrets in everything it returns', () => {
    const secret = 'ghp_0123456789abcdefghijABCDEFGHIJ0123';
    const log = `Cloning https://x-access-token:${secret}@github.com/acme/app.git\nfatal: Authentication failed for 'https://x-access-token:${secret}@github.com/acme/app.git/'\n`;
    const baseline = LogBaseline.fromLogs(['Cloning done']);
    const explanation = explainOffline(log, {
      baseline,
      mask: text => text.replaceAll(secret, '[masked]'),
    });
    expect(explanation.category).toBe('git-authentication');
    expect(JSON.stringify(explanation)).not.toContain(secret);
    expect(JSON.stringify(explanation)).toContain('[masked]');
  });

  it('reads a log larger than its cap from the end, and says so', () => {
    const log = `${'noise line\n'.repeat(1000)}npm error code ERESOLVE\n`;
    const explanation = explainOffline(log, { limits: { maxLogChars: 2000 } });
    expect(explanation.category).toBe('package-install');
    // It starts at the first whole line within the last 2000 characters.
    expect(explanation.log.skippedCharacters).toBe(
      log.indexOf('\n', log.length - 2000) + 1,
    );
    expect(explanation.log.characters + explanation.log.skippedCharacters).toBe(
      log.length,
    );
    expect(explanation.log.characters).toBeLessThanOrEqual(2000);
    expect(
      log.slice(
        explanation.log.skippedCharacters - 1,
        explanation.log.skippedCharacters,
      ),
    ).toBe('\n');
    expect(explanation.warnings).toEqual([
      `The log has ${log.length} characters; only its last ${explanation.log.characters} were analysed (line numbers count from there).`,
    ]);
  });

  it('takes a LogText, other rules, and passes on the rules’ warnings', () => {
    const { rule } = compileFailureRule({
      id: 'slow',
      name: 'Slow',
      category: 'test',
      description: 'matched',
      patterns: ['^[a-z]+ [0-9]+$'],
    });
    const explanation = explainOffline(
      LogText.from('word x\n'.repeat(60_000)),
      {
        knowledgeBase: FailureKnowledgeBase.fromRules([rule!]),
        limits: { ruleTimeBudgetMs: 0 },
      },
    );
    expect(explanation.warnings).toEqual([
      expect.stringContaining('Rule "slow" was stopped after'),
    ]);
    expect(explanation.durationMs).toBeGreaterThan(0);
  });
});
