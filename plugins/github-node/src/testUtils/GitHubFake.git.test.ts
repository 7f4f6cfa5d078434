import { mockServices } from '@backstage/backend-test-utils';
import { Octokit } from '@octokit/rest';
import express from 'express';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { GITHUB_FAKE_DEMO_TOKEN, GitHubFake } from './GitHubFake';

const execFileAsync = promisify(execFile);

const TOKENS = [
  { token: GITHUB_FAKE_DEMO_TOKEN },
  {
    token: 'reader',
    login: 'rita',
    permissions: { contents: 'read' as const },
  },
  {
    token: 'pusher',
    login: 'paul',
    permissions: { contents: 'write' as const },
  },
  { token: 'elsewhere', login: 'olga', repositories: ['acme/web'] },
];

/** A PNG's first bytes: not UTF-8, so kept as base64. */
const BINARY = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00, 0xfe,
]);

const FILES: Record<string, string | Buffer> = {
  'README.md': '# New service\n',
  'catalog-info.yaml':
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: new-service\n',
  'src/index.ts': 'export const answer = 42;\n',
  'docs/img/logo.png': BINARY,
};

/** `http.extraHeader` value of HTTP Basic credentials, as publish:github sends its token. */
function basic(password: string, username = 'x-access-token') {
  return `Authorization: Basic ${Buffer.from(
    `${username}:${password}`,
  ).toString('base64')}`;
}

describe('GitHubFake: repositories created through the API, and git over HTTP', () => {
  let fake: GitHubFake;
  let work: string;
  let octokit: Octokit;

  /** The git CLI, with no configuration but its own and never a prompt. */
  async function git(cwd: string, args: string[]) {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_TERMINAL_PROMPT: '0',
        GIT_AUTHOR_NAME: 'Alice',
        GIT_AUTHOR_EMAIL: 'alice@users.noreply.github.com',
        GIT_AUTHOR_DATE: '2026-02-01T10:00:00Z',
        GIT_COMMITTER_NAME: 'Alice',
        GIT_COMMITTER_EMAIL: 'alice@users.noreply.github.com',
        GIT_COMMITTER_DATE: '2026-02-01T10:00:00Z',
      },
    });
    return stdout.trim();
  }

  /** How `git` fails: its stderr. */
  async function gitFailure(cwd: string, args: string[]): Promise<string> {
    try {
      await git(cwd, args);
    } catch (error) {
      return String((error as { stderr?: string }).stderr);
    }
    throw new Error(`git ${args.join(' ')} succeeded`);
  }

  async function writeFiles(
    dir: string,
    files: Record<string, string | Buffer>,
  ) {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  }

  /** A working repository with FILES committed on main. */
  async function workingRepo(name: string) {
    const dir = join(work, name);
    await mkdir(dir);
    await git(dir, ['init', '--quiet', '--initial-branch=main']);
    await writeFiles(dir, FILES);
    await git(dir, ['add', '.']);
    await git(dir, [
      'commit',
      '--quiet',
      '-m',
      'Create the service\n\nFrom a template.',
    ]);
    return dir;
  }

  function api(path: string, token = GITHUB_FAKE_DEMO_TOKEN, accept?: string) {
    return fetch(`${fake.url}${path}`, {
      headers: {
        authorization: `token ${token}`,
        ...(accept ? { accept } : {}),
      },
    });
  }

  beforeEach(async () => {
    fake = await GitHubFake.start({
      tokens: TOKENS,
      repos: [
        { owner: 'comet-examples', name: 'payments-api' },
        { owner: 'acme', name: 'web' },
      ],
    });
    work = await mkdtemp(join(tmpdir(), 'github-fake-test-'));
    octokit = new Octokit({ baseUrl: fake.url, auth: GITHUB_FAKE_DEMO_TOKEN });
  });

  afterEach(async () => {
    await fake.close();
    await rm(work, { recursive: true, force: true });
  });

  it('tells organizations from users, as publish:github asks before it creates', async () => {
    const org = await octokit.rest.users.getByUsername({
      username: 'comet-examples',
    });
    expect(org.data).toMatchObject({
      login: 'comet-examples',
      type: 'Organization',
    });
    const user = await octokit.rest.users.getByUsername({
      username: 'octocat',
    });
    expect(user.data.type).toBe('User');
    expect((await api('/users/rita')).status).toBe(200);
    expect((await octokit.rest.users.getAuthenticated()).data.login).toBe(
      'octocat',
    );
    expect((await octokit.rest.orgs.get({ org: 'acme' })).data.type).toBe(
      'Organization',
    );
    const unknown = await api('/users/nobody');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
    });
    expect((await api('/orgs/octocat')).status).toBe(404);
    // Public, as GitHub's; a token sent is checked
    const anonymous = await fetch(`${fake.url}/users/comet-examples`);
    expect(anonymous.status).toBe(200);
    expect((await anonymous.json()).type).toBe('Organization');
    expect((await api('/users/octocat', 'nope')).status).toBe(401);
  });

  it('creates empty repositories in an organization and for the user', async () => {
    const created = await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'new-service',
      private: true,
      visibility: 'private',
      description: 'A new service',
      homepage: 'https://comet.example/new-service',
      delete_branch_on_merge: true,
      allow_squash_merge: true,
      has_wiki: false,
    } as Parameters<typeof octokit.rest.repos.createInOrg>[0]);
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      name: 'new-service',
      full_name: 'comet-examples/new-service',
      owner: { login: 'comet-examples', type: 'Organization' },
      private: true,
      visibility: 'private',
      description: 'A new service',
      homepage: 'https://comet.example/new-service',
      default_branch: 'main',
      size: 0,
      html_url: 'https://github.com/comet-examples/new-service',
      clone_url: `${fake.url}/_git/comet-examples/new-service.git`,
      delete_branch_on_merge: true,
      allow_squash_merge: true,
      has_wiki: false,
    });
    expect(fake.gitRepositoryPath('comet-examples', 'new-service')).toMatch(
      /new-service\.git$/,
    );
    expect(
      fake.gitRepositoryPath('comet-examples', 'payments-api'),
    ).toBeUndefined();

    // Empty: no commits, no branches, as GitHub answers for one
    const repo = await api('/repos/comet-examples/new-service');
    expect(repo.status).toBe(200);
    const contents = await api(
      '/repos/comet-examples/new-service/contents/README.md',
    );
    expect(contents.status).toBe(404);
    expect((await contents.json()).message).toBe('This repository is empty.');
    for (const path of ['commits', 'git/ref/heads/main', 'git/trees/main']) {
      const res = await api(`/repos/comet-examples/new-service/${path}`);
      expect(res.status).toBe(409);
      expect((await res.json()).message).toBe('Git Repository is empty.');
    }
    expect(
      (await api('/repos/comet-examples/new-service/branches')).status,
    ).toBe(200);
    expect(
      (await api('/repos/comet-examples/new-service/branches/main')).status,
    ).toBe(404);

    const topics = await octokit.rest.repos.replaceAllTopics({
      owner: 'comet-examples',
      repo: 'new-service',
      names: ['payments', 'nodejs'],
    });
    expect(topics.data.names).toEqual(['payments', 'nodejs']);
    expect(
      (
        await octokit.rest.repos.get({
          owner: 'comet-examples',
          repo: 'new-service',
        })
      ).data.topics,
    ).toEqual(['payments', 'nodejs']);
    await expect(
      octokit.rest.repos.replaceAllTopics({
        owner: 'comet-examples',
        repo: 'new-service',
        names: ['Not OK'],
      }),
    ).rejects.toMatchObject({ status: 422 });
    const invited = await octokit.rest.repos.addCollaborator({
      owner: 'comet-examples',
      repo: 'new-service',
      username: 'rita',
      permission: 'admin',
    });
    expect(invited.status).toBe(201);
    expect(invited.data).toMatchObject({
      invitee: { login: 'rita' },
      permissions: 'admin',
    });
    expect(
      (
        await octokit.rest.repos.addCollaborator({
          owner: 'comet-examples',
          repo: 'new-service',
          username: 'rita',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await octokit.rest.teams.getByName({
          org: 'comet-examples',
          team_slug: 'payments',
        })
      ).data.slug,
    ).toBe('payments');
    const team = await octokit.rest.teams.addOrUpdateRepoPermissionsInOrg({
      org: 'comet-examples',
      team_slug: 'payments',
      owner: 'comet-examples',
      repo: 'new-service',
      permission: 'admin',
    });
    expect(team.status).toBe(204);

    const mine = await octokit.rest.repos.createForAuthenticatedUser({
      name: 'dotfiles',
    });
    expect(mine.data).toMatchObject({
      full_name: 'octocat/dotfiles',
      owner: { login: 'octocat', type: 'User' },
      private: false,
      visibility: 'public',
      clone_url: `${fake.url}/_git/octocat/dotfiles.git`,
    });
  });

  it('refuses taken and invalid names with 422, and tokens that may not create', async () => {
    await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'taken',
    });
    const post = (
      path: string,
      body: unknown,
      token = GITHUB_FAKE_DEMO_TOKEN,
    ) =>
      fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `token ${token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    for (const name of ['taken', 'Taken', 'payments-api']) {
      const res = await post('/orgs/comet-examples/repos', { name });
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        message: 'Repository creation failed.',
        errors: [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name already exists on this account',
          },
        ],
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const missing = await post('/orgs/comet-examples/repos', {});
    expect(missing.status).toBe(422);
    expect((await missing.json()).errors).toEqual([
      { resource: 'Repository', code: 'missing_field', field: 'name' },
    ]);
    for (const name of ['has space', '..', 'x'.repeat(101), 42]) {
      const res = await post('/orgs/comet-examples/repos', { name });
      expect(res.status).toBe(422);
    }
    expect(
      (
        await post('/orgs/comet-examples/repos', {
          name: 'v',
          visibility: 'secret',
        })
      ).status,
    ).toBe(422);

    expect((await post('/orgs/nobody/repos', { name: 'x' })).status).toBe(404);
    const noToken = await fetch(`${fake.url}/user/repos`, { method: 'POST' });
    expect(noToken.status).toBe(401);
    expect((await post('/user/repos', { name: 'x' }, 'nope')).status).toBe(401);
    const reader = await post(
      '/orgs/comet-examples/repos',
      { name: 'x' },
      'reader',
    );
    expect(reader.status).toBe(403);
    expect(reader.headers.get('x-accepted-github-permissions')).toBe(
      'administration=write',
    );
    const elsewhere = await post(
      '/orgs/comet-examples/repos',
      { name: 'x' },
      'elsewhere',
    );
    expect(elsewhere.status).toBe(403);
    expect((await elsewhere.json()).message).toBe(
      'Resource not accessible by personal access token',
    );
    fake.state.addToken({
      token: 'ghs_app',
      login: 'app-1[bot]',
      installationId: 1,
    });
    const app = await post('/user/repos', { name: 'x' }, 'ghs_app');
    expect(app.status).toBe(403);
    expect((await app.json()).message).toBe(
      'Resource not accessible by integration',
    );
    expect(fake.state.repo('comet-examples', 'x')).toBeUndefined();

    const put = (path: string, body: unknown) =>
      fetch(`${fake.url}${path}`, {
        method: 'PUT',
        headers: {
          authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const R = '/repos/comet-examples/taken';
    expect((await put(`${R}/topics`, {})).status).toBe(422);
    expect(
      (await put(`${R}/collaborators/rita`, { permission: 'owner' })).status,
    ).toBe(422);
    expect((await put(`${R}/collaborators/nobody`, {})).status).toBe(404);
    expect(
      (
        await put('/orgs/comet-examples/teams/t/repos/comet-examples/taken', {
          permission: 'owner',
        })
      ).status,
    ).toBe(422);
    expect(
      (await put('/orgs/nobody/teams/t/repos/comet-examples/taken', {})).status,
    ).toBe(404);
    expect((await api('/orgs/nobody/teams/t')).status).toBe(404);
    expect((await api(`${R}/topics`)).status).toBe(200);
  });

  it('takes a push with the git CLI, serves it through the REST API, and clones it', async () => {
    const { data } = await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'new-service',
    });
    const dir = await workingRepo('cli');
    const head = await git(dir, ['rev-parse', 'HEAD']);
    const tree = await git(dir, ['rev-parse', 'HEAD^{tree}']);
    await git(dir, [
      '-c',
      `http.extraHeader=${basic(GITHUB_FAKE_DEMO_TOKEN)}`,
      'push',
      '--quiet',
      data.clone_url,
      'HEAD:main',
    ]);

    const R = '/repos/comet-examples/new-service';
    // As GithubUrlReader reads a file
    const raw = await api(
      `${R}/contents/catalog-info.yaml?ref=main`,
      GITHUB_FAKE_DEMO_TOKEN,
      'application/vnd.github.v3.raw',
    );
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('text/plain');
    expect(await raw.text()).toBe(FILES['catalog-info.yaml']);
    const json = await (
      await api(`${R}/contents/src/index.ts?ref=main`)
    ).json();
    expect(json).toMatchObject({
      type: 'file',
      path: 'src/index.ts',
      encoding: 'base64',
    });
    expect(Buffer.from(json.content, 'base64').toString('utf8')).toBe(
      FILES['src/index.ts'],
    );
    const png = await api(
      `${R}/contents/docs/img/logo.png`,
      GITHUB_FAKE_DEMO_TOKEN,
      'application/vnd.github.raw',
    );
    expect(Buffer.from(await png.arrayBuffer())).toEqual(BINARY);
    const pngJson = await (await api(`${R}/contents/docs/img/logo.png`)).json();
    expect(Buffer.from(pngJson.content, 'base64')).toEqual(BINARY);
    const root = await (await api(`${R}/contents`)).json();
    expect(
      root.map((e: { name: string; type: string }) => `${e.type}:${e.name}`),
    ).toEqual([
      'file:catalog-info.yaml',
      'dir:docs',
      'file:README.md',
      'dir:src',
    ]);
    const srcSha = await git(dir, ['rev-parse', 'HEAD:src']);
    expect(root.find((e: { name: string }) => e.name === 'src').sha).toBe(
      srcSha,
    );

    // Under git's own SHAs
    const trees = await (await api(`${R}/git/trees/main?recursive=1`)).json();
    expect(trees.sha).toBe(tree);
    expect(
      trees.tree.map(
        (e: { path: string; type: string }) => `${e.type}:${e.path}`,
      ),
    ).toEqual([
      'blob:README.md',
      'blob:catalog-info.yaml',
      'tree:docs',
      'tree:docs/img',
      'blob:docs/img/logo.png',
      'tree:src',
      'blob:src/index.ts',
    ]);
    const top = await (await api(`${R}/git/trees/${tree}`)).json();
    expect(top.tree.map((e: { path: string }) => e.path)).toEqual([
      'README.md',
      'catalog-info.yaml',
      'docs',
      'src',
    ]);
    const blobUrl = trees.tree.find(
      (e: { path: string }) => e.path === 'README.md',
    ).url;
    const blob = await (
      await fetch(blobUrl, {
        headers: { authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}` },
      })
    ).json();
    expect(Buffer.from(blob.content, 'base64').toString('utf8')).toBe(
      FILES['README.md'],
    );
    expect((await api(`${R}/git/blobs/${'0'.repeat(40)}`)).status).toBe(404);
    expect((await api(`${R}/git/trees/nope`)).status).toBe(404);

    const commit = await (await api(`${R}/commits/main`)).json();
    expect(commit).toMatchObject({
      sha: head,
      commit: {
        message: 'Create the service\n\nFrom a template.',
        author: {
          name: 'Alice',
          email: 'alice@users.noreply.github.com',
          date: '2026-02-01T10:00:00Z',
        },
        tree: { sha: tree },
      },
      author: { login: 'alice' },
      parents: [],
    });
    expect(
      commit.files.map((f: { filename: string }) => f.filename),
    ).toHaveLength(4);
    expect(
      await (
        await api(
          `${R}/commits/main`,
          GITHUB_FAKE_DEMO_TOKEN,
          'application/vnd.github.sha',
        )
      ).text(),
    ).toBe(head);
    const branch = await (await api(`${R}/branches/main`)).json();
    expect(branch).toMatchObject({
      name: 'main',
      commit: { sha: head },
      protected: false,
    });
    expect((await (await api(R)).json()).size).toBeGreaterThan(0);

    // A second push: a commit on main and a new branch
    await writeFiles(dir, { 'README.md': '# New service\n\nDocumented.\n' });
    await git(dir, ['rm', '--quiet', 'catalog-info.yaml']);
    await git(dir, ['commit', '--quiet', '-am', 'Document']);
    await git(dir, ['branch', 'feature/x']);
    await git(dir, [
      '-c',
      `http.extraHeader=${basic(GITHUB_FAKE_DEMO_TOKEN)}`,
      'push',
      '--quiet',
      data.clone_url,
      'HEAD:main',
      'feature/x',
    ]);
    const second = await git(dir, ['rev-parse', 'HEAD']);
    const commits = await (await api(`${R}/commits`)).json();
    expect(commits.map((c: { sha: string }) => c.sha)).toEqual([second, head]);
    const changed = await (await api(`${R}/commits/${second}`)).json();
    expect(changed.files).toEqual([
      { filename: 'README.md', status: 'modified', sha: expect.any(String) },
      {
        filename: 'catalog-info.yaml',
        status: 'removed',
        sha: expect.any(String),
      },
    ]);
    const branches = await (await api(`${R}/branches`)).json();
    expect(branches.map((b: { name: string }) => b.name)).toEqual([
      'feature/x',
      'main',
    ]);
    expect((await api(`${R}/branches/feature%2Fx`)).status).toBe(200);
    // A branch deleted by a push is gone
    await git(dir, [
      '-c',
      `http.extraHeader=${basic(GITHUB_FAKE_DEMO_TOKEN)}`,
      'push',
      '--quiet',
      data.clone_url,
      ':feature/x',
    ]);
    expect((await api(`${R}/branches/feature%2Fx`)).status).toBe(404);

    // A public repository clones without credentials
    await git(work, ['clone', '--quiet', data.clone_url, 'cloned']);
    expect(await readFile(join(work, 'cloned', 'src/index.ts'), 'utf8')).toBe(
      FILES['src/index.ts'],
    );
    expect(await readFile(join(work, 'cloned', 'docs/img/logo.png'))).toEqual(
      BINARY,
    );
    expect(fake.calls).toContainEqual({
      method: 'POST',
      path: '/_git/comet-examples/new-service.git/git-receive-pack',
      status: 200,
    });
  }, 30_000);

  it('pushes as publish:github does (isomorphic-git), to an organization, and protects the branch', async () => {
    // The portal's scaffolder has it; this package does not depend on it
    const scaffolderNode = '@backstage/plugin-scaffolder-node';
    const { initRepoAndPush } = require(scaffolderNode) as {
      initRepoAndPush: (
        input: Record<string, unknown>,
      ) => Promise<{ commitHash: string }>;
    };
    const { data } = await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'from-template',
      private: true,
      visibility: 'private',
    });
    const dir = join(work, 'workspace');
    await writeFiles(dir, FILES);
    const { commitHash } = await initRepoAndPush({
      dir,
      remoteUrl: data.clone_url,
      defaultBranch: 'main',
      auth: { username: 'x-access-token', password: GITHUB_FAKE_DEMO_TOKEN },
      logger: mockServices.logger.mock(),
      commitMessage: 'initial commit',
      gitAuthorInfo: { name: 'Scaffolder', email: 'scaffolder@backstage.io' },
    });
    const R = '/repos/comet-examples/from-template';
    expect((await (await api(`${R}/commits/main`)).json()).sha).toBe(
      commitHash,
    );
    const raw = await api(
      `${R}/contents/catalog-info.yaml?ref=main`,
      GITHUB_FAKE_DEMO_TOKEN,
      'application/vnd.github.v3.raw',
    );
    expect(await raw.text()).toBe(FILES['catalog-info.yaml']);
    const png = await api(
      `${R}/contents/docs/img/logo.png`,
      GITHUB_FAKE_DEMO_TOKEN,
      'application/vnd.github.raw',
    );
    expect(Buffer.from(await png.arrayBuffer())).toEqual(BINARY);
    // isomorphic-git asked first without credentials: 401, then with them
    expect(
      fake.calls
        .filter(c => c.path.startsWith('/_git/'))
        .map(c => `${c.method} ${c.path.replace(/^.*\.git/, '')} ${c.status}`),
    ).toEqual([
      'GET /info/refs 401',
      'GET /info/refs 200',
      'POST /git-receive-pack 200',
    ]);

    // As enableBranchProtectionOnDefaultRepoBranch asks
    const protection = await octokit.rest.repos.updateBranchProtection({
      owner: 'comet-examples',
      repo: 'from-template',
      branch: 'main',
      required_status_checks: { strict: true, contexts: ['ci'] },
      restrictions: null,
      enforce_admins: true,
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: false,
      },
      required_linear_history: true,
    });
    expect(protection.data).toMatchObject({
      required_status_checks: { strict: true, contexts: ['ci'] },
      enforce_admins: { enabled: true },
      required_pull_request_reviews: { required_approving_review_count: 1 },
      required_linear_history: { enabled: true },
    });
    expect(
      (
        await octokit.rest.repos.getBranchProtection({
          owner: 'comet-examples',
          repo: 'from-template',
          branch: 'main',
        })
      ).data,
    ).toEqual(protection.data);
    expect((await (await api(`${R}/branches/main`)).json()).protected).toBe(
      true,
    );
    await expect(
      octokit.rest.repos.getBranchProtection({
        owner: 'comet-examples',
        repo: 'payments-api',
        branch: 'main',
      }),
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Branch not protected'),
    });
    await expect(
      octokit.rest.repos.updateBranchProtection({
        owner: 'comet-examples',
        repo: 'from-template',
        branch: 'nope',
        required_status_checks: null,
        restrictions: null,
        enforce_admins: null,
        required_pull_request_reviews: null,
      }),
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Branch not found'),
    });
    const incomplete = await fetch(`${fake.url}${R}/branches/main/protection`, {
      method: 'PUT',
      headers: {
        authorization: `token ${GITHUB_FAKE_DEMO_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ enforce_admins: true }),
    });
    expect(incomplete.status).toBe(422);

    // Private: a clone needs a token that can see it
    await git(work, [
      '-c',
      `http.extraHeader=${basic(GITHUB_FAKE_DEMO_TOKEN)}`,
      'clone',
      '--quiet',
      data.clone_url,
      'cloned',
    ]);
    expect(await readFile(join(work, 'cloned', 'README.md'), 'utf8')).toBe(
      FILES['README.md'],
    );
    expect(
      await gitFailure(work, ['clone', data.clone_url, 'anonymous']),
    ).toContain('could not read Username');
    const refs = `${data.clone_url}/info/refs?service=git-upload-pack`;
    const anonymous = await fetch(refs);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Basic realm="GitHub"',
    );
    // The token as username works too, as GitHub's
    const asUser = await fetch(refs, {
      headers: {
        authorization: basic('x-oauth-basic', 'reader').slice(
          'Authorization: '.length,
        ),
      },
    });
    expect(asUser.status).toBe(200);
    const hidden = await fetch(refs, {
      headers: {
        authorization: basic('elsewhere').slice('Authorization: '.length),
      },
    });
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toBe('Repository not found.\n');
  }, 30_000);

  it('answers a push 401 without a token, 403 with a read-only one, and 404 for other repositories', async () => {
    const { data } = await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'guarded',
    });
    const dir = await workingRepo('guarded');
    const push = (header?: string) =>
      gitFailure(dir, [
        ...(header ? ['-c', `http.extraHeader=${header}`] : []),
        'push',
        data.clone_url,
        'HEAD:main',
      ]);
    expect(await push()).toContain('could not read Username');
    expect(await push(basic('reader'))).toContain('403');
    // An unknown token is a 401 too: git then asks for a username
    expect(await push(basic('nope'))).toContain('could not read Username');
    expect(fake.calls.at(-1)).toEqual({
      method: 'GET',
      path: '/_git/comet-examples/guarded.git/info/refs',
      status: 401,
    });
    const receive = `${data.clone_url}/info/refs?service=git-receive-pack`;
    const anonymous = await fetch(receive);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(
      'Basic realm="GitHub"',
    );
    const reader = await fetch(receive, {
      headers: {
        authorization: basic('reader').slice('Authorization: '.length),
      },
    });
    expect(reader.status).toBe(403);
    expect(await reader.text()).toBe(
      'Permission to comet-examples/guarded.git denied to rita.\n',
    );
    const bearer = await fetch(receive, {
      headers: { authorization: 'Bearer pusher' },
    });
    expect(bearer.status).toBe(200);
    expect(
      (await fetch(receive, { headers: { authorization: 'Digest x' } })).status,
    ).toBe(401);
    expect(fake.state.repo('comet-examples', 'guarded')!.refs.size).toBe(0);
    // A token that may write contents (but not administer) pushes
    await git(dir, [
      '-c',
      `http.extraHeader=${basic('pusher')}`,
      'push',
      '--quiet',
      data.clone_url,
      'HEAD:trunk',
    ]);
    // The first branch pushed to an empty repository becomes its default branch
    const repo = await (await api('/repos/comet-examples/guarded')).json();
    expect(repo.default_branch).toBe('trunk');
    await git(work, ['clone', '--quiet', data.clone_url, 'guarded-clone']);
    expect(
      await git(join(work, 'guarded-clone'), ['branch', '--show-current']),
    ).toBe('trunk');

    for (const path of [
      '/_git/comet-examples/payments-api.git/info/refs?service=git-upload-pack',
      '/_git/comet-examples/nothing.git/info/refs?service=git-upload-pack',
      '/_git/comet-examples/guarded.git/objects/info/packs',
      '/_git/comet-examples/guarded.git/git-upload-pack',
    ]) {
      const res = await fetch(`${fake.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('Repository not found.\n');
    }
  }, 30_000);

  it('names its own git endpoint where it is mounted, and close() removes the bare repositories', async () => {
    const mounted = new GitHubFake();
    const app = express().use('/api/fakes/github', mounted.router);
    const res = await request(app)
      .post('/api/fakes/github/orgs/comet-examples/repos')
      .set('host', 'localhost:7007')
      .set('authorization', `token ${GITHUB_FAKE_DEMO_TOKEN}`)
      .send({ name: 'foo' });
    expect(res.status).toBe(201);
    expect(res.body.clone_url).toBe(
      'http://localhost:7007/api/fakes/github/_git/comet-examples/foo.git',
    );
    const path = mounted.gitRepositoryPath('comet-examples', 'foo')!;
    expect(existsSync(join(path, 'HEAD'))).toBe(true);
    const advertised = await request(app).get(
      '/api/fakes/github/_git/comet-examples/foo.git/info/refs?service=git-upload-pack',
    );
    expect(advertised.status).toBe(200);
    expect(advertised.headers['content-type']).toBe(
      'application/x-git-upload-pack-advertisement',
    );
    await mounted.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(dirname(dirname(path)))).toBe(false);
    expect(mounted.gitRepositoryPath('comet-examples', 'foo')).toBeUndefined();

    await octokit.rest.repos.createInOrg({
      org: 'comet-examples',
      name: 'bar',
    });
    const started = fake.gitRepositoryPath('comet-examples', 'bar')!;
    expect(existsSync(started)).toBe(true);
    await fake.close();
    expect(existsSync(started)).toBe(false);
  });
});
