import { parsePipeline } from './parsePipeline';

/** A gated pipeline whose gate has the given `approval:` lines (indented under it). */
function gated(...approval: string[]): string {
  return `${[
    'name: release',
    'on: { manual: {} }',
    'jobs:',
    '  gate:',
    '    approval:',
    ...approval.map(line => `      ${line}`),
  ].join('\n')}\n`;
}

describe('parsePipeline approval gates', () => {
  it('reads the environment and the narrowing approvers', () => {
    const result = parsePipeline(
      gated(
        'environment: production',
        'approvers: [group:default/payments-team, user:alice]',
      ),
      { environments: ['staging', 'production'] },
    );
    expect(result.issues).toEqual([]);
    expect(result.pipeline?.jobs[0].approval).toEqual({
      environment: 'production',
      approvers: ['group:default/payments-team', 'user:alice'],
    });
  });

  it('accepts any well-formed environment when the backend does not say which exist', () => {
    const result = parsePipeline(gated('environment: prod_eu-1'));
    expect(result.pipeline?.jobs[0].approval).toEqual({
      environment: 'prod_eu-1',
    });
  });

  it('reports an environment the backend does not configure, with the ones it does', () => {
    const result = parsePipeline(gated('environment: prodution'), {
      file: '.comet/release.yaml',
      environments: ['staging', 'production'],
    });
    expect(result.ok).toBe(false);
    expect(result.issues).toEqual([
      {
        message:
          'Unknown environment "prodution"; did you mean "production"?: the backend configures "staging", "production" (pipelines.environments.<name>.approvers)',
        path: 'jobs.gate.approval.environment',
        file: '.comet/release.yaml',
        line: 6,
        column: 20,
      },
    ]);
  });

  it('says so when the backend configures no environment at all', () => {
    const result = parsePipeline(gated('environment: production'), {
      environments: [],
    });
    expect(result.issues.map(issue => issue.message)).toEqual([
      'Unknown environment "production": the backend configures none (pipelines.environments.<name>.approvers)',
    ]);
  });

  it('refuses an environment name that is not a plain name', () => {
    const result = parsePipeline(gated('environment: prod.eu'));
    expect(result.issues).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^Environment "prod.eu" is not a valid name/,
        ),
        path: 'jobs.gate.approval.environment',
      }),
    ]);
    expect(
      parsePipeline(gated('environment: ""')).issues.map(i => i.message),
    ).toEqual(['Expected a non-empty string, found the string ""']);
  });

  it('refuses approvers that are not user or group refs, each at its place', () => {
    const result = parsePipeline(
      gated('approvers: [payments-team, group:default/ops, "component:x"]'),
    );
    expect(result.issues).toEqual([
      expect.objectContaining({
        message:
          'Approver "payments-team" is not a user or group ref; expected user:<namespace>/<name> or group:<namespace>/<name>',
        path: 'jobs.gate.approval.approvers[0]',
        line: 6,
        column: 19,
      }),
      expect.objectContaining({
        message: expect.stringMatching(/^Approver "component:x" is not/),
        path: 'jobs.gate.approval.approvers[2]',
      }),
    ]);
    expect(parsePipeline(gated('approvers: group:default/ops')).issues).toEqual(
      [
        expect.objectContaining({
          message:
            'Expected a list of user or group refs, found the string "group:default/ops"',
          path: 'jobs.gate.approval.approvers',
        }),
      ],
    );
  });
});
