import { parseAnsi, stripAnsi } from './ansi';

describe('parseAnsi', () => {
  it('splits SGR colours and styles into segments', () => {
    expect(parseAnsi('\u001b[1;32mok\u001b[0m done')).toEqual([
      { text: 'ok', style: { bold: true, fg: '#3fcf8e' } },
      { text: ' done' },
    ]);
  });

  it('understands 256 and 24-bit colours and drops other escapes', () => {
    const [a, b] = parseAnsi(
      '\u001b[38;5;196mA\u001b[48;2;1;2;3mB\u001b[2K\u001b]0;title\u0007',
    );
    expect(a).toEqual({ text: 'A', style: { fg: 'rgb(255,0,0)' } });
    expect(b.style).toEqual({ fg: 'rgb(255,0,0)', bg: 'rgb(1,2,3)' });
    expect(stripAnsi('\u001b[31mred\u001b[0m')).toBe('red');
  });
});
