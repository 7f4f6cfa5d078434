import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGitRepository } from '../testing/gitRepository';
import { GitPipelineSource } from './GitPipelineSource';

describe('GitPipelineSource', () => {
  let tmp: string;
  let repo: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-source-'));
    repo = path.join(tmp, 'service');
    makeGitRepository(repo, {
      '.comet/pipeline.yaml': 'name: a\n',
      // Just over the limit, and just under it
      '.comet/huge.yaml': `name: a\n#${'x'.repeat(1024 * 1024)}\n`,
      '.comet/large.yaml': `name: a\n#${'x'.repeat(1024 * 1024 - 20)}\n`,
    });
  });

  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it('reads a file at a branch', async () => {
    const file = await GitPipelineSource.create().readFile({
      repositoryUrl: repo,
      ref: 'main',
      filePath: '.comet/pipeline.yaml',
    });
    expect(file.text).toBe('name: a\n');
    expect(file.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('refuses a branch that git would take as an option, and runs nothing', async () => {
    const marker = path.join(tmp, 'injected');
    for (const ref of [`--upload-pack=touch ${marker}`, '-x', '', 'a b']) {
      await expect(
        GitPipelineSource.create().readFile({
          repositoryUrl: repo,
          ref,
          filePath: '.comet/pipeline.yaml',
        }),
      ).rejects.toThrow(/Invalid git ref/);
    }
    await expect(
      GitPipelineSource.create().readFile({
        repositoryUrl: `--upload-pack=touch ${marker}`,
        filePath: '.comet/pipeline.yaml',
      }),
    ).rejects.toThrow(/Invalid repository URL/);
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('names the repository without its credentials when the fetch fails', async () => {
    const error = await GitPipelineSource.create({ timeoutMs: 10_000 })
      .readFile({
        repositoryUrl: 'https://bot:s3cr3t-token@127.0.0.1:1/repo.git',
        filePath: '.comet/pipeline.yaml',
      })
      .then(
        () => new Error('expected the fetch to fail'),
        e => e as Error,
      );
    expect(error.message).toMatch(/Cannot fetch HEAD from https:\/\/\*\*\*@/);
    expect(error.message).not.toContain('s3cr3t-token');
  });

  it('says which file is missing at which commit', async () => {
    await expect(
      GitPipelineSource.create().readFile({
        repositoryUrl: repo,
        filePath: '.comet/missing.yaml',
      }),
    ).rejects.toThrow(
      /Pipeline file \.comet\/missing\.yaml does not exist in .* at HEAD \([0-9a-f]{12}\)/,
    );
  });

  it('says that a file over 1 MiB is too large, not missing, and reads one under it', async () => {
    await expect(
      GitPipelineSource.create().readFile({
        repositoryUrl: repo,
        filePath: '.comet/huge.yaml',
      }),
    ).rejects.toThrow(
      /^Pipeline file \.comet\/huge\.yaml in .* at HEAD \([0-9a-f]{12}\) is too large \(1048586 bytes, limit 1 MiB\)$/,
    );
    const large = await GitPipelineSource.create().readFile({
      repositoryUrl: repo,
      filePath: '.comet/large.yaml',
    });
    expect(large.text).toHaveLength(1024 * 1024 - 10);
  });
});
