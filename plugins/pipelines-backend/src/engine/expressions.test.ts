import {
  evaluateCondition,
  ExpressionScope,
  prepareScript,
  resolveExpressions,
} from './expressions';

const scope: ExpressionScope = {
  params: {
    version: '1.2.3',
    dryRun: true,
    evil: '$(touch /tmp/x); echo pwned',
  },
  matrix: { shard: '2' },
  secrets: { TOKEN: 's3cr3t' },
  env: { CI: 'true' },
  run: { id: 'r1', number: 7, branch: 'main', commit: 'abc' },
  entity: { ref: 'component:default/payments-api', name: 'payments-api' },
};

describe('expressions', () => {
  it('resolves values for env and inputs', () => {
    expect(
      resolveExpressions(
        'v${{ params.version }} #${{ run.number }} ${{ entity.name }} ${{ matrix.shard }} ${{ secrets.TOKEN }}',
        scope,
      ),
    ).toBe('v1.2.3 #7 payments-api 2 s3cr3t');
  });

  it('never puts a value into a script, only a variable reference', () => {
    const prepared = prepareScript(
      'echo "${{ params.evil }}" ${{ params.version }} ${{ params.evil }}',
      scope,
    );
    expect(prepared.script).toBe(
      'echo "${COMET_EXPR_0}" ${COMET_EXPR_1} ${COMET_EXPR_0}',
    );
    expect(prepared.env).toEqual({
      COMET_EXPR_0: '$(touch /tmp/x); echo pwned',
      COMET_EXPR_1: '1.2.3',
    });
  });

  it.each([
    ['${{ params.dryRun }}', true],
    ["params.dryRun == 'true'", true],
    ["${{ params.version }} == '1.2.3'", true],
    ["params.version != '1.2.3'", false],
    ["matrix.shard == '1' || matrix.shard == '2'", true],
    ["matrix.shard == '2' && params.version == '2'", false],
    ['false', false],
    ['!params.dryRun', false],
    ["run.branch == 'main'", true],
  ])('evaluates %s as %s', (condition, expected) => {
    expect(evaluateCondition(condition, scope)).toBe(expected);
  });
});

describe('expressions read by the validator grammar', () => {
  const withParams = (params: ExpressionScope['params']) => ({
    ...scope,
    params,
  });

  // Each of these conditions passed the validator before, and the evaluator got them wrong:
  // it split on && / || / == inside quoted text and inside values, and unwrapped
  // `${{ a }} == ${{ b }}` as one expression.
  it.each([
    ["params.target == 'a || b'", { target: 'c' }, false],
    ["params.target != 'x && y'", { target: 'x && y' }, false],
    ['params.message == "it\'s && done"', { message: "it's && done" }, true],
    ['params.message', { message: 'a == b' }, true],
    ['${{ params.a }} == ${{ params.b }}', { a: 'same', b: 'same' }, true],
    ['${{ params.a }} != ${{ params.b }}', { a: 'same', b: 'same' }, false],
  ])('evaluates %s with %j as %s', (condition, params, expected) => {
    expect(evaluateCondition(condition, withParams(params))).toBe(expected);
  });

  it('refuses a condition the validator refuses, instead of guessing', () => {
    expect(() => evaluateCondition("params.version = '1'", scope)).toThrow(
      `Condition "params.version = '1'" cannot be evaluated: Invalid condition: unexpected "="; use ==, !=, && or ||`,
    );
    expect(() => evaluateCondition('github.ref == main', scope)).toThrow(
      'Unknown expression "github.ref"',
    );
  });

  it('leaves an unterminated expression as text and resolves nested-looking text once', () => {
    expect(resolveExpressions('a ${{ params.version', scope)).toBe(
      'a ${{ params.version',
    );
    expect(
      resolveExpressions('${{ params.version }}${{ run.id }}', scope),
    ).toBe('1.2.3r1');
  });
});
