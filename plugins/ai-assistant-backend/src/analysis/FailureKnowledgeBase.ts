import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import fs from 'node:fs';
import { detachFromLog } from './detach';
import { LiteralFinder } from './LiteralFinder';
import { LogChunk, LogText } from './LogText';
import {
  CompiledFailureRule,
  CompiledPattern,
  formatFailureRuleIssue,
  parseFailureRules,
} from './parseFailureRules';
import { renderTemplate } from './templates';
import type {
  FailureMatchLimits,
  FailureRuleDefinition,
  FailureRuleMatch,
  FailureRuleStop,
  MatchedFailureRule,
} from './types';

/** Where the rules Comet ships live, in this package. */
export const DEFAULT_RULES_FILE = 'src/analysis/rules/default-rules.yaml';

export const DEFAULT_MAX_MATCHES_PER_RULE = 20;
export const DEFAULT_RULE_TIME_BUDGET_MS = 250;

/** About 256 KB of whole lines: big enough that per-chunk work is noise, small enough to stay in cache. */
const CHUNK_CHARS = 256 * 1024;
/** A multi-line match may run this far past its chunk (it is found whole from its chunk). */
const MULTI_LINE_OVERLAP_LINES = 64;
const MULTI_LINE_OVERLAP_CHARS = 64 * 1024;
/**
 * Above this many lines with a pattern's literal in one chunk, the pattern scans the chunk
 * instead of each line: one regex pass beats many small ones.
 */
const MAX_CANDIDATE_LINES = 32;
/** Above this many literal hits in one chunk the prefilter gives up on it: every pattern scans. */
const MAX_LITERAL_HITS_PER_CHUNK = 4096;
const MAX_LINE_CHARS = 500;
const MAX_MATCH_LINES = 20;
const MAX_GROUP_CHARS = 300;

/** Options of {@link FailureKnowledgeBase.match}. */
export type FailureMatchOptions = FailureMatchLimits & {
  /** Applied to every text the result holds (matched lines, groups, descriptions). */
  mask?: (text: string) => string;
};

/** The rules that matched a log, and what the reader should know about the ones that stopped. */
export type FailureMatchReport = {
  /** In the order of their first match in the log. */
  rules: MatchedFailureRule[];
  warnings: string[];
};

type Recorder = (
  state: RuleState,
  startOffset: number,
  match: RegExpExecArray,
  lastOffset?: number,
) => void;

/** A pattern of a rule, in the flat list the prefilter indexes. */
type Slot = { ruleIndex: number; pattern: CompiledPattern };

type Prefilter = {
  /** One finder for the literals of case-sensitive patterns, one for `ignoreCase` ones. */
  finders: { finder: LiteralFinder; slotsById: number[][] }[];
  /** Patterns with no literal to look for: they scan every chunk. */
  alwaysScan: number[];
};

function buildPrefilter(slots: Slot[]): Prefilter {
  const alwaysScan: number[] = [];
  const groups = {
    caseSensitive: new Map<string, number[]>(),
    ignoreCase: new Map<string, number[]>(),
  };
  slots.forEach((slot, index) => {
    const required = slot.pattern.requiredLiterals;
    if (!required) {
      alwaysScan.push(index);
      return;
    }
    const group = slot.pattern.lineRegex.ignoreCase
      ? groups.ignoreCase
      : groups.caseSensitive;
    for (const literal of required) {
      const list = group.get(literal) ?? [];
      list.push(index);
      group.set(literal, list);
    }
  });
  const finders: Prefilter['finders'] = [];
  for (const [group, ignoreCase] of [
    [groups.caseSensitive, false],
    [groups.ignoreCase, true],
  ] as const) {
    if (group.size > 0) {
      finders.push({
        finder: LiteralFinder.create([...group.keys()], { ignoreCase }),
        slotsById: [...group.values()],
      });
    }
  }
  return { finders, alwaysScan };
}

class RuleState {
  readonly matches: FailureRuleMatch[] = [];
  readonly lines = new Set<number>();
  elapsedMs = 0;
  stoppedBy?: FailureRuleStop;

  constructor(readonly rule: CompiledFailureRule) {}
}

const lineStartIn = (text: string, index: number) =>
  index === 0 ? 0 : text.lastIndexOf('\n', index - 1) + 1;

/**
 * Failure rules in the style of Jenkins' Build Failure Analyzer, ready to match logs. Matching
 * walks the log in chunks of about 256 KB: one pass of a literal finder (Aho-Corasick over the
 * literal text each pattern requires) finds the lines worth trying, and only those lines meet
 * the patterns; patterns without such text, or whose text is on many lines, scan the chunk.
 * Each rule has a cap on matches and a time budget, and patterns that could backtrack
 * exponentially are refused when loaded.
 */
export class FailureKnowledgeBase {
  private static defaultRules?: FailureKnowledgeBase;
  private readonly slots: Slot[];
  private readonly prefilter: Prefilter;

  private constructor(readonly rules: CompiledFailureRule[]) {
    this.slots = rules.flatMap((rule, ruleIndex) =>
      rule.patterns.map(pattern => ({ ruleIndex, pattern })),
    );
    this.prefilter = buildPrefilter(this.slots);
  }

  /** From rules already checked by {@link parseFailureRules} or `compileFailureRule`. */
  static fromRules(rules: CompiledFailureRule[]): FailureKnowledgeBase {
    return new FailureKnowledgeBase(rules);
  }

  /** From a rules file's text; any problem throws an `InputError` listing every one. */
  static fromYaml(
    text: string,
    options: { source?: string } = {},
  ): FailureKnowledgeBase {
    const { rules, issues } = parseFailureRules(text, options);
    if (issues.length > 0) {
      const listed = issues.slice(0, 20).map(formatFailureRuleIssue);
      const more =
        issues.length > 20 ? `\n… and ${issues.length - 20} more` : '';
      throw new InputError(
        `The failure rules${
          options.source ? ` in ${options.source}` : ''
        } have ${issues.length} problem${
          issues.length === 1 ? '' : 's'
        }:\n${listed.join('\n')}${more}`,
      );
    }
    return new FailureKnowledgeBase(rules);
  }

  static fromFile(path: string): FailureKnowledgeBase {
    return FailureKnowledgeBase.fromYaml(fs.readFileSync(path, 'utf8'), {
      source: path,
    });
  }

  /** The rules Comet ships (`src/analysis/rules/default-rules.yaml`), read once. */
  static default(): FailureKnowledgeBase {
    FailureKnowledgeBase.defaultRules ??= FailureKnowledgeBase.fromFile(
      resolvePackagePath(
        '@internal/plugin-ai-assistant-backend',
        DEFAULT_RULES_FILE,
      ),
    );
    return FailureKnowledgeBase.defaultRules;
  }

  get definitions(): FailureRuleDefinition[] {
    return this.rules.map(rule => rule.definition);
  }

  /** Every rule that matches the log, in the order of its first match. */
  match(log: LogText, options: FailureMatchOptions = {}): FailureMatchReport {
    const maxMatches =
      options.maxMatchesPerRule ?? DEFAULT_MAX_MATCHES_PER_RULE;
    const budgetMs = options.ruleTimeBudgetMs ?? DEFAULT_RULE_TIME_BUDGET_MS;
    const mask = options.mask ?? ((text: string) => text);
    const states = this.rules.map(rule => new RuleState(rule));
    const text = log.text;

    /** `lastOffset`: where a multi-line match ends (its last character). */
    const record = (
      state: RuleState,
      startOffset: number,
      match: RegExpExecArray,
      lastOffset?: number,
    ) => {
      const line = log.lineAt(startOffset);
      if (state.lines.has(line)) {
        return;
      }
      if (state.matches.length >= maxMatches) {
        state.stoppedBy = 'match-limit';
        return;
      }
      state.lines.add(line);
      const endLine =
        lastOffset === undefined
          ? line
          : Math.max(line, log.lineAt(lastOffset));
      // Masked whole, then cut: a cut secret would no longer be recognised.
      const groups: Record<string, string> = {};
      for (let index = 1; index < match.length; index++) {
        if (match[index] !== undefined) {
          groups[String(index)] = mask(match[index]).slice(0, MAX_GROUP_CHARS);
        }
      }
      for (const [name, value] of Object.entries(match.groups ?? {})) {
        if (value !== undefined) {
          groups[name] = mask(value).slice(0, MAX_GROUP_CHARS);
        }
      }
      const lines: string[] = [];
      for (
        let n = line;
        n <= Math.min(endLine, line + MAX_MATCH_LINES - 1);
        n++
      ) {
        lines.push(log.maskedLine(n, MAX_LINE_CHARS, mask));
      }
      const rule = state.rule;
      const result: FailureRuleMatch = {
        line,
        endLine,
        text: lines,
        groups,
        description: renderTemplate(rule.description, groups),
      };
      if (rule.fix) {
        result.fix = renderTemplate(rule.fix, groups);
      }
      state.matches.push(result);
    };

    for (const chunk of log.chunks(CHUNK_CHARS)) {
      if (states.every(state => state.stoppedBy)) {
        break;
      }
      const { scan, candidateLines } = this.findCandidates(text, chunk, states);
      if (scan.size === 0 && candidateLines.size === 0) {
        continue;
      }

      let chunkText: string | undefined;
      for (let slotIndex = 0; slotIndex < this.slots.length; slotIndex++) {
        const slot = this.slots[slotIndex];
        const state = states[slot.ruleIndex];
        const lines = candidateLines.get(slotIndex);
        if (state.stoppedBy || (!lines && !scan.has(slotIndex))) {
          continue;
        }
        const started = performance.now();
        if (lines) {
          this.matchLines(slot.pattern, text, chunk.end, lines, state, record);
        } else {
          chunkText ??= text.slice(chunk.start, chunk.end);
          if (slot.pattern.multiLine) {
            this.scanMultiLine(
              slot.pattern,
              log,
              chunk,
              chunkText,
              state,
              record,
              started,
              budgetMs,
            );
          } else {
            this.scanLines(
              slot.pattern,
              chunkText,
              chunk.start,
              state,
              record,
              started,
              budgetMs,
            );
          }
        }
        state.elapsedMs += performance.now() - started;
        if (!state.stoppedBy && state.elapsedMs > budgetMs) {
          state.stoppedBy = 'time-budget';
        }
      }
    }

    const warnings: string[] = [];
    const matched: MatchedFailureRule[] = [];
    for (const state of states) {
      if (state.stoppedBy === 'time-budget') {
        warnings.push(
          `Rule "${state.rule.id}" was stopped after ${Math.round(
            state.elapsedMs,
          )} ms (its budget is ${budgetMs} ms): its patterns are too slow for this log, so it may have missed matches.`,
        );
      }
      if (state.matches.length === 0) {
        continue;
      }
      state.matches.sort((a, b) => a.line - b.line);
      const rule = state.rule;
      const first = state.matches[0];
      const result: MatchedFailureRule = {
        id: rule.id,
        name: rule.name,
        category: rule.category,
        priority: rule.priority,
        description: first.description,
        matches: state.matches,
        matchCount: state.matches.length,
      };
      if (first.fix !== undefined) {
        result.fix = first.fix;
      }
      if (state.stoppedBy) {
        result.stoppedBy = state.stoppedBy;
      }
      matched.push(result);
    }
    matched.sort((a, b) => a.matches[0].line - b.matches[0].line);
    return detachFromLog({ rules: matched, warnings });
  }

  /**
   * Where each pattern may match in a chunk: the lines holding one of its literals, or
   * `scan` (the whole chunk) for patterns without literals, multi-line patterns whose literal
   * occurs, patterns whose literal is on many lines, and every pattern when the chunk has too
   * many literal hits to look at one by one.
   */
  private findCandidates(
    text: string,
    chunk: LogChunk,
    states: RuleState[],
  ): { scan: Set<number>; candidateLines: Map<number, number[]> } {
    const scan = new Set<number>(this.prefilter.alwaysScan);
    const candidateLines = new Map<number, number[]>();
    let hits = 0;
    const onHit = (slotsById: number[][], lastIndex: number, id: number) => {
      if (++hits > MAX_LITERAL_HITS_PER_CHUNK) {
        return false;
      }
      const lineStart = text.lastIndexOf('\n', lastIndex) + 1;
      for (const slotIndex of slotsById[id]) {
        const slot = this.slots[slotIndex];
        if (scan.has(slotIndex) || states[slot.ruleIndex].stoppedBy) {
          continue;
        }
        if (slot.pattern.multiLine) {
          scan.add(slotIndex);
          continue;
        }
        const lines = candidateLines.get(slotIndex) ?? [];
        if (lines[lines.length - 1] !== lineStart) {
          lines.push(lineStart);
        }
        if (lines.length > MAX_CANDIDATE_LINES) {
          scan.add(slotIndex);
          candidateLines.delete(slotIndex);
        } else {
          candidateLines.set(slotIndex, lines);
        }
      }
      return true;
    };
    for (const { finder, slotsById } of this.prefilter.finders) {
      finder.scan(text, chunk.start, chunk.end, (lastIndex, id) =>
        onHit(slotsById, lastIndex, id),
      );
    }
    if (hits > MAX_LITERAL_HITS_PER_CHUNK) {
      this.slots.forEach((_, index) => scan.add(index));
      candidateLines.clear();
    }
    return { scan, candidateLines };
  }

  private matchLines(
    pattern: CompiledPattern,
    text: string,
    chunkEnd: number,
    lineStarts: number[],
    state: RuleState,
    record: Recorder,
  ) {
    for (const lineStart of lineStarts) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0 || lineEnd > chunkEnd) {
        lineEnd = chunkEnd;
      }
      const match = pattern.lineRegex.exec(text.slice(lineStart, lineEnd));
      if (match) {
        record(state, lineStart, match);
        if (state.stoppedBy) {
          return;
        }
      }
    }
  }

  private scanLines(
    pattern: CompiledPattern,
    chunkText: string,
    chunkStart: number,
    state: RuleState,
    record: Recorder,
    started: number,
    budgetMs: number,
  ) {
    const regex = pattern.scanRegex;
    regex.lastIndex = 0;
    for (
      let match = regex.exec(chunkText);
      match;
      match = regex.exec(chunkText)
    ) {
      const lineStart = lineStartIn(chunkText, match.index);
      let lineEnd = chunkText.indexOf('\n', match.index);
      if (lineEnd < 0) {
        lineEnd = chunkText.length;
      }
      // A match that ran into the next line is not a single-line match: try the line alone.
      const lineMatch = match[0].includes('\n')
        ? pattern.lineRegex.exec(chunkText.slice(lineStart, lineEnd))
        : match;
      if (lineMatch) {
        record(state, chunkStart + lineStart, lineMatch);
      }
      if (
        state.stoppedBy ||
        lineEnd >= chunkText.length ||
        state.elapsedMs + performance.now() - started > budgetMs
      ) {
        return;
      }
      regex.lastIndex = lineEnd + 1;
    }
  }

  private scanMultiLine(
    pattern: CompiledPattern,
    log: LogText,
    chunk: { start: number; end: number; lastLine: number },
    chunkText: string,
    state: RuleState,
    record: Recorder,
    started: number,
    budgetMs: number,
  ) {
    const overlapLine = Math.min(
      log.lineCount,
      chunk.lastLine + MULTI_LINE_OVERLAP_LINES,
    );
    const windowEnd = Math.min(
      log.lineEnd(overlapLine),
      chunk.end + MULTI_LINE_OVERLAP_CHARS,
    );
    const windowText =
      windowEnd === chunk.end
        ? chunkText
        : log.text.slice(chunk.start, windowEnd);
    const chunkLength = chunk.end - chunk.start;
    const regex = pattern.scanRegex;
    regex.lastIndex = 0;
    for (
      let match = regex.exec(windowText);
      match;
      match = regex.exec(windowText)
    ) {
      if (match.index > chunkLength) {
        return; // it starts in the next chunk, which finds it
      }
      if (match[0] === '') {
        regex.lastIndex++;
        continue;
      }
      // A match that starts with the line break ending a line belongs to the next line.
      const start = chunk.start + match.index;
      const leadingBreak = match[0].charCodeAt(0) === 10 ? 1 : 0;
      record(state, start + leadingBreak, match, start + match[0].length - 1);
      if (
        state.stoppedBy ||
        state.elapsedMs + performance.now() - started > budgetMs
      ) {
        return;
      }
    }
  }
}
