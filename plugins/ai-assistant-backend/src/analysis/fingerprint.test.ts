import { InputError } from '@backstage/errors';
import { readLogFixture } from './__fixtures__';
import {
  computeFingerprint,
  describeFingerprintHistory,
  findErrorBlock,
  findErrorLines,
  isErrorLine,
  MAX_ERROR_BLOCK_LINES,
} from './fingerprint';
import { LogBaseline } from './LogBaseline';
import { LogText } from './LogText';
import type { FingerprintedRun } from './types';

describe('isErrorLine', () => {
  it.each([
    'Error: connect ECONNREFUSED 127.0.0.1:5432',
    "TypeError: Cannot read properties of undefined (reading 'amount')",
    'npm ERR! code ERESOLVE',
    'npm error code E404',
    'src/a.ts(1,2): error TS2304: Cannot find name',
    '  12:10  error    x is defined but never used  no-unused-vars',
    'FAIL src/a.test.ts',
    ' FAILED tests/test_x.py::test_y',
    '  2 failing',
    'Tests:       1 failed, 3 passed',
    '##[error]Process completed with exit code 1.',
    '[ERROR] Failed to execute goal org.apache.maven.plugins',
    'Traceback (most recent call last):',
    'E       assert 70 == 60',
    "fatal: Authentication failed for 'https://github.com/acme/x.git/'",
    'panic: runtime error: index out of range [3] with length 3',
    'FATAL ERROR: Reached heap limit',
    'Error [ERR_MODULE_NOT_FOUND]: Cannot find package',
    'error[E0308]: mismatched types',
    'Exception in thread "main" java.lang.NullPointerException',
    'exited with code 137',
    'Killed',
  ])('takes %j for an error', line => {
    expect(isErrorLine(line)).toBe(true);
  });

  it.each([
    'Found 0 errors. Watching for file changes.',
    'Tests:       43 passed, 43 total',
    '  ✓ shows an error message when the API fails (12 ms)',
    '    console.error',
    'Process completed with exit code 0.',
    'errors: 0, warnings: 2',
    'Terror: a movie',
  ])('does not take %j for an error', line => {
    expect(isErrorLine(line)).toBe(false);
  });
});

describe('findErrorLines', () => {
  const log = LogText.from(readLogFixture('jest-failure-with-noise.log'));

  it('finds the lines that look like errors, in order, up to a cap', () => {
    expect(findErrorLines(log)).toEqual([8, 9, 12, 18, 19, 23]);
    expect(findErrorLines(log, { max: 2 })).toEqual([8, 9]);
  });

  it('skips the error lines the green runs printed too', () => {
    const baseline = LogBaseline.fromLogs([readLogFixture('jest-green.log')]);
    expect(findErrorLines(log, { baseline, max: 1 })).toEqual([9]);
  });

  it('finds nothing in a clean log', () => {
    expect(findErrorLines(LogText.from('all good\nDone in 3s.'))).toEqual([]);
  });
});

describe('findErrorBlock', () => {
  const block = (fixture: string, startLine: number) => {
    const log = LogText.from(readLogFixture(fixture));
    const { endLine } = findErrorBlock(log, startLine);
    return endLine;
  };

  it('keeps lines with the same tool prefix together', () => {
    expect(block('npm-eresolve.log', 6)).toBe(17);
  });

  it('follows indented lines and stack frames, across the blank line Jest puts after a test name', () => {
    expect(block('jest-failure-with-noise.log', 9)).toBe(15);
    expect(block('port-in-use.log', 8)).toBe(12);
  });

  it('stops at the next unrelated line', () => {
    expect(block('tsc.log', 3)).toBe(4);
    expect(block('git-auth.log', 13)).toBe(13);
  });

  it('takes a Python traceback up to its exception', () => {
    const log = LogText.from(
      [
        'Traceback (most recent call last):',
        '  File "/app/manage.py", line 22, in <module>',
        '    main()',
        "KeyError: 'DATABASE_URL'",
        'Some later line',
      ].join('\n'),
    );
    expect(findErrorBlock(log, 1)).toEqual({ startLine: 1, endLine: 4 });
  });

  it('stops at its size cap', () => {
    const log = LogText.from(
      [
        'npm error first',
        ...Array.from({ length: 40 }, (_, index) => `npm error line ${index}`),
      ].join('\n'),
    );
    expect(findErrorBlock(log, 1).endLine).toBe(MAX_ERROR_BLOCK_LINES);
  });
});

describe('computeFingerprint', () => {
  const rerun = (log: string) =>
    log
      .replaceAll('2025-03-11T10:02', '2025-04-02T17:45')
      .replaceAll(
        '/home/runner/work/payments/payments',
        '/builds/acme/payments',
      )
      .replaceAll('(8.921 s)', '(11.002 s)')
      .replaceAll('InvoiceTable.tsx:57:31', 'InvoiceTable.tsx:61:9')
      .replaceAll('15486:18', '15502:20');

  it('gives the same failure in another run the same hash, although times, paths, durations and positions differ', () => {
    const original = readLogFixture('jest-failure-with-noise.log');
    const first = computeFingerprint(LogText.from(original), 9);
    const second = computeFingerprint(LogText.from(rerun(original)), 9);
    expect(rerun(original)).not.toBe(original);
    expect(second.hash).toBe(first.hash);
    expect(first).toEqual({
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      basis: 'error-block',
      startLine: 9,
      endLine: 15,
      normalisedLines: [
        'FAIL src/components/InvoiceTable.test.tsx (<duration>)',
        '● InvoiceTable › renders the total in the invoice currency',
        "TypeError: Cannot read properties of undefined (reading 'currency')",
        'at InvoiceTable (<path>/InvoiceTable.tsx:<line>:<col>)',
        'at renderWithHooks (<path>/react-dom.development.js:<line>:<col>)',
      ],
    });
  });

  it('gives a different failure a different hash', () => {
    const original = readLogFixture('jest-failure-with-noise.log');
    const other = original.replace(
      "(reading 'currency')",
      "(reading 'amount')",
    );
    expect(computeFingerprint(LogText.from(other), 9).hash).not.toBe(
      computeFingerprint(LogText.from(original), 9).hash,
    );
  });

  it('leaves source excerpts out, as they change with unrelated edits', () => {
    const log = LogText.from(readLogFixture('jest-failure.log'));
    const fingerprint = computeFingerprint(log, 5);
    expect(fingerprint.normalisedLines.some(line => line.includes('|'))).toBe(
      false,
    );
    expect(fingerprint.normalisedLines.slice(0, 3)).toEqual([
      'FAIL src/components/InvoiceTable.test.tsx (<duration>)',
      '● InvoiceTable › renders the total in the invoice currency',
      'expect(element).toHaveTextContent()',
    ]);
  });

  it('falls back to the end of the log without an error line, and says so for an empty log', () => {
    const log = LogText.from(
      `${Array.from({ length: 15 }, (_, index) => `step ${index} done`).join(
        '\n',
      )}\n\n\n`,
    );
    expect(computeFingerprint(log, undefined)).toMatchObject({
      basis: 'log-tail',
      startLine: 6,
      endLine: 15,
    });
    expect(computeFingerprint(LogText.from(''), undefined)).toMatchObject({
      basis: 'empty',
      normalisedLines: [],
    });
  });

  it('masks the lines it returns', () => {
    const log = LogText.from('Error: bad token ghp_abcdef\n');
    const fingerprint = computeFingerprint(log, 1, text =>
      text.replace(/ghp_\w+/, '[masked]'),
    );
    expect(fingerprint.normalisedLines).toEqual(['Error: bad token [masked]']);
  });
});

describe('describeFingerprintHistory', () => {
  const run = (
    runId: string,
    status: string,
    finishedAt: string,
    fingerprint?: string,
    commit?: string,
  ): FingerprintedRun => ({
    runId,
    status,
    finishedAt,
    ...(fingerprint ? { fingerprint } : {}),
    ...(commit ? { commit } : {}),
  });

  it('counts earlier runs with the fingerprint and names the first green run after the last of them', () => {
    const history = describeFingerprintHistory('abc', [
      run('7', 'succeeded', '2025-03-07T10:00:00Z', undefined, 'c7'),
      run('3', 'failed', '2025-03-03T10:00:00Z', 'abc'),
      run('4', 'failed', '2025-03-04T10:00:00Z', 'other'),
      run('5', 'failed', '2025-03-05T10:00:00Z', 'abc'),
      run('2', 'succeeded', '2025-03-02T10:00:00Z', undefined, 'c2'),
      run(
        '6',
        'succeeded',
        '2025-03-06T10:00:00Z',
        undefined,
        '9f3c2ab41d7e8a0b5c6d',
      ),
      run('8', 'running', '2025-03-08T10:00:00Z'),
    ]);
    expect(history).toEqual({
      seenCount: 2,
      firstSeenAt: '2025-03-03T10:00:00.000Z',
      lastSeenAt: '2025-03-05T10:00:00.000Z',
      runIds: ['5', '3'],
      lastFixedBy: {
        runId: '6',
        commit: '9f3c2ab41d7e8a0b5c6d',
        finishedAt: '2025-03-06T10:00:00.000Z',
      },
      fixedSinceLastSeen: true,
      summary:
        'Seen in 2 earlier runs since 2025-03-03T10:00:00.000Z; last fixed by commit 9f3c2ab41d7e (run 6) on 2025-03-06T10:00:00.000Z.',
    });
  });

  it('says when the failure came back after a fix and was not fixed since', () => {
    const history = describeFingerprintHistory('abc', [
      run('1', 'failed', '2025-03-01T10:00:00Z', 'abc'),
      run('2', 'succeeded', '2025-03-02T10:00:00Z'),
      run('3', 'failed', '2025-03-03T10:00:00Z', 'abc'),
      run('4', 'cancelled', '2025-03-04T10:00:00Z'),
    ]);
    expect(history.fixedSinceLastSeen).toBe(false);
    expect(history.lastFixedBy).toEqual({
      runId: '2',
      finishedAt: '2025-03-02T10:00:00.000Z',
    });
    expect(history.summary).toBe(
      'Seen in 2 earlier runs since 2025-03-01T10:00:00.000Z; fixed before by run 2 on 2025-03-02T10:00:00.000Z, but it came back and no green run followed since 2025-03-03T10:00:00.000Z.',
    );
  });

  it('says when a failure was never fixed, or never seen', () => {
    expect(
      describeFingerprintHistory('abc', [
        run('1', 'failed', '2025-03-01T10:00:00Z', 'abc'),
      ]).summary,
    ).toBe(
      'Seen in 1 earlier run since 2025-03-01T10:00:00.000Z; never followed by a green run.',
    );
    expect(
      describeFingerprintHistory('abc', [
        run('1', 'succeeded', '2025-03-01T10:00:00Z'),
      ]),
    ).toEqual({
      seenCount: 0,
      runIds: [],
      fixedSinceLastSeen: false,
      summary: 'Not seen in earlier runs.',
    });
    expect(describeFingerprintHistory('abc', []).seenCount).toBe(0);
  });

  it('keeps the ten latest run ids', () => {
    const runs = Array.from({ length: 15 }, (_, index) =>
      run(
        `r${index}`,
        'failed',
        new Date(Date.UTC(2025, 0, index + 1)).toISOString(),
        'abc',
      ),
    );
    const history = describeFingerprintHistory('abc', runs);
    expect(history.seenCount).toBe(15);
    expect(history.runIds).toEqual([
      'r14',
      'r13',
      'r12',
      'r11',
      'r10',
      'r9',
      'r8',
      'r7',
      'r6',
      'r5',
    ]);
  });

  it('names the run whose time is not a time', () => {
    expect(() =>
      describeFingerprintHistory('abc', [
        run('42', 'failed', 'yesterday', 'abc'),
      ]),
    ).toThrow(
      new InputError(
        'run history entry 0 (run 42): finishedAt must be an ISO 8601 time, not "yesterday"',
      ),
    );
    expect(() =>
      describeFingerprintHistory('abc', [
        undefined as unknown as FingerprintedRun,
      ]),
    ).toThrow(
      'run history entry 0: finishedAt must be an ISO 8601 time, not undefined',
    );
  });
});
