import type { SecretMasker } from './SecretMasker';

/**
 * Masks the output of one stream that arrives in lines, where a line too long to deliver at
 * once comes as pieces flagged `continues` (see `LogLineSplitter`). Masking each piece on its
 * own would miss a secret cut in two, so the last `longest secret - 1` characters of a piece
 * (unmasked, in memory only) are held back and masked with the next piece; a secret that
 * starts before the held-back part is masked whole, even where it reaches into it. Ordinary
 * lines cost one `mask` call, as before.
 */
export class ContinuedLineMasker {
  #carry = '';

  constructor(private readonly masker: SecretMasker) {}

  /** The masked text to store for this line or piece; '' when all of it is held back. */
  push(text: string, continues: boolean): string {
    if (!continues && !this.#carry) return this.masker.mask(text);
    const joined = this.#carry + text;
    if (!continues) {
      this.#carry = '';
      return this.masker.mask(joined);
    }
    const safeEnd = joined.length - Math.max(0, this.masker.longest - 1);
    if (safeEnd <= 0) {
      this.#carry = joined;
      return '';
    }
    const { masked, end } = this.masker.maskPrefix(joined, safeEnd);
    this.#carry = joined.slice(end);
    return masked;
  }

  /** What is still held back (the stream ended without its line's last piece), masked. */
  end(): string {
    const rest = this.#carry;
    this.#carry = '';
    return rest ? this.masker.mask(rest) : '';
  }
}
