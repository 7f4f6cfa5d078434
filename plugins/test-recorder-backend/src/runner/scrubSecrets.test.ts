import JSZip from 'jszip';
import { scrubSecrets, scrubZip } from './scrubSecrets';

const text = (buffer: Buffer) => buffer.toString('utf8');

describe('scrubSecrets', () => {
  it('replaces the raw secret everywhere', () => {
    const content = Buffer.from('pw=hunter22; again hunter22.');
    expect(text(scrubSecrets(content, ['hunter22']))).toBe(
      'pw=***; again ***.',
    );
  });

  it('replaces the JSON-escaped, percent-encoded, form-encoded and base64 forms', () => {
    const secret = 'p@ss "word"/\\ x&y';
    const content = Buffer.from(
      [
        JSON.stringify({ value: secret }),
        `https://example.com/?q=${encodeURIComponent(secret)}`,
        new URLSearchParams({ password: secret }).toString(),
        `data:${Buffer.from(secret).toString('base64')}`,
      ].join('\n'),
    );
    const scrubbed = text(scrubSecrets(content, [secret]));
    expect(scrubbed).toBe(
      [
        '{"value":"***"}',
        'https://example.com/?q=***',
        'password=***',
        'data:***',
      ].join('\n'),
    );
  });

  it('replaces form encoding with + for spaces', () => {
    const content = Buffer.from('user=a&password=correct+horse+battery');
    expect(text(scrubSecrets(content, ['correct horse battery']))).toBe(
      'user=a&password=***',
    );
  });

  it('finds the secret base64-encoded after other bytes (Basic auth)', () => {
    const secret = 'sup3r-s3cret-token';
    for (const user of ['a', 'ab', 'abc']) {
      const header = `Authorization: Basic ${Buffer.from(
        `${user}:${secret}`,
      ).toString('base64')}`;
      const scrubbed = text(scrubSecrets(Buffer.from(header), [secret]));
      expect(scrubbed).toContain('***');
      // What is left of the encoded value can no longer decode to the secret
      const remaining = scrubbed.replace('Authorization: Basic ', '');
      expect(Buffer.from(remaining, 'base64').toString('latin1')).not.toContain(
        secret.slice(2, -2),
      );
    }
  });

  it('scrubs secrets shorter than 4 characters', () => {
    expect(text(scrubSecrets(Buffer.from('pin=42x;'), ['42x']))).toBe(
      'pin=***;',
    );
  });

  it('returns content without secrets byte-identical', () => {
    const content = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
    const result = scrubSecrets(content, ['not-there', '']);
    expect(result.equals(content)).toBe(true);
    expect(scrubSecrets(content, []).equals(content)).toBe(true);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    expect(text(scrubSecrets(Buffer.from('x=abcdef'), ['abc', 'abcdef']))).toBe(
      'x=***',
    );
  });
});

describe('scrubZip', () => {
  async function makeZip(files: Record<string, string | Buffer>) {
    const zip = new JSZip();
    for (const [name, content] of Object.entries(files))
      zip.file(name, content);
    return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  }

  it('scrubs every entry (and entry names) and re-zips', async () => {
    const secret = 'tr4ce-secret';
    const content = await makeZip({
      'trace.trace': `{"type":"action","params":{"value":"${secret}"}}`,
      'resources/body.txt': `password=${encodeURIComponent(secret)}`,
      [`resources/${secret}.json`]: '{}',
      'resources/image.bin': Buffer.from([1, 2, 3]),
    });
    const scrubbed = await scrubZip(content, [secret]);
    const zip = await JSZip.loadAsync(scrubbed);
    expect(Object.keys(zip.files).sort()).toEqual([
      'resources/',
      'resources/***.json',
      'resources/body.txt',
      'resources/image.bin',
      'trace.trace',
    ]);
    expect(await zip.file('trace.trace')!.async('string')).toBe(
      '{"type":"action","params":{"value":"***"}}',
    );
    expect(await zip.file('resources/body.txt')!.async('string')).toBe(
      'password=***',
    );
    expect([
      ...(await zip.file('resources/image.bin')!.async('nodebuffer')),
    ]).toEqual([1, 2, 3]);
  });

  it('returns a zip without secrets byte-identical', async () => {
    const content = await makeZip({ 'trace.trace': '{"type":"action"}' });
    const result = await scrubZip(content, ['tr4ce-secret']);
    expect(result.equals(content)).toBe(true);
  });

  it('refuses content that is not a zip', async () => {
    await expect(
      scrubZip(Buffer.from('not a zip'), ['secret']),
    ).rejects.toThrow();
  });
});
