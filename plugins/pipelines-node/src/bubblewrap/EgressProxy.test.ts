import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { EgressProxy } from './EgressProxy';
import {
  isEgressAllowed,
  isPublicAddress,
  parseEgressRule,
} from './egressPolicy';

describe('egressPolicy', () => {
  it('parses host[:port], wildcards and IP entries', () => {
    expect(parseEgressRule('Packages.EXAMPLE.com', 'k')).toEqual({
      host: 'packages.example.com',
    });
    expect(parseEgressRule('*.mirror.example.org:80', 'k')).toEqual({
      host: '*.mirror.example.org',
      port: 80,
    });
    expect(parseEgressRule('[2606:4700::1]:443', 'k')).toEqual({
      host: '2606:4700::1',
      port: 443,
    });
    expect(parseEgressRule('2606:4700::1', 'k')).toEqual({
      host: '2606:4700::1',
    });
    expect(parseEgressRule('1.1.1.1:53', 'k')).toEqual({
      host: '1.1.1.1',
      port: 53,
    });
    for (const [entry, why] of [
      ['', 'it is empty'],
      ['host:0', 'the port must be 1-65535'],
      ['https://x.org/', 'it is not a host name'],
      ['bad_host.org', 'it is not a valid host name'],
      ['*.org', 'a wildcard needs a domain with at least two labels'],
    ]) {
      expect(() => parseEgressRule(entry, 'the.key')).toThrow(
        `Invalid the.key entry ${JSON.stringify(entry)}: ${why}`,
      );
    }
  });

  it('matches hosts, wildcard subdomains and ports', () => {
    const rules = [
      parseEgressRule('packages.example.com', 'k'),
      parseEgressRule('*.mirror.example.org', 'k'),
      parseEgressRule('git.example.com:8443', 'k'),
    ];
    expect(isEgressAllowed(rules, 'packages.example.com', 443)).toBe(true);
    expect(isEgressAllowed(rules, 'PACKAGES.example.com.', 80)).toBe(true);
    expect(isEgressAllowed(rules, 'packages.example.com', 22)).toBe(false);
    expect(isEgressAllowed(rules, 'deb.mirror.example.org', 443)).toBe(true);
    expect(isEgressAllowed(rules, 'mirror.example.org', 443)).toBe(false);
    expect(isEgressAllowed(rules, 'evilmirror.example.org', 443)).toBe(false);
    expect(isEgressAllowed(rules, 'git.example.com', 8443)).toBe(true);
    expect(isEgressAllowed(rules, 'git.example.com', 443)).toBe(false);
    expect(isEgressAllowed(rules, 'example.com', 443)).toBe(false);
  });

  it('treats only public unicast addresses as public', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::127.0.0.1',
      'not-an-ip',
    ]) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
    for (const address of ['1.1.1.1', '151.101.1.1', '2606:4700::1111']) {
      expect([address, isPublicAddress(address)]).toEqual([address, true]);
    }
    expect(isPublicAddress('::ffff:1.1.1.1')).toBe(true);
  });
});

describe('EgressProxy', () => {
  let tmp: string;
  let target: http.Server;
  let targetPort: number;
  let proxy: EgressProxy;
  let socketPath: string;
  let hits: string[];

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'comet-egress-test-'));
    hits = [];
    target = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.headers.host} ${req.url}`);
      let body = '';
      req.on('data', d => (body += String(d)));
      req.on('end', () => res.end(`ok ${body}`));
    });
    await new Promise<void>(resolve => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as net.AddressInfo).port;
    socketPath = path.join(tmp, 'proxy.sock');
    proxy = await EgressProxy.listen(socketPath, {
      rules: [
        parseEgressRule(`allowed.test:${targetPort}`, 'k'),
        parseEgressRule('dead.test:1', 'k'),
        parseEgressRule('unresolvable.test', 'k'),
        parseEgressRule('empty.test', 'k'),
      ],
      logger: mockServices.logger.mock(),
      resolve: async host => {
        if (host === 'unresolvable.test') {
          throw new Error('ENOTFOUND');
        }
        return host === 'empty.test' ? [] : ['127.0.0.1'];
      },
      isAddressAllowed: address => address === '127.0.0.1',
      connectTimeoutMs: 2_000,
    });
  });

  afterAll(async () => {
    await proxy.close();
    target.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  function viaProxy(
    url: string,
    method = 'GET',
    body?: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { socketPath, path: url, method, headers: { host: 'ignored' } },
        res => {
          let text = '';
          res.on('data', d => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function connect(authority: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      let text = '';
      socket.on('data', d => {
        text += String(d);
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text.split('\r\n')[0]);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(text.split('\r\n')[0]));
      socket.write(
        `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`,
      );
    });
  }

  it('forwards plain HTTP to an allowed host with its own Host header', async () => {
    const answer = await viaProxy(
      `http://allowed.test:${targetPort}/path?q=1`,
      'POST',
      'payload',
    );
    expect(answer).toEqual({ status: 200, text: 'ok payload' });
    expect(hits).toContain(`POST allowed.test:${targetPort} /path?q=1`);
  });

  it('answers 403, 400 or 502 with the reason', async () => {
    expect(await viaProxy(`http://other.test:${targetPort}/`)).toEqual({
      status: 403,
      text: `Comet's egress proxy: other.test:${targetPort} is not in pipelines.sandbox.allowedEgress\n`,
    });
    expect((await viaProxy('/relative')).status).toBe(400);
    expect((await viaProxy('ftp://allowed.test/')).status).toBe(400);
    expect(await viaProxy('http://unresolvable.test/')).toEqual({
      status: 403,
      text: "Comet's egress proxy: unresolvable.test could not be resolved: ENOTFOUND\n",
    });
    expect((await viaProxy('http://empty.test/')).text).toContain(
      'empty.test has no address',
    );
    const dead = await viaProxy('http://dead.test:1/');
    expect(dead.status).toBe(502);
    expect(dead.text).toMatch(/could not reach dead.test:1/);
  });

  it('tunnels CONNECT to allowed hosts only', async () => {
    expect(await connect(`allowed.test:${targetPort}`)).toBe(
      'HTTP/1.1 200 Connection Established',
    );
    expect(await connect(`other.test:${targetPort}`)).toBe(
      'HTTP/1.1 403 Forbidden',
    );
    expect(await connect('no-port')).toBe('HTTP/1.1 403 Forbidden');
    expect(await connect('dead.test:1')).toBe('HTTP/1.1 502 Bad Gateway');
    expect(await connect('[::1]:443')).toBe('HTTP/1.1 403 Forbidden');
  });

  it('checks every resolved address and refuses invalid ports', async () => {
    expect(await proxy.check('allowed.test', 0)).toEqual({
      refused: 'invalid destination allowed.test:0',
    });
    expect(await proxy.check('allowed.test', targetPort)).toEqual({
      address: '127.0.0.1',
    });
  });

  it('reaches the backend host only where a rule names it, and never a private IP', async () => {
    const strict = await EgressProxy.listen(path.join(tmp, 'strict.sock'), {
      rules: [
        parseEgressRule(`host.comet.internal:${targetPort}`, 'k'),
        parseEgressRule('10.1.2.3:8080', 'k'),
        parseEgressRule('*.internal.test', 'k'),
      ],
      logger: mockServices.logger.mock(),
      resolve: async () => ['127.0.0.1'],
    });
    try {
      expect(await strict.check('host.comet.internal', targetPort)).toEqual({
        address: '127.0.0.1',
      });
      expect(await strict.check('HOST.comet.internal.', targetPort)).toEqual({
        address: '127.0.0.1',
      });
      expect(await strict.check('host.comet.internal', 5432)).toEqual({
        refused:
          'host.comet.internal:5432 is not in pipelines.sandbox.allowedEgress',
      });
      // A listed private IP stays refused: steps never reach private addresses
      expect(await strict.check('10.1.2.3', 8080)).toEqual({
        refused:
          '10.1.2.3 resolves to 10.1.2.3, a loopback, private, link-local or reserved address',
      });
      expect(await strict.check('10.1.2.3', 80)).toHaveProperty('refused');
      // A name that resolves to loopback stays refused, even under a listed domain
      expect(await strict.check('db.internal.test', 443)).toEqual({
        refused:
          'db.internal.test resolves to 127.0.0.1, a loopback, private, link-local or reserved address',
      });
    } finally {
      await strict.close();
    }
  });
});
