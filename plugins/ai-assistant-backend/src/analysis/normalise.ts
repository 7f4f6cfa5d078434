/**
 * Two ways of making log lines from different runs comparable.
 *
 * - {@link normaliseLogLine}: readable, for the fingerprint's few lines. Timestamps, UUIDs,
 *   hex hashes, the directories of absolute paths (temporary ones included), durations and
 *   line:column positions become placeholders.
 * - {@link lineShapeHash}: fast, for comparing every line of a 20 MB log with the green runs.
 *   A line's "shape" replaces with `#` every word that holds a digit (times, hashes, ids,
 *   durations, positions, sizes, versions) or is a hash's or a UUID's hex letters, and the
 *   directories of absolute paths with `#/`; it is hashed as it is read, without a string.
 */

/**
 * A timestamp at the start of a line, as CI systems add them: GitHub Actions'
 * `2025-03-11T09:14:05.3391022Z `, Jenkins' timestamper `[2025-03-11T10:02:11.402Z] ` or
 * `12:01:44 `, and the like.
 */
export const LEADING_TIMESTAMP =
  /^(?:\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?|\[?\d\d:\d\d:\d\d(?:[.,]\d+)?\]?)(?:[ \t]|$)/;

const NORMALISERS: [RegExp, string][] = [
  [
    /\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)?/g,
    '<time>',
  ],
  [/\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b/g, '<time>'],
  [
    /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g,
    '<uuid>',
  ],
  [
    /\b(?:0x)?(?=[0-9a-f]*\d)[0-9a-f]{7,}\b|\b(?=[0-9A-F]*\d)[0-9A-F]{7,}\b/g,
    '<hex>',
  ],
  [/(?<![\w.~/:-])(?:~|\/)(?:[^\s/:'"()[\],;<>]*\/)+/g, '<path>/'],
  [/\b[A-Za-z]:\\(?:[^\s\\:'"()<>]+\\)+/g, '<path>\\'],
  [/\b(?:tmp|temp)[-_.][\w.-]*\d[\w.-]*/gi, '<tmp>'],
  [
    /\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b/g,
    '<duration>',
  ],
  [/:\d+:\d+\b/g, ':<line>:<col>'],
  [/(\.[A-Za-z]\w{0,5}):\d+\b/g, '$1:<line>'],
  [/\(\d+,\d+\)/g, '(<line>,<col>)'],
  [/\bline \d+\b/g, 'line <line>'],
  [/[ \t]+/g, ' '],
];

/** A line with its volatile parts replaced by placeholders, trimmed. */
export function normaliseLogLine(line: string): string {
  let result = line;
  for (const [pattern, replacement] of NORMALISERS) {
    result = result.replace(pattern, replacement);
  }
  return result.trim();
}

const SHAPE_PLACEHOLDER = 35; // '#'
const SLASH = 47;
const DASH = 45;
const PATH_BOUNDARY = new Set([32, 9, 34, 39, 40, 61, 91, 44]); // space tab " ' ( = [ ,
const PATH_END = new Set([32, 9, 34, 39, 41, 58, 44, 93]); // space tab " ' ) : , ]
/** Base64 characters in a row from which a run with mixed case and digits is a digest. */
const BASE64_RUN = 20;
const HIGH_PRIME = 0x01000193;
const LOW_PRIME = 0x5bd1e995;

const DIGIT = 1;
const LOWER = 2;
const UPPER = 4;
const ALNUM = DIGIT | LOWER | UPPER;
const BASE64_SIGN = 8; // + / =
const HEX_LETTER = 16; // a-f A-F
/** What each ASCII character is, for the loop below (anything else is 0). */
const CHAR_KINDS = (() => {
  const kinds = new Uint8Array(128);
  for (let code = 0; code < 128; code++) {
    const char = String.fromCharCode(code);
    if (/[0-9]/.test(char)) kinds[code] = DIGIT;
    else if (/[a-z]/.test(char)) kinds[code] = LOWER;
    else if (/[A-Z]/.test(char)) kinds[code] = UPPER;
    else if (/[+/=]/.test(char)) kinds[code] = BASE64_SIGN;
    if (/[a-fA-F]/.test(char)) kinds[code] |= HEX_LETTER;
  }
  return kinds;
})();

const isBlank = (code: number) => code === 32 || code === 9 || code === 13;

/**
 * Whether a word (letters and digits) of a line changes from run to run: it has a digit, it is
 * as long as a digest or a token (32 or more), or it is hex letters only and as long as a hash
 * (8 or more) or a UUID's part (4 or 12 beside `-`).
 */
function isVolatileWord(
  text: string,
  start: number,
  end: number,
  hasDigit: boolean,
  hexOnly: boolean,
): boolean {
  const length = end - start;
  if (hasDigit || length >= 32) {
    return true; // 32 letters in a row are a token or a digest, not a word
  }
  if (!hexOnly) {
    return false;
  }
  return (
    length >= 8 ||
    ((length === 4 || length === 12) &&
      (text.charCodeAt(start - 1) === DASH || text.charCodeAt(end) === DASH))
  );
}

/**
 * A 53-bit hash of the shape of `text.slice(start, end)` (see the top of this file), computed
 * in one pass without building a string. Lines that differ only in their volatile parts get
 * the same hash; blank lines get -1.
 */
export function lineShapeHash(
  text: string,
  start = 0,
  end = text.length,
): number {
  let from = start;
  let to = end;
  while (from < to && isBlank(text.charCodeAt(from))) from++;
  while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
  if (from === to) {
    return -1;
  }
  // Two 32-bit multiplicative lanes, combined into one safe integer.
  let high = 0x811c9dc5 | 0;
  let low = 0x01000193 | 0;
  // The lanes as they were before the current word, to replace it by `#` when it ends.
  let wordStart = -1;
  let wordHigh = 0;
  let wordLow = 0;
  let hasDigit = false;
  let hexOnly = true;
  // The same for the current run of base64 characters ([A-Za-z0-9+/=]): a long one with
  // upper case, lower case and digits is a digest or a token (`sha512-…`), even where its
  // `+` and `/` cut it into words.
  let runStart = -1;
  let runHigh = 0;
  let runLow = 0;
  let runKinds = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    const kind = code < 128 ? CHAR_KINDS[code] : 0;
    if (kind !== 0) {
      if (runStart < 0) {
        runStart = index;
        runHigh = high;
        runLow = low;
        runKinds = 0;
      }
      runKinds |= kind & ALNUM;
      if ((kind & ALNUM) !== 0) {
        if (wordStart < 0) {
          wordStart = index;
          wordHigh = high;
          wordLow = low;
          hasDigit = false;
          hexOnly = true;
        }
        if (kind === DIGIT) {
          hasDigit = true;
        } else if ((kind & HEX_LETTER) === 0) {
          hexOnly = false;
        }
        high = Math.imul(high ^ code, HIGH_PRIME);
        low = Math.imul(low ^ code, LOW_PRIME);
        continue;
      }
    } else if (runStart >= 0) {
      if (index - runStart >= BASE64_RUN && runKinds === ALNUM) {
        wordStart = -1;
        high = Math.imul(runHigh ^ SHAPE_PLACEHOLDER, HIGH_PRIME);
        low = Math.imul(runLow ^ SHAPE_PLACEHOLDER, LOW_PRIME);
      }
      runStart = -1;
    }
    if (wordStart >= 0) {
      if (isVolatileWord(text, wordStart, index, hasDigit, hexOnly)) {
        high = Math.imul(wordHigh ^ SHAPE_PLACEHOLDER, HIGH_PRIME);
        low = Math.imul(wordLow ^ SHAPE_PLACEHOLDER, LOW_PRIME);
      }
      wordStart = -1;
    }
    if (
      code === SLASH &&
      (index === from || PATH_BOUNDARY.has(text.charCodeAt(index - 1)))
    ) {
      // An absolute path: its directories become `#`, its last segment is kept.
      let lastSlash = index;
      let pathEnd = index + 1;
      for (; pathEnd < to; pathEnd++) {
        const next = text.charCodeAt(pathEnd);
        if (next === SLASH) {
          lastSlash = pathEnd;
        } else if (PATH_END.has(next)) {
          break;
        }
      }
      if (lastSlash > index) {
        high = Math.imul(high ^ SHAPE_PLACEHOLDER, HIGH_PRIME);
        low = Math.imul(low ^ SHAPE_PLACEHOLDER, LOW_PRIME);
        index = lastSlash; // the loop hashes nothing more of the directories
        runStart = -1; // nor counts them as base64
      }
    }
    high = Math.imul(high ^ code, HIGH_PRIME);
    low = Math.imul(low ^ code, LOW_PRIME);
  }
  if (runStart >= 0 && to - runStart >= BASE64_RUN && runKinds === ALNUM) {
    high = Math.imul(runHigh ^ SHAPE_PLACEHOLDER, HIGH_PRIME);
    low = Math.imul(runLow ^ SHAPE_PLACEHOLDER, LOW_PRIME);
  } else if (
    wordStart >= 0 &&
    isVolatileWord(text, wordStart, to, hasDigit, hexOnly)
  ) {
    high = Math.imul(wordHigh ^ SHAPE_PLACEHOLDER, HIGH_PRIME);
    low = Math.imul(wordLow ^ SHAPE_PLACEHOLDER, LOW_PRIME);
  }
  return (high >>> 0) * 0x200000 + ((low >>> 0) & 0x1fffff);
}
