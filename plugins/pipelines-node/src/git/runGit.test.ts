import os from 'node:os';
import { runGit } from './runGit';

const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
};

describe('runGit', () => {
  it('returns stdout of a command that succeeds', async () => {
    const result = await runGit(['--version'], {
      cwd: os.tmpdir(),
      env,
      timeoutMs: 30_000,
    });
    expect(result.failure).toBeUndefined();
    expect(result.stdout).toMatch(/^git version /);
  });

  it("reports the last lines of git's stderr when it fails", async () => {
    const result = await runGit(['rev-parse', 'HEAD'], {
      cwd: '/',
      env,
      timeoutMs: 30_000,
    });
    expect(result.failure).toMatch(/not a git repository/);
  });

  it('does not start when the job is already stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runGit(['--version'], {
      cwd: os.tmpdir(),
      env,
      timeoutMs: 30_000,
      signal: controller.signal,
    });
    expect(result.failure).toBe(
      'git --version was not started: the job was stopped',
    );
  });

  it('stops git when the job is cancelled', async () => {
    const controller = new AbortController();
    // `git hash-object --stdin` waits on stdin, which runGit closes; a credential prompt
    // helper that sleeps stands in for a slow remote
    const pending = runGit(['-c', 'alias.slow=!sleep 30', 'slow'], {
      cwd: os.tmpdir(),
      env,
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort();
    const result = await pending;
    expect(result.failure).toBe(
      'git -c was stopped: the job was cancelled or timed out',
    );
  });

  it('kills git when it runs past its time limit', async () => {
    const result = await runGit(['slow'], {
      cwd: os.tmpdir(),
      env,
      timeoutMs: 200,
      globalArgs: ['-c', 'alias.slow=!sleep 30'],
    });
    expect(result.failure).toBe('git slow timed out after 0 s');
  });

  it('says when git is not installed', async () => {
    const result = await runGit(['--version'], {
      cwd: os.tmpdir(),
      env: { ...env, PATH: '/nonexistent' },
      timeoutMs: 30_000,
    });
    expect(result.failure).toBe('git is not installed (not found on PATH)');
  });
});
