import { jenkinsBuildStatus, jenkinsStageStatus } from './status';

describe('jenkinsBuildStatus', () => {
  it.each([
    ['SUCCESS', false, 'success'],
    ['UNSTABLE', false, 'unstable'],
    ['FAILURE', false, 'failure'],
    ['ABORTED', false, 'aborted'],
    ['NOT_BUILT', false, 'not_built'],
    [null, false, 'queued'],
    [undefined, undefined, 'queued'],
    // A result Comet does not know is not a success.
    ['SOMETHING_NEW', false, 'failure'],
  ] as const)('maps %p (building %p) to %p', (result, building, expected) => {
    expect(jenkinsBuildStatus(result, building)).toBe(expected);
  });

  it('says running while Jenkins builds, whatever the result field says', () => {
    expect(jenkinsBuildStatus(null, true)).toBe('running');
    expect(jenkinsBuildStatus('SUCCESS', true)).toBe('running');
  });
});

describe('jenkinsStageStatus', () => {
  it.each([
    ['SUCCESS', 'success'],
    ['UNSTABLE', 'unstable'],
    ['FAILED', 'failure'],
    ['ABORTED', 'aborted'],
    ['IN_PROGRESS', 'running'],
    ['PAUSED_PENDING_INPUT', 'running'],
    ['NOT_EXECUTED', 'not_built'],
    [undefined, 'queued'],
    // The stage view says FAILED, never FAILURE: that spelling is unknown here.
    ['FAILURE', 'queued'],
  ] as const)('maps %p to %p', (status, expected) => {
    expect(jenkinsStageStatus(status)).toBe(expected);
  });
});
