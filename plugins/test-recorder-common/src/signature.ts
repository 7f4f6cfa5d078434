/** The longest signature kept: enough to tell failures apart, short enough to group by. */
const MAX_SIGNATURE_LENGTH = 300;

/* eslint-disable no-control-regex -- ANSI escapes are control characters */
const ANSI_PATTERN =
  /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
/* eslint-enable no-control-regex */
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)\]]+/gi;
const UUID_PATTERN =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
// Hex ids: 0x literals, and runs of 7+ hex digits with at least one digit (commits, hashes).
const HEX_PATTERN =
  /\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b|\b\d{7,}\b/gi;
const DURATION_PATTERN = /\b\d+(?:\.\d+)?\s?(ms|s|m|h)\b/g;
const NUMBER_PATTERN = /\b\d+(?:[.,]\d+)*\b/g;
const QUOTED_PATTERN = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g;

/** Lines that are not the error itself: stack frames and Playwright's source excerpt. */
function isNoise(line: string): boolean {
  return (
    /^\s*at\s/.test(line) ||
    /^\s*>?\s*\d+\s*\|/.test(line) ||
    /^\s*\|\s*\^/.test(line)
  );
}

function reduceUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host) {
      return `${parsed.protocol}//${parsed.host}${parsed.pathname}`.replace(
        /\d+/g,
        'N',
      );
    }
  } catch {
    // Not a URL after all: normalised like any other text.
  }
  return url.replace(/\d+/g, 'N');
}

function normaliseText(text: string): string {
  return text.replace(UUID_PATTERN, 'ID').replace(HEX_PATTERN, 'ID');
}

/**
 * A failure message normalised so that the same failure in different runs has the same
 * signature: the error's first lines without colours, stack or Playwright's call log, with
 * numbers, durations, ids, the digits in quoted text and URLs' variable parts replaced.
 */
export function failureSignature(message: string): string {
  // \uE000 marks URLs below: a message can never contain it.
  const withoutColours = message
    .replace(ANSI_PATTERN, '')
    .replace(/\uE000/g, '');
  const callLog = withoutColours.search(/^\s*Call log:/m);
  const head =
    callLog === -1 ? withoutColours : withoutColours.slice(0, callLog);
  const lines = head
    .split(/\r?\n/)
    .filter(line => line.trim() !== '' && !isNoise(line));
  let text = lines.join(' ').replace(/\s+/g, ' ').trim();

  // URLs first, kept aside so the rules below do not touch what is left of them.
  const urls: string[] = [];
  text = text.replace(URL_PATTERN, url => {
    urls.push(reduceUrl(url));
    return `\uE000${urls.length - 1}\uE000`;
  });
  let result = '';
  let last = 0;
  for (const match of text.matchAll(QUOTED_PATTERN)) {
    result += normaliseUnquoted(text.slice(last, match.index));
    result += outsideUrls(match[0], part =>
      normaliseText(part).replace(/\d+(?:[.,]\d+)*/g, 'N'),
    );
    last = match.index + match[0].length;
  }
  result += normaliseUnquoted(text.slice(last));
  result = result.replace(
    /\uE000(\d+)\uE000/g,
    (_, index) => urls[Number(index)],
  );

  const chars = [...result];
  return chars.length > MAX_SIGNATURE_LENGTH
    ? chars.slice(0, MAX_SIGNATURE_LENGTH).join('')
    : result;
}

/** Applies `normalise` to the text between URL placeholders (their indexes are digits too). */
function outsideUrls(
  text: string,
  normalise: (part: string) => string,
): string {
  return text
    .split(/(\uE000\d+\uE000)/)
    .map((part, index) => (index % 2 === 1 ? part : normalise(part)))
    .join('');
}

function normaliseUnquoted(text: string): string {
  return outsideUrls(text, part =>
    normaliseText(part)
      .replace(DURATION_PATTERN, 'N$1')
      .replace(NUMBER_PATTERN, 'N'),
  );
}
