import { readLogFixture } from './__fixtures__';
import { findNewLines, LogBaseline } from './LogBaseline';
import { LogText } from './LogText';

describe('LogBaseline', () => {
  it('remembers the shapes of the green runs’ lines', () => {
    const baseline = LogBaseline.fromLogs([
      'PASS src/a.test.ts (5.1 s)\n\n   \nDone in 12.08s.\n',
      LogText.from('PASS src/b.test.ts (2 s)\n'),
    ]);
    expect(baseline.runCount).toBe(2);
    expect(baseline.size).toBe(3);
    expect(baseline.truncated).toBe(false);
    expect(baseline.has('PASS src/a.test.ts (9.9 s)')).toBe(true);
    expect(baseline.has('FAIL src/a.test.ts (9.9 s)')).toBe(false);
  });

  it('stops growing at its cap, and says so', () => {
    const logs = [
      Array.from(
        { length: 50 },
        (_, index) => `distinct line ${'x'.repeat(index)}`,
      ).join('\n'),
    ];
    const baseline = LogBaseline.fromLogs(logs, { maxShapes: 10 });
    expect(baseline.size).toBe(10);
    expect(baseline.truncated).toBe(true);
  });
});

describe('findNewLines', () => {
  it('gives the lines no green run printed, each shape once, in log order', () => {
    const baseline = LogBaseline.fromLogs([readLogFixture('jest-green.log')]);
    const log = LogText.from(readLogFixture('jest-failure-with-noise.log'));
    const seen: number[] = [];
    const newLines = findNewLines(log, baseline, {
      onNewLine: line => seen.push(line),
    });
    expect(newLines).toEqual({
      lines: [
        {
          line: 9,
          text: 'FAIL src/components/InvoiceTable.test.tsx (8.921 s)',
        },
        {
          line: 10,
          text: '  ● InvoiceTable › renders the total in the invoice currency',
        },
        {
          line: 12,
          text: "    TypeError: Cannot read properties of undefined (reading 'currency')",
        },
        {
          line: 14,
          text: '      at InvoiceTable (/home/runner/work/payments/payments/src/components/InvoiceTable.tsx:57:31)',
        },
        {
          line: 15,
          text: '      at renderWithHooks (/home/runner/work/payments/payments/node_modules/react-dom/cjs/react-dom.development.js:15486:18)',
        },
        { line: 18, text: 'Test Suites: 1 failed, 3 passed, 4 total' },
        { line: 19, text: 'Tests:       1 failed, 42 passed, 43 total' },
        { line: 23, text: 'error Command failed with exit code 1.' },
      ],
      total: 8,
      truncated: false,
    });
    expect(seen).toEqual([9, 10, 12, 14, 15, 18, 19, 23]);
  });

  it('keeps the first and the last ones over its cap', () => {
    const log = LogText.from(
      Array.from(
        { length: 30 },
        (_, index) =>
          `new line ${'abcdefghijklmnopqrstuvwxyz'.slice(0, index % 26)} ${
            index >= 26 ? 'again' : ''
          }`,
      ).join('\n'),
    );
    const newLines = findNewLines(log, LogBaseline.fromLogs([]), {
      maxLines: 5,
      mask: text => text.toUpperCase(),
    });
    expect(newLines.total).toBe(30);
    expect(newLines.truncated).toBe(true);
    expect(newLines.lines.map(line => line.line)).toEqual([1, 2, 3, 29, 30]);
    expect(newLines.lines[0].text).toBe('NEW LINE  ');
    const one = findNewLines(log, LogBaseline.fromLogs([]), { maxLines: 1 });
    expect(one.lines.map(line => line.line)).toEqual([1]);
  });
});
