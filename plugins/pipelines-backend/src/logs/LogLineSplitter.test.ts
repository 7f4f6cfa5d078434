import { LogLineSplitter, MAX_LOG_LINE_BYTES } from './LogLineSplitter';
import { ContinuedLineMasker } from './ContinuedLineMasker';
import { SecretMasker } from './SecretMasker';

function collect(options?: { maxLineBytes?: number }) {
  const lines: string[] = [];
  const splitter = new LogLineSplitter(line => lines.push(line), options);
  return { lines, splitter };
}

describe('LogLineSplitter', () => {
  it('splits on newlines and keeps empty lines', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('one\ntwo\n\nthree\n'));
    splitter.end();
    expect(lines).toEqual(['one', 'two', '', 'three']);
  });

  it('strips a trailing carriage return (CRLF output)', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('a\r\nb\r\nc\r'));
    splitter.end();
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('handles a CRLF split across chunks', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('a\r'));
    splitter.push(Buffer.from('\nb'));
    splitter.end();
    expect(lines).toEqual(['a', 'b']);
  });

  it('keeps a partial line until more data arrives', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('hel'));
    expect(lines).toEqual([]);
    splitter.push(Buffer.from('lo wor'));
    expect(lines).toEqual([]);
    splitter.push(Buffer.from('ld\nnext'));
    expect(lines).toEqual(['hello world']);
    splitter.push(Buffer.from(' line\n'));
    expect(lines).toEqual(['hello world', 'next line']);
    splitter.end();
    expect(lines).toEqual(['hello world', 'next line']);
  });

  it('flushes the partial last line on end, once', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('first\nno newline at the end'));
    splitter.end();
    splitter.end();
    expect(lines).toEqual(['first', 'no newline at the end']);
    expect(() => splitter.push(Buffer.from('x'))).toThrow(/after end/);
  });

  it('emits nothing on end when there is no partial line', () => {
    const { lines, splitter } = collect();
    splitter.end();
    expect(lines).toEqual([]);
  });

  it('joins a multi-byte character split across chunks', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('héllo €uro\n');
    for (const byte of bytes) {
      splitter.push(Buffer.from([byte]));
    }
    splitter.end();
    expect(lines).toEqual(['héllo €uro']);
  });

  it('delivers a 10 MB single line as 64 KiB chunks', () => {
    const { lines, splitter } = collect();
    const total = 10 * 1024 * 1024;
    const piece = Buffer.alloc(100_000, 'a');
    let sent = 0;
    while (sent < total) {
      const size = Math.min(piece.length, total - sent);
      splitter.push(piece.subarray(0, size));
      sent += size;
      // Never more than one max-size line is buffered.
      expect(lines.length).toBeGreaterThanOrEqual(
        Math.floor(sent / MAX_LOG_LINE_BYTES) - 1,
      );
    }
    splitter.push(Buffer.from('\nafter\n'));
    splitter.end();

    const chunks = lines.slice(0, -1);
    expect(chunks).toHaveLength(Math.ceil(total / MAX_LOG_LINE_BYTES));
    expect(chunks.every(c => c.length <= MAX_LOG_LINE_BYTES)).toBe(true);
    expect(
      chunks.slice(0, -1).every(c => c.length === MAX_LOG_LINE_BYTES),
    ).toBe(true);
    expect(chunks.reduce((sum, c) => sum + c.length, 0)).toBe(total);
    expect(lines[lines.length - 1]).toBe('after');
  });

  it('does not split a line of exactly the maximum length', () => {
    const { lines, splitter } = collect({ maxLineBytes: 8 });
    splitter.push(Buffer.from('12345678\n123456789\n'));
    splitter.end();
    expect(lines).toEqual(['12345678', '12345678', '9']);
  });

  it('cuts long lines at a UTF-8 character boundary', () => {
    const { lines, splitter } = collect({ maxLineBytes: 8 });
    // 'a' + 3 x '€' (3 bytes each) = 10 bytes; the 8-byte cut would split the third '€'.
    splitter.push(Buffer.from('a€€€\n'));
    splitter.end();
    expect(lines).toEqual(['a€€', '€']);
    expect(lines.join('')).not.toContain('\ufffd');
  });

  it('copes with binary data: bounded chunks, replacement characters', () => {
    const { lines, splitter } = collect({ maxLineBytes: 1024 });
    const binary = Buffer.alloc(300_000);
    for (let i = 0; i < binary.length; i++) {
      binary[i] = (i * 7919) % 256 === 10 ? 0xff : (i * 7919) % 256;
    }
    splitter.push(binary);
    splitter.end();
    expect(lines.length).toBeGreaterThanOrEqual(Math.ceil(300_000 / 1024));
    for (const line of lines) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(1024 * 3);
    }
    expect(lines.join('')).toContain('\ufffd');
  });

  it('accepts strings', () => {
    const { lines, splitter } = collect();
    splitter.push('x\ny');
    splitter.end();
    expect(lines).toEqual(['x', 'y']);
  });

  it('reads a view into a larger buffer at its own offset', () => {
    const { lines, splitter } = collect();
    const backing = new TextEncoder().encode('IGNOREDé first\r\nsecond\nthi');
    // A Uint8Array (not a Buffer) that starts 7 bytes into its ArrayBuffer
    splitter.push(new Uint8Array(backing.buffer, 7, backing.length - 7));
    splitter.push(new TextEncoder().encode('rd\nfourth\n'));
    splitter.end();
    expect(lines).toEqual(['é first', 'second', 'third', 'fourth']);
  });

  it('rejects a silly maximum', () => {
    expect(() => new LogLineSplitter(() => {}, { maxLineBytes: 0 })).toThrow();
  });
});

describe('LogLineSplitter pieces of long lines', () => {
  it('flags every piece but the last as continued', () => {
    const got: Array<[string, boolean]> = [];
    const splitter = new LogLineSplitter(
      (line, continues) => got.push([line, continues]),
      { maxLineBytes: 4 },
    );
    splitter.push('abcdefghij\nshort\nxy');
    splitter.push('z');
    splitter.end();
    expect(got).toEqual([
      ['abcd', true],
      ['efgh', true],
      ['ij', false],
      ['shor', true],
      ['t', false],
      ['xyz', false],
    ]);
  });
});

describe('LogLineSplitter with ContinuedLineMasker', () => {
  const secret = 'hunter2-very-secret-token';
  const base64 = Buffer.from(secret).toString('base64');

  /** Splits `output` at 64 KiB and masks as the engine does; returns the stored lines. */
  function store(output: string) {
    const masker = new ContinuedLineMasker(new SecretMasker([secret]));
    const stored: string[] = [];
    const splitter = new LogLineSplitter((line, continues) => {
      const masked = masker.push(line, continues);
      if (masked || !continues) stored.push(masked);
    });
    // In small chunks, as a pipe delivers them
    const bytes = Buffer.from(output);
    for (let i = 0; i < bytes.length; i += 1000) {
      splitter.push(bytes.subarray(i, i + 1000));
    }
    splitter.end();
    const rest = masker.end();
    if (rest) stored.push(rest);
    return stored;
  }

  it.each([
    ['plain', secret],
    ['base64', base64],
  ])('masks a %s secret placed across the 64 KiB cut', (_, value) => {
    for (const before of [1, 5, value.length - 1]) {
      const prefix = 'a'.repeat(MAX_LOG_LINE_BYTES - before);
      const stored = store(`${prefix}${value}${'b'.repeat(70_000)}\nnext\n`);
      // The value is masked whole: no line holds it or a cut-off part of it
      expect(stored.length).toBeGreaterThan(2);
      for (const line of stored) {
        expect(line).not.toContain(value.slice(0, 4));
        expect(line).not.toContain(value.slice(-4));
      }
      expect(stored.join('')).toBe(`${prefix}***${'b'.repeat(70_000)}next`);
      expect(stored[stored.length - 1]).toBe('next');
      for (const line of stored) {
        expect(Buffer.byteLength(line)).toBeLessThanOrEqual(
          MAX_LOG_LINE_BYTES + value.length,
        );
      }
    }
  });
});
