import { ContinuedLineMasker } from './ContinuedLineMasker';
import { SecretMasker } from './SecretMasker';

describe('ContinuedLineMasker', () => {
  it('masks ordinary lines like the masker, holding nothing back', () => {
    expect(new SecretMasker([]).longest).toBe(0);
    const masker = new ContinuedLineMasker(new SecretMasker(['s3cr3t']));
    expect(masker.push('a s3cr3t b', false)).toBe('a *** b');
    expect(masker.push('', false)).toBe('');
    expect(masker.end()).toBe('');
  });

  it('holds back the tail of a piece and masks it with the next', () => {
    const masker = new ContinuedLineMasker(new SecretMasker(['s3cr3t']));
    // The longest masked text is the base64 form, 'czNjcjN0': 7 characters are held back...
    expect(new SecretMasker(['s3cr3t']).longest).toBe(8);
    expect(masker.push('0123456789s3c', true)).toBe('012345');
    // ...so the secret cut after 's3c' is masked whole
    expect(masker.push('r3t and more', true)).toBe('6789*** a');
    expect(masker.push('!', false)).toBe('nd more!');
  });

  it('masks a secret that starts before the held-back part as a whole', () => {
    const masker = new ContinuedLineMasker(new SecretMasker(['s3cr3t']));
    expect(masker.push('xxxxxxs3cr3tyy', true)).toBe('xxxxxx***');
    expect(masker.push('zz', false)).toBe('yyzz');
  });

  it('emits what is held back, masked, when the stream ends mid-line', () => {
    const masker = new ContinuedLineMasker(new SecretMasker(['s3cr3t']));
    expect(masker.push('abc', true)).toBe('');
    expect(masker.push('s3cr3', true)).toBe('a');
    expect(masker.end()).toBe('bcs3cr3');
    expect(masker.end()).toBe('');
  });

  it('holds nothing back without secrets', () => {
    const masker = new ContinuedLineMasker(new SecretMasker([]));
    expect(masker.push('abc', true)).toBe('abc');
    expect(masker.push('def', false)).toBe('def');
  });
});
