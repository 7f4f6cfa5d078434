import { meanTimeToRecoveryMs } from './sections';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(hours * HOUR).toISOString();
const run = (pipeline: string, status: string, hours: number) => ({
  runId: `${pipeline}-${hours}`,
  provider: 'comet',
  pipeline,
  status,
  createdAt: at(hours),
  finishedAt: at(hours),
});

describe('meanTimeToRecoveryMs', () => {
  it('measures from the first failure to the next success, per pipeline', () => {
    expect(
      meanTimeToRecoveryMs([
        // newest first, as list-runs returns them
        run('deploy', 'succeeded', 9),
        run('build', 'succeeded', 8),
        run('deploy', 'failed', 7),
        run('build', 'failed', 4),
        run('build', 'failed', 2),
        run('build', 'cancelled', 1),
      ]),
    ).toBe(((8 - 2) * HOUR + (9 - 7) * HOUR) / 2);
  });

  it('counts no recovery for a failure not yet recovered, nor for runs that never failed', () => {
    expect(
      meanTimeToRecoveryMs([
        run('build', 'failed', 3),
        run('build', 'succeeded', 2),
        run('build', 'running', 1),
      ]),
    ).toBeUndefined();
  });

  it('uses the creation time of a run that has no end, and skips unreadable dates', () => {
    expect(
      meanTimeToRecoveryMs([
        { ...run('build', 'succeeded', 5), finishedAt: undefined },
        {
          ...run('build', 'failed', 4),
          createdAt: 'yesterday',
          finishedAt: undefined,
        },
        run('build', 'failed', 1),
      ]),
    ).toBe(4 * HOUR);
  });
});
