import { LogText } from './LogText';

describe('LogText', () => {
  it('numbers lines from 1 and finds the line of any offset', () => {
    const log = LogText.from('first\nsecond\n\nfourth');
    expect(log.lineCount).toBe(4);
    expect([1, 2, 3, 4].map(line => log.line(line))).toEqual([
      'first',
      'second',
      '',
      'fourth',
    ]);
    expect(log.lineAt(0)).toBe(1);
    expect(log.lineAt(5)).toBe(1); // the line break ending "first"
    expect(log.lineAt(6)).toBe(2);
    expect(log.lineAt(13)).toBe(3);
    expect(log.lineAt(14)).toBe(4);
    expect(log.lineStart(4)).toBe(14);
    expect(log.lineEnd(4)).toBe(20);
  });

  it('does not count a final line break as another line', () => {
    const log = LogText.from('one\ntwo\n');
    expect(log.lineCount).toBe(2);
    expect(log.line(2)).toBe('two');
    expect(log.lineEnd(2)).toBe(7);
    expect(LogText.from('').lineCount).toBe(0);
    expect(LogText.from('\n').lineCount).toBe(1);
  });

  it('cuts long lines when asked', () => {
    const log = LogText.from(`${'x'.repeat(20)}\nshort`);
    expect(log.line(1, 5)).toBe('xxxxx…');
    expect(log.line(2, 5)).toBe('short');
  });

  it('removes colours, cursor codes and the carriage returns of CRLF, keeping line numbers', () => {
    const log = LogText.from(
      '\x1b[32mPASS\x1b[39m src/a.test.ts\r\n\x1b[1m\x1b[31mFAIL\x1b[39m\x1b[22m src/b.test.ts\r\n\x1b]0;title\x07done\r\nprogress 10%\rprogress 100%\n',
    );
    expect(log.lineCount).toBe(4);
    expect(log.line(1)).toBe('PASS src/a.test.ts');
    expect(log.line(2)).toBe('FAIL src/b.test.ts');
    expect(log.line(3)).toBe('done');
    // A lone carriage return (a progress bar redrawn) is not a line break.
    expect(log.line(4)).toBe('progress 10%\rprogress 100%');
  });

  it('removes the timestamps CI systems put before each line, when most lines have one', () => {
    const github = LogText.from(
      '2025-03-11T09:14:05.3391022Z npm error code ERESOLVE\n2025-03-11T09:14:05.3392310Z npm error ERESOLVE could not resolve\n2025-03-11T09:14:05.3392899Z\n',
    );
    expect(github.timestampsRemoved).toBe(true);
    expect(github.line(1)).toBe('npm error code ERESOLVE');
    expect(github.line(3)).toBe('');
    const jenkins = LogText.from(
      '[2025-03-11T10:02:23.590Z] FAIL src/a.test.tsx\n[2025-03-11T10:02:23.591Z]   ● a › b\n12:00:01 not a prefix style of this log\n',
    );
    expect(jenkins.line(1)).toBe('FAIL src/a.test.tsx');
    expect(jenkins.line(2)).toBe('  ● a › b');
    const clock = LogText.from(
      '12:03:12 + yarn build\n12:03:13 FATAL ERROR: heap\n',
    );
    expect(clock.line(2)).toBe('FATAL ERROR: heap');
  });

  it('keeps timestamps that only some lines start with: they are content', () => {
    const log = LogText.from(
      'Deploy log\n2025-03-11T09:00:00Z deployed v1\nrollback\nstatus: ok\n',
    );
    expect(log.timestampsRemoved).toBe(false);
    expect(log.line(2)).toBe('2025-03-11T09:00:00Z deployed v1');
  });

  it('walks the log in chunks of whole lines', () => {
    const lines = Array.from(
      { length: 100 },
      (_, index) => `line ${index + 1} ${'x'.repeat(index % 7)}`,
    );
    const log = LogText.from(lines.join('\n'));
    const chunks = [...log.chunks(64)];
    expect(chunks[0].firstLine).toBe(1);
    expect(chunks[chunks.length - 1].lastLine).toBe(100);
    for (let index = 1; index < chunks.length; index++) {
      expect(chunks[index].firstLine).toBe(chunks[index - 1].lastLine + 1);
    }
    for (const chunk of chunks) {
      expect(log.text.slice(chunk.start, chunk.end)).toBe(
        lines.slice(chunk.firstLine - 1, chunk.lastLine).join('\n'),
      );
      // Whole lines, and no more than the target unless one line alone is longer.
      expect(
        chunk.end - chunk.start <= 64 || chunk.firstLine === chunk.lastLine,
      ).toBe(true);
    }
    const long = LogText.from(`${'y'.repeat(200)}\nshort`);
    expect(
      [...long.chunks(64)].map(chunk => [chunk.firstLine, chunk.lastLine]),
    ).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('grows its line index past its first guess', () => {
    const log = LogText.from('\n'.repeat(5000));
    expect(log.lineCount).toBe(5000);
    expect(log.lineAt(4999)).toBe(5000);
  });
});
