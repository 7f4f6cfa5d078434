import {
  artifactPathSegments,
  type PipelineArtifact,
  type PipelineArtifactStore,
} from '@internal/plugin-pipelines-node';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Folder names for ids: `test (shard=1)` -> `test_shard=1_`. Never `.` or `..` (which name the
 * folder itself or its parent) nor empty.
 */
export function safeSegment(text: string) {
  const segment = text.replace(/[^A-Za-z0-9_.=-]+/g, '_');
  return /^\.*$/.test(segment) ? `_${segment}` : segment;
}

/** Whether `child` is `parent` itself or inside it. */
function isWithin(parent: string, child: string) {
  return child.startsWith(`${parent}${path.sep}`);
}

/** Artifacts on the local disk: `<root>/<runId>/<job>/<path>`. */
export class LocalArtifactStore implements PipelineArtifactStore {
  constructor(private readonly root: string) {}

  private runDir(runId: string) {
    return path.resolve(this.root, safeSegment(runId));
  }

  async stage(runId: string, jobRunId: string) {
    const dir = path.join(this.runDir(runId), safeSegment(jobRunId));
    await fs.mkdir(dir, { recursive: true });
    return { dir, commit: async () => {} };
  }

  async list(runId: string): Promise<PipelineArtifact[]> {
    const runDir = this.runDir(runId);
    const result: PipelineArtifact[] = [];
    let jobs: string[];
    try {
      jobs = await fs.readdir(runDir);
    } catch {
      return [];
    }
    for (const job of jobs.sort()) {
      const jobDir = path.join(runDir, job);
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) {
            await walk(full);
          } else if (entry.isFile()) {
            const { size } = await fs.stat(full);
            result.push({
              jobRunId: job,
              path: path.relative(jobDir, full).split(path.sep).join('/'),
              size,
            });
          }
        }
      };
      await walk(jobDir);
    }
    return result;
  }

  async read(runId: string, jobRunId: string, relativePath: string) {
    const segments = artifactPathSegments(relativePath);
    if (!segments) return undefined;
    const runDir = this.runDir(runId);
    const jobDir = path.join(runDir, safeSegment(jobRunId));
    const file = path.resolve(jobDir, ...segments);
    // Never outside the job's folder, whatever the request says
    if (!isWithin(jobDir, file)) return undefined;
    let handle: fs.FileHandle | undefined;
    try {
      // Nor through a symbolic link a job kept (`dist -> /`, `out -> ../../other-run`): the
      // real path must be inside the job's real folder, and the file is opened without
      // following a link that replaced it since.
      const [realJobDir, realFile] = await Promise.all([
        fs.realpath(jobDir),
        fs.realpath(file),
      ]);
      if (!isWithin(realJobDir, realFile)) return undefined;
      handle = await fs.open(
        realFile,
        constants.O_RDONLY | constants.O_NOFOLLOW,
      );
      const stat = await handle.stat();
      if (!stat.isFile()) {
        await handle.close();
        return undefined;
      }
      return { stream: handle.createReadStream(), size: stat.size };
    } catch {
      await handle?.close().catch(() => {});
      return undefined;
    }
  }

  /** Removes every artifact of a run, for retention; nothing happens for an unknown run. */
  async delete(runId: string): Promise<void> {
    await fs.rm(this.runDir(runId), { recursive: true, force: true });
  }
}
