import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PipelineOutputLine } from '@internal/plugin-pipelines-node';

/** The longest piece of a line delivered at once; longer lines continue. */
const MAX_LINE_BYTES = 64 * 1024;

/** Splits a stream's bytes into lines for `onOutput`; long lines come in pieces. */
export class LineSplitter {
  #pending: Buffer[] = [];
  #size = 0;

  constructor(
    private readonly stream: 'stdout' | 'stderr',
    private readonly onOutput: (line: PipelineOutputLine) => void,
    private readonly logger: LoggerService,
  ) {}

  push(chunk: Buffer) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      this.#pending.push(chunk.subarray(start, newline));
      this.#size += newline - start;
      this.#cutLong();
      this.#flush(false);
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#size += chunk.length - start;
      this.#cutLong();
    }
  }

  end() {
    if (this.#size > 0) this.#flush(false);
  }

  /** Delivers whole pieces of a line longer than the limit, keeping the rest pending. */
  #cutLong() {
    while (this.#size > MAX_LINE_BYTES) {
      const all = Buffer.concat(this.#pending);
      let cut = MAX_LINE_BYTES;
      // Do not cut inside a UTF-8 character
      while (cut > 0 && (all[cut] & 0xc0) === 0x80) cut--;
      this.#deliver(all.subarray(0, cut).toString('utf8'), true);
      this.#pending = [all.subarray(cut)];
      this.#size = all.length - cut;
    }
  }

  #flush(continues: boolean) {
    const text = Buffer.concat(this.#pending).toString('utf8');
    this.#pending = [];
    this.#size = 0;
    this.#deliver(text.endsWith('\r') ? text.slice(0, -1) : text, continues);
  }

  #deliver(text: string, continues: boolean) {
    try {
      this.onOutput(
        continues
          ? { stream: this.stream, text, continues }
          : { stream: this.stream, text },
      );
    } catch (error) {
      this.logger.warn(`A step output listener threw: ${String(error)}`);
    }
  }
}
