import type { LoggerService } from '@backstage/backend-plugin-api';
import { TERMINAL_RUN_STATUSES } from '@internal/plugin-pipelines-common';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PipelineStore } from '../store/PipelineStore';

/**
 * Removes the workspaces a replica left behind when it was killed (SIGKILL, a crash) before
 * its jobs cleaned up. The local executor keeps a run's workspaces (and their HOMEs) in
 * `<workspaceRoot>/<runId>/`; a folder is removed when its run has finished or is unknown,
 * and kept while the run is queued, running or waiting (one of its jobs may be running here
 * or, with a shared data folder, on another replica). Returns the folders removed.
 */
export async function removeStaleWorkspaces(options: {
  workspaceRoot: string;
  store: Pick<PipelineStore, 'getRun'>;
  logger: LoggerService;
}): Promise<string[]> {
  const { workspaceRoot, store, logger } = options;
  let entries: string[];
  try {
    entries = await fs.readdir(workspaceRoot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of entries.sort()) {
    const dir = path.join(workspaceRoot, name);
    const stat = await fs.lstat(dir).catch(() => undefined);
    // Run folders only; a stray file or link is not ours to judge
    if (!stat?.isDirectory()) continue;
    const run = await store.getRun(name);
    if (run && !TERMINAL_RUN_STATUSES.includes(run.status)) continue;
    try {
      await removeTree(dir);
      removed.push(name);
    } catch (error) {
      logger.warn(`Cannot remove stale workspace folder ${dir}: ${error}`);
    }
  }
  if (removed.length) {
    logger.info(
      `Removed ${removed.length} workspace folder(s) of finished or unknown runs left under ${workspaceRoot}`,
    );
  }
  return removed;
}

/** rm -rf, also for trees with read-only directories (Go's module cache, for one). */
async function removeTree(target: string): Promise<void> {
  try {
    await fs.rm(target, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw error;
    await makeWritable(target);
    await fs.rm(target, { recursive: true, force: true, maxRetries: 2 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return;
  await fs.chmod(dir, 0o700).catch(() => {});
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) await makeWritable(path.join(dir, entry));
}
