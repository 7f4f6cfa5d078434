/*
 * `npm start` validates the merged configuration against every package's config schema
 * before anything starts, so an unknown key or a wrong type stops start-up naming the key.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CometProcess, freePort, REPO_ROOT } from './CometProcess';

jest.setTimeout(120_000);

function start(configText: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comet-config-'));
  const file = path.join(dir, 'app-config.bad.yaml');
  fs.writeFileSync(file, configText);
  return new Promise<{ code: number | null; output: string }>(resolve => {
    const child = spawn(
      'bash',
      [path.join(REPO_ROOT, 'scripts/comet.sh'), 'start', '--config', file],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
      },
    );
    let output = '';
    child.stdout.on('data', chunk => (output += chunk));
    child.stderr.on('data', chunk => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('exit', code => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe('npm start with a bad configuration', () => {
  it('names an unknown key', async () => {
    const { code, output } = await start(
      'comet:\n  signIn:\n    provider: [guest]\n',
    );
    expect(code).toBe(1);
    expect(output).toContain('Configuration does not match schema');
    expect(output).toContain('additionalProperty=provider');
    expect(output).toContain('/comet/signIn');
    expect(output).not.toContain('Comet is ready');
  });

  it('names a value of the wrong type', async () => {
    const { code, output } = await start('app:\n  title: [not, a, string]\n');
    expect(code).toBe(1);
    expect(output).toContain('/app/title');
    expect(output).toContain('must be string');
  });

  it('names a sign-in provider Comet does not know', async () => {
    const { code, output } = await start(
      'comet:\n  signIn:\n    providers: [okta]\n',
    );
    expect(code).toBe(1);
    expect(output).toContain('/comet/signIn/providers/0');
  });
});

describe('the embedded defaults with NODE_ENV=production', () => {
  it('refuse to start, naming every demo setting on one line each', async () => {
    const port = await freePort();
    const comet = CometProcess.start({
      overrides: ['backend:', '  listen:', `    port: ${port}`].join('\n'),
      nodeEnv: 'production',
    });
    const code = await comet.exit();
    await comet.stop();
    expect(code).toBe(1);
    expect(comet.output).toContain(
      'Comet cannot start: auth.providers.guest: turns guest sign-in on',
    );
    expect(comet.output).toMatch(/\n {2}comet\.signIn\.providers: turns guest/);
    expect(comet.output).toMatch(
      /\n {2}comet\.exampleRepos: serves the example projects/,
    );
    expect(comet.output).not.toContain('Comet is ready');
  });
});
