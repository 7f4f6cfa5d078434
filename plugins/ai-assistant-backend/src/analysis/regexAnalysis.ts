/**
 * A small reader of JavaScript regular-expression source (the syntax `new RegExp(source)`
 * accepts without the `u` flag), enough to judge a failure rule's pattern before it runs on a
 * 20 MB log: which repeats could backtrack exponentially (a repeat inside a repeat, repeated
 * alternatives that can start alike), which could run across the whole log, what capture
 * groups it has, and which literal text every match must contain (the engine looks for that
 * text first, so most rules never run on most lines).
 *
 * It assumes the source already compiled with `new RegExp`; it does not re-check syntax.
 */

type Atom =
  | { kind: 'literal'; char: string }
  | {
      kind: 'set';
      newline: boolean;
      nonSpace: boolean;
      /** `\\d`, `\\w`, `\\s` or a line break: what the set is, when it is one of those. */
      escape?: 'd' | 'w' | 's' | 'n';
    }
  | { kind: 'assertion' }
  | { kind: 'backreference' }
  | {
      kind: 'group';
      alternatives: Term[][];
      lookaround: boolean;
      negative: boolean;
    };

type Term = {
  atom: Atom;
  min: number;
  max: number;
  /** Where the term starts and ends in the source, for messages. */
  start: number;
  end: number;
};

/** What {@link analyseRegex} learnt about one pattern. */
export type RegexAnalysis = {
  /** Why the pattern is refused, if it is: a sentence naming the offending part. */
  problem?: string;
  /** Numbered capture groups. */
  groupCount: number;
  /** Named capture groups. */
  groupNames: string[];
  /**
   * Literal strings at least one of which occurs in every match (lower-cased when
   * `ignoreCase`), or undefined when the pattern has none of at least three characters.
   */
  requiredLiterals?: string[];
  /** Whether the pattern can match a line break at all. */
  canMatchNewline: boolean;
};

/** How many characters follow `\x`, `\u` and `\c`. */
const ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, c: 1 };

class RegexReader {
  private pos = 0;
  groupCount = 0;
  readonly groupNames: string[] = [];

  constructor(private readonly source: string) {}

  read(): Term[][] {
    const alternatives = this.alternatives();
    return alternatives;
  }

  private alternatives(): Term[][] {
    const result: Term[][] = [[]];
    while (this.pos < this.source.length) {
      const char = this.source[this.pos];
      if (char === ')') {
        break;
      }
      if (char === '|') {
        this.pos++;
        result.push([]);
        continue;
      }
      const term = this.term();
      result[result.length - 1].push(term);
    }
    return result;
  }

  private term(): Term {
    const start = this.pos;
    const atom = this.atom();
    let min = 1;
    let max = 1;
    const char = this.source[this.pos];
    if (char === '*' || char === '+' || char === '?') {
      min = char === '+' ? 1 : 0;
      max = char === '?' ? 1 : Infinity;
      this.pos++;
    } else if (char === '{') {
      const bounds = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.pos));
      if (bounds) {
        min = Number(bounds[1]);
        if (bounds[2] === undefined) {
          max = min;
        } else {
          max = bounds[3] === '' ? Infinity : Number(bounds[3]);
        }
        this.pos += bounds[0].length;
      }
    }
    if ((min !== 1 || max !== 1) && this.source[this.pos] === '?') {
      this.pos++; // lazy
    }
    return { atom, min, max, start, end: this.pos };
  }

  private atom(): Atom {
    const char = this.source[this.pos];
    switch (char) {
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '\\':
        return this.escape();
      case '.':
        this.pos++;
        return { kind: 'set', newline: false, nonSpace: true };
      case '^':
      case '$':
        this.pos++;
        return { kind: 'assertion' };
      default:
        this.pos++;
        return char === '\n'
          ? { kind: 'set', newline: true, nonSpace: false, escape: 'n' }
          : { kind: 'literal', char };
    }
  }

  private group(): Atom {
    const rest = this.source.slice(this.pos, this.pos + 4);
    let lookaround = false;
    let negative = false;
    if (rest.startsWith('(?:')) {
      this.pos += 3;
    } else if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
      lookaround = true;
      negative = rest[2] === '!';
      this.pos += 3;
    } else if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      lookaround = true;
      negative = rest[3] === '!';
      this.pos += 4;
    } else if (rest.startsWith('(?<')) {
      const close = this.source.indexOf('>', this.pos);
      this.groupNames.push(this.source.slice(this.pos + 3, close));
      this.groupCount++;
      this.pos = close + 1;
    } else {
      this.groupCount++;
      this.pos += 1;
    }
    const alternatives = this.alternatives();
    this.pos++; // the closing parenthesis
    return { kind: 'group', alternatives, lookaround, negative };
  }

  private characterClass(): Atom {
    this.pos++;
    let negated = false;
    if (this.source[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let hasNewline = false;
    /** A member other than white space (for a negated class: `\S`, which leaves only white space). */
    let hasNonSpace = false;
    let excludesNonSpace = false;
    while (this.pos < this.source.length) {
      const char = this.source[this.pos];
      if (char === ']') {
        // Also right after `[` or `[^`: JavaScript reads `[]` as nothing and `[^]` as anything.
        break;
      }
      if (char === '\\') {
        const next = this.source[this.pos + 1];
        if (
          'sWDn'.includes(next) ||
          /^(x0a|u000a)/i.test(this.source.slice(this.pos + 1))
        ) {
          hasNewline = true;
        }
        if (next === 'S') {
          excludesNonSpace = true;
        }
        if (!'snrtfv'.includes(next)) {
          hasNonSpace = true;
        }
        this.pos += 2;
        continue;
      }
      if (char === '\n') {
        hasNewline = true;
      } else if (!/\s/.test(char)) {
        hasNonSpace = true;
      }
      // A range with literal ends covers a line break when its ends surround one. (Ranges
      // with escaped ends are not read: a rare, harmless miss.)
      if (
        this.source[this.pos + 1] === '-' &&
        this.source[this.pos + 2] !== undefined &&
        this.source[this.pos + 2] !== ']' &&
        this.source[this.pos + 2] !== '\\'
      ) {
        const from = char.charCodeAt(0);
        const to = this.source.charCodeAt(this.pos + 2);
        if (from <= 10 && to >= 10) {
          hasNewline = true;
        }
        hasNonSpace = true;
        this.pos += 3;
        continue;
      }
      this.pos++;
    }
    this.pos++; // the closing bracket
    return negated
      ? { kind: 'set', newline: !hasNewline, nonSpace: !excludesNonSpace }
      : { kind: 'set', newline: hasNewline, nonSpace: hasNonSpace };
  }

  private escape(): Atom {
    const next = this.source[this.pos + 1];
    this.pos += 2;
    if (next === undefined) {
      return { kind: 'literal', char: '\\' };
    }
    if ('bB'.includes(next)) {
      return { kind: 'assertion' };
    }
    if (next === 's' || next === 'n') {
      return { kind: 'set', newline: true, nonSpace: false, escape: next };
    }
    if (next === 'W' || next === 'D') {
      return { kind: 'set', newline: true, nonSpace: true };
    }
    if ('rtfv'.includes(next)) {
      return { kind: 'set', newline: false, nonSpace: false };
    }
    if (next === 'd' || next === 'w') {
      return { kind: 'set', newline: false, nonSpace: true, escape: next };
    }
    if (next === 'S' || next === '0') {
      return { kind: 'set', newline: false, nonSpace: true };
    }
    if (/[1-9]/.test(next)) {
      while (/\d/.test(this.source[this.pos] ?? '')) {
        this.pos++;
      }
      return { kind: 'backreference' };
    }
    if (next === 'k' && this.source[this.pos] === '<') {
      this.pos = this.source.indexOf('>', this.pos) + 1;
      return { kind: 'backreference' };
    }
    if (next === 'x' || next === 'u' || next === 'c') {
      const length = ESCAPE_LENGTHS[next];
      const code = this.source.slice(this.pos, this.pos + length);
      this.pos += length;
      const isNewline =
        (next !== 'c' &&
          /^[0-9a-f]+$/i.test(code) &&
          parseInt(code, 16) === 10) ||
        (next === 'c' && /^j$/i.test(code));
      return { kind: 'set', newline: isNewline, nonSpace: !isNewline };
    }
    if (/[A-Za-z]/.test(next)) {
      // Other letter escapes (`\p`, `\P` outside `u` mode are plain letters): no literal use.
      return { kind: 'set', newline: false, nonSpace: true };
    }
    return { kind: 'literal', char: next };
  }
}

function containsRepeat(alternatives: Term[][]): Term | undefined {
  for (const alternative of alternatives) {
    for (const term of alternative) {
      if (term.max > 1 && term.atom.kind !== 'assertion') {
        return term;
      }
      if (term.atom.kind === 'group' && !term.atom.lookaround) {
        const inner = containsRepeat(term.atom.alternatives);
        if (inner) {
          return inner;
        }
      }
    }
  }
  return undefined;
}

function canMatchNewline(alternatives: Term[][]): boolean {
  return alternatives.some(alternative =>
    alternative.some(term => termCanMatch(term, 'newline')),
  );
}

/** Whether a term can match a line break (`newline`) or a character other than white space. */
function termCanMatch(term: Term, what: 'newline' | 'nonSpace'): boolean {
  const atom = term.atom;
  if (term.max === 0) {
    return false;
  }
  if (atom.kind === 'set') {
    return atom[what];
  }
  if (atom.kind === 'literal') {
    return what === 'newline' ? atom.char === '\n' : !/\s/.test(atom.char);
  }
  if (atom.kind === 'group' && !atom.lookaround) {
    return atom.alternatives.some(alternative =>
      alternative.some(inner => termCanMatch(inner, what)),
    );
  }
  return false;
}

/** What the first character of a match can be: any, or some characters and escapes. */
type FirstChars = { any: boolean; chars: string[]; escapes: string[] };

const mergeFirstChars = (a: FirstChars, b: FirstChars): FirstChars => ({
  any: a.any || b.any,
  chars: [...a.chars, ...b.chars],
  escapes: [...a.escapes, ...b.escapes],
});

function firstOfTerm(term: Term): { first: FirstChars; nullable: boolean } {
  const atom = term.atom;
  const none: FirstChars = { any: false, chars: [], escapes: [] };
  switch (atom.kind) {
    case 'literal':
      return {
        first: { ...none, chars: [atom.char] },
        nullable: term.min === 0,
      };
    case 'set':
      return {
        first: atom.escape
          ? { ...none, escapes: [atom.escape] }
          : { ...none, any: true },
        nullable: term.min === 0,
      };
    case 'assertion':
      return { first: none, nullable: true };
    case 'backreference':
      return { first: { ...none, any: true }, nullable: true };
    default:
      if (atom.lookaround) {
        return { first: none, nullable: true };
      }
      return atom.alternatives.map(firstOfSequence).reduce(
        (result, alternative) => ({
          first: mergeFirstChars(result.first, alternative.first),
          nullable: result.nullable || alternative.nullable,
        }),
        { first: none, nullable: term.min === 0 },
      );
  }
}

function firstOfSequence(terms: Term[]): {
  first: FirstChars;
  nullable: boolean;
} {
  let first: FirstChars = { any: false, chars: [], escapes: [] };
  for (const term of terms) {
    const next = firstOfTerm(term);
    first = mergeFirstChars(first, next.first);
    if (!next.nullable) {
      return { first, nullable: false };
    }
  }
  return { first, nullable: true };
}

const ESCAPE_TESTS: Record<string, RegExp> = {
  d: /\d/,
  w: /\w/,
  s: /\s/,
  n: /\n/,
};
/** Escapes that share characters: \d is in \w, a line break in \s. */
const OVERLAPPING_ESCAPES = new Set([
  'dd',
  'ww',
  'ss',
  'nn',
  'dw',
  'wd',
  'sn',
  'ns',
]);

function firstCharsOverlap(
  a: FirstChars,
  b: FirstChars,
  ignoreCase: boolean,
): boolean {
  if (a.any || b.any) {
    return true;
  }
  const same = (x: string, y: string) =>
    ignoreCase ? x.toLowerCase() === y.toLowerCase() : x === y;
  return (
    a.chars.some(x => b.chars.some(y => same(x, y))) ||
    a.chars.some(x => b.escapes.some(escape => ESCAPE_TESTS[escape].test(x))) ||
    b.chars.some(x => a.escapes.some(escape => ESCAPE_TESTS[escape].test(x))) ||
    a.escapes.some(x => b.escapes.some(y => OVERLAPPING_ESCAPES.has(x + y)))
  );
}

const alternativeText = (source: string, terms: Term[]) =>
  terms.length === 0
    ? ''
    : source.slice(terms[0].start, terms[terms.length - 1].end);

/**
 * Inside a repeat, alternatives that can match the same text multiply the ways to try a
 * line: `(a|ab)*c` tries exponentially many on a long run of "a". Refused when two
 * alternatives can start with the same character, or one can match nothing.
 */
function findAmbiguity(
  source: string,
  repeated: string,
  alternatives: Term[][],
  ignoreCase: boolean,
): string | undefined {
  if (alternatives.length > 1) {
    const firsts = alternatives.map(firstOfSequence);
    for (let i = 0; i < alternatives.length; i++) {
      if (firsts[i].nullable) {
        return (
          `"${repeated}" repeats an alternation with an alternative that can match ` +
          `nothing ("${alternativeText(
            source,
            alternatives[i],
          )}"), which can take ` +
          `exponential time on some lines; make every alternative match something`
        );
      }
      for (let j = i + 1; j < alternatives.length; j++) {
        if (firstCharsOverlap(firsts[i].first, firsts[j].first, ignoreCase)) {
          return (
            `"${repeated}" repeats alternatives that can start with the same character ` +
            `("${alternativeText(source, alternatives[i])}" and ` +
            `"${alternativeText(
              source,
              alternatives[j],
            )}"), which can take exponential ` +
            `time on some lines; make each alternative start differently, e.g. a(?:b|c) ` +
            `rather than (?:ab|ac), or use a character class such as [\\w-]`
          );
        }
      }
    }
  }
  for (const alternative of alternatives) {
    for (const term of alternative) {
      if (term.atom.kind === 'group' && !term.atom.lookaround) {
        const inner = findAmbiguity(
          source,
          repeated,
          term.atom.alternatives,
          ignoreCase,
        );
        if (inner) {
          return inner;
        }
      }
    }
  }
  return undefined;
}

function findProblem(
  source: string,
  alternatives: Term[][],
  multiLine: boolean,
  ignoreCase: boolean,
): string | undefined {
  for (const alternative of alternatives) {
    for (const term of alternative) {
      const text = source.slice(term.start, term.end);
      const atom = term.atom;
      if (atom.kind === 'group' && term.max === Infinity && !atom.lookaround) {
        const ambiguity = findAmbiguity(
          source,
          text,
          atom.alternatives,
          ignoreCase,
        );
        if (ambiguity) {
          return ambiguity;
        }
        const inner = containsRepeat(atom.alternatives);
        if (inner) {
          return (
            `nested quantifier: "${text}" repeats a group that itself repeats ` +
            `"${source.slice(
              inner.start,
              inner.end,
            )}", which can take exponential time on ` +
            `some lines; repeat the group a bounded number of times (e.g. {1,10}) or ` +
            `rewrite it without a repeat inside a repeat`
          );
        }
      }
      if (
        multiLine &&
        term.max === Infinity &&
        termCanMatch(term, 'newline') &&
        termCanMatch(term, 'nonSpace')
      ) {
        return (
          `"${text}" repeats without bound something that matches line breaks and text, ` +
          `so one match could run to the end of the log; bound the repeat, e.g. ` +
          `(?:.*\\n){0,10}, or keep line breaks out of it, e.g. [^\\]\\n]+ rather than [^\\]]+`
        );
      }
      if (atom.kind === 'group') {
        const inner = findProblem(
          source,
          atom.alternatives,
          multiLine,
          ignoreCase,
        );
        if (inner) {
          return inner;
        }
      }
    }
  }
  return undefined;
}

/** A sequence with its plain groups (one alternative, not repeated) opened in place. */
function flatten(terms: Term[]): Term[] {
  return terms.flatMap(term =>
    term.atom.kind === 'group' &&
    !term.atom.lookaround &&
    term.min === 1 &&
    term.max === 1 &&
    term.atom.alternatives.length === 1
      ? flatten(term.atom.alternatives[0])
      : [term],
  );
}

/** The literal sets of a sequence's mandatory parts; the caller picks the most selective. */
function sequenceLiterals(
  sequence: Term[],
  ignoreCase: boolean,
): string[] | undefined {
  const terms = flatten(sequence);
  const candidates: string[][] = [];
  let run = '';
  const flush = () => {
    if (run) {
      candidates.push([run]);
    }
    run = '';
  };
  for (const term of terms) {
    const atom = term.atom;
    if (atom.kind === 'literal' && term.min >= 1) {
      const char = ignoreCase ? atom.char.toLowerCase() : atom.char;
      // `a{2,}` puts at least "aa" here; what follows may come after more of them.
      run += char.repeat(Math.min(term.min, 100));
      if (term.max !== term.min) {
        flush();
      }
      continue;
    }
    if (atom.kind === 'assertion') {
      // `\b`, `^` and `$` take no characters: the run continues across them.
      continue;
    }
    flush();
    if (atom.kind === 'group' && !atom.lookaround && term.min >= 1) {
      const inner = alternativesLiterals(atom.alternatives, ignoreCase);
      if (inner) {
        candidates.push(inner);
      }
    }
  }
  flush();
  return best(candidates);
}

function alternativesLiterals(
  alternatives: Term[][],
  ignoreCase: boolean,
): string[] | undefined {
  const union: string[] = [];
  for (const alternative of alternatives) {
    const literals = sequenceLiterals(alternative, ignoreCase);
    if (!literals) {
      return undefined;
    }
    union.push(...literals);
  }
  return [...new Set(union)];
}

function best(candidates: string[][]): string[] | undefined {
  let chosen: string[] | undefined;
  let chosenScore = -1;
  for (const candidate of candidates) {
    const score = Math.min(...candidate.map(text => text.length));
    if (
      score > chosenScore ||
      (score === chosenScore && chosen && candidate.length < chosen.length)
    ) {
      chosen = candidate;
      chosenScore = score;
    }
  }
  return chosen;
}

/** The shortest literal worth looking for first: shorter ones occur on too many lines. */
const MIN_LITERAL_LENGTH = 3;

/**
 * Reads a pattern that already compiled. `multiLine`: the pattern runs over several lines
 * at once, so a repeat that can cross line breaks must be bounded.
 */
export function analyseRegex(
  source: string,
  options: { multiLine: boolean; ignoreCase: boolean },
): RegexAnalysis {
  const reader = new RegexReader(source);
  const alternatives = reader.read();
  const literals = alternativesLiterals(alternatives, options.ignoreCase);
  const usable =
    literals &&
    literals.length > 0 &&
    literals.every(text => text.length >= MIN_LITERAL_LENGTH)
      ? literals
      : undefined;
  return {
    problem: findProblem(
      source,
      alternatives,
      options.multiLine,
      options.ignoreCase,
    ),
    groupCount: reader.groupCount,
    groupNames: reader.groupNames,
    requiredLiterals: usable,
    canMatchNewline: canMatchNewline(alternatives),
  };
}
