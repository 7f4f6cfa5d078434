import type {
  PipelineArtifact,
  PipelineArtifactStore,
} from '@internal/plugin-pipelines-node';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Folder names for ids: `test (shard=1)` -> `test_shard=1_`. */
export function safeSegment(text: string) {
  return text.replace(/[^A-Za-z0-9_.=-]+/g, '_');
}

/** Artifacts on the local disk: `<root>/<runId>/<job>/<path>`. */
export class LocalArtifactStore implements PipelineArtifactStore {
  constructor(private readonly root: string) {}

  private runDir(runId: string) {
    return path.join(this.root, safeSegment(runId));
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
    const jobDir = path.join(this.runDir(runId), safeSegment(jobRunId));
    const file = path.resolve(jobDir, relativePath);
    // Never outside the job's folder, whatever the request says
    if (!file.startsWith(`${jobDir}${path.sep}`)) return undefined;
    try {
      const stat = await fs.lstat(file);
      if (!stat.isFile()) return undefined;
      return { stream: createReadStream(file), size: stat.size };
    } catch {
      return undefined;
    }
  }
}
