import { ConfigReader } from '@backstage/config';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitPipelineSource } from './GitPipelineSource';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import {
  applyGitUrlRewrites,
  GitRemotePolicy,
  readGitUrlRewrites,
} from '@internal/plugin-pipelines-node';

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

describe('applyGitUrlRewrites', () => {
  it('applies the longest matching prefix, as git does, and nothing else', () => {
    const rewrites = [
      { from: 'https://github.com/', to: 'https://mirror/gh/' },
      { from: 'https://github.com/acme/', to: 'https://mirror/acme/' },
    ];
    expect(applyGitUrlRewrites('https://github.com/x/a.git', rewrites)).toBe(
      'https://mirror/gh/x/a.git',
    );
    expect(
      applyGitUrlRewrites(
        'https://github.com/acme/a.git',
        [...rewrites].reverse(),
      ),
    ).toBe('https://mirror/acme/a.git');
    expect(applyGitUrlRewrites('https://gitlab.com/a', rewrites)).toBe(
      'https://gitlab.com/a',
    );
    expect(applyGitUrlRewrites('https://github.com/a')).toBe(
      'https://github.com/a',
    );
  });

  it('makes GitPipelineSource read a pipeline file through the rewrite', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-rewrite-'));
    try {
      makeGitRepository(path.join(tmp, 'service'), {
        '.comet/pipeline.yaml': 'name: mirrored\n',
      });
      const url = 'https://git.invalid/acme/service';
      const gitUrlRewrites = [
        { from: 'https://git.invalid/acme/', to: `${tmp}${path.sep}` },
      ];
      const mirrored = GitPipelineSource.create({
        remotePolicy: GitRemotePolicy.create({
          gitUrlRewrites,
          allowLocalRepositories: true,
        }),
      });
      const file = await mirrored.readFile({
        repositoryUrl: url,
        filePath: '.comet/pipeline.yaml',
      });
      expect(file.text).toBe('name: mirrored\n');
      await expect(
        GitPipelineSource.create({
          remotePolicy: GitRemotePolicy.create({
            allowLocalRepositories: true,
          }),
        }).readFile({
          repositoryUrl: url,
          filePath: '.comet/pipeline.yaml',
        }),
      ).rejects.toThrow(
        /Repository URL https:\/\/git\.invalid\/acme\/service is not allowed/,
      );
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
