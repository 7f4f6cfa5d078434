import { ConfigReader } from '@backstage/config';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitPipelineSource } from '../engine/GitPipelineSource';
import { makeGitRepository } from '../testing/gitRepository';
import { gitUrlRewriteEnv, readGitUrlRewrites } from './gitUrlRewrites';

describe('readGitUrlRewrites', () => {
  it('reads the list, and none when unset', () => {
    expect(readGitUrlRewrites(new ConfigReader({}))).toEqual([]);
    expect(
      readGitUrlRewrites(
        new ConfigReader({
          pipelines: {
            gitUrlRewrites: [
              {
                from: 'https://github.com/',
                to: 'https://mirror.internal/gh/',
              },
            ],
          },
        }),
      ),
    ).toEqual([
      { from: 'https://github.com/', to: 'https://mirror.internal/gh/' },
    ]);
  });

  it.each([
    [{ from: '', to: 'https://a/' }, /gitUrlRewrites\[0\]\.from/],
    [{ from: '  ', to: 'https://a/' }, /gitUrlRewrites\[0\]\.from " {2}"/],
    [{ from: 'https://a/', to: '--upload-pack=x' }, /gitUrlRewrites\[0\]\.to/],
    [{ from: 'https://a/\nb', to: 'https://b/' }, /\[0\]\.from .*one line/],
  ])('rejects %j with the entry and field', (entry, message) => {
    expect(() =>
      readGitUrlRewrites(
        new ConfigReader({ pipelines: { gitUrlRewrites: [entry] } }),
      ),
    ).toThrow(message);
  });

  it('names a missing field', () => {
    expect(() =>
      readGitUrlRewrites(
        new ConfigReader({
          pipelines: { gitUrlRewrites: [{ from: 'https://a/' }] },
        }),
      ),
    ).toThrow(/gitUrlRewrites\[0\]\.to/);
  });
});

describe('gitUrlRewriteEnv', () => {
  it('is empty without rewrites and numbers each one for git', () => {
    expect(gitUrlRewriteEnv([])).toEqual({});
    expect(
      gitUrlRewriteEnv([
        { from: 'https://a/', to: 'https://b/' },
        { from: 'git@c:', to: 'https://c/' },
      ]),
    ).toEqual({
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'url.https://b/.insteadOf',
      GIT_CONFIG_VALUE_0: 'https://a/',
      GIT_CONFIG_KEY_1: 'url.https://c/.insteadOf',
      GIT_CONFIG_VALUE_1: 'git@c:',
    });
  });

  it('makes GitPipelineSource read a pipeline file through the rewrite', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-rewrite-'));
    try {
      makeGitRepository(path.join(tmp, 'service'), {
        '.comet/pipeline.yaml': 'name: mirrored\n',
      });
      const url = 'https://git.invalid/acme/service';
      const mirrored = GitPipelineSource.create({
        gitUrlRewrites: [
          { from: 'https://git.invalid/acme/', to: `${tmp}${path.sep}` },
        ],
      });
      const file = await mirrored.readFile({
        repositoryUrl: url,
        filePath: '.comet/pipeline.yaml',
      });
      expect(file.text).toBe('name: mirrored\n');
      await expect(
        GitPipelineSource.create().readFile({
          repositoryUrl: url,
          filePath: '.comet/pipeline.yaml',
        }),
      ).rejects.toThrow(/Cannot fetch HEAD from https:\/\/git\.invalid/);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
