/**
 * A log's text with an index of where its lines start, so every step of the analysis can
 * find line numbers and walk the log in chunks without splitting it into an array of lines
 * (a 20 MB log is one string plus 4 bytes per line).
 */

/** A run of whole lines: the unit the analysis scans. */
export type LogChunk = {
  /** Offset of the first character, and one past the last (the final line break excluded). */
  start: number;
  end: number;
  /** 1-based numbers of its first and last lines. */
  firstLine: number;
  lastLine: number;
};

import { LEADING_TIMESTAMP } from './normalise';

// Colours and cursor moves (CSI), titles and links (OSC), and the carriage return of CRLF.
// Without a CR or an ESC in the log (the usual case) nothing is copied.
const TERMINAL_CODES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[@-_]|\r+(?=\n)/g;

const LEADING_TIMESTAMPS = new RegExp(LEADING_TIMESTAMP.source, 'gm');
/** Characters past a cut that are still masked, so a secret across the cut is found whole. */
const MASK_MARGIN_CHARS = 512;
/** Lines looked at to tell whether the log prefixes its lines with timestamps. */
const SAMPLE_LINES = 50;

/** Whether most of the first non-blank lines start with a timestamp. */
function hasTimestampedLines(text: string): boolean {
  let sampled = 0;
  let stamped = 0;
  let position = 0;
  while (sampled < SAMPLE_LINES && position < text.length) {
    let end = text.indexOf('\n', position);
    if (end < 0) {
      end = text.length;
    }
    const line = text.slice(position, Math.min(end, position + 64));
    if (line.trim() !== '') {
      sampled++;
      if (LEADING_TIMESTAMP.test(line)) {
        stamped++;
      }
    }
    position = end + 1;
  }
  return sampled > 0 && stamped * 2 > sampled;
}

export class LogText {
  private constructor(
    /**
     * The text the analysis reads: terminal codes and CRLF's carriage returns removed, and
     * the timestamps CI systems put at the start of lines, when most lines have one (rules
     * then see `FAIL src/x.test.ts` at the start of its line). Lines keep their numbers.
     */
    readonly text: string,
    private readonly lineStarts: Uint32Array,
    /** How many lines (a final line break does not start another). */
    readonly lineCount: number,
    /** Whether leading timestamps were removed. */
    readonly timestampsRemoved: boolean,
  ) {}

  static from(raw: string): LogText {
    let text =
      raw.includes('\x1b') || raw.includes('\r')
        ? raw.replace(TERMINAL_CODES, '')
        : raw;
    const timestampsRemoved = hasTimestampedLines(text);
    if (timestampsRemoved) {
      text = text.replace(LEADING_TIMESTAMPS, '');
    }
    let starts = new Uint32Array(Math.max(1024, Math.ceil(text.length / 64)));
    let count = 0;
    let position = 0;
    const length =
      text.length > 0 && text.charCodeAt(text.length - 1) === 10
        ? text.length - 1
        : text.length;
    for (;;) {
      if (count === starts.length) {
        const grown = new Uint32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = position;
      const next = text.indexOf('\n', position);
      if (next < 0 || next >= length) {
        break;
      }
      position = next + 1;
    }
    if (text.length === 0) {
      count = 0;
    }
    return new LogText(
      text,
      starts.subarray(0, count),
      count,
      timestampsRemoved,
    );
  }

  /** The 1-based line holding the character at `offset`. */
  lineAt(offset: number): number {
    let low = 0;
    let high = this.lineCount - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.lineStarts[middle] <= offset) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low + 1;
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.lineStarts[line - 1];
  }

  /** Offset just past a 1-based line's last character (its line break excluded). */
  lineEnd(line: number): number {
    return line < this.lineCount ? this.lineStarts[line] - 1 : this.endOfText();
  }

  /** A 1-based line's text, cut to `maxChars` (with `…`) when given. */
  line(line: number, maxChars?: number): string {
    const start = this.lineStart(line);
    const end = this.lineEnd(line);
    if (maxChars !== undefined && end - start > maxChars) {
      return `${this.text.slice(start, start + maxChars)}…`;
    }
    return this.text.slice(start, end);
  }

  /**
   * A 1-based line for people or a model: secrets masked, then cut to `maxChars` (with `…`).
   * Masking comes first, on a little more than is shown, so a cut never leaves part of a
   * secret the mask would no longer recognise.
   */
  maskedLine(
    line: number,
    maxChars: number,
    mask: (text: string) => string = text => text,
  ): string {
    const masked = mask(this.line(line, maxChars + MASK_MARGIN_CHARS));
    return masked.length > maxChars ? `${masked.slice(0, maxChars)}…` : masked;
  }

  /**
   * The log in runs of whole lines of about `targetChars` each. A line longer than that is a
   * chunk on its own.
   */
  *chunks(targetChars: number): Generator<LogChunk> {
    let firstLine = 1;
    while (firstLine <= this.lineCount) {
      const start = this.lineStart(firstLine);
      let lastLine = this.lineAt(start + targetChars);
      if (
        lastLine > firstLine &&
        this.lineEnd(lastLine) > start + targetChars
      ) {
        lastLine--;
      }
      yield { start, end: this.lineEnd(lastLine), firstLine, lastLine };
      firstLine = lastLine + 1;
    }
  }

  private endOfText(): number {
    const length = this.text.length;
    return length > 0 && this.text.charCodeAt(length - 1) === 10
      ? length - 1
      : length;
  }
}
