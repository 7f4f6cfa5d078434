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
