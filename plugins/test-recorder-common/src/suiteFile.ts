import {
  formatIssuePath,
  TestSuiteValidationError,
  type TestSuiteValidationIssue,
  validateTestSuiteDefinition,
} from './schema';
import type { TestSuiteDefinition } from './steps';

/** 1-based, as editors show them. */
export type JsonPosition = { line: number; column: number };

class JsonSyntaxError extends Error {
  constructor(readonly what: string, readonly position: JsonPosition) {
    super(what);
  }
}

/**
 * A strict JSON parser that also records where each value starts, by its path as issues
 * format it (`tests[1].steps[0].target`). Duplicate keys are errors: JSON.parse would keep
 * the last one silently, and in a suite file that is always a mistake.
 */
export function parseJsonWithPositions(text: string): {
  value: unknown;
  positions: Map<string, JsonPosition>;
} {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') lineStarts.push(i + 1);
  }
  const positionAt = (offset: number): JsonPosition => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low] + 1 };
  };
  const positions = new Map<string, JsonPosition>();
  let index = text.startsWith('\uFEFF') ? 1 : 0;

  const fail = (what: string, at = index): never => {
    throw new JsonSyntaxError(what, positionAt(at));
  };
  const describeHere = () =>
    index >= text.length
      ? 'end of file'
      : `character ${JSON.stringify(text[index])}`;
  const skipWhitespace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index])) index++;
  };
  const expect = (char: string, what: string) => {
    skipWhitespace();
    if (text[index] !== char)
      fail(`unexpected ${describeHere()}, expected ${what}`);
    index++;
  };

  const parseString = (): string => {
    const start = index;
    index++; // the opening quote
    let result = '';
    for (;;) {
      if (index >= text.length) fail('unterminated string', start);
      const char = text[index];
      if (char === '"') {
        index++;
        return result;
      }
      if (char === '\\') {
        const escape = text[index + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (escape !== undefined && escape in simple) {
          result += simple[escape];
          index += 2;
        } else if (
          escape === 'u' &&
          /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))
        ) {
          result += String.fromCharCode(
            parseInt(text.slice(index + 2, index + 6), 16),
          );
          index += 6;
        } else {
          fail(`invalid escape sequence in string`);
        }
      } else if (char < ' ') {
        fail(
          char === '\n'
            ? 'unterminated string (a line break inside a string must be written \\n)'
            : 'control character inside a string',
        );
      } else {
        result += char;
        index++;
      }
    }
  };

  const parseValue = (path: PropertyKey[]): unknown => {
    skipWhitespace();
    positions.set(formatIssuePath(path), positionAt(index));
    const char = text[index];
    if (char === '{') {
      index++;
      const object: Record<string, unknown> = {};
      const seen = new Set<string>();
      skipWhitespace();
      if (text[index] === '}') {
        index++;
        return object;
      }
      for (;;) {
        skipWhitespace();
        if (text[index] !== '"')
          fail(`unexpected ${describeHere()}, expected a key in double quotes`);
        const keyStart = index;
        const key = parseString();
        if (seen.has(key))
          fail(`duplicate key ${JSON.stringify(key)}`, keyStart);
        seen.add(key);
        expect(':', '":" after the key');
        // defineProperty: a "__proto__" key must stay data, not replace the prototype.
        Object.defineProperty(object, key, {
          value: parseValue([...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipWhitespace();
        if (text[index] === ',') {
          index++;
          skipWhitespace();
          if (text[index] === '}') fail('trailing comma before "}"');
          continue;
        }
        if (text[index] === '}') {
          index++;
          return object;
        }
        fail(`unexpected ${describeHere()}, expected "," or "}"`);
      }
    }
    if (char === '[') {
      index++;
      const array: unknown[] = [];
      skipWhitespace();
      if (text[index] === ']') {
        index++;
        return array;
      }
      for (;;) {
        array.push(parseValue([...path, array.length]));
        skipWhitespace();
        if (text[index] === ',') {
          index++;
          skipWhitespace();
          if (text[index] === ']') fail('trailing comma before "]"');
          continue;
        }
        if (text[index] === ']') {
          index++;
          return array;
        }
        fail(`unexpected ${describeHere()}, expected "," or "]"`);
      }
    }
    if (char === '"') {
      return parseString();
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(
      text.slice(index, index + 400),
    );
    if (number && (char === '-' || (char >= '0' && char <= '9'))) {
      index += number[0].length;
      return Number(number[0]);
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, index)) {
        index += word.length;
        return value;
      }
    }
    return fail(`unexpected ${describeHere()}, expected a value`);
  };

  const value = parseValue([]);
  skipWhitespace();
  if (index < text.length) {
    fail(`unexpected ${describeHere()} after the end of the JSON value`);
  }
  return { value, positions };
}

const LAST_PATH_SEGMENT =
  /(?:(?:^|\.)[A-Za-z_$][\w$]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])$/;

/** Where the value at a path starts, or its nearest ancestor's (for a missing key). */
function lineOf(
  positions: Map<string, JsonPosition>,
  path: string,
): JsonPosition {
  let current = path;
  for (;;) {
    const position = positions.get(current);
    if (position) return position;
    const parent = current.replace(LAST_PATH_SEGMENT, '');
    if (parent === current) return positions.get('') ?? { line: 1, column: 1 };
    current = parent;
  }
}

const ENTITY_REF_PATTERN = /^[A-Za-z0-9][\w.-]*:(?:[\w.-]+\/)?[\w.-]+$/;

/**
 * A JSON suite file: a suite definition, plus optionally the `entityRef` of the entity that
 * owns it. Errors name the file and line: `checkout.json:12: tests[0].steps[2].url: …`, or
 * `checkout.json:3:14: …` for JSON syntax.
 */
export function parseTestSuiteFile(
  text: string,
  fileName: string,
): TestSuiteDefinition & { entityRef?: string } {
  let parsed: ReturnType<typeof parseJsonWithPositions>;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = error.position;
      throw new TestSuiteValidationError(
        [{ path: '', message: error.what, line, column }],
        `${fileName}:${line}:${column}: ${error.what}`,
      );
    }
    throw error;
  }
  const { value, positions } = parsed;

  const issues: TestSuiteValidationIssue[] = [];
  let definitionValue = value;
  let entityRef: string | undefined;
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'entityRef' in value
  ) {
    const { entityRef: rawRef, ...rest } = value as Record<string, unknown>;
    definitionValue = rest;
    if (typeof rawRef !== 'string' || !ENTITY_REF_PATTERN.test(rawRef)) {
      issues.push({
        path: 'entityRef',
        message:
          'must be an entity reference, e.g. component:default/storefront-web',
      });
    } else {
      entityRef = rawRef;
    }
  }
  const result = validateTestSuiteDefinition(definitionValue);
  issues.push(...result.issues);
  if (issues.length > 0 || !result.definition) {
    const located = issues
      .map(issue => ({ ...issue, ...lineOf(positions, issue.path) }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    throw new TestSuiteValidationError(
      located,
      located
        .map(
          issue =>
            `${fileName}:${issue.line}: ${issue.path ? `${issue.path}: ` : ''}${
              issue.message
            }`,
        )
        .join('\n'),
    );
  }
  return entityRef === undefined
    ? result.definition
    : { ...result.definition, entityRef };
}
