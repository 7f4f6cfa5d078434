import { readLogFixture } from './__fixtures__';
import { explainOffline } from './explainOffline';
import { LogBaseline } from './LogBaseline';
import { LogText } from './LogText';
import { buildPromptExcerpt } from './promptExcerpt';

describe('buildPromptExcerpt', () => {
  it('shows the first error block, the matched lines and the end of the log, numbered, with the gaps said', () => {
    const log = readLogFixture('tsc.log');
    const excerpt = buildPromptExcerpt(log, explainOffline(log), {
      tailLines: 2,
      contextLines: 1,
    });
    expect(excerpt.text).toBe(
      [
        '… 1 line omitted …',
        ' 2| $ tsc',
        " 3| src/components/InvoiceTable.tsx(42,7): error TS2322: Type 'string | undefined' is not assignable to type 'string'.",
        " 4|   Type 'undefined' is not assignable to type 'string'.",
        " 5| src/api/client.ts(118,23): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'.",
        " 6| src/api/client.ts(131,5): error TS2741: Property 'currency' is missing in type '{ amount: number; }' but required in type 'Money'.",
        '… 6 lines omitted …',
        '13| error Command failed with exit code 2.',
        '14| info Visit https://yarnpkg.com/en/docs/cli/run for documentation about this command.',
        '',
      ].join('\n'),
    );
    expect(excerpt).toMatchObject({ lines: 7, truncated: false });
  });

  it('stays within its budget, most telling lines first', () => {
    const lines = Array.from(
      { length: 5000 },
      (_, index) => `build step ${index} ok`,
    );
    lines[2000] = 'Error: connect ECONNREFUSED 127.0.0.1:5432';
    lines[2001] = '    at TCPConnectWrap.afterConnect (node:net:1607:16)';
    const log = LogText.from(lines.join('\n'));
    const explanation = explainOffline(log);
    for (const maxChars of [200, 600, 2000]) {
      const excerpt = buildPromptExcerpt(log, explanation, { maxChars });
      expect(excerpt.text.length).toBeLessThanOrEqual(maxChars);
      expect(excerpt.text).toContain(
        '2001| Error: connect ECONNREFUSED 127.0.0.1:5432',
      );
      expect(excerpt.truncated).toBe(maxChars < 2000);
    }
    const roomy = buildPromptExcerpt(log, explanation, { maxChars: 2000 });
    expect(roomy.text).toContain('5000| build step 4999 ok');
    expect(
      roomy.text.startsWith(
        '… 1998 lines omitted …\n1999| build step 1998 ok\n',
      ),
    ).toBe(true);
  });

  it('adds the new lines when the green runs were given, and says what it left out at the end', () => {
    const log = readLogFixture('jest-failure-with-noise.log');
    const explanation = explainOffline(log, {
      baseline: LogBaseline.fromLogs([readLogFixture('jest-green.log')]),
    });
    const excerpt = buildPromptExcerpt(log, explanation, {
      tailLines: 0,
      contextLines: 0,
    });
    expect(excerpt.text).toContain(
      '19| Tests:       1 failed, 42 passed, 43 total',
    );
    expect(excerpt.text).toContain(
      '23| error Command failed with exit code 1.',
    );
    expect(excerpt.text).not.toContain('PASS src/hooks/useInvoices.test.ts');
  });

  it('cuts long lines and masks secrets in every line', () => {
    const log = `Error: token ghp_SECRETSECRET rejected ${'x'.repeat(1000)}\n`;
    const excerpt = buildPromptExcerpt(log, explainOffline(log), {
      maxLineChars: 60,
      mask: text => text.replaceAll('ghp_SECRETSECRET', '[masked]'),
    });
    expect(excerpt.text).toBe(
      `1| Error: token [masked] rejected ${'x'.repeat(29)}…\n`,
    );
    // A secret across the cut is masked whole before the line is cut: none of it shows.
    const across = `Error: ${'y'.repeat(50)}ghp_SECRETSECRET and more\n`;
    const cut = buildPromptExcerpt(across, explainOffline(across), {
      maxLineChars: 60,
      mask: text => text.replaceAll('ghp_SECRETSECRET', '[masked]'),
    });
    expect(cut.text).toBe(`1| Error: ${'y'.repeat(50)}[ma…\n`);
  });

  it('numbers lines as the explanation did when the log was read from its end', () => {
    const log = `${'noise\n'.repeat(
      500,
    )}npm error code ERESOLVE\nnpm error ERESOLVE could not resolve\n`;
    const explanation = explainOffline(log, { limits: { maxLogChars: 300 } });
    const excerpt = buildPromptExcerpt(log, explanation, {
      contextLines: 0,
      tailLines: 0,
    });
    const line = explanation.fingerprint.startLine;
    expect(excerpt.text).toContain(`${line}| npm error code ERESOLVE`);
  });

  it('gives nothing for an empty log', () => {
    expect(buildPromptExcerpt('', explainOffline(''))).toEqual({
      text: '',
      lines: 0,
      truncated: false,
    });
  });
});
