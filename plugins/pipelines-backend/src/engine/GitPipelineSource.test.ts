import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitRemotePolicy } from '@internal/plugin-pipelines-node';
import {
  GitHttpServer,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { makeGitRepository } from '@internal/plugin-pipelines-node/testUtils';
import { GitPipelineSource } from './GitPipelineSource';

jest.setTimeout(30_000);

describe('GitPipelineSource', () => {
  let tmp: string;
  let repo: string;
  let commit: string;
  let server: GitHttpServer;
  let url: string;
  /** Allows the test server, as `pipelines.git.allowedHosts: [127.0.0.1:<port>]` does. */
  let remotePolicy: GitRemotePolicy;
  const source = () => GitPipelineSource.create({ remotePolicy });

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-source-'));
    repo = path.join(tmp, 'service');
    commit = makeGitRepository(repo, {
      '.comet/pipeline.yaml': 'name: a\n',
      '.comet/release.yaml': 'name: release\n',
      '.comet/notes.txt': 'not a pipeline\n',
      'ci/other.yaml': 'name: other\n',
      // Just over the limit, and just under it
      '.comet/huge.yaml': `name: a\n#${'x'.repeat(1024 * 1024)}\n`,
      '.comet/large.yaml': `name: a\n#${'x'.repeat(1024 * 1024 - 20)}\n`,
      // What a pipeline-file read must not download
      'assets/blob.bin': randomBytes(4 * 1024 * 1024).toString('base64'),
    });
    server = await startGitHttpServer({ root: tmp });
    url = server.url('service');
    remotePolicy = GitRemotePolicy.create({ allowedHosts: [server.host] });
  });

  afterAll(async () => {
    await server?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('reads a file at a branch over HTTP without downloading the rest of the tree', async () => {
    const before = server.bytesSent();
    const file = await source().readFile({
      repositoryUrl: url,
      ref: 'main',
      filePath: '.comet/pipeline.yaml',
    });
    expect(file).toEqual({ text: 'name: a\n', commit, message: 'init' });
    // The 5.6 MB asset and the 1 MiB files are not part of it
    expect(server.bytesSent() - before).toBeLessThan(64 * 1024);
  });

  it('reads a file outside .comet/', async () => {
    const file = await source().readFile({
      repositoryUrl: url,
      filePath: 'ci/other.yaml',
    });
    expect(file).toEqual({ text: 'name: other\n', commit, message: 'init' });
  });

  it('reads a commit once: the same commit and its other pipeline files come from the cache', async () => {
    const cached = source();
    const fetched = server.requests.length;
    await cached.readFile({
      repositoryUrl: url,
      ref: commit,
      filePath: '.comet/pipeline.yaml',
    });
    const afterFirst = server.requests.length;
    expect(afterFirst).toBeGreaterThan(fetched);
    // Same commit: the file again, another YAML file of .comet/, and a missing one
    await expect(
      cached.readFile({
        repositoryUrl: url,
        ref: commit,
        filePath: '.comet/pipeline.yaml',
      }),
    ).resolves.toEqual({ text: 'name: a\n', commit, message: 'init' });
    await expect(
      cached.readFile({
        repositoryUrl: url,
        ref: commit,
        filePath: '.comet/release.yaml',
      }),
    ).resolves.toEqual({ text: 'name: release\n', commit, message: 'init' });
    await expect(
      cached.readFile({
        repositoryUrl: url,
        ref: commit,
        filePath: '.comet/missing.yaml',
      }),
    ).rejects.toThrow(/does not exist/);
    expect(server.requests.length).toBe(afterFirst);

    // A branch already seen is resolved with ls-remote, and nothing is fetched
    await cached.readFile({
      repositoryUrl: url,
      ref: 'main',
      filePath: '.comet/release.yaml',
    });
    const branchRequests = server.requests.slice(afterFirst);
    expect(branchRequests.length).toBeGreaterThan(0);
    expect(branchRequests.length).toBeLessThan(afterFirst - fetched);

    // A file that exists but was not read (not YAML) is fetched, not reported missing
    await expect(
      cached.readFile({
        repositoryUrl: url,
        ref: commit,
        filePath: '.comet/notes.txt',
      }),
    ).resolves.toEqual({ text: 'not a pipeline\n', commit, message: 'init' });
  });

  it('fetches a commit once for concurrent reads of the same ref', async () => {
    const cached = source();
    const before = server.requests.length;
    const files = await Promise.all(
      ['.comet/pipeline.yaml', '.comet/release.yaml', '.comet/large.yaml'].map(
        filePath =>
          cached.readFile({ repositoryUrl: url, ref: commit, filePath }),
      ),
    );
    expect(files.map(f => f.text.slice(0, 13))).toEqual([
      'name: a\n',
      'name: release',
      'name: a\n#xxxx',
    ]);
    const single = server.requests.length - before;
    const alone = server.requests.length;
    await source().readFile({
      repositoryUrl: url,
      ref: commit,
      filePath: '.comet/pipeline.yaml',
    });
    expect(single).toBe(server.requests.length - alone);
  });

  it('keeps no commit with cacheCommits 0', async () => {
    const uncached = GitPipelineSource.create({
      remotePolicy,
      cacheCommits: 0,
    });
    const read = () =>
      uncached.readFile({
        repositoryUrl: url,
        ref: commit,
        filePath: '.comet/pipeline.yaml',
      });
    await read();
    const before = server.requests.length;
    await read();
    expect(server.requests.length).toBeGreaterThan(before);
  });

  it.each([
    ['a file:// URL', (r: string) => `file://${r}`, /only http:\/\/ and https/],
    ['a local path', (r: string) => r, /only http:\/\/ and https/],
    ['ext::', () => 'ext::sh -c touch% /tmp/x', /only http:\/\/ and https/],
    [
      'the metadata address',
      () => 'http://169.254.169.254/latest/meta-data/',
      /the host 169\.254\.169\.254:80 is not in pipelines\.git\.allowedHosts/,
    ],
    [
      'PostgreSQL on loopback',
      () => 'http://127.0.0.1:5432/x.git',
      /the host 127\.0\.0\.1:5432 is not in pipelines\.git\.allowedHosts/,
    ],
  ])('refuses %s, naming the URL and the key', async (_what, urlFor, why) => {
    await expect(
      source().readFile({
        repositoryUrl: urlFor(repo),
        filePath: '.comet/pipeline.yaml',
      }),
    ).rejects.toThrow(why);
  });

  it('refuses every repository by default', async () => {
    await expect(
      GitPipelineSource.create().readFile({
        repositoryUrl: url,
        filePath: '.comet/pipeline.yaml',
      }),
    ).rejects.toThrow(
      `Repository URL ${url} is not allowed: the host ${server.host} is not in pipelines.git.allowedHosts`,
    );
  });

  it('does not follow a redirect to another host', async () => {
    const elsewhere = await startGitHttpServer({ root: tmp });
    const redirecting = await startGitHttpServer({
      root: tmp,
      redirects: { '/moved/': `${elsewhere.url('')}` },
    });
    try {
      const policy = GitRemotePolicy.create({
        allowedHosts: [redirecting.host, elsewhere.host],
      });
      await expect(
        GitPipelineSource.create({ remotePolicy: policy }).readFile({
          repositoryUrl: redirecting.url('moved/service'),
          filePath: '.comet/pipeline.yaml',
        }),
      ).rejects.toThrow(
        /Cannot fetch HEAD from http:\/\/127\.0\.0\.1:\d+\/moved\/service/,
      );
      expect(redirecting.requests.length).toBeGreaterThan(0);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('refuses a URL rewritten to a host that is not allowed', async () => {
    const gitUrlRewrites = [
      { from: 'https://git.acme.io/', to: `http://${server.host}/` },
    ];
    await expect(
      GitPipelineSource.create({
        remotePolicy: GitRemotePolicy.create({
          allowedHosts: ['git.acme.io'],
          gitUrlRewrites,
        }),
      }).readFile({
        repositoryUrl: 'https://git.acme.io/service',
        filePath: '.comet/pipeline.yaml',
      }),
    ).rejects.toThrow(
      `(rewritten by pipelines.gitUrlRewrites to http://${server.host}/service) is not allowed`,
    );
    const file = await GitPipelineSource.create({
      remotePolicy: GitRemotePolicy.create({
        allowedHosts: [server.host],
        gitUrlRewrites,
      }),
    }).readFile({
      repositoryUrl: 'https://git.acme.io/service',
      filePath: '.comet/pipeline.yaml',
    });
    expect(file.text).toBe('name: a\n');
  });

  it('does not read the backend HOME git config', async () => {
    const home = path.join(tmp, 'trap-home');
    const decoy = path.join(tmp, 'decoy');
    makeGitRepository(decoy, { '.comet/pipeline.yaml': 'name: decoy\n' });
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(
      path.join(home, '.gitconfig'),
      `[url "${server.url('decoy')}"]\n\tinsteadOf = ${url}\n`,
    );
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const file = await source().readFile({
        repositoryUrl: url,
        filePath: '.comet/pipeline.yaml',
      });
      expect(file.text).toBe('name: a\n');
    } finally {
      process.env.HOME = saved;
    }
  });

  it('refuses a branch that git would take as an option, and runs nothing', async () => {
    const marker = path.join(tmp, 'injected');
    for (const ref of [`--upload-pack=touch ${marker}`, '-x', '', 'a b']) {
      await expect(
        source().readFile({
          repositoryUrl: url,
          ref,
          filePath: '.comet/pipeline.yaml',
        }),
      ).rejects.toThrow(/Invalid git ref/);
    }
    await expect(
      source().readFile({
        repositoryUrl: `--upload-pack=touch ${marker}`,
        filePath: '.comet/pipeline.yaml',
      }),
    ).rejects.toThrow(/Invalid repository URL/);
    await expect(
      source().readFile({
        repositoryUrl: url,
        filePath: '../etc/passwd',
      }),
    ).rejects.toThrow(/must be relative/);
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('names the repository without its credentials when the fetch fails', async () => {
    const error = await GitPipelineSource.create({
      timeoutMs: 10_000,
      remotePolicy: GitRemotePolicy.create({ allowedHosts: ['127.0.0.1:1'] }),
    })
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

  it('says which file is missing at which commit, and when a path is a folder', async () => {
    await expect(
      source().readFile({
        repositoryUrl: url,
        filePath: '.comet/missing.yaml',
      }),
    ).rejects.toThrow(
      /Pipeline file \.comet\/missing\.yaml does not exist in .* at HEAD \([0-9a-f]{12}\)/,
    );
    await expect(
      source().readFile({ repositoryUrl: url, filePath: 'nowhere/x.yaml' }),
    ).rejects.toThrow(/Pipeline file nowhere\/x\.yaml does not exist/);
    await expect(
      source().readFile({ repositoryUrl: url, filePath: 'assets' }),
    ).rejects.toThrow(/Pipeline file assets .* is a folder, not a file/);
  });

  it('says that a file over 1 MiB is too large, not missing, and reads one under it', async () => {
    await expect(
      source().readFile({
        repositoryUrl: url,
        filePath: '.comet/huge.yaml',
      }),
    ).rejects.toThrow(
      /^Pipeline file \.comet\/huge\.yaml in .* at HEAD \([0-9a-f]{12}\) is too large \(1048586 bytes, limit 1 MiB\)$/,
    );
    const large = await source().readFile({
      repositoryUrl: url,
      filePath: '.comet/large.yaml',
    });
    expect(large.text).toHaveLength(1024 * 1024 - 10);
  });

  it('reads local repositories when built for tests, with the file transport', async () => {
    const file = await GitPipelineSource.create({
      remotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
    }).readFile({ repositoryUrl: repo, filePath: '.comet/pipeline.yaml' });
    expect(file).toEqual({ text: 'name: a\n', commit, message: 'init' });
  });

  it('gives the commit message, from the cache too and with no cache at all', async () => {
    const dir = path.join(tmp, 'messages');
    const sha = makeGitRepository(dir, { '.comet/pipeline.yaml': 'name: m\n' });
    execFileSync(
      'git',
      [
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.com',
        'commit',
        '--quiet',
        '--amend',
        '-m',
        'PAY-12 Refund in full\n\nAlso fixes SHOP-3',
      ],
      { cwd: dir },
    );
    const amended = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir })
      .toString()
      .trim();
    expect(amended).not.toBe(sha);
    const messagesUrl = server.url('messages');
    const cached = source();
    for (let i = 0; i < 2; i++) {
      await expect(
        cached.readFile({
          repositoryUrl: messagesUrl,
          ref: amended,
          filePath: '.comet/pipeline.yaml',
        }),
      ).resolves.toEqual({
        text: 'name: m\n',
        commit: amended,
        message: 'PAY-12 Refund in full\n\nAlso fixes SHOP-3',
      });
    }
    await expect(
      GitPipelineSource.create({ remotePolicy, cacheCommits: 0 }).readFile({
        repositoryUrl: messagesUrl,
        filePath: '.comet/pipeline.yaml',
      }),
    ).resolves.toEqual(
      expect.objectContaining({
        message: 'PAY-12 Refund in full\n\nAlso fixes SHOP-3',
      }),
    );
  });

  describe('listFiles', () => {
    let listed: string;
    let listedUrl: string;
    let mainCommit: string;
    let featureCommit: string;
    const git = (...args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args],
        { cwd: listed },
      )
        .toString()
        .trim();

    beforeAll(async () => {
      listed = path.join(tmp, 'listed');
      mainCommit = makeGitRepository(listed, {
        '.comet/pipeline.yaml': 'name: ci\n',
        '.comet/deploy.yml': 'name: deploy\n',
        '.comet/LOUD.YAML': 'name: loud\n',
        '.comet/notes.txt': 'not a pipeline\n',
        '.comet/templates/base.yaml': 'name: a template, not a pipeline\n',
        '.comet/huge.yaml': `name: huge\n#${'x'.repeat(1024 * 1024)}\n`,
        'ci/other.yaml': 'name: other\n',
        'ci/unrelated.yaml': 'name: not declared\n',
        'assets/blob.bin': randomBytes(2 * 1024 * 1024).toString('base64'),
      });
      git('checkout', '--quiet', '-b', 'feature');
      execFileSync('git', ['rm', '--quiet', '.comet/deploy.yml'], {
        cwd: listed,
      });
      await fs.writeFile(
        path.join(listed, '.comet/preview.yaml'),
        'name: preview\n',
      );
      git('add', '.');
      git('commit', '--quiet', '-m', 'preview');
      featureCommit = git('rev-parse', 'HEAD');
      git('checkout', '--quiet', 'main');
      listedUrl = server.url('listed');
    });

    const declared = [
      'ci/other.yaml',
      'ci/missing.yaml',
      // Paths the engine cannot read, so never listed
      './.comet/pipeline.yaml',
      '../outside.yaml',
      '/etc/passwd',
    ];

    it("lists .comet/'s YAML files and the declared files that exist, at the default branch, without downloading the rest", async () => {
      const before = server.bytesSent();
      const listing = await source().listFiles({
        repositoryUrl: listedUrl,
        paths: declared,
      });
      expect(listing).toEqual({
        commit: mainCommit,
        files: [
          { path: '.comet/LOUD.YAML', text: 'name: loud\n' },
          { path: '.comet/deploy.yml', text: 'name: deploy\n' },
          // Too large to read: listed, without its text
          { path: '.comet/huge.yaml' },
          { path: '.comet/pipeline.yaml', text: 'name: ci\n' },
          { path: 'ci/other.yaml', text: 'name: other\n' },
        ],
      });
      expect(server.bytesSent() - before).toBeLessThan(64 * 1024);
    });

    it('lists a branch, and a repository with no .comet/ as empty', async () => {
      await expect(
        source().listFiles({ repositoryUrl: listedUrl, ref: 'feature' }),
      ).resolves.toEqual({
        commit: featureCommit,
        files: [
          { path: '.comet/LOUD.YAML', text: 'name: loud\n' },
          { path: '.comet/huge.yaml' },
          { path: '.comet/pipeline.yaml', text: 'name: ci\n' },
          { path: '.comet/preview.yaml', text: 'name: preview\n' },
        ],
      });
      const bare = path.join(tmp, 'no-pipelines');
      const bareCommit = makeGitRepository(bare, {
        'pipeline.yaml': 'name: root\n',
        'README.md': '# hi\n',
      });
      await expect(
        source().listFiles({
          repositoryUrl: server.url('no-pipelines'),
          paths: ['.comet/pipeline.yaml'],
        }),
      ).resolves.toEqual({ commit: bareCommit, files: [] });
      // A declared file at the root is found there
      await expect(
        source().listFiles({
          repositoryUrl: server.url('no-pipelines'),
          paths: ['pipeline.yaml', 'README.md', 'nothing.yaml'],
        }),
      ).resolves.toEqual({
        commit: bareCommit,
        files: [
          { path: 'README.md', text: '# hi\n' },
          { path: 'pipeline.yaml', text: 'name: root\n' },
        ],
      });
    });

    it('answers a commit listed before from the cache, listings and file reads alike', async () => {
      const cached = source();
      const start = server.requests.length;
      const first = await cached.listFiles({
        repositoryUrl: listedUrl,
        ref: mainCommit,
        paths: declared,
      });
      const afterFirst = server.requests.length;
      expect(afterFirst).toBeGreaterThan(start);
      await expect(
        cached.listFiles({
          repositoryUrl: listedUrl,
          ref: mainCommit,
          paths: declared,
        }),
      ).resolves.toEqual(first);
      // ci/ was listed, so its files are known: read or missing without a request
      await expect(
        cached.readFile({
          repositoryUrl: listedUrl,
          ref: mainCommit,
          filePath: 'ci/other.yaml',
        }),
      ).resolves.toEqual({
        text: 'name: other\n',
        commit: mainCommit,
        message: 'init',
      });
      await expect(
        cached.readFile({
          repositoryUrl: listedUrl,
          ref: mainCommit,
          filePath: 'ci/missing.yaml',
        }),
      ).rejects.toThrow(/does not exist/);
      expect(server.requests.length).toBe(afterFirst);

      // The branch: resolved with ls-remote, then the kept commit
      await expect(
        cached.listFiles({ repositoryUrl: listedUrl, paths: declared }),
      ).resolves.toEqual(first);
      const branchRequests = server.requests.length - afterFirst;
      expect(branchRequests).toBeGreaterThan(0);
      expect(branchRequests).toBeLessThan(afterFirst - start);

      // A folder never listed at that commit is fetched
      const beforeOther = server.requests.length;
      await cached.listFiles({
        repositoryUrl: listedUrl,
        ref: mainCommit,
        paths: ['assets/blob.bin'],
      });
      expect(server.requests.length).toBeGreaterThan(beforeOther);
    });

    it('fetches a commit once for concurrent listings of the same ref', async () => {
      const before = server.requests.length;
      await source().listFiles({ repositoryUrl: listedUrl, ref: 'feature' });
      const alone = server.requests.length - before;
      const shared = source();
      const start = server.requests.length;
      const [a, b] = await Promise.all([
        shared.listFiles({ repositoryUrl: listedUrl, ref: 'feature' }),
        shared.listFiles({ repositoryUrl: listedUrl, ref: 'feature' }),
      ]);
      expect(a).toEqual(b);
      expect(a.commit).toBe(featureCommit);
      expect(server.requests.length - start).toBe(alone);
    });

    it('refuses what readFile refuses: an unsafe ref, a repository not allowed, an unknown ref', async () => {
      await expect(
        source().listFiles({
          repositoryUrl: listedUrl,
          ref: '--upload-pack=x',
        }),
      ).rejects.toThrow('Invalid git ref "--upload-pack=x"');
      await expect(
        GitPipelineSource.create().listFiles({ repositoryUrl: listedUrl }),
      ).rejects.toThrow(
        `the host ${server.host} is not in pipelines.git.allowedHosts`,
      );
      await expect(
        source().listFiles({ repositoryUrl: listedUrl, ref: 'no-such-branch' }),
      ).rejects.toThrow(
        /^Cannot fetch no-such-branch from http:\/\/127\.0\.0\.1:\d+\/listed/,
      );
    });
  });
});
