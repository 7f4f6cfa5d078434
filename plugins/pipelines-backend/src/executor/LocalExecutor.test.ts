import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { mockServices } from '@backstage/backend-test-utils';
import {
  BubblewrapSandbox,
  PipelineOutputLine,
  PipelineWorkspace,
  GitRemotePolicy,
  redactUrl,
} from '@internal/plugin-pipelines-node';
import { LocalExecutor } from './LocalExecutor';

const execFileAsync = promisify(execFile);

/** Steps run in the real sandbox wherever bubblewrap is installed (CI installs it). */
const hasBwrap = existsSync('/usr/bin/bwrap');
const stepSandbox = () =>
  hasBwrap
    ? {
        sandbox: new BubblewrapSandbox({ logger: mockServices.logger.mock() }),
      }
    : { unsandboxed: true as const };

/**
 * Whether a process whose arguments are exactly `args` is alive on the host. Works for steps
 * in the sandbox too, whose PIDs are those of their own PID namespace.
 */
function isRunning(...args: string[]): boolean {
  const wanted = `${args.join('\0')}\0`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      if (
        state !== 'Z' &&
        readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted
      ) {
        return true;
      }
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

describe('LocalExecutor', () => {
  let tmp: string;
  let repo: string;
  let root: string;
  let firstSha: string;
  let secondSha: string;
  let executor: LocalExecutor;
  let unsandboxedExecutor: LocalExecutor;
  /** The executor the runScript tests use: sandboxed (where bwrap exists) and unsandboxed. */
  let current: LocalExecutor;
  let workspace: PipelineWorkspace;

  const git = async (cwd: string, ...args: string[]) => {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: tmp,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Comet Test',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Comet Test',
        GIT_COMMITTER_EMAIL: 'test@example.com',
      },
    });
    return stdout.trim();
  };

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-executor-test-'));
    // The sandbox's uid walks to the workspaces, as it does under .data/pipelines
    await fs.chmod(tmp, 0o755);
    repo = path.join(tmp, 'repo');
    root = path.join(tmp, 'workspaces');
    await fs.mkdir(repo);
    await git(repo, 'init', '--quiet');
    await git(repo, 'checkout', '--quiet', '-b', 'main');
    await fs.writeFile(path.join(repo, 'README.md'), 'first\n');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '--quiet', '-m', 'first');
    firstSha = await git(repo, 'rev-parse', 'HEAD');
    await fs.writeFile(path.join(repo, 'README.md'), 'second\n');
    await fs.writeFile(path.join(repo, 'added.txt'), 'added\n');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '--quiet', '-m', 'second');
    secondSha = await git(repo, 'rev-parse', 'HEAD');

    executor = LocalExecutor.create({
      workspaceRoot: root,
      logger: mockServices.logger.mock(),
      ...stepSandbox(),
      killGracePeriodMs: 500,
      // Local repositories, for tests only (src/git/checkout.test.ts has the HTTP checks)
      gitRemotePolicy: GitRemotePolicy.create({ allowLocalRepositories: true }),
    });
    unsandboxedExecutor = LocalExecutor.create({
      workspaceRoot: root,
      logger: mockServices.logger.mock(),
      killGracePeriodMs: 500,
      unsandboxed: true,
    });
    workspace = await executor.prepareWorkspace({
      runId: 'run-scripts',
      jobRunId: 'scripts',
      repositoryUrl: repo,
    });
  });

  afterAll(async () => {
    if (tmp) {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  async function run(
    script: string,
    options: {
      env?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
      onOutput?: (line: PipelineOutputLine) => void;
    } = {},
  ) {
    const lines: PipelineOutputLine[] = [];
    const started = Date.now();
    const result = await current.runScript({
      workspace,
      script,
      env: options.env ?? {},
      timeoutMs: options.timeoutMs,
      signal: options.signal ?? new AbortController().signal,
      onOutput: line => {
        lines.push(line);
        options.onOutput?.(line);
      },
    });
    return {
      result,
      elapsed: Date.now() - started,
      lines,
      stdout: lines.filter(l => l.stream === 'stdout').map(l => l.text),
      stderr: lines.filter(l => l.stream === 'stderr').map(l => l.text),
    };
  }

  describe('prepareWorkspace', () => {
    it('checks out a branch into <root>/<runId>/<jobRunId>-<random>', async () => {
      const ws = await executor.prepareWorkspace({
        runId: 'run-1',
        jobRunId: 'test (shard=1)',
        repositoryUrl: repo,
        ref: 'main',
      });
      expect(path.dirname(ws.dir)).toBe(path.join(root, 'run-1'));
      expect(path.basename(ws.dir)).toMatch(/^test_shard_1_-[A-Za-z0-9]{6}$/);
      expect(ws.commit).toBe(secondSha);
      expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
        'second\n',
      );
      expect(await exists(path.join(ws.dir, 'added.txt'))).toBe(true);
      // Shallow: only the one commit.
      expect(await git(ws.dir, 'rev-list', '--count', 'HEAD')).toBe('1');
      await executor.cleanupWorkspace(ws);
    });

    it('checks out a commit sha', async () => {
      const ws = await executor.prepareWorkspace({
        runId: 'run-2',
        jobRunId: 'build',
        repositoryUrl: repo,
        ref: firstSha,
      });
      expect(ws.commit).toBe(firstSha);
      expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
        'first\n',
      );
      expect(await exists(path.join(ws.dir, 'added.txt'))).toBe(false);
      await executor.cleanupWorkspace(ws);
    });

    it('checks out the default branch when there is no ref', async () => {
      expect(workspace.commit).toBe(secondSha);
    });

    it('keeps runId and jobRunId from escaping the root', async () => {
      const ws = await executor.prepareWorkspace({
        runId: '..',
        jobRunId: '../../etc',
        repositoryUrl: repo,
      });
      expect(path.relative(root, ws.dir).split(path.sep)).toHaveLength(2);
      expect(path.relative(root, ws.dir)).not.toMatch(/^\.\./);
      await executor.cleanupWorkspace(ws);
    });

    it('fetches through pipelines.gitUrlRewrites (a mirror) and keeps the original URL', async () => {
      const mirrored = LocalExecutor.create({
        workspaceRoot: root,
        logger: mockServices.logger.mock(),
        ...stepSandbox(),
        gitRemotePolicy: GitRemotePolicy.create({
          allowLocalRepositories: true,
          gitUrlRewrites: [
            { from: 'https://git.invalid/acme/', to: `${tmp}${path.sep}` },
          ],
        }),
      });
      const ws = await mirrored.prepareWorkspace({
        runId: 'run-mirror',
        jobRunId: 'j',
        repositoryUrl: 'https://git.invalid/acme/repo',
        ref: firstSha,
      });
      expect(ws.commit).toBe(firstSha);
      expect(await fs.readFile(path.join(ws.dir, 'README.md'), 'utf8')).toBe(
        'first\n',
      );
      await mirrored.cleanupWorkspace(ws);
      // Without the rewrite the same URL is not reachable.
      await expect(
        executor.prepareWorkspace({
          runId: 'run-mirror',
          jobRunId: 'j',
          repositoryUrl: 'https://git.invalid/acme/repo',
        }),
      ).rejects.toThrow(
        /Repository URL https:\/\/git\.invalid\/acme\/repo is not allowed/,
      );
    });

    it('names the URL and git stderr when the repository cannot be fetched', async () => {
      const missing = path.join(tmp, 'no-such-repo');
      const error = await executor
        .prepareWorkspace({
          runId: 'run-3',
          jobRunId: 'j',
          repositoryUrl: missing,
        })
        .then(
          () => undefined,
          e => e as Error,
        );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toContain(`Could not fetch ${missing}`);
      expect(error!.message).toContain(
        'does not appear to be a git repository',
      );
      expect(error!.message).not.toMatch(/Command failed|\n\s+at /);
      expect(error!.message.split('\n').length).toBeLessThanOrEqual(6);
      // Nothing is left behind.
      expect(await exists(path.join(root, 'run-3'))).toBe(false);
    });

    it('reports a missing ref', async () => {
      await expect(
        executor.prepareWorkspace({
          runId: 'run-4',
          jobRunId: 'j',
          repositoryUrl: repo,
          ref: 'no-such-branch',
        }),
      ).rejects.toThrow(
        /Could not fetch .* at no-such-branch: .*no-such-branch/s,
      );
    });

    it('does not leak credentials of the URL in errors', async () => {
      const error = await executor
        .prepareWorkspace({
          runId: 'run-5',
          jobRunId: 'j',
          repositoryUrl: 'https://user:s3cr3t-token@127.0.0.1:1/repo.git',
        })
        .then(
          () => undefined,
          e => e as Error,
        );
      expect(error!.message).toContain('https://***@127.0.0.1:1/repo.git');
      expect(error!.message).not.toContain('s3cr3t-token');
      expect(redactUrl('ssh://git@host/x.git')).toBe('ssh://git@host/x.git');
    });

    it('gives up on a fetch that hangs after the git timeout', async () => {
      // A server that accepts connections and never answers.
      const sockets: net.Socket[] = [];
      const server = net.createServer(socket => sockets.push(socket));
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      const { port } = server.address() as net.AddressInfo;
      const impatient = LocalExecutor.create({
        workspaceRoot: root,
        logger: mockServices.logger.mock(),
        ...stepSandbox(),
        gitTimeoutMs: 500,
        gitRemotePolicy: GitRemotePolicy.create({
          allowedHosts: [`127.0.0.1:${port}`],
        }),
      });
      const started = Date.now();
      try {
        await expect(
          impatient.prepareWorkspace({
            runId: 'run-hang',
            jobRunId: 'j',
            repositoryUrl: `http://127.0.0.1:${port}/repo.git`,
          }),
        ).rejects.toThrow(
          `Could not fetch http://127.0.0.1:${port}/repo.git: git fetch timed out`,
        );
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(await exists(path.join(root, 'run-hang'))).toBe(false);
      } finally {
        sockets.forEach(socket => socket.destroy());
        await new Promise(resolve => server.close(resolve));
      }
    });

    it('stops a hanging fetch when the job is cancelled', async () => {
      const sockets: net.Socket[] = [];
      const server = net.createServer(socket => sockets.push(socket));
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      const { port } = server.address() as net.AddressInfo;
      const abort = new AbortController();
      const patient = LocalExecutor.create({
        workspaceRoot: root,
        logger: mockServices.logger.mock(),
        ...stepSandbox(),
        gitRemotePolicy: GitRemotePolicy.create({
          allowedHosts: [`127.0.0.1:${port}`],
        }),
      });
      try {
        // The default git timeout (5 minutes) would outlast this test: the abort ends it
        const checkout = patient.prepareWorkspace({
          runId: 'run-cancelled',
          jobRunId: 'j',
          repositoryUrl: `http://127.0.0.1:${port}/repo.git`,
          signal: abort.signal,
        });
        await new Promise(resolve => setTimeout(resolve, 300));
        abort.abort();
        await expect(checkout).rejects.toThrow(
          /git fetch was stopped: the job was cancelled or timed out/,
        );
        expect(await exists(path.join(root, 'run-cancelled'))).toBe(false);
        // An already stopped job starts no git at all
        await expect(
          executor.prepareWorkspace({
            runId: 'run-cancelled',
            jobRunId: 'j',
            repositoryUrl: repo,
            signal: abort.signal,
          }),
        ).rejects.toThrow(/was not started: the job was stopped/);
      } finally {
        sockets.forEach(socket => socket.destroy());
        await new Promise(resolve => server.close(resolve));
      }
    });

    it('rejects a URL or ref that would be read as a git option', async () => {
      const marker = path.join(tmp, `pwned-${randomBytes(6).toString('hex')}`);
      await expect(
        executor.prepareWorkspace({
          runId: 'run-6',
          jobRunId: 'j',
          repositoryUrl: `--upload-pack=touch ${marker}`,
        }),
      ).rejects.toThrow(/Invalid repository URL/);
      await expect(
        executor.prepareWorkspace({
          runId: 'run-6',
          jobRunId: 'j',
          repositoryUrl: repo,
          ref: `--upload-pack=touch ${marker}`,
        }),
      ).rejects.toThrow(/Invalid git ref/);
      expect(await exists(marker)).toBe(false);
    });
  });

  describe.each(hasBwrap ? ['sandboxed', 'unsandboxed'] : ['unsandboxed'])(
    'runScript (%s)',
    stepMode => {
      beforeAll(() => {
        current = stepMode === 'sandboxed' ? executor : unsandboxedExecutor;
      });

      it('reports exit codes', async () => {
        expect((await run('echo ok')).result).toEqual({ exitCode: 0 });
        expect((await run('exit 3')).result).toEqual({ exitCode: 3 });
      });

      it('runs with set -eo pipefail', async () => {
        const { result, stdout } = await run('false | true\necho not-reached');
        expect(result.exitCode).toBe(1);
        expect(stdout).toEqual([]);
      });

      it('runs in the workspace', async () => {
        const { stdout } = await run('pwd\ncat README.md');
        expect(stdout).toEqual([workspace.dir, 'second']);
      });

      it('separates stdout and stderr and keeps the order within each', async () => {
        const { stdout, stderr } = await run(
          [
            'echo out1',
            'echo err1 >&2',
            'echo out2',
            'echo err2 >&2',
            'printf "no newline"',
          ].join('\n'),
        );
        expect(stdout).toEqual(['out1', 'out2', 'no newline']);
        expect(stderr).toEqual(['err1', 'err2']);
      });

      it("does not pass on the backend's environment", async () => {
        process.env.COMET_TEST_LEAK = 'x';
        try {
          const { stdout } = await run(
            'echo "${COMET_TEST_LEAK:-unset}"\nenv | cut -d= -f1 | sort',
            { env: { DECLARED: 'yes' } },
          );
          expect(stdout[0]).toBe('unset');
          const names = stdout.slice(1);
          expect(names).toEqual(
            expect.arrayContaining(['DECLARED', 'HOME', 'PATH']),
          );
          // Only the declared variables, PATH, HOME and what bash sets itself.
          const allowed = [
            'DECLARED',
            'HOME',
            'PATH',
            'PWD',
            'SHLVL',
            '_',
            'OLDPWD',
          ];
          expect(names.filter(n => !allowed.includes(n))).toEqual([]);
        } finally {
          delete process.env.COMET_TEST_LEAK;
        }
      });

      it('passes the declared environment, including PATH when given', async () => {
        const { stdout } = await run('echo "$GREETING"\necho "$PATH"', {
          env: {
            GREETING: 'hello world',
            PATH: `/custom/bin:${process.env.PATH}`,
          },
        });
        expect(stdout).toEqual([
          'hello world',
          `/custom/bin:${process.env.PATH}`,
        ]);
      });

      it('gives the job a private HOME, shared by its steps', async () => {
        const first = await run('echo "$HOME"\necho kept > "$HOME/file"');
        const home = first.stdout[0];
        expect(home).not.toBe(process.env.HOME);
        expect(home).not.toBe(os.homedir());
        expect(path.relative(workspace.dir, home)).toMatch(/^\.\./);
        const second = await run('cat "$HOME/file"');
        expect(second.stdout).toEqual(['kept']);
      });

      it('never interpolates values into a command line', async () => {
        const marker = path.join(
          os.tmpdir(),
          `pwned-${randomBytes(8).toString('hex')}`,
        );
        const untrusted = `$(touch ${marker}) \`touch ${marker}\``;
        const { result, stdout } = await run(
          'echo "$UNTRUSTED"\necho $UNTRUSTED',
          {
            env: { UNTRUSTED: untrusted },
          },
        );
        expect(result.exitCode).toBe(0);
        expect(stdout[0]).toBe(untrusted);
        expect(stdout[1]).toBe(untrusted);
        expect(await exists(marker)).toBe(false);
      });

      it('writes the script to a private temp dir outside the workspace and removes it', async () => {
        const { stdout } = await run('echo "$0"\nstat -c %a "$(dirname "$0")"');
        const [scriptFile, mode] = stdout;
        expect(path.relative(workspace.dir, scriptFile)).toMatch(/^\.\./);
        expect(mode).toBe('700');
        expect(await exists(path.dirname(scriptFile))).toBe(false);
      });

      it('treats a missing command as an ordinary failure (127)', async () => {
        const { result, stderr } = await run('no-such-command-comet');
        expect(result).toEqual({ exitCode: 127 });
        expect(stderr.join('\n')).toMatch(
          /no-such-command-comet: command not found/,
        );
      });

      it('terminates a step and the children it spawned on timeout', async () => {
        const { result, elapsed } = await run('sleep 30.101 &\nwait', {
          timeoutMs: 400,
        });
        expect(result).toEqual({ exitCode: null, terminatedBy: 'timeout' });
        expect(elapsed).toBeLessThan(3_000);
        expect(isRunning('sleep', '30.101')).toBe(false);
      });

      it('terminates a foreground command on timeout without waiting for the grace period', async () => {
        const { result, elapsed } = await run('sleep 30', { timeoutMs: 200 });
        expect(result).toEqual({ exitCode: null, terminatedBy: 'timeout' });
        expect(elapsed).toBeLessThan(500 + 200);
      });

      it('SIGKILLs a step that ignores SIGTERM after the grace period', async () => {
        const { result, elapsed } = await run(
          "trap '' TERM\nsleep 30.102 &\nwait\nsleep 30",
          { timeoutMs: 300 },
        );
        expect(result).toEqual({ exitCode: null, terminatedBy: 'timeout' });
        expect(elapsed).toBeGreaterThanOrEqual(300 + 450);
        expect(elapsed).toBeLessThan(4_000);
        expect(isRunning('sleep', '30.102')).toBe(false);
      });

      it('cancels a step when the signal is aborted', async () => {
        const controller = new AbortController();
        const { result, stdout, elapsed } = await run(
          'echo started\nsleep 30\necho not-reached',
          {
            signal: controller.signal,
            onOutput: line => {
              if (line.text === 'started') controller.abort();
            },
          },
        );
        expect(result).toEqual({ exitCode: null, terminatedBy: 'cancel' });
        expect(stdout).toEqual(['started']);
        expect(elapsed).toBeLessThan(3_000);
      });

      it('does not start a step whose signal is already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        const { result } = await run('touch started.marker', {
          signal: controller.signal,
        });
        expect(result).toEqual({ exitCode: null, terminatedBy: 'cancel' });
        expect(await exists(path.join(workspace.dir, 'started.marker'))).toBe(
          false,
        );
      });

      it('terminates processes a step leaves behind when it exits', async () => {
        const { result, elapsed } = await run(
          'sleep 30.103 &\nwhile ! pgrep -xf "sleep 30.103" >/dev/null; do sleep 0.01; done\necho done',
        );
        expect(result).toEqual({ exitCode: 0 });
        expect(elapsed).toBeLessThan(3_000);
        expect(isRunning('sleep', '30.103')).toBe(false);
      });

      it('delivers a 10 MB single line in 64 KiB chunks', async () => {
        const size = 10 * 1024 * 1024;
        let count = 0;
        let total = 0;
        let longest = 0;
        let last = '';
        const result = await current.runScript({
          workspace,
          script: `head -c ${size} /dev/zero | tr '\\0' a\necho\necho done`,
          env: {},
          signal: new AbortController().signal,
          onOutput: line => {
            count++;
            total += line.text.length;
            longest = Math.max(longest, line.text.length);
            last = line.text;
          },
        });
        expect(result).toEqual({ exitCode: 0 });
        expect(longest).toBe(64 * 1024);
        expect(total).toBe(size + 'done'.length);
        expect(count).toBe(size / (64 * 1024) + 1);
        expect(last).toBe('done');
      });

      it('copes with binary output', async () => {
        const { result, lines } = await run('head -c 200000 /dev/urandom');
        expect(result.exitCode).toBe(0);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          expect(Buffer.byteLength(line.text)).toBeLessThanOrEqual(
            3 * 64 * 1024,
          );
        }
      });
    },
  );

  describe('collectArtifacts', () => {
    it('copies files and directories, preserving relative paths', async () => {
      await run(
        [
          'mkdir -p dist/sub reports',
          'echo a > dist/a.txt',
          'echo b > dist/sub/b.txt',
          'echo "<xml/>" > reports/junit.xml',
          'ln -s /etc/hostname dist/outside-link',
          'ln -s a.txt dist/inside-link',
        ].join('\n'),
      );
      const target = path.join(tmp, 'artifacts-1');
      const copied = await executor.collectArtifacts(
        workspace,
        ['dist', 'reports/junit.xml', 'missing.txt', 'dist/'],
        target,
      );
      expect(copied).toEqual(['dist', 'reports/junit.xml', 'dist/']);
      expect(await fs.readFile(path.join(target, 'dist/a.txt'), 'utf8')).toBe(
        'a\n',
      );
      expect(
        await fs.readFile(path.join(target, 'dist/sub/b.txt'), 'utf8'),
      ).toBe('b\n');
      expect(
        await fs.readFile(path.join(target, 'reports/junit.xml'), 'utf8'),
      ).toBe('<xml/>\n');
      // Links out of the workspace are not copied; links within it are.
      expect(await exists(path.join(target, 'dist/outside-link'))).toBe(false);
      expect(await fs.readlink(path.join(target, 'dist/inside-link'))).toBe(
        'a.txt',
      );
      expect(await exists(path.join(target, 'missing.txt'))).toBe(false);
    });

    it('rejects absolute paths and paths with ..', async () => {
      const target = path.join(tmp, 'artifacts-2');
      for (const bad of [
        '../outside',
        '/etc/passwd',
        'dist/../../x',
        '..',
        '',
      ]) {
        await expect(
          executor.collectArtifacts(workspace, ['dist', bad], target),
        ).rejects.toThrow(Error);
      }
      // Validation happens before anything is copied.
      expect(await exists(target)).toBe(false);
    });

    it('rejects a path that is a symlink out of the workspace', async () => {
      await run(`ln -sfn ${JSON.stringify(tmp)} escape`);
      await expect(
        executor.collectArtifacts(workspace, ['escape'], path.join(tmp, 'a3')),
      ).rejects.toThrow(/outside the workspace/);
    });
  });

  describe('cleanupWorkspace', () => {
    it('removes the workspace, its HOME, and the run dir once empty', async () => {
      const a = await executor.prepareWorkspace({
        runId: 'run-clean',
        jobRunId: 'a',
        repositoryUrl: repo,
      });
      const b = await executor.prepareWorkspace({
        runId: 'run-clean',
        jobRunId: 'b',
        repositoryUrl: repo,
      });
      // A read-only directory (like Go's module cache) must not stop the cleanup.
      const result = await executor.runScript({
        workspace: a,
        script:
          'mkdir -p "$HOME/ro/dir" ro/dir\nchmod a-w "$HOME/ro/dir" "$HOME/ro" ro/dir ro',
        env: {},
        signal: new AbortController().signal,
        onOutput: () => {},
      });
      expect(result.exitCode).toBe(0);
      const runDir = path.join(root, 'run-clean');

      await executor.cleanupWorkspace(a);
      expect(await exists(a.dir)).toBe(false);
      expect(await exists(`${a.dir}.home`)).toBe(false);
      expect(await exists(b.dir)).toBe(true);
      expect(await exists(runDir)).toBe(true);

      await executor.cleanupWorkspace(b);
      expect(await exists(b.dir)).toBe(false);
      expect(await exists(runDir)).toBe(false);
      expect(await exists(root)).toBe(true);
    });

    it('refuses to remove a directory that is not one of its workspaces', async () => {
      await expect(
        executor.cleanupWorkspace({ dir: tmp, commit: 'x' }),
      ).rejects.toThrow(/Refusing/);
      expect(await exists(tmp)).toBe(true);
    });
  });
});
