import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Uids leased in this process, whichever sandbox instance leased them. */
const leasedHere = new Set<number>();

/**
 * Leases sandbox uids so that no two sandboxes on one host share a uid, even when they run
 * in different processes (two backends, or a backend beside a test run): RLIMIT_NPROC and
 * file ownership are per uid, so a shared uid would let one sandbox exhaust or read another.
 *
 * A lease is a file `<uid>.<pid>.lease` in a directory of the backend's user (mode 0700);
 * a lease whose process is gone is removed by the next process that looks.
 */
export class UidLeases {
  readonly #dir: string;
  #ready?: Promise<void>;

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
  }

  get directory(): string {
    return this.#dir;
  }

  /** Leases the first free uid of `base` to `base + count - 1`, or throws if none is free. */
  async acquire(base: number, count: number): Promise<number> {
    this.#ready ??= this.#prepare();
    await this.#ready;
    for (let uid = base; uid < base + count; uid++) {
      if (leasedHere.has(uid)) {
        continue;
      }
      leasedHere.add(uid);
      if (await this.#tryLock(uid)) {
        return uid;
      }
      leasedHere.delete(uid);
    }
    throw new Error(
      `All ${count} sandbox uids are in use (pipelines.sandbox.uidCount)`,
    );
  }

  async release(uid: number): Promise<void> {
    if (!leasedHere.delete(uid)) {
      return;
    }
    await fs.rm(this.#file(uid, process.pid), { force: true });
  }

  #file(uid: number, pid: number) {
    return path.join(this.#dir, `${uid}.${pid}.lease`);
  }

  async #prepare() {
    await fs.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const stat = await fs.lstat(this.#dir);
    const owner = process.getuid?.();
    if (
      !stat.isDirectory() ||
      (owner !== undefined && stat.uid !== owner) ||
      (stat.mode & 0o077) !== 0
    ) {
      throw new Error(
        `The sandbox uid lease directory ${
          this.#dir
        } must be a directory owned by the backend's user with mode 0700`,
      );
    }
  }

  /**
   * Each process writes its own `<uid>.<pid>.lease` first and only then looks for others'.
   * Of two processes racing for a uid, the one that looks second always sees the other, so
   * at most one keeps the uid (both may back off; each then tries the next uid). Leases of
   * processes that are gone are removed.
   */
  async #tryLock(uid: number): Promise<boolean> {
    const mine = this.#file(uid, process.pid);
    await fs.writeFile(mine, '', { mode: 0o600 });
    for (const name of await fs.readdir(this.#dir)) {
      const match = /^(\d+)\.(\d+)\.lease$/.exec(name);
      if (!match || Number(match[1]) !== uid) {
        continue;
      }
      const pid = Number(match[2]);
      if (pid === process.pid) {
        continue;
      }
      if (isAlive(pid)) {
        await fs.rm(mine, { force: true });
        return false;
      }
      await fs.rm(path.join(this.#dir, name), { force: true });
    }
    return true;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
