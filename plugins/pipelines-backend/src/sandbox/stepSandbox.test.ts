import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  BubblewrapSandbox,
  PipelineOutputLine,
  PipelineSandboxService,
} from '@internal/plugin-pipelines-node';
import { LocalExecutor } from '../executor/LocalExecutor';
import { resolveStepSandbox } from './resolveStepSandbox';

const hasBwrap = existsSync('/usr/bin/bwrap');
const describeSandbox = hasBwrap ? describe : describe.skip;

describe('resolveStepSandbox', () => {
  const missing = () =>
    new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      bwrapPath: '/nonexistent/bwrap',
    });

  it('refuses to start without the sandbox and names pipelines.localExecutor.unsandboxed', async () => {
    await expect(
      resolveStepSandbox({
        config: new ConfigReader({}),
        sandbox: missing(),
        logger: mockServices.logger.mock(),
      }),
    ).rejects.toThrow(
      'The pipeline step sandbox is unavailable: bubblewrap was not found at /nonexistent/bwrap (install the Debian/Ubuntu package "bubblewrap"). Install bubblewrap (scripts/comet.sh setup does), or set pipelines.localExecutor.unsandboxed: true',
    );
  });

  it('runs unsandboxed with a loud warning only when the key says so', async () => {
    const logger = mockServices.logger.mock();
    const decision = await resolveStepSandbox({
      config: new ConfigReader({
        pipelines: { localExecutor: { unsandboxed: true } },
      }),
      sandbox: missing(),
      logger,
    });
    expect(decision).toEqual({ unsandboxed: true });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^!!! PIPELINE STEPS RUN UNSANDBOXED \(pipelines.localExecutor.unsandboxed: true\).*bubblewrap was not found/,
      ),
    );
  });

  it('uses a working sandbox, with the configured egress, even when unsandboxed is set', async () => {
    const sandbox: PipelineSandboxService = {
      describe: () => 'fake sandbox',
      available: async () => ({ available: true }),
      spawn: jest.fn(),
    };
    const logger = mockServices.logger.mock();
    const decision = await resolveStepSandbox({
      config: new ConfigReader({
        pipelines: {
          localExecutor: { unsandboxed: true },
          sandbox: { allowedEgress: ['packages.example.com'] },
        },
      }),
      sandbox,
      logger,
    });
    expect(decision).toEqual({
      sandbox,
      allowedEgress: ['packages.example.com'],
    });
    expect(logger.info).toHaveBeenCalledWith(
      'Pipeline steps run sandboxed: fake sandbox',
    );
  });

  it('rejects a malformed allowedEgress entry at start-up', async () => {
    await expect(
      resolveStepSandbox({
        config: new ConfigReader({
          pipelines: { sandbox: { allowedEgress: ['https://x.org/path'] } },
        }),
        sandbox: missing(),
        logger: mockServices.logger.mock(),
      }),
    ).rejects.toThrow(
      'Invalid pipelines.sandbox.allowedEgress entry "https://x.org/path"',
    );
  });

  it('is required by the LocalExecutor', () => {
    expect(() =>
      LocalExecutor.create({
        workspaceRoot: os.tmpdir(),
        logger: mockServices.logger.mock(),
      }),
    ).toThrow(
      'LocalExecutor needs a sandbox for steps, or unsandboxed: true (pipelines.localExecutor.unsandboxed)',
    );
  });
});

describeSandbox('LocalExecutor steps in the sandbox', () => {
  let tmp: string;
  let checkout: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-step-sandbox-'));
    await fs.chmod(tmp, 0o755);
    checkout = path.join(tmp, 'checkout');
    await fs.mkdir(path.join(checkout, '.data', 'pipelines', 'workspaces'), {
      recursive: true,
    });
    await fs.writeFile(
      path.join(checkout, 'app-config.local.yaml'),
      'backend:\n  auth:\n    keys: [{ secret: do-not-read }]\n',
    );
    await fs.writeFile(
      path.join(checkout, '.data', 'backstage.sqlite'),
      'do-not-read',
    );
  });
  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function runStep(
    script: string,
    options: {
      allowedEgress?: string[];
      sandbox?: BubblewrapSandbox;
      env?: Record<string, string>;
    } = {},
  ) {
    const root = path.join(checkout, '.data', 'pipelines', 'workspaces');
    const executor = LocalExecutor.create({
      workspaceRoot: root,
      logger: mockServices.logger.mock(),
      killGracePeriodMs: 200,
      sandbox:
        options.sandbox ??
        new BubblewrapSandbox({
          logger: mockServices.logger.mock(),
          protectedPaths: [checkout],
        }),
      allowedEgress: options.allowedEgress,
    });
    const runDir = path.join(root, 'run-1');
    await fs.mkdir(runDir, { recursive: true });
    const dir = await fs.mkdtemp(path.join(runDir, 'job-'));
    const lines: PipelineOutputLine[] = [];
    const result = await executor.runScript({
      workspace: { dir, commit: 'c0ffee' },
      script,
      env: options.env ?? {},
      signal: new AbortController().signal,
      onOutput: line => lines.push(line),
    });
    return {
      result,
      stdout: lines.filter(l => l.stream === 'stdout').map(l => l.text),
      stderr: lines.filter(l => l.stream === 'stderr').map(l => l.text),
    };
  }

  it("reads nothing of the backend's environment, config or data", async () => {
    process.env.COMET_STEP_SANDBOX_SECRET = 'backend-secret-value';
    try {
      const { result, stdout } = await runStep(
        [
          'tr "\\0" "\\n" < /proc/$PPID/environ',
          '(tr "\\0" "\\n" < /proc/1/environ) 2>/dev/null || echo init-not-readable',
          `cat ${checkout}/app-config.local.yaml 2>/dev/null || echo no-config`,
          `cat ${checkout}/.data/backstage.sqlite 2>/dev/null || echo no-data`,
          'cat ../../../backstage.sqlite 2>/dev/null || echo no-relative-data',
          `ls /proc | grep -c '^[0-9]' | awk '{ print ($1 < 10) ? "few-pids" : "host-pids" }'`,
        ].join('\n'),
        { env: { STEP_VALUE: 'declared' } },
      );
      expect(result).toEqual({ exitCode: 0 });
      expect(stdout.join('\n')).not.toContain('backend-secret-value');
      expect(stdout.join('\n')).not.toContain('do-not-read');
      expect(stdout.slice(-4)).toEqual([
        'no-config',
        'no-data',
        'no-relative-data',
        'few-pids',
      ]);
    } finally {
      delete process.env.COMET_STEP_SANDBOX_SECRET;
    }
  });

  it('cannot reach PostgreSQL or a listener of the host', async () => {
    let connections = 0;
    const server = net.createServer(socket => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { stdout } = await runStep(
        [
          '(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo pg || echo no-pg',
          `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo host || echo no-host`,
          'echo "proxy=${HTTPS_PROXY:-none}"',
        ].join('\n'),
      );
      expect(stdout).toEqual(['no-pg', 'no-host', 'proxy=none']);
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('reaches allowlisted egress through the proxy only', async () => {
    const server = http.createServer((req, res) => {
      res.end(`served ${req.headers.host}\n`);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const sandbox = new BubblewrapSandbox({
        logger: mockServices.logger.mock(),
        protectedPaths: [checkout],
        egress: {
          resolve: async () => ['127.0.0.1'],
          isAddressAllowed: address => address === '127.0.0.1',
        },
      });
      const { stdout } = await runStep(
        [
          `curl -sS http://mirror.test:${port}/`,
          `curl -sS -o /dev/null -w "%{http_code}\\n" http://elsewhere.test:${port}/`,
        ].join('\n'),
        { sandbox, allowedEgress: [`mirror.test:${port}`] },
      );
      expect(stdout).toEqual([`served mirror.test:${port}`, '403']);
    } finally {
      server.close();
    }
  });

  it('stops a step whose workspace grows over the limit and says why', async () => {
    const sandbox = new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      protectedPaths: [checkout],
      limits: { writableMb: 1 },
      writableCheckIntervalMs: 50,
    });
    const { result, stderr } = await runStep(
      'for i in 1 2 3; do head -c 600000 /dev/zero > f$i; done\nwhile :; do sleep 0.05; done',
      { sandbox },
    );
    expect(result).toEqual({ exitCode: null });
    expect(stderr.at(-1)).toMatch(
      /^The sandbox was stopped: its writable paths grew to \d+ MiB, over the limit of 1 MiB \(pipelines.sandbox.maxWorkspaceMb\)$/,
    );
  });
});
