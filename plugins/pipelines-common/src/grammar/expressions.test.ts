import { parsePipeline } from '../parsePipeline';
import {
  ALLOWED_EXPRESSIONS,
  evaluateParsedCondition,
  ExpressionReference,
  parseCondition,
  parseTemplate,
} from './expressions';

const values: Record<string, string> = {
  'params.target': 'a || b',
  'params.empty': '',
  'run.branch': 'main',
};
const resolve = (reference: ExpressionReference) =>
  values[`${reference.scope}.${reference.name}`] ?? '';

function evaluate(condition: string): boolean {
  const parsed = parseCondition(condition);
  if (!parsed.condition) throw new Error(parsed.problems.join('; '));
  return evaluateParsedCondition(parsed.condition, resolve);
}

describe('parseTemplate', () => {
  it('splits text and expressions, up to the first }}', () => {
    expect(
      parseTemplate('v${{ params.version }}-${{ nope }}${{ run.id'),
    ).toEqual({
      parts: [
        { kind: 'text', text: 'v' },
        {
          kind: 'expression',
          expression: 'params.version',
          reference: { scope: 'params', name: 'version' },
        },
        { kind: 'text', text: '-' },
        { kind: 'expression', expression: 'nope', reference: undefined },
        { kind: 'text', text: '${{ run.id' },
      ],
      unterminated: true,
    });
  });
});

describe('parseCondition', () => {
  it.each([
    ["params.target == 'a || b'", true],
    ["params.target == 'a' || run.branch == 'main'", true],
    ["run.branch == 'main' && params.empty", false],
    ['!params.empty', true],
    ["${{ run.branch != 'main' || params.target }}", true],
    ['${{ params.target }} == ${{ params.target }}', true],
    ['true', true],
    ['0', false],
    ['run.branch == main', true],
  ])('%s is %s', (condition, expected) => {
    expect(evaluate(condition)).toBe(expected);
  });

  it('lists the references in order, also of a condition it cannot read', () => {
    expect(parseCondition('params.a == env.B ==').references).toEqual([
      { scope: 'params', name: 'a' },
      { scope: 'env', name: 'B' },
    ]);
  });

  it.each([
    ['params.a = 1', 'Invalid condition: unexpected "="; use ==, !=, && or ||'],
    ['params.a ==', 'Invalid condition: expected a value, found the end'],
    ['params.a main', 'Invalid condition: expected && or || before "main"'],
    [
      "params.a == 'main",
      "Invalid condition: unterminated string (' without its end)",
    ],
    [
      '(params.a)',
      'Invalid condition: unexpected "("; conditions have no parentheses',
    ],
    ['${{ params.a', 'Unterminated expression: "${{" without "}}"'],
    [
      'param.a',
      'Unknown expression "param.a"; expected one of params.NAME, secrets.NAME, matrix.KEY, env.NAME, run.id, run.number, run.branch, run.commit, entity.ref, entity.name',
    ],
  ])('%s: %s', (condition, problem) => {
    const parsed = parseCondition(condition);
    expect(parsed.condition).toBeUndefined();
    expect(parsed.problems).toEqual([problem]);
  });
});

describe('the validator reads conditions with the same grammar', () => {
  it('reports a condition the engine could not evaluate', () => {
    const result = parsePipeline(
      [
        'name: test',
        'jobs:',
        '  build:',
        "    if: run.branch = 'main'",
        '    steps:',
        '      - run: make',
        "        if: ${{ run.branch }} == 'main' && (run.commit)",
      ].join('\n'),
    );
    expect(
      result.issues.map(({ message, path }) => ({ message, path })),
    ).toEqual([
      {
        message: 'Invalid condition: unexpected "="; use ==, !=, && or ||',
        path: 'jobs.build.if',
      },
      {
        message:
          'Invalid condition: unexpected "("; conditions have no parentheses',
        path: 'jobs.build.steps[0].if',
      },
    ]);
  });
});

describe('values in conditions stay values (issue 14)', () => {
  const big = 'x'.repeat(100_000);
  const scope: Record<string, string> = {
    'params.env': 'prod || x',
    'params.quoted': "prod' || 'x",
    'params.big': big,
  };
  const evaluateWith = (condition: string) => {
    const parsed = parseCondition(condition);
    if (!parsed.condition) throw new Error(parsed.problems.join('; '));
    return evaluateParsedCondition(
      parsed.condition,
      reference => scope[`${reference.scope}.${reference.name}`] ?? '',
    );
  };

  it.each([
    "params.env == 'prod'",
    "${{ params.env }} == 'prod'",
    "${{ params.env == 'prod' }}",
    "params.env == 'staging' || params.env == 'prod'",
    "params.quoted == 'prod'",
    "params.env == 'prod' && params.env != ''",
  ])('a parameter "prod || x" does not make %s true', condition => {
    expect(evaluateWith(condition)).toBe(false);
  });

  it('compares a 100 KB value as one value', () => {
    expect(evaluateWith(`params.big == '${big}'`)).toBe(true);
    expect(evaluateWith(`params.big == '${big}y'`)).toBe(false);
    expect(evaluateWith(`params.big != 'x' && params.big`)).toBe(true);
  });

  it('reads a 100 KB condition of many terms', () => {
    const terms = Array(20_000).fill("params.env == 'a'");
    expect(evaluateWith(terms.join(' || '))).toBe(false);
    expect(
      evaluateWith([...terms, "params.env == 'prod || x'"].join(' || ')),
    ).toBe(true);
    expect(parseCondition(`'${big}`).problems).toEqual([
      "Invalid condition: unterminated string (' without its end)",
    ]);
    expect(parseCondition(`${big}.y`).problems).toEqual([
      `Unknown expression "${big}.y"; expected one of ${ALLOWED_EXPRESSIONS}`,
    ]);
  });
});
