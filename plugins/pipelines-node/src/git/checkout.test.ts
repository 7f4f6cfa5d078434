import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GitHttpServer,
  startGitHttpServer,
} from '@internal/plugin-pipelines-node/testUtils';
import { makeGitRepository } from '../testUtils/gitRepository';
import { GitCheckout } from './checkout';
import { GitRemotePolicy } from './GitRemotePolicy';

jest.setTimeout(30_000);

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/** Checkouts as the local executor makes them for a job's workspace. */
describe('checkouts', () => {
  let tmp: string;
  let root: string;
  let server: GitHttpServer;
  let other: GitHttpServer;
  let commit: string;
  let url: string;
  let remotePolicy: GitRemotePolicy;

  type Workspace = { dir: string; commit: string };
  /** What LocalExecutor.prepareWorkspace does: check first, then fetch into a new folder. */
  const checkOut = async (
    repositoryUrl: string,
    policy = remotePolicy,
    ref?: string,
  ): Promise<Workspace> => {
    const checkout = GitCheckout.prepare({
      repositoryUrl,
      ref,
      remotePolicy: policy,
    });
    await fs.mkdir(root, { recursive: true });
    const dir = await fs.mkdtemp(path.join(root, 'job-'));
    try {
      return { dir, commit: await checkout.into(dir, { timeoutMs: 20_000 }) };
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
  };
  const cleanup = (ws: Workspace) =>
    fs.rm(ws.dir, { recursive: true, force: true });

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-checkout-'));
    root = path.join(tmp, 'workspaces');
    commit = makeGitRepository(path.join(tmp, 'service'), {
      'README.md': 'service\n',
    });
    makeGitRepository(path.join(tmp, 'decoy'), { 'README.md': 'decoy\n' });
    // A second server, to see whether anything reaches it
    other = await startGitHttpServer({ root: tmp });
    server = await startGitHttpServer({
      root: tmp,
      redirects: { '/moved/': other.url('') },
    });
    url = server.url('service');
    remotePolicy = GitRemotePolicy.create({
      allowedHosts: [server.host, other.host],
    });
  });

  afterAll(async () => {
    await server?.close();
    await other?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('checks out one commit from an allowed host', async () => {
    const ws = await checkOut(url);
    expect(ws.commit).toBe(commit);
    expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
      'service\n',
    );
    await cleanup(ws);
  });

  it.each([
    [
      'a file:// URL',
      () => `file://${path.join(tmp, 'service')}`,
      /only http:\/\/ and https:\/\//,
    ],
    [
      'a local path',
      () => path.join(tmp, 'service'),
      /only http:\/\/ and https:\/\//,
    ],
    [
      'ext::',
      () => `ext::sh -c touch% ${path.join(tmp, 'pwned')}`,
      /only http/,
    ],
    [
      'the cloud metadata address',
      () => 'http://169.254.169.254/latest/meta-data/',
      /the host 169\.254\.169\.254:80 is not in pipelines\.git\.allowedHosts/,
    ],
    [
      'PostgreSQL on loopback',
      () => 'http://127.0.0.1:5432/x.git',
      /the host 127\.0\.0\.1:5432 is not in pipelines\.git\.allowedHosts/,
    ],
  ])('refuses %s and creates nothing', async (_what, urlFor, why) => {
    const repositoryUrl = urlFor();
    await expect(checkOut(repositoryUrl)).rejects.toThrow(why);
    await expect(checkOut(repositoryUrl)).rejects.toThrow(
      `Repository URL ${repositoryUrl} is not allowed`,
    );
    expect(await fs.readdir(root).catch(() => [])).toEqual([]);
    expect(await exists(path.join(tmp, 'pwned'))).toBe(false);
  });

  it('refuses everything without a policy', async () => {
    await expect(checkOut(url, GitRemotePolicy.create())).rejects.toThrow(
      `the host ${server.host} is not in pipelines.git.allowedHosts`,
    );
  });

  it('allows a rewritten URL only when the rewritten host is allowed', async () => {
    const gitUrlRewrites = [
      { from: 'https://git.acme.io/', to: `http://${server.host}/` },
    ];
    await expect(
      checkOut(
        'https://git.acme.io/service',
        GitRemotePolicy.create({
          allowedHosts: ['git.acme.io'],
          gitUrlRewrites,
        }),
      ),
    ).rejects.toThrow(
      `Repository URL https://git.acme.io/service (rewritten by pipelines.gitUrlRewrites to http://${server.host}/service) is not allowed`,
    );
    const rewriting = GitRemotePolicy.create({
      allowedHosts: [server.host],
      gitUrlRewrites,
    });
    const ws = await checkOut('https://git.acme.io/service', rewriting);
    expect(ws.commit).toBe(commit);
    await cleanup(ws);
  });

  it('does not follow a redirect, even to an allowed host', async () => {
    const before = other.requests.length;
    await expect(checkOut(server.url('moved/service'))).rejects.toThrow(
      /Could not fetch http:\/\/127\.0\.0\.1:\d+\/moved\/service/,
    );
    expect(server.requests.some(r => r.includes('/moved/service'))).toBe(true);
    expect(other.requests.length).toBe(before);
  });

  it('does not fetch or check out submodules', async () => {
    const parent = path.join(tmp, 'parent');
    makeGitRepository(parent, { 'README.md': 'parent\n' });
    const env = {
      PATH: process.env.PATH,
      HOME: parent,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    };
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: parent, env }).toString();
    // A gitlink to the decoy on the other server, as `git submodule add` records it
    const decoyCommit = git(
      '-C',
      path.join(tmp, 'decoy'),
      'rev-parse',
      'HEAD',
    ).trim();
    git('update-index', '--add', '--cacheinfo', `160000,${decoyCommit},lib`);
    await fs.writeFile(
      path.join(parent, '.gitmodules'),
      `[submodule "lib"]\n\tpath = lib\n\turl = ${other.url('decoy')}\n`,
    );
    git('add', '.gitmodules');
    git('commit', '--quiet', '-m', 'submodule');

    // A HOME that asks for submodules everywhere (ignored: HOME is not read)
    const home = path.join(tmp, 'submodule-home');
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(
      path.join(home, '.gitconfig'),
      '[submodule]\n\trecurse = true\n[fetch]\n\trecurseSubmodules = yes\n',
    );
    const saved = process.env.HOME;
    process.env.HOME = home;
    const before = other.requests.length;
    try {
      const ws = await checkOut(server.url('parent'));
      expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
        'parent\n',
      );
      expect(
        await fs.readdir(path.join(ws.dir, 'lib')).catch(() => []),
      ).toEqual([]);
      await cleanup(ws);
    } finally {
      process.env.HOME = saved;
    }
    expect(other.requests.length).toBe(before);
  });

  it("does not read the backend's ~/.gitconfig (an insteadOf trap)", async () => {
    const home = path.join(tmp, 'trap-home');
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(
      path.join(home, '.gitconfig'),
      `[url "${other.url('decoy')}"]\n\tinsteadOf = ${url}\n`,
    );
    const saved = process.env.HOME;
    process.env.HOME = home;
    const before = other.requests.length;
    try {
      const ws = await checkOut(url);
      expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
        'service\n',
      );
      await cleanup(ws);
    } finally {
      process.env.HOME = saved;
    }
    expect(other.requests.length).toBe(before);
  });

  it('hides the credentials of a URL wherever it appears', async () => {
    const error = await checkOut(
      `http://bot:s3cr3t-token@${server.host}/no-such-repo`,
    ).then(
      () => undefined,
      e => e as Error,
    );
    expect(error?.message).toContain(
      `Could not fetch http://***@${server.host}/no-such-repo`,
    );
    expect(error?.message).not.toContain('s3cr3t-token');
  });

  it('checks URL and ref before anything else', () => {
    const policy = GitRemotePolicy.create({
      allowedHosts: [server.host],
    });
    expect(() =>
      GitCheckout.prepare({
        repositoryUrl: '--upload-pack=x',
        remotePolicy: policy,
      }),
    ).toThrow(/Invalid repository URL/);
    expect(() =>
      GitCheckout.prepare({ repositoryUrl: undefined, remotePolicy: policy }),
    ).toThrow(/Invalid repository URL ""/);
    expect(() =>
      GitCheckout.prepare({
        repositoryUrl: url,
        ref: '-c',
        remotePolicy: policy,
      }),
    ).toThrow(/Invalid git ref "-c"/);
    expect(
      GitCheckout.prepare({
        repositoryUrl: url,
        ref: 'main',
        remotePolicy: policy,
      }).source,
    ).toBe(`${url} at main`);
  });
});
