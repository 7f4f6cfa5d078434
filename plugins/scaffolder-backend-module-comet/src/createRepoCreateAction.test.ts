import { mockCredentials } from '@backstage/backend-test-utils';
import { ConflictError, InputError } from '@backstage/errors';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  INITIATOR,
  runAction,
  TaskEventsFake,
} from '@internal/backend-common/testUtils';
import { createRepoCreateAction } from './createRepoCreateAction';
import { PortalRepositories } from './PortalRepositories';

jest.setTimeout(30_000);

const BASE_URL = 'http://localhost:7007/api/example-repos';
const ENTITY_REF = 'component:default/payouts-api';

let workDir: string;
let root: string;
let workspace: string;
let repositories: PortalRepositories;

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-repo-create-'));
  root = path.join(workDir, 'git');
  workspace = path.join(workDir, 'workspace');
  fs.mkdirSync(workspace);
  repositories = new PortalRepositories(root, BASE_URL);
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function write(relative: string, text: string, mode?: number) {
  const file = path.join(workspace, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  if (mode !== undefined) fs.chmodSync(file, mode);
}

/** git in a bare repository of the root, with no user or system config. */
function git(name: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['--git-dir', path.join(root, `${name}.git`), ...args],
    {
      env: { PATH: process.env.PATH, HOME: workDir, GIT_CONFIG_NOSYSTEM: '1' },
    },
  )
    .toString()
    .trim();
}

function skeleton() {
  write('catalog-info.yaml', 'kind: Component\n');
  write('src/index.js', 'console.log("payouts");\n');
  write('scripts/start.sh', '#!/bin/sh\nnode src/index.js\n', 0o755);
  write('node_modules/left-pad/index.js', 'module.exports = 1;\n');
  write('src/node_modules/nested/index.js', 'module.exports = 2;\n');
  write('.git/HEAD', 'ref: refs/heads/main\n');
  write('.gitignore', 'node_modules/\n');
}

const input = (extra: Record<string, unknown> = {}) => ({
  name: 'payouts-api',
  entityRef: ENTITY_REF,
  ...extra,
});

describe('comet:repo:create', () => {
  it('creates a bare repository on main with the workspace files, tagged with the entity', async () => {
    skeleton();
    fs.symlinkSync('index.js', path.join(workspace, 'src', 'main.js'));
    const action = createRepoCreateAction({ repositories });
    const { output, logs } = await runAction(action, input(), {
      workspacePath: workspace,
      user: {
        ref: 'user:default/ada',
        entity: { spec: { profile: { displayName: 'Ada <Lovelace>' } } },
      },
    });

    const remoteUrl = `${BASE_URL}/payouts-api.git`;
    expect(output).toEqual({
      remoteUrl,
      sourceLocation: `url:${remoteUrl}`,
      catalogInfoUrl: `${remoteUrl}/raw/main/catalog-info.yaml`,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      created: true,
      adopted: false,
    });
    expect(git('payouts-api', 'rev-parse', 'refs/heads/main')).toBe(
      output.commit,
    );
    expect(git('payouts-api', 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(git('payouts-api', 'config', 'comet.entity')).toBe(ENTITY_REF);
    expect(git('payouts-api', 'config', 'comet.createdBy')).toBe(
      'user:default/ada',
    );
    // node_modules and .git at any depth are left out; modes and links are kept
    expect(
      git(
        'payouts-api',
        'ls-tree',
        '-r',
        '--format=%(objectmode) %(path)',
        'main',
      ).split('\n'),
    ).toEqual([
      '100644 .gitignore',
      '100644 catalog-info.yaml',
      '100755 scripts/start.sh',
      '100644 src/index.js',
      '120000 src/main.js',
    ]);
    expect(git('payouts-api', 'cat-file', 'blob', 'main:src/main.js')).toBe(
      'index.js',
    );
    expect(
      git(
        'payouts-api',
        'log',
        '-1',
        '--format=%an <%ae>|%cn <%ce>|%B',
        'main',
      ),
    ).toBe(
      'Ada Lovelace <user:default/ada>|Comet portal <portal@comet.invalid>|Create payouts-api from the comet-service template',
    );
    expect(logs).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Committed 5 files, \\d+ bytes to main of payouts-api.git for ${ENTITY_REF} as ${output.commit}$`,
        ),
      ),
      `Created repository payouts-api: ${remoteUrl}`,
    ]);
    // Nothing is left behind next to the repository, which is readable like the examples'
    expect(fs.readdirSync(root)).toEqual(['payouts-api.git']);
    // eslint-disable-next-line no-bitwise
    expect(fs.statSync(path.join(root, 'payouts-api.git')).mode & 0o777).toBe(
      0o755,
    );
  });

  it('commits only sourcePath, with the given message; the author is the user ref when there is no profile', async () => {
    write('skeleton/README.md', '# payouts\n');
    write('other/secret.txt', 'not for the repository\n');
    const { output } = await runAction(
      createRepoCreateAction({ repositories }),
      input({ sourcePath: 'skeleton', commitMessage: 'PAY-7 First commit' }),
      { workspacePath: workspace },
    );
    expect(git('payouts-api', 'ls-tree', '-r', '--name-only', 'main')).toBe(
      'README.md',
    );
    expect(
      git(
        'payouts-api',
        'log',
        '-1',
        '--format=%an <%ae>|%s',
        `${output.commit}`,
      ),
    ).toBe('ada <user:default/ada>|PAY-7 First commit');
  });

  it('adopts its own repository on a re-run: no commit when the files are the same, one on top of main when they differ', async () => {
    skeleton();
    const action = createRepoCreateAction({ repositories });
    const first = await runAction(action, input(), {
      workspacePath: workspace,
    });

    const again = await runAction(action, input(), {
      workspacePath: workspace,
    });
    expect(again.output).toEqual({
      ...first.output,
      created: false,
      adopted: true,
    });
    expect(again.logs).toEqual([
      `Resumed payouts-api.git of ${ENTITY_REF}: its files are unchanged, main stays at ${first.output.commit}`,
      `Adopted repository payouts-api: ${BASE_URL}/payouts-api.git`,
    ]);

    write('src/index.js', 'console.log("payouts v2");\n');
    const changed = await runAction(action, input(), {
      workspacePath: workspace,
    });
    expect(changed.output).toMatchObject({ created: false, adopted: true });
    expect(changed.output.commit).not.toBe(first.output.commit);
    expect(git('payouts-api', 'rev-parse', 'main')).toBe(changed.output.commit);
    expect(git('payouts-api', 'rev-parse', 'main^')).toBe(first.output.commit);
    expect(git('payouts-api', 'show', 'main:src/index.js')).toBe(
      'console.log("payouts v2");',
    );
    expect(changed.logs[0]).toMatch(
      /^Resumed payouts-api.git of component:default\/payouts-api: committed the changed files \(4 files, \d+ bytes\) as [0-9a-f]{40}/,
    );
  });

  it('a failure lists what the task created before, and its error stays a ConflictError', async () => {
    skeleton();
    const events = await TaskEventsFake.start();
    try {
      // Another template's repository of that name
      await runAction(
        createRepoCreateAction({ repositories }),
        input({ entityRef: 'component:default/other-service' }),
        { workspacePath: workspace },
      );
      events.log(
        'task-1',
        'Created Jira component payouts-api: http://jira.test/issues/?jql=project%20%3D%20PAY',
        'jira',
      );
      const action = createRepoCreateAction({
        repositories,
        creationLog: events.creationLog(),
      });
      const error = await runAction(action, input(), {
        workspacePath: workspace,
      }).catch(e => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error.message).toBe(
        [
          'repository payouts-api.git already exists and belongs to component:default/other-service; pick another name',
          '',
          'Already created by this run:',
          '- Jira component payouts-api (http://jira.test/issues/?jql=project%20%3D%20PAY)',
          'Run the template again with the same name to resume: it adopts these.',
        ].join('\n'),
      );

      // Its own success is one line a later failure lists
      const { logs } = await runAction(action, input({ name: 'payouts-web' }), {
        workspacePath: workspace,
      });
      expect(logs).toContain(
        `Created repository payouts-web: ${BASE_URL}/payouts-web.git`,
      );
      expect(events.requests).toHaveLength(1);
    } finally {
      await events.close();
    }
  });

  it("refuses another entity's repository and an example's, naming the owner", async () => {
    skeleton();
    const action = createRepoCreateAction({ repositories });
    await runAction(action, input(), { workspacePath: workspace });
    fs.mkdirSync(root, { recursive: true });
    execFileSync('git', [
      'init',
      '--quiet',
      '--bare',
      path.join(root, 'payments-api.git'),
    ]);
    const before = git('payouts-api', 'rev-parse', 'main');

    const taken = runAction(
      action,
      input({ entityRef: 'component:default/other-service' }),
      { workspacePath: workspace },
    );
    await expect(taken).rejects.toThrow(ConflictError);
    await expect(taken).rejects.toThrow(
      `repository payouts-api.git already exists and belongs to ${ENTITY_REF}; pick another name`,
    );
    await expect(
      runAction(
        action,
        input({
          name: 'payments-api',
          entityRef: 'component:default/payments-api',
        }),
        { workspacePath: workspace },
      ),
    ).rejects.toThrow(
      'repository payments-api.git already exists and belongs to the examples; pick another name',
    );
    expect(git('payouts-api', 'rev-parse', 'main')).toBe(before);
    expect(git('payments-api', 'for-each-ref')).toBe('');
  });

  it('refuses to resume a repository another user created for the same entity', async () => {
    skeleton();
    const action = createRepoCreateAction({ repositories });
    await runAction(action, input(), { workspacePath: workspace });
    write('src/index.js', 'console.log("taken over");\n');
    const run = runAction(action, input(), {
      workspacePath: workspace,
      credentials: mockCredentials.user('user:default/mallory'),
    });
    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow(
      `repository payouts-api.git already exists for ${ENTITY_REF}, created by user:default/ada; only they can resume that template run (you are user:default/mallory); pick another name`,
    );
    expect(git('payouts-api', 'rev-list', '--count', 'main')).toBe('1');
  });

  it('of concurrent creators of one name exactly one wins; the others get a ConflictError', async () => {
    skeleton();
    const action = createRepoCreateAction({ repositories });
    const results = await Promise.allSettled(
      ['one', 'two', 'three', 'four'].map(owner =>
        runAction(
          action,
          input({ entityRef: `component:default/payouts-${owner}` }),
          { workspacePath: workspace },
        ),
      ),
    );
    const won = results.filter(result => result.status === 'fulfilled');
    const lost = results.filter(
      (result): result is PromiseRejectedResult => result.status === 'rejected',
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    for (const result of lost) {
      expect(result.reason).toBeInstanceOf(ConflictError);
    }
    const { output } = (won[0] as PromiseFulfilledResult<any>).value;
    expect(git('payouts-api', 'rev-parse', 'main')).toBe(output.commit);
    expect(git('payouts-api', 'rev-list', '--count', 'main')).toBe('1');
    expect(fs.readdirSync(root)).toEqual(['payouts-api.git']);
  });

  it('loses with a ConflictError when another creator renames its repository into place first', async () => {
    skeleton();
    const rename = fsp.rename;
    jest.spyOn(fsp, 'rename').mockImplementationOnce(async (from, to) => {
      // The other task finishes between this one's check and its rename
      await new PortalRepositories(root, BASE_URL).create({
        name: 'payouts-api',
        entityRef: 'component:default/the-winner',
        sourceDir: workspace,
        message: 'first',
        author: { name: 'Winner', email: 'user:default/winner' },
      });
      return rename(from, to);
    });
    const run = runAction(createRepoCreateAction({ repositories }), input(), {
      workspacePath: workspace,
    });
    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow(
      'repository payouts-api.git was created by another task while this step ran (it belongs to component:default/the-winner); pick another name, or run the step again to resume it if it is yours',
    );
    expect(git('payouts-api', 'config', 'comet.entity')).toBe(
      'component:default/the-winner',
    );
    expect(fs.readdirSync(root)).toEqual(['payouts-api.git']);
  });

  describe('dry run', () => {
    it('creates nothing, logs every file with its size and the URL, outputs the URLs', async () => {
      write('catalog-info.yaml', 'kind: Component\n');
      write('src/index.js', 'x\n');
      write('node_modules/a/index.js', 'ignored\n');
      const { output, logs } = await runAction(
        createRepoCreateAction({ repositories }),
        input(),
        { workspacePath: workspace, isDryRun: true },
      );
      const remoteUrl = `${BASE_URL}/payouts-api.git`;
      expect(output).toEqual({
        remoteUrl,
        sourceLocation: `url:${remoteUrl}`,
        catalogInfoUrl: `${remoteUrl}/raw/main/catalog-info.yaml`,
        commit: 'dry-run',
        created: true,
        adopted: false,
      });
      expect(logs).toEqual([
        'Dry run: would commit catalog-info.yaml (16 bytes)',
        'Dry run: would commit src/index.js (2 bytes)',
        `Dry run: would create payouts-api.git for ${ENTITY_REF} with 2 files, 18 bytes, served at ${remoteUrl}`,
      ]);
      expect(fs.existsSync(root)).toBe(false);
    });

    it('says it would resume its own repository, and refuses one of another entity as the real run would', async () => {
      skeleton();
      const action = createRepoCreateAction({ repositories });
      const created = await runAction(action, input(), {
        workspacePath: workspace,
      });
      const dry = await runAction(action, input(), {
        workspacePath: workspace,
        isDryRun: true,
      });
      expect(dry.output).toMatchObject({
        commit: 'dry-run',
        created: false,
        adopted: true,
      });
      expect(dry.logs[dry.logs.length - 1]).toContain(
        `would resume payouts-api.git of ${ENTITY_REF} (a commit on main if the files differ)`,
      );
      await expect(
        runAction(
          action,
          input({ entityRef: 'component:default/someone-else' }),
          { workspacePath: workspace, isDryRun: true },
        ),
      ).rejects.toThrow('already exists and belongs to');
      expect(git('payouts-api', 'rev-parse', 'main')).toBe(
        created.output.commit,
      );
    });
  });

  describe('inputs', () => {
    it.each([
      [
        { name: 'Payouts' },
        'name: "Payouts" is not a repository name: lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters',
      ],
      [{ name: '-payouts' }, 'name: "-payouts" is not a repository name'],
      [{ name: 'a'.repeat(64) }, 'is not a repository name'],
      [{ name: '../etc' }, 'is not a repository name'],
      [
        { entityRef: 'payouts-api' },
        'entityRef: "payouts-api" is not a full entity ref (kind:namespace/name), e.g. component:default/payments-api',
      ],
      [
        { entityRef: 'component:payouts-api' },
        'entityRef: "component:payouts-api" is not a full entity ref',
      ],
      [
        { sourcePath: '../outside' },
        'sourcePath: "../outside" is outside the task workspace (or links there); give a folder inside it',
      ],
      [
        { sourcePath: 'missing' },
        'sourcePath: there is no folder "missing" in the task workspace (an earlier step, e.g. fetch:template, puts the files there)',
      ],
      [
        { sourcePath: 'empty' },
        'sourcePath: the folder "empty" of the task workspace has no files to commit',
      ],
    ])('refuses %j', async (extra, message) => {
      fs.mkdirSync(path.join(workspace, 'empty', 'node_modules', 'x'), {
        recursive: true,
      });
      write('empty/node_modules/x/index.js', 'ignored\n');
      write('README.md', 'x\n');
      const run = runAction(
        createRepoCreateAction({ repositories }),
        input(extra),
        { workspacePath: workspace },
      );
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(message);
      expect(fs.existsSync(root)).toBe(false);
    });

    it('refuses a file name with a line break, naming it', async () => {
      write('bad\nname.txt', 'x\n');
      await expect(
        runAction(createRepoCreateAction({ repositories }), input(), {
          workspacePath: workspace,
        }),
      ).rejects.toThrow(
        'sourcePath: the file "bad\\nname.txt" has a line break in its name, which this action cannot commit; rename it',
      );
    });

    it('refuses to run when the portal serves no repositories, naming the key', async () => {
      write('README.md', 'x\n');
      const run = runAction(createRepoCreateAction({}), input(), {
        workspacePath: workspace,
      });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(
        'comet.exampleRepos.sourceDir is not set, so the portal serves no git repositories and cannot create payouts-api.git; set it (app-config.yaml does) or publish to GitHub',
      );
    });

    it('commits as the portal when no user started the task', async () => {
      write('README.md', 'x\n');
      const { output } = await runAction(
        createRepoCreateAction({ repositories }),
        input(),
        {
          workspacePath: workspace,
          credentials: mockCredentials.service('release-bot'),
          user: {},
        },
      );
      expect(
        git(
          'payouts-api',
          'log',
          '-1',
          '--format=%an <%ae>',
          output.commit as string,
        ),
      ).toBe('Comet portal <portal@comet.invalid>');
      // Without a creator, the entity's tag alone decides who may resume it
      expect(() => git('payouts-api', 'config', 'comet.createdBy')).toThrow();
      const again = await runAction(
        createRepoCreateAction({ repositories }),
        input(),
        { workspacePath: workspace, credentials: INITIATOR },
      );
      expect(again.output).toMatchObject({
        adopted: true,
        commit: output.commit,
      });
    });
  });
});
