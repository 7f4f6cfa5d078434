import { readdirSync, readFileSync } from 'node:fs';

/**
 * Sends `signal` to every process in the process group `pgid`. Returns false when the group
 * no longer exists.
 */
export function signalProcessGroup(
  pgid: number,
  signal: NodeJS.Signals,
): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      return false;
    }
    throw error;
  }
}

/**
 * Whether the process group `pgid` still has a live member. Zombies do not count: a process
 * that has exited but was not reaped yet (its parent died and init is slow to reap it, or does
 * not reap at all in some containers) can neither run nor be killed.
 */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') {
    return true;
  }
  // kill(-pgid, 0) also succeeds for zombies; look for a member that is not one.
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const stat = readProcStat(entry);
    if (
      stat &&
      stat.pgrp === pgid &&
      stat.state !== 'Z' &&
      stat.state !== 'X'
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Whether the process `pid` is alive (exists and is not a zombie).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') {
    return true;
  }
  const stat = readProcStat(String(pid));
  return stat ? stat.state !== 'Z' && stat.state !== 'X' : false;
}

function readProcStat(
  pid: string,
): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], pgrp: Number(fields[2]) };
}
