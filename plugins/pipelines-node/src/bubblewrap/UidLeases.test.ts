import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UidLeases } from './UidLeases';

describe('UidLeases', () => {
  let dir: string;

  beforeEach(async () => {
    dir = path.join(
      await fs.mkdtemp(path.join(os.tmpdir(), 'uid-leases-')),
      'leases',
    );
  });

  afterEach(async () => {
    await fs.rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('leases distinct uids and reuses a released one', async () => {
    const leases = new UidLeases(dir);
    const first = await leases.acquire(70000, 3);
    const second = await leases.acquire(70000, 3);
    expect([first, second]).toEqual([70000, 70001]);
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    await leases.release(first);
    expect(await leases.acquire(70000, 3)).toBe(70000);
  });

  it('shares the pool between instances of one process', async () => {
    const a = new UidLeases(dir);
    const b = new UidLeases(path.join(dir, '..', 'leases'));
    expect(await a.acquire(70100, 2)).toBe(70100);
    expect(await b.acquire(70100, 2)).toBe(70101);
    await expect(a.acquire(70100, 2)).rejects.toThrow(
      'All 2 sandbox uids are in use (pipelines.sandbox.uidCount)',
    );
  });

  it('skips a uid leased by another live process and takes over a dead one', async () => {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const other = spawn(process.execPath, [
      '-e',
      'setTimeout(() => {}, 60000)',
    ]);
    try {
      await fs.writeFile(path.join(dir, `70200.${other.pid}.lease`), '');
      // A pid that cannot be alive: above the kernel's pid_max.
      await fs.writeFile(path.join(dir, '70201.4194305.lease'), '');
      const leases = new UidLeases(dir);
      expect(await leases.acquire(70200, 2)).toBe(70201);
      const names = await fs.readdir(dir);
      expect(names.sort()).toEqual(
        [`70200.${other.pid}.lease`, `70201.${process.pid}.lease`].sort(),
      );
      await leases.release(70201);
      expect(await fs.readdir(dir)).toEqual([`70200.${other.pid}.lease`]);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses a lease directory others can write to', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o777);
    await expect(new UidLeases(dir).acquire(70300, 1)).rejects.toThrow(
      /must be a directory owned by the backend's user with mode 0700/,
    );
  });

  it('ignores a release of a uid it does not hold', async () => {
    const leases = new UidLeases(dir);
    await leases.release(70400);
    expect(leases.directory).toBe(dir);
  });
});
