import { detachFromLog } from './detach';
import { LogText } from './LogText';
import type { OfflineExplanation } from './types';

export type PromptExcerptOptions = {
  /** The most characters the excerpt may have (default 8,000). */
  maxChars?: number;
  /** Lines shown before and after each matched line (default 2). */
  contextLines?: number;
  /** The last lines of the log, shown if they fit (default 15). */
  tailLines?: number;
  /** Longer lines are cut (default 300 characters). */
  maxLineChars?: number;
  /** Masks secrets in every line: the excerpt goes to a model. */
  mask?: (text: string) => string;
};

/** The reduced log a model's prompt gets. */
export type PromptExcerpt = {
  /** Numbered lines (`  42| …`), with `… N lines omitted …` between the runs kept. */
  text: string;
  /** How many log lines it shows. */
  lines: number;
  /** Whether evidence was left out to stay within the budget. */
  truncated: boolean;
};

/**
 * The parts of a log that explain its failure, within a character budget, most telling first:
 * the first error block with the lines before it, then each matched rule's first matches in
 * their context, then the lines the green runs did not print, then the end of the log. Shown
 * in log order, numbered as in the log, with the gaps said.
 */
export function buildPromptExcerpt(
  log: string | LogText,
  explanation: OfflineExplanation,
  options: PromptExcerptOptions = {},
): PromptExcerpt {
  const maxChars = options.maxChars ?? 8000;
  const contextLines = options.contextLines ?? 2;
  const tailLines = options.tailLines ?? 15;
  const maxLineChars = options.maxLineChars ?? 300;
  const mask = options.mask ?? ((text: string) => text);
  const logText =
    typeof log === 'string'
      ? LogText.from(log.slice(explanation.log.skippedCharacters))
      : log;
  const lastLine = logText.lineCount;
  const width = String(lastLine).length;

  const range = (from: number, to: number) => {
    const lines: number[] = [];
    for (let line = Math.max(1, from); line <= Math.min(lastLine, to); line++) {
      lines.push(line);
    }
    return lines;
  };
  const sections: number[][] = [];
  const fingerprint = explanation.fingerprint;
  if (fingerprint.basis === 'error-block') {
    sections.push(
      range(fingerprint.startLine - contextLines, fingerprint.endLine),
    );
  }
  for (const rule of explanation.matchedRules) {
    for (const match of rule.matches.slice(0, 2)) {
      sections.push(
        range(match.line - contextLines, match.endLine + contextLines),
      );
    }
  }
  for (const newLine of explanation.newLines?.lines ?? []) {
    sections.push([newLine.line]);
  }
  sections.push(range(lastLine - tailLines + 1, lastLine));

  const GAP_COST = 40;
  const chosen = new Map<number, string>();
  let used = 0;
  let truncated = false;
  const render = (line: number, text: string) =>
    `${String(line).padStart(width)}| ${text}\n`;
  for (const section of sections) {
    for (const line of section) {
      if (chosen.has(line)) {
        continue;
      }
      const text = logText.maskedLine(line, maxLineChars, mask);
      const gap = chosen.has(line - 1) ? 0 : GAP_COST;
      const cost = render(line, text).length + gap;
      if (used + cost > maxChars) {
        truncated = true;
        continue;
      }
      chosen.set(line, text);
      used += cost;
    }
  }

  const ordered = [...chosen.keys()].sort((a, b) => a - b);
  let text = '';
  let previous = 0;
  for (const line of ordered) {
    if (line > previous + 1) {
      const omitted = line - previous - 1;
      text += `… ${omitted} line${omitted === 1 ? '' : 's'} omitted …\n`;
    }
    text += render(line, chosen.get(line)!);
    previous = line;
  }
  if (previous < lastLine && previous > 0) {
    const omitted = lastLine - previous;
    const marker = `… ${omitted} line${omitted === 1 ? '' : 's'} omitted …\n`;
    if (text.length + marker.length <= maxChars) {
      text += marker;
    }
  }
  return detachFromLog({ text, lines: ordered.length, truncated });
}
