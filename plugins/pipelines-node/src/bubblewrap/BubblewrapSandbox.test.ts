import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type {
  PipelineSandboxLimits,
  PipelineSandboxNetwork,
  PipelineSandboxService,
} from '../sandbox';
import {
  BubblewrapSandbox,
  BubblewrapSandboxOptions,
} from './BubblewrapSandbox';

const hasBwrap = existsSync('/usr/bin/bwrap');
const isRoot = process.getuid?.() === 0;
const describeSandbox = hasBwrap ? describe : describe.skip;
const describeAsRoot = isRoot ? describe : describe.skip;
const REPO_ROOT = path.resolve(__dirname, '../../../..');

async function waitFor(condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('timed out waiting for a condition');
    }
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}

describeSandbox('BubblewrapSandbox (real bwrap)', () => {
  let tmp: string;
  let checkout: string;
  let workspace: string;
  let sandbox: BubblewrapSandbox;

  const create = (options: Partial<BubblewrapSandboxOptions> = {}) =>
    new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      protectedPaths: [checkout, REPO_ROOT],
      ...options,
    });

  async function run(
    script: string,
    options: {
      sandbox?: PipelineSandboxService;
      env?: Record<string, string>;
      network?: PipelineSandboxNetwork;
      limits?: PipelineSandboxLimits;
      cwd?: string;
      onStdout?: (text: string) => void;
    } = {},
  ) {
    const child = await (options.sandbox ?? sandbox).spawn({
      command: '/bin/bash',
      args: ['-c', script],
      cwd: options.cwd ?? workspace,
      env: { PATH: '/usr/bin:/bin', ...options.env },
      writablePaths: [options.cwd ?? workspace],
      network: options.network,
      limits: options.limits,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => {
      stdout += String(d);
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', d => (stderr += String(d)));
    const exit = await child.exited;
    return { ...exit, stdout, stderr, child };
  }

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-sandbox-test-'));
    await fs.chmod(tmp, 0o755);
    // A stand-in for the portal's checkout: config and data next to the workspaces.
    checkout = path.join(tmp, 'checkout');
    await fs.mkdir(path.join(checkout, '.data'), { recursive: true });
    await fs.writeFile(
      path.join(checkout, 'app-config.local.yaml'),
      'secret: hunter2\n',
    );
    await fs.writeFile(
      path.join(checkout, '.data', 'backstage.sqlite'),
      'SQLite data',
    );
    workspace = path.join(checkout, '.data', 'pipelines', 'ws');
    await fs.mkdir(workspace, { recursive: true });
    sandbox = create();
  });

  afterAll(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('passes the probe and describes itself', async () => {
    expect(await sandbox.available()).toEqual({ available: true });
    expect(sandbox.describe()).toMatch(/^bubblewrap \(/);
  });

  it("shows the step nothing of the backend's environment", async () => {
    process.env.COMET_SANDBOX_TEST_SECRET = 'backend-only-value';
    try {
      const { exitCode, stdout } = await run(
        [
          'echo "parent:$(tr "\\0" " " < /proc/$PPID/environ)"',
          'echo "init:$(tr "\\0" " " < /proc/1/environ)"',
          'echo "self:$(env | sort | tr "\\n" " ")"',
          'echo "pids:$(ls /proc | grep -c "^[0-9]")"',
        ].join('\n'),
        { env: { DECLARED: 'yes' } },
      );
      expect(exitCode).toBe(0);
      expect(stdout).not.toContain('backend-only-value');
      expect(stdout).not.toContain('COMET_SANDBOX_TEST_SECRET');
      const lines = Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          .map(line => [line.split(':')[0], line.slice(line.indexOf(':') + 1)]),
      );
      // The launcher and bwrap's init have only PATH (and bwrap's PWD).
      const names = (text: string) =>
        text
          .trim()
          .split(' ')
          .map(entry => entry.split('=')[0]);
      expect(names(lines.parent)).toEqual(['PATH', 'PWD']);
      // As root, bwrap's init is root's and unreadable to the step's uid.
      expect(lines.init.trim()).toBe(
        isRoot ? '' : 'PATH=/usr/local/bin:/usr/bin:/bin',
      );
      expect(lines.self).toContain('DECLARED=yes');
      // bwrap's init, the launcher, prlimit/bash and the command substitution: no host PIDs.
      expect(Number(lines.pids)).toBeLessThan(8);
    } finally {
      delete process.env.COMET_SANDBOX_TEST_SECRET;
    }
  });

  it("cannot read the checkout's config, data or the repository root", async () => {
    const { stdout } = await run(
      [
        `cat ${checkout}/app-config.local.yaml || echo no-config`,
        `cat ${checkout}/.data/backstage.sqlite || echo no-data`,
        `ls ${REPO_ROOT}/package.json || echo no-repo`,
        `cat /etc/shadow || echo no-shadow`,
        `ls /root || echo no-root`,
      ].join('\n'),
    );
    expect(stdout.trim().split('\n')).toEqual([
      'no-config',
      'no-data',
      'no-repo',
      'no-shadow',
      'no-root',
    ]);
  });

  it('writes only the workspace; its own /tmp is private', async () => {
    const marker = `comet-sandbox-marker-${Date.now()}`;
    const { stdout } = await run(
      [
        'echo in > inside.txt && echo wrote-workspace',
        'touch /usr/escape 2>/dev/null || echo no-usr',
        'touch /escape 2>/dev/null || echo no-root',
        'touch /etc/escape 2>/dev/null || echo no-etc',
        `touch /tmp/${marker} && echo wrote-tmp`,
      ].join('\n'),
    );
    expect(stdout.trim().split('\n')).toEqual([
      'wrote-workspace',
      'no-usr',
      'no-root',
      'no-etc',
      'wrote-tmp',
    ]);
    expect(await fs.readFile(path.join(workspace, 'inside.txt'), 'utf8')).toBe(
      'in\n',
    );
    expect(existsSync(path.join(os.tmpdir(), marker))).toBe(false);
  });

  it('cannot connect to PostgreSQL or any listener on the host', async () => {
    let connections = 0;
    const server = net.createServer(socket => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // Prove the listener works from the host before proving the sandbox cannot reach it.
      await new Promise<void>((resolve, reject) =>
        net.connect(port, '127.0.0.1', resolve).on('error', reject),
      );
      await waitFor(() => connections === 1);
      const { stdout } = await run(
        [
          `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo reached-test || echo no-test`,
          '(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo reached-pg || echo no-pg',
          '(exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && echo reached-redis || echo no-redis',
          'curl -sS -m 2 http://example.com/ >/dev/null 2>&1 && echo reached-net || echo no-net',
        ].join('\n'),
      );
      expect(stdout.trim().split('\n')).toEqual([
        'no-test',
        'no-pg',
        'no-redis',
        'no-net',
      ]);
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  describe('egress proxy', () => {
    let server: http.Server;
    let port: number;
    let requests: string[];

    beforeAll(async () => {
      requests = [];
      server = http.createServer((req, res) => {
        requests.push(`${req.headers.host} ${req.url}`);
        res.end('hello from the allowed host\n');
      });
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(() => {
      server.close();
    });

    const resolve = async (host: string) =>
      host.endsWith('.test') ? ['127.0.0.1'] : [];

    it('lets a listed host through (plain HTTP and CONNECT) and refuses others', async () => {
      const permissive = create({
        egress: {
          resolve,
          // Only the test's own server counts as "public" here.
          isAddressAllowed: address => address === '127.0.0.1',
        },
      });
      const { exitCode, stdout } = await run(
        [
          `curl -sS http://allowed.test:${port}/plain`,
          `curl -sS -p http://allowed.test:${port}/tunnel`,
          `curl -sS -o /dev/null -w "%{http_code}\\n" http://other.test:${port}/`,
          `curl -sS -p http://other.test:${port}/ 2>&1 | grep -o "CONNECT tunnel failed, response 403" || echo tunnel-ok`,
          `curl -sS --noproxy '*' -m 2 http://127.0.0.1:${port}/ || echo direct-refused`,
        ].join('\n'),
        {
          sandbox: permissive,
          network: { allowedEgress: [`allowed.test:${port}`] },
        },
      );
      expect(exitCode).toBe(0);
      expect(stdout.trim().split('\n')).toEqual([
        'hello from the allowed host',
        'hello from the allowed host',
        '403',
        'CONNECT tunnel failed, response 403',
        'direct-refused',
      ]);
      expect(requests).toEqual([
        `allowed.test:${port} /plain`,
        `allowed.test:${port} /tunnel`,
      ]);
    });

    it('refuses a listed name that resolves to a loopback address', async () => {
      requests = [];
      const strict = create({ egress: { resolve } });
      const { stdout } = await run(
        `curl -sS http://allowed.test:${port}/ || true`,
        {
          sandbox: strict,
          network: { allowedEgress: [`allowed.test:${port}`] },
        },
      );
      expect(stdout).toContain(
        `allowed.test resolves to 127.0.0.1, a loopback, private, link-local or reserved address`,
      );
      expect(requests).toEqual([]);
    });

    it('rejects a malformed allowedEgress entry', async () => {
      await expect(
        sandbox.spawn({
          command: 'true',
          args: [],
          cwd: workspace,
          env: {},
          writablePaths: [workspace],
          network: { allowedEgress: ['http://example.com/'] },
        }),
      ).rejects.toThrow(/Invalid allowedEgress entry "http:\/\/example.com\/"/);
    });
  });

  describeAsRoot('as root (a uid per sandbox)', () => {
    it('contains a fork bomb within the process limit', async () => {
      const { stdout } = await run(
        `perl -e 'for (1..200) { my $pid = fork(); if (!defined $pid) { $refused++ } elsif ($pid == 0) { sleep 60; exit } else { $started++ } } print "started=$started\\nrefused=$refused\\n"'`,
        { limits: { processes: 40 } },
      );
      const started = Number(/started=(\d+)/.exec(stdout)![1]);
      const refused = Number(/refused=(\d+)/.exec(stdout)![1]);
      expect(started).toBeLessThan(40);
      expect(refused).toBeGreaterThan(100);
    });
  });

  it('limits memory', async () => {
    const script = `perl -e '$x = "a" x $ARGV[0]; print "length=", length($x), "\\n"' 100000000`;
    const small = await run(script, { limits: { memoryMb: 64 } });
    expect(small.exitCode).not.toBe(0);
    expect(small.stdout).not.toContain('length=');
    expect(small.stderr).toMatch(/Out of memory/);
    const large = await run(script, { limits: { memoryMb: 1024 } });
    expect(large.stdout.trim()).toBe('length=100000000');
  }, 30_000);

  it('limits /tmp', async () => {
    const { stdout } = await run(
      'head -c 20000000 /dev/zero > /tmp/big 2>/dev/null || echo tmp-full',
      { limits: { tmpMb: 8 } },
    );
    expect(stdout.trim()).toBe('tmp-full');
  });

  it('stops a sandbox whose writable paths grow over the limit', async () => {
    const dir = await fs.mkdtemp(path.join(tmp, 'grow-'));
    const growing = create({ writableCheckIntervalMs: 50 });
    const result = await run(
      'for i in 1 2 3 4; do head -c 900000 /dev/zero > f$i; done\nwhile :; do sleep 0.05; done',
      { sandbox: growing, cwd: dir, limits: { writableMb: 2 } },
    );
    expect(result.exitCode).toBeNull();
    expect(result.limitExceeded?.limit).toBe('writableMb');
    expect(result.limitExceeded?.message).toMatch(
      /over the limit of 2 MiB \(pipelines.sandbox.maxWorkspaceMb\)/,
    );
  });

  it('gives concurrent sandboxes different uids and forwards SIGTERM', async () => {
    const dirs = await Promise.all([
      fs.mkdtemp(path.join(tmp, 'a-')),
      fs.mkdtemp(path.join(tmp, 'b-')),
    ]);
    const outputs = ['', ''];
    const children = await Promise.all(
      dirs.map((dir, i) =>
        sandbox
          .spawn({
            command: '/bin/bash',
            args: [
              '-c',
              "trap 'echo got-term; exit 7' TERM\nid -u\nwhile :; do sleep 0.05; done",
            ],
            cwd: dir,
            env: { PATH: '/usr/bin:/bin' },
            writablePaths: [dir],
          })
          .then(child => {
            child.stdout.on('data', d => (outputs[i] += String(d)));
            return child;
          }),
      ),
    );
    await waitFor(() => outputs.every(o => /^\d+\n/.test(o)));
    const uids = outputs.map(o => Number(o.trim()));
    expect(new Set(uids).size).toBe(isRoot ? 2 : 1);
    // As root each sandbox gets a pool uid and its writable paths; otherwise the backend's uid.
    expect(
      uids.map(uid =>
        isRoot ? uid >= 61000 && uid < 61064 : uid === process.getuid!(),
      ),
    ).toEqual([true, true]);
    expect((await fs.stat(dirs[0])).uid).toBe(
      isRoot ? uids[0] : process.getuid!(),
    );
    for (const child of children) {
      child.terminate();
    }
    const exits = await Promise.all(children.map(c => c.exited));
    expect(exits).toEqual([{ exitCode: 7 }, { exitCode: 7 }]);
    expect(outputs.map(o => o.split('\n')[1])).toEqual([
      'got-term',
      'got-term',
    ]);
  });

  describeAsRoot('as root (a uid pool)', () => {
    it('refuses a sandbox when every uid is in use, and frees uids after', async () => {
      const single = create({ uidCount: 1 });
      const first = await single.spawn({
        command: '/bin/sleep',
        args: ['60'],
        cwd: workspace,
        env: {},
        writablePaths: [workspace],
      });
      await expect(
        single.spawn({
          command: 'true',
          args: [],
          cwd: workspace,
          env: {},
          writablePaths: [workspace],
        }),
      ).rejects.toThrow(
        'All 1 sandbox uids are in use (pipelines.sandbox.uidCount)',
      );
      first.kill();
      expect(await first.exited).toEqual({ exitCode: null });
      const again = await run('id -u', { sandbox: single });
      expect(again.stdout.trim()).toBe('61000');
    });
  });

  it('refuses mounts that expose the checkout and a cwd outside its mounts', async () => {
    const base = {
      command: 'true',
      args: [],
      env: {},
    };
    await expect(
      sandbox.spawn({
        ...base,
        cwd: checkout,
        writablePaths: [checkout],
      }),
    ).rejects.toThrow(
      `a sandbox mount ${checkout} would expose ${checkout} (the backend's working directory, with its config and data) to sandboxed code`,
    );
    const unprotected = create({ protectedPaths: [] });
    for (const shared of ['/tmp', os.tmpdir(), '/home', '/']) {
      await expect(
        unprotected.spawn({ ...base, cwd: shared, writablePaths: [shared] }),
      ).rejects.toThrow(
        `The sandbox cannot be given ${shared}: writable and private paths must be directories of their own`,
      );
    }
    const sticky = await fs.mkdtemp(path.join(tmp, 'sticky-'));
    await fs.chmod(sticky, 0o1777);
    await expect(
      sandbox.spawn({
        ...base,
        cwd: sticky,
        privatePaths: [sticky],
        writablePaths: [],
      }),
    ).rejects.toThrow(`The sandbox cannot be given ${sticky}`);
    await expect(
      sandbox.spawn({
        ...base,
        cwd: '/usr',
        writablePaths: [workspace],
      }),
    ).rejects.toThrow(
      "The sandbox's working directory /usr is not inside one of its mounts",
    );
    await expect(
      sandbox.spawn({
        ...base,
        cwd: workspace,
        writablePaths: [path.join(tmp, 'missing')],
      }),
    ).rejects.toThrow(`The sandbox mount ${tmp}/missing does not exist`);
    await expect(
      sandbox.spawn({
        ...base,
        cwd: workspace,
        env: { 'A=B': 'x' },
        writablePaths: [workspace],
      }),
    ).rejects.toThrow('Invalid environment variable name "A=B"');
    expect(() => create({ readOnlyPaths: [REPO_ROOT] })).toThrow(
      /pipelines.sandbox.readOnlyPaths .* would expose/,
    );
  });

  it('mounts read-only and private paths read-only', async () => {
    const tools = await fs.mkdtemp(path.join(tmp, 'tools-'));
    await fs.chmod(tools, 0o755);
    await fs.writeFile(path.join(tools, 'tool.sh'), 'echo tool-ran\n');
    const script = await fs.mkdtemp(path.join(tmp, 'script-'));
    await fs.chmod(script, 0o700);
    await fs.writeFile(path.join(script, 'step.sh'), 'echo script-ran\n', {
      mode: 0o700,
    });
    const child = await sandbox.spawn({
      command: '/bin/bash',
      args: [
        '-c',
        `bash ${tools}/tool.sh; bash ${script}/step.sh; touch ${tools}/x 2>/dev/null || echo tools-ro; touch ${script}/x 2>/dev/null || echo script-ro`,
      ],
      cwd: workspace,
      env: { PATH: '/usr/bin:/bin' },
      writablePaths: [workspace],
      readOnlyPaths: [tools],
      privatePaths: [script],
    });
    let stdout = '';
    child.stdout.on('data', d => (stdout += String(d)));
    expect(await child.exited).toEqual({ exitCode: 0 });
    expect(stdout.trim().split('\n')).toEqual([
      'tool-ran',
      'script-ran',
      'tools-ro',
      'script-ro',
    ]);
  });

  it('never starts a command that was terminated while the sandbox started', async () => {
    const marker = path.join(workspace, 'started.marker');
    const child = await sandbox.spawn({
      command: '/bin/bash',
      args: ['-c', `touch ${marker}`],
      cwd: workspace,
      env: { PATH: '/usr/bin:/bin' },
      writablePaths: [workspace],
    });
    child.terminate();
    expect(await child.exited).toEqual({ exitCode: 143 });
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a command that cannot be started', async () => {
    const { exitCode, stderr } = await run('', {});
    expect(exitCode).toBe(0);
    const missing = await sandbox.spawn({
      command: '/no/such/command',
      args: [],
      cwd: workspace,
      env: {},
      writablePaths: [workspace],
    });
    let errors = '';
    missing.stderr.on('data', d => (errors += String(d)));
    expect(await missing.exited).toEqual({ exitCode: 127 });
    expect(errors).toMatch(/\/no\/such\/command: No such file or directory/);
    expect(stderr).toBe('');
  });
});

describe('BubblewrapSandbox without bwrap', () => {
  it('is unavailable and says which path it looked for', async () => {
    const sandbox = new BubblewrapSandbox({
      logger: mockServices.logger.mock(),
      bwrapPath: '/nonexistent/bwrap',
    });
    expect(await sandbox.available()).toEqual({
      available: false,
      reason:
        'bubblewrap was not found at /nonexistent/bwrap (install the Debian/Ubuntu package "bubblewrap")',
    });
  });

  it('is unavailable when bwrap fails its probe', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-fake-bwrap-'));
    try {
      const fake = path.join(tmp, 'bwrap');
      await fs.writeFile(
        fake,
        '#!/bin/sh\necho "no namespaces here" >&2\nexit 1\n',
        {
          mode: 0o755,
        },
      );
      const sandbox = new BubblewrapSandbox({
        logger: mockServices.logger.mock(),
        bwrapPath: fake,
        dropPrivileges: false,
      });
      const result = await sandbox.available();
      expect(result).toEqual({
        available: false,
        reason:
          'a test command in the sandbox failed (exit 1): no namespaces here',
      });
      // Probed once.
      expect(await sandbox.available()).toBe(result);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('reads its settings from pipelines.sandbox and rejects bad ones', () => {
    const logger = mockServices.logger.mock();
    const sandbox = BubblewrapSandbox.fromConfig(
      new ConfigReader({
        pipelines: {
          sandbox: {
            maxMemoryMb: 512,
            maxProcesses: 100,
            maxTmpMb: 64,
            maxWorkspaceMb: 2048,
            uidBase: 70000,
            uidCount: 8,
            allowedEgress: ['packages.example.com', '*.mirror.example.org:80'],
          },
        },
      }),
      { logger, dropPrivileges: true, bwrapPath: '/usr/bin/bwrap' },
    );
    expect(sandbox.describe()).toMatch(
      /^bubblewrap \(\/usr\/bin\/bwrap\); uids 70000-70007; memory 512 MiB per process, 100 processes, \/tmp 64 MiB, writable paths 2048 MiB; read-only: \/usr/,
    );
    expect(() =>
      BubblewrapSandbox.fromConfig(
        new ConfigReader({ pipelines: { sandbox: { maxMemoryMb: -1 } } }),
        { logger },
      ),
    ).toThrow(
      'pipelines.sandbox.maxMemoryMb must be a positive number, got -1',
    );
    expect(() =>
      BubblewrapSandbox.fromConfig(
        new ConfigReader({
          pipelines: { sandbox: { allowedEgress: ['*.com'] } },
        }),
        { logger },
      ),
    ).toThrow(
      'Invalid pipelines.sandbox.allowedEgress entry "*.com": a wildcard needs a domain with at least two labels',
    );
    expect(
      () => new BubblewrapSandbox({ logger, uidBase: 10, uidCount: 1 }),
    ).toThrow(/uidBase must be an integer >= 1000/);
  });
});
