import { spawn } from 'node:child_process';
import {
  isProcessAlive,
  isProcessGroupAlive,
  signalProcessGroup,
} from './processGroup';

function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) {
        resolve();
      } else if (Date.now() > deadline) {
        reject(new Error('condition not met in time'));
      } else {
        setImmediate(poll);
      }
    };
    poll();
  });
}

describe('process groups', () => {
  it('sees a live group, signals it, and sees it gone', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const exited = new Promise(resolve => child.on('exit', resolve));
    const pgid = child.pid!;
    expect(isProcessGroupAlive(pgid)).toBe(true);
    expect(isProcessAlive(pgid)).toBe(true);

    expect(signalProcessGroup(pgid, 'SIGKILL')).toBe(true);
    await exited;
    await waitFor(() => !isProcessGroupAlive(pgid));
    expect(isProcessAlive(pgid)).toBe(false);
  });

  it('says when a group does not exist', () => {
    // Above the kernel's largest pid (2^22), so no such group can exist
    expect(signalProcessGroup(2 ** 22 + 17, 'SIGTERM')).toBe(false);
    expect(isProcessGroupAlive(2 ** 22 + 17)).toBe(false);
    expect(isProcessAlive(2 ** 22 + 17)).toBe(false);
  });

  it('rethrows errors other than a missing group', () => {
    expect(() =>
      signalProcessGroup(1, 'NOT-A-SIGNAL' as NodeJS.Signals),
    ).toThrow();
  });
});
