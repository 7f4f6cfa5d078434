/** The longest line (in bytes) a step's output is delivered as; longer lines are split. */
export const MAX_LOG_LINE_BYTES = 64 * 1024;

/**
 * Turns a stream of Buffer chunks (a child process's stdout or stderr) into lines.
 *
 * - Lines are split on `\n`; a trailing `\r` is stripped (CRLF output).
 * - A partial last line is kept until more data arrives or {@link LogLineSplitter.end} is
 *   called.
 * - A line longer than `maxLineBytes` is delivered in chunks of at most `maxLineBytes` bytes,
 *   cut at a UTF-8 character boundary when there is one nearby, so neither a huge single line
 *   nor binary output without newlines can make the buffer grow without bound. Every chunk
 *   but the line's last is delivered with `continues` set, so whoever masks secrets can mask
 *   one that straddles a cut (see `ContinuedLineMasker`).
 * - Bytes are decoded as UTF-8; invalid sequences become U+FFFD.
 */
export class LogLineSplitter {
  readonly #onLine: (line: string, continues: boolean) => void;
  readonly #maxLineBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #ended = false;

  constructor(
    onLine: (line: string, continues: boolean) => void,
    options?: { maxLineBytes?: number },
  ) {
    const max = options?.maxLineBytes ?? MAX_LOG_LINE_BYTES;
    if (!Number.isInteger(max) || max < 4) {
      throw new Error(`maxLineBytes must be an integer >= 4, got ${max}`);
    }
    this.#onLine = onLine;
    this.#maxLineBytes = max;
  }

  /** Feeds a chunk of output; complete lines are emitted synchronously. */
  push(chunk: Buffer | Uint8Array | string): void {
    if (this.#ended) {
      throw new Error('LogLineSplitter: push() after end()');
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (start < buf.length) {
      const newline = buf.indexOf(0x0a, start);
      if (newline === -1) {
        this.#append(buf.subarray(start));
        return;
      }
      if (this.#size === 0 && newline - start <= this.#maxLineBytes) {
        // The whole line is in this chunk (the common case): decoded in place, no copy
        const end =
          newline > start && buf[newline - 1] === 0x0d ? newline - 1 : newline;
        this.#onLine(
          Buffer.isBuffer(buf)
            ? buf.toString('utf8', start, end)
            : Buffer.from(
                buf.buffer,
                buf.byteOffset + start,
                end - start,
              ).toString('utf8'),
          false,
        );
      } else {
        this.#append(buf.subarray(start, newline));
        this.#emitPending();
      }
      start = newline + 1;
    }
  }

  /** Emits the partial last line, if any. Further pushes are an error. */
  end(): void {
    if (this.#ended) {
      return;
    }
    this.#ended = true;
    if (this.#size > 0) {
      this.#emitPending();
    }
  }

  #append(segment: Uint8Array): void {
    if (segment.length === 0) {
      return;
    }
    // Copy: the caller's chunk may be reused, and a small slice must not pin a large buffer.
    this.#parts.push(Buffer.from(segment));
    this.#size += segment.length;
    if (this.#size <= this.#maxLineBytes) {
      return;
    }
    const buf = Buffer.concat(this.#parts, this.#size);
    let offset = 0;
    while (buf.length - offset > this.#maxLineBytes) {
      const end = utf8Boundary(buf, offset + this.#maxLineBytes, offset);
      this.#emit(buf.subarray(offset, end), true);
      offset = end;
    }
    const rest = Buffer.from(buf.subarray(offset));
    this.#parts = [rest];
    this.#size = rest.length;
  }

  #emitPending(): void {
    let buf =
      this.#parts.length === 1
        ? this.#parts[0]
        : Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) {
      buf = buf.subarray(0, buf.length - 1);
    }
    this.#emit(buf, false);
  }

  #emit(buf: Buffer, continues: boolean): void {
    this.#onLine(buf.toString('utf8'), continues);
  }
}

/**
 * Where to cut `buf` at or before `end` without splitting a UTF-8 sequence: moves back over
 * at most 3 continuation bytes to the lead byte. Falls back to `end` for invalid data.
 */
function utf8Boundary(buf: Buffer, end: number, min: number): number {
  for (let i = end; i > end - 4 && i > min; i--) {
    if ((buf[i] & 0xc0) !== 0x80) {
      return i;
    }
  }
  return end;
}
