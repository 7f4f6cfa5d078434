import { detachFromLog, forgetLastRegexInput } from './detach';
import { LogText } from './LogText';
import { lineShapeHash } from './normalise';
import type { NewLogLines } from './types';

/** Distinct line shapes kept from green runs: 8 bytes or so each, so about 16 MB at most. */
export const DEFAULT_MAX_BASELINE_SHAPES = 2_000_000;
export const DEFAULT_MAX_NEW_LINES = 100;
const MAX_LINE_CHARS = 500;

/**
 * What the pipeline's last green runs printed, as a set of line shapes (see `normalise.ts`),
 * to tell which lines of a failed run are new. Built once per pipeline and reusable.
 */
export class LogBaseline {
  private constructor(
    private readonly shapes: Set<number>,
    /** How many green logs it was built from. */
    readonly runCount: number,
    /** The cap on distinct shapes was reached: later lines of the green logs were not kept. */
    readonly truncated: boolean,
  ) {}

  static fromLogs(
    logs: Iterable<string | LogText>,
    options: { maxShapes?: number } = {},
  ): LogBaseline {
    const maxShapes = options.maxShapes ?? DEFAULT_MAX_BASELINE_SHAPES;
    const shapes = new Set<number>();
    let runCount = 0;
    let truncated = false;
    for (const log of logs) {
      runCount++;
      const text = typeof log === 'string' ? LogText.from(log).text : log.text;
      let start = 0;
      while (start <= text.length && !truncated) {
        let end = text.indexOf('\n', start);
        if (end < 0) {
          end = text.length;
        }
        const shape = lineShapeHash(text, start, end);
        if (shape !== -1) {
          shapes.add(shape);
          truncated = shapes.size >= maxShapes;
        }
        start = end + 1;
      }
    }
    forgetLastRegexInput();
    return new LogBaseline(shapes, runCount, truncated);
  }

  /** Whether a green run had a line of this shape. */
  has(line: string): boolean {
    return this.shapes.has(lineShapeHash(line));
  }

  /** Whether a green run had a line whose {@link lineShapeHash} is `shape`. */
  hasShape(shape: number): boolean {
    return this.shapes.has(shape);
  }

  get size(): number {
    return this.shapes.size;
  }
}

/**
 * The lines of `log` whose shape none of the green runs has, each shape once, in log order.
 * Over the cap, the first half and the last half are kept (where a run diverges, and where
 * it failed).
 */
export function findNewLines(
  log: LogText,
  baseline: LogBaseline,
  options: {
    maxLines?: number;
    mask?: (text: string) => string;
    /** Called with the first line of each new shape, in order (to look for the first error). */
    onNewLine?: (line: number) => void;
  } = {},
): NewLogLines {
  const maxLines = Math.max(1, options.maxLines ?? DEFAULT_MAX_NEW_LINES);
  const mask = options.mask ?? ((text: string) => text);
  const headSize = Math.ceil(maxLines / 2);
  const tailSize = maxLines - headSize;
  const head: number[] = [];
  const tail: number[] = new Array(tailSize);
  let tailCount = 0;
  let total = 0;
  const seen = new Set<number>();
  const text = log.text;
  for (let line = 1; line <= log.lineCount; line++) {
    const start = log.lineStart(line);
    const end = log.lineEnd(line);
    const shape = lineShapeHash(text, start, end);
    if (shape === -1 || seen.has(shape) || baseline.hasShape(shape)) {
      continue;
    }
    seen.add(shape);
    total++;
    options.onNewLine?.(line);
    if (head.length < headSize) {
      head.push(line);
    } else if (tailSize > 0) {
      tail[tailCount % tailSize] = line;
      tailCount++;
    }
  }
  const kept = [...head];
  const tailKept = Math.min(tailCount, tailSize);
  for (let index = tailCount - tailKept; index < tailCount; index++) {
    kept.push(tail[index % tailSize]);
  }
  return detachFromLog({
    lines: kept.map(line => ({
      line,
      text: log.maskedLine(line, MAX_LINE_CHARS, mask),
    })),
    total,
    truncated: total > kept.length,
  });
}
