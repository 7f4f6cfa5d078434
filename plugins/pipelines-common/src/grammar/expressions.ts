/**
 * The `${{ }}` expression grammar of pipeline files, read the same way by the validator
 * (parsePipeline) and the evaluator (the backend's engine):
 *
 * - In any string, `${{ reference }}` is replaced by a value; a reference is `params.NAME`,
 *   `secrets.NAME`, `matrix.KEY`, `env.NAME` or one of {@link FIXED_REFERENCES}. An expression
 *   runs to the first `}}`.
 * - An `if:` condition is `term (&& term)*` joined by `||` (`&&` binds tighter), where a term
 *   is a value, `!value`, or `value == value` / `value != value`. A value is a reference (bare
 *   or in `${{ }}`), a quoted string (`'…'` or `"…"`, no escapes), or an unquoted word
 *   (`true`, `0`, `1.2.3`). The whole condition may be wrapped in one `${{ }}`. A value is
 *   false when it is '', 'false' or '0'.
 */

/** The scopes whose references name their value: `params.NAME` and so on. */
export const NAMED_REFERENCE_SCOPES = [
  'params',
  'secrets',
  'matrix',
  'env',
] as const;

/** The references to the run and its entity. */
export const FIXED_REFERENCES = [
  'run.id',
  'run.number',
  'run.branch',
  'run.commit',
  'entity.ref',
  'entity.name',
] as const;

/** Every allowed reference, for messages. */
export const ALLOWED_EXPRESSIONS = `params.NAME, secrets.NAME, matrix.KEY, env.NAME, ${FIXED_REFERENCES.join(
  ', ',
)}`;

export type ExpressionReference = {
  scope: (typeof NAMED_REFERENCE_SCOPES)[number] | 'run' | 'entity';
  name: string;
};

const NAMED_REFERENCE =
  /^(params|secrets|matrix|env)\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Reads a reference (`params.version`), or undefined when the text is not one. */
export function parseReference(text: string): ExpressionReference | undefined {
  const named = NAMED_REFERENCE.exec(text);
  if (named) {
    return {
      scope: named[1] as ExpressionReference['scope'],
      name: named[2],
    };
  }
  if ((FIXED_REFERENCES as readonly string[]).includes(text)) {
    const [scope, name] = text.split('.');
    return { scope: scope as 'run' | 'entity', name };
  }
  return undefined;
}

/** The message for an expression that is not a reference. */
export function unknownExpressionMessage(expression: string): string {
  return `Unknown expression "${expression}"; expected one of ${ALLOWED_EXPRESSIONS}`;
}

const UNTERMINATED = 'Unterminated expression: "${{" without "}}"';

/** A piece of a string with expressions. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | {
      kind: 'expression';
      /** The expression's text, trimmed. */
      expression: string;
      /** Undefined when the expression is not a known reference. */
      reference?: ExpressionReference;
    };

/** A string split into text and `${{ }}` expressions. */
export type ParsedTemplate = {
  parts: TemplatePart[];
  /** A `${{` without its `}}` (kept as text in `parts`). */
  unterminated: boolean;
};

/** Splits a string into its text and its `${{ }}` expressions. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let unterminated = false;
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf('${{', position);
    const close = open === -1 ? -1 : text.indexOf('}}', open + 3);
    if (open === -1 || close === -1) {
      unterminated = open !== -1;
      parts.push({ kind: 'text', text: text.slice(position) });
      break;
    }
    if (open > position) {
      parts.push({ kind: 'text', text: text.slice(position, open) });
    }
    const expression = text.slice(open + 3, close).trim();
    parts.push({
      kind: 'expression',
      expression,
      reference: parseReference(expression),
    });
    position = close + 2;
  }
  return { parts, unterminated };
}

/** A value in a condition. */
export type ConditionValue =
  | { kind: 'literal'; value: string }
  | { kind: 'reference'; reference: ExpressionReference };

/** A parsed `if:` condition. */
export type Condition =
  | { kind: 'or' | 'and'; terms: Condition[] }
  | { kind: 'not'; value: ConditionValue }
  | {
      kind: 'compare';
      operator: '==' | '!=';
      left: ConditionValue;
      right: ConditionValue;
    }
  | { kind: 'value'; value: ConditionValue };

export type ConditionParseResult = {
  /** The condition, when it can be read. */
  condition?: Condition;
  /** Every reference it makes, in order (also when it cannot be read). */
  references: ExpressionReference[];
  /** What is wrong with it: messages in order. */
  problems: string[];
};

type Token =
  | { kind: 'operator'; operator: '&&' | '||' | '==' | '!=' | '!' }
  | { kind: 'value'; value: ConditionValue; text: string };

/** Looks like `a.b`: meant as a reference, so it has to be one. */
const REFERENCE_SHAPED =
  /^(?:(?:params|secrets|matrix|env|run|entity)\..*|[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*)$/;
const WORD = /^[^\s'"!=&|()]+/;

/** Parses an `if:` condition. */
export function parseCondition(text: string): ConditionParseResult {
  const references: ExpressionReference[] = [];
  const problems: string[] = [];
  let source = text.trim();
  // One `${{ }}` around the whole condition
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(source);
  if (wrapped && !wrapped[1].includes('}}') && !wrapped[1].includes('${{')) {
    source = wrapped[1].trim();
  }

  const tokens: Token[] = [];
  const reference = (expression: string, shown: string) => {
    const parsed = parseReference(expression);
    if (parsed) {
      references.push(parsed);
      tokens.push({
        kind: 'value',
        value: { kind: 'reference', reference: parsed },
        text: shown,
      });
    } else {
      problems.push(unknownExpressionMessage(expression));
    }
  };
  let position = 0;
  while (position < source.length) {
    const rest = source.slice(position);
    const space = /^\s+/.exec(rest);
    if (space) {
      position += space[0].length;
      continue;
    }
    if (rest.startsWith('${{')) {
      const close = rest.indexOf('}}', 3);
      if (close === -1) {
        problems.push(UNTERMINATED);
        break;
      }
      const expression = rest.slice(3, close).trim();
      reference(expression, rest.slice(0, close + 2));
      position += close + 2;
      continue;
    }
    const operator = /^(&&|\|\||==|!=|!)/.exec(rest);
    if (operator) {
      tokens.push({
        kind: 'operator',
        operator: operator[1] as '&&' | '||' | '==' | '!=' | '!',
      });
      position += operator[1].length;
      continue;
    }
    if (rest[0] === "'" || rest[0] === '"') {
      const close = rest.indexOf(rest[0], 1);
      if (close === -1) {
        problems.push(
          `Invalid condition: unterminated string (${rest[0]} without its end)`,
        );
        break;
      }
      tokens.push({
        kind: 'value',
        value: { kind: 'literal', value: rest.slice(1, close) },
        text: rest.slice(0, close + 1),
      });
      position += close + 1;
      continue;
    }
    const word = WORD.exec(rest);
    if (!word) {
      problems.push(
        `Invalid condition: unexpected "${rest[0]}"${
          rest[0] === '=' || rest[0] === '&' || rest[0] === '|'
            ? '; use ==, !=, && or ||'
            : ''
        }${
          rest[0] === '(' || rest[0] === ')'
            ? '; conditions have no parentheses'
            : ''
        }`,
      );
      break;
    }
    if (REFERENCE_SHAPED.test(word[0])) {
      reference(word[0], word[0]);
    } else {
      tokens.push({
        kind: 'value',
        value: { kind: 'literal', value: word[0] },
        text: word[0],
      });
    }
    position += word[0].length;
  }
  if (problems.length > 0) return { references, problems };
  if (tokens.length === 0) {
    return { references, problems: ['Invalid condition: it is empty'] };
  }

  let index = 0;
  const describe = (token: Token | undefined) =>
    token === undefined
      ? 'the end'
      : `"${token.kind === 'operator' ? token.operator : token.text}"`;
  const value = (): ConditionValue => {
    const token = tokens[index];
    if (token?.kind !== 'value') {
      throw new Error(`expected a value, found ${describe(token)}`);
    }
    index++;
    return token.value;
  };
  const isOperator = (operator: string) => {
    const token = tokens[index];
    return token?.kind === 'operator' && token.operator === operator;
  };
  const term = (): Condition => {
    if (isOperator('!')) {
      index++;
      return { kind: 'not', value: value() };
    }
    const left = value();
    if (isOperator('==') || isOperator('!=')) {
      const operator = (tokens[index++] as { operator: '==' | '!=' }).operator;
      return { kind: 'compare', operator, left, right: value() };
    }
    return { kind: 'value', value: left };
  };
  const list = (
    kind: 'and' | 'or',
    operator: '&&' | '||',
    next: () => Condition,
  ): Condition => {
    const terms = [next()];
    while (isOperator(operator)) {
      index++;
      terms.push(next());
    }
    return terms.length === 1 ? terms[0] : { kind, terms };
  };
  try {
    const condition = list('or', '||', () => list('and', '&&', term));
    if (index < tokens.length) {
      throw new Error(`expected && or || before ${describe(tokens[index])}`);
    }
    return { condition, references, problems };
  } catch (error) {
    return {
      references,
      problems: [`Invalid condition: ${(error as Error).message}`],
    };
  }
}

/** Whether a condition's value counts as true: anything but '', 'false' and '0'. */
export function isTruthy(value: string): boolean {
  return value !== '' && value !== 'false' && value !== '0';
}

/** Evaluates a parsed condition; `resolve` gives each reference's value. */
export function evaluateParsedCondition(
  condition: Condition,
  resolve: (reference: ExpressionReference) => string,
): boolean {
  const valueOf = (value: ConditionValue) =>
    value.kind === 'literal' ? value.value : resolve(value.reference);
  switch (condition.kind) {
    case 'or':
      return condition.terms.some(t => evaluateParsedCondition(t, resolve));
    case 'and':
      return condition.terms.every(t => evaluateParsedCondition(t, resolve));
    case 'not':
      return !isTruthy(valueOf(condition.value));
    case 'compare': {
      const equal = valueOf(condition.left) === valueOf(condition.right);
      return condition.operator === '==' ? equal : !equal;
    }
    default:
      return isTruthy(valueOf(condition.value));
  }
}
