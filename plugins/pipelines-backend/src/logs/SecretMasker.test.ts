import { SecretMasker } from './SecretMasker';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');

describe('SecretMasker', () => {
  it('masks every occurrence of a secret', () => {
    const masker = new SecretMasker(['hunter2-pass']);
    expect(masker.mask('pw=hunter2-pass and again hunter2-pass.')).toBe(
      'pw=*** and again ***.',
    );
  });

  it('leaves text without secrets alone', () => {
    const masker = new SecretMasker(['s3cr3t']);
    expect(masker.mask('nothing to see')).toBe('nothing to see');
    expect(new SecretMasker([]).mask('anything')).toBe('anything');
    expect(new SecretMasker([]).isEmpty).toBe(true);
  });

  it('ignores values shorter than 4 characters', () => {
    const masker = new SecretMasker(['abc', '', 'x']);
    expect(masker.isEmpty).toBe(true);
    expect(masker.mask('abc x y')).toBe('abc x y');
  });

  it('treats regular-expression characters literally', () => {
    const masker = new SecretMasker(['a.b*c+(d)[e]{1}|^$\\/-?']);
    expect(masker.mask('x a.b*c+(d)[e]{1}|^$\\/-? y')).toBe('x *** y');
    expect(masker.mask('aXbbbc+(d)[e]{1}|^$\\/-?')).toBe(
      'aXbbbc+(d)[e]{1}|^$\\/-?',
    );
  });

  it('masks base64 encodings: standard and url-safe, padded and unpadded', () => {
    // Chosen so the standard encoding contains '+' and '/' and needs padding.
    const secret = 'token>>>???~~';
    const standard = b64(secret);
    const url = b64url(secret);
    expect(standard).toMatch(/[+/]/);
    expect(standard).toMatch(/=$/);
    const unpadded = standard.replace(/=+$/, '');
    const masker = new SecretMasker([secret]);
    expect(masker.mask(`a ${standard} b`)).toBe('a *** b');
    expect(masker.mask(`a ${unpadded} b`)).toBe('a *** b');
    expect(masker.mask(`a ${url} b`)).toBe('a *** b');
    expect(masker.mask(`a ${url}${standard.slice(unpadded.length)} b`)).toBe(
      'a *** b',
    );
    expect(masker.mask(`Authorization: Basic ${b64(secret)}`)).toBe(
      'Authorization: Basic ***',
    );
  });

  it('masks each non-trivial line of a multi-line secret', () => {
    const key = [
      '-----BEGIN KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      '  indentedLine42  ',
      'ab',
      '-----END KEY-----',
    ].join('\n');
    const masker = new SecretMasker([key]);
    expect(masker.mask('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('***');
    expect(masker.mask('    indentedLine42')).toBe('    ***');
    // Lines shorter than 4 characters are not masked on their own.
    expect(masker.mask('ab cd')).toBe('ab cd');
    expect(masker.mask(key)).not.toContain('MIIE');
    // CRLF variant and the JSON-escaped form are covered too.
    expect(masker.mask(JSON.stringify({ key }))).toBe('{"key":"***"}');
    const crlf = new SecretMasker(['line-one\r\nline-two']);
    expect(crlf.mask('line-two')).toBe('***');
  });

  it('replaces longer secrets first so overlapping secrets mask fully', () => {
    const masker = new SecretMasker(['abcd', 'abcdefgh']);
    expect(masker.mask('xabcdefghx')).toBe('x***x');
    expect(masker.mask('abcd-abcdefgh')).toBe('***-***');
    const reversed = new SecretMasker(['abcdefgh', 'abcd']);
    expect(reversed.mask('xabcdefghx')).toBe('x***x');
  });

  it('is fast for many lines and many secrets', () => {
    const secrets = Array.from({ length: 200 }, (_, i) => `secret-${i}-value`);
    const masker = new SecretMasker(secrets);
    const line = `some ordinary build output, nothing secret here, line of text secret-199-value`;
    const start = Date.now();
    let result = '';
    for (let i = 0; i < 20_000; i++) {
      result = masker.mask(line);
    }
    expect(result.endsWith('***')).toBe(true);
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});
