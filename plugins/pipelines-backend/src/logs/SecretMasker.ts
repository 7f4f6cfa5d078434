/** What a masked secret is replaced with. */
export const SECRET_MASK = '***';

/** Values shorter than this are not masked: masking them would garble ordinary output. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces secret values in log text with `***`.
 *
 * For each secret (values shorter than 4 characters are ignored) it masks:
 * - the value itself;
 * - its base64 encoding, standard and url-safe, with and without padding;
 * - its JSON-escaped form when that differs (a multi-line key printed as a JSON string);
 * - for a multi-line value, each of its lines (trimmed) that is at least 4 characters long,
 *   since output reaches the masker line by line.
 *
 * Longer candidates are tried first, so a secret that contains another is masked whole. All
 * candidates are compiled into one regular expression once, so masking a line is a single pass.
 */
export class SecretMasker {
  readonly #pattern: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    const candidates = new Set<string>();
    const add = (value: string) => {
      if (value.length >= MIN_SECRET_LENGTH) {
        candidates.add(value);
      }
    };

    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        continue;
      }
      add(secret);
      for (const encoded of base64Variants(secret)) {
        add(encoded);
      }
      const jsonEscaped = JSON.stringify(secret).slice(1, -1);
      if (jsonEscaped !== secret) {
        add(jsonEscaped);
      }
      if (/[\r\n]/.test(secret)) {
        for (const line of secret.split(/\r?\n|\r/)) {
          add(line.trim());
        }
      }
    }

    if (candidates.size === 0) {
      this.#pattern = undefined;
      return;
    }
    const alternatives = [...candidates]
      // Longest first: the regex engine takes the first alternative that matches.
      .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
      .map(escapeRegExp);
    this.#pattern = new RegExp(alternatives.join('|'), 'g');
  }

  /** Whether there is anything to mask at all. */
  get isEmpty(): boolean {
    return this.#pattern === undefined;
  }

  /** Returns `text` with every occurrence of a secret replaced by `***`. */
  mask(text: string): string {
    if (!this.#pattern || text.length < MIN_SECRET_LENGTH) {
      return text;
    }
    return text.replace(this.#pattern, SECRET_MASK);
  }
}

function base64Variants(secret: string): string[] {
  const padded = Buffer.from(secret, 'utf8').toString('base64');
  const unpadded = padded.replace(/=+$/, '');
  const urlUnpadded = unpadded.replace(/\+/g, '-').replace(/\//g, '_');
  const urlPadded = urlUnpadded + padded.slice(unpadded.length);
  return [padded, unpadded, urlPadded, urlUnpadded];
}

function escapeRegExp(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
