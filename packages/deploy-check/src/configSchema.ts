import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PodConfigFile } from './repoFacts';

/**
 * Validates config files against every package's config schema, as `npm start` does before it
 * starts the portal (`backstage-cli config:check --strict`): an unknown key or a value of the
 * wrong type fails, naming the key. `--lax` because the environment variables come from the
 * cluster. The files are written to a temporary folder in their order.
 */
export function checkConfigSchema(
  repoRoot: string,
  files: PodConfigFile[],
): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-check-config-'));
  try {
    const args = files.flatMap(({ file, text }, index) => {
      // Named after the original, so that messages say which file
      const name = `${index}-${file.replace(/[^A-Za-z0-9.-]+/g, '_')}.yaml`;
      fs.writeFileSync(path.join(dir, name), text);
      return ['--config', path.join(dir, name)];
    });
    const result = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli'),
        'config:check',
        '--strict',
        '--lax',
        ...args,
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 },
    );
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${
      result.error ? String(result.error) : ''
    }`;
    return { ok: result.status === 0, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
