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
  readonly #longest: number;

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

    this.#longest = Math.max(0, ...[...candidates].map(c => c.length));
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

  /** The length of the longest text masked (a secret or one of its encodings); 0 if none. */
  get longest(): number {
    return this.#longest;
  }

  /**
   * Masks the start of `text`, which the stream continues after its end: the part up to
   * `safeEnd`, or further when a secret starting before `safeEnd` ends later. Returns the
   * masked part and how many characters of `text` it covers; the rest is to be masked again
   * with what follows. With `safeEnd` at most `text.length - (longest - 1)`, every secret
   * starting before it lies wholly inside `text`, so none is missed at the cut.
   */
  maskPrefix(text: string, safeEnd: number): { masked: string; end: number } {
    const pattern = this.#pattern;
    if (!pattern) return { masked: text.slice(0, safeEnd), end: safeEnd };
    const parts: string[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index! >= safeEnd) break;
      parts.push(text.slice(last, match.index), SECRET_MASK);
      last = match.index! + match[0].length;
    }
    const end = Math.max(safeEnd, last);
    parts.push(text.slice(last, end));
    return { masked: parts.join(''), end };
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
