import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { promises as fs } from 'node:fs';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  BACKEND_HOST_NAME,
  EgressRule,
  isEgressAllowed,
  isPublicAddress,
  normalizeHost,
} from './egressPolicy';

/** Resolves a host name to its addresses (all of them: every one is checked). */
export type EgressResolver = (host: string) => Promise<string[]>;

export type EgressProxyOptions = {
  rules: readonly EgressRule[];
  logger: LoggerService;
  /** Default: the system resolver. */
  resolve?: EgressResolver;
  /**
   * Which resolved addresses may be connected to. Default: public unicast addresses only.
   * Tests widen it to reach a local fake; config never can.
   */
  isAddressAllowed?: (address: string) => boolean;
  /** How long a connection to the destination may take. Default 10 s. */
  connectTimeoutMs?: number;
};

const defaultResolve: EgressResolver = async host =>
  (await dnsLookup(host, { all: true, verbatim: true })).map(a => a.address);

/**
 * Comet's egress proxy for one sandbox: HTTP CONNECT (for HTTPS and anything else over TCP)
 * and plain-HTTP absolute-URL requests, on a Unix socket only that sandbox can reach. A
 * destination must match an allowlist rule, and every address its name resolves to must be
 * allowed; the connection goes to the checked address (no second lookup to rebind).
 */
export class EgressProxy {
  readonly #options: EgressProxyOptions;
  readonly #resolve: EgressResolver;
  readonly #isAddressAllowed: (address: string) => boolean;
  readonly #server: http.Server;
  readonly #sockets = new Set<Duplex>();

  private constructor(options: EgressProxyOptions) {
    this.#options = options;
    this.#resolve = options.resolve ?? defaultResolve;
    this.#isAddressAllowed = options.isAddressAllowed ?? isPublicAddress;
    this.#server = http.createServer((req, res) => {
      void this.#forwardHttp(req, res);
    });
    this.#server.on('connect', (req, socket: Duplex, head: Buffer) => {
      void this.#tunnel(req, socket, head);
    });
    this.#server.on('connection', socket => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('clientError', (_error, socket) => {
      socket.destroy();
    });
  }

  /** Starts a proxy listening on the Unix socket `socketPath`. */
  static async listen(
    socketPath: string,
    options: EgressProxyOptions,
  ): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(socketPath, () => {
        proxy.#server.off('error', reject);
        resolve();
      });
    });
    await fs.chmod(socketPath, 0o666);
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) {
      socket.destroy();
    }
    await new Promise<void>(resolve => this.#server.close(() => resolve()));
  }

  /**
   * The address to connect to for `host:port`, or why not. Exposed for tests and for callers
   * that want the same decision.
   */
  async check(
    host: string,
    port: number,
  ): Promise<{ address: string } | { refused: string }> {
    const name = normalizeHost(host);
    if (!name || !Number.isInteger(port) || port < 1 || port > 65535) {
      return { refused: `invalid destination ${host}:${port}` };
    }
    if (!isEgressAllowed(this.#options.rules, name, port)) {
      return {
        refused: `${name}:${port} is not in pipelines.sandbox.allowedEgress`,
      };
    }
    if (name === BACKEND_HOST_NAME) {
      return { address: '127.0.0.1' };
    }
    let addresses: string[];
    try {
      addresses = net.isIP(name) ? [name] : await this.#resolve(name);
    } catch (error) {
      return {
        refused: `${name} could not be resolved: ${(error as Error).message}`,
      };
    }
    if (addresses.length === 0) {
      return { refused: `${name} has no address` };
    }
    const forbidden = addresses.find(a => !this.#isAddressAllowed(a));
    if (forbidden) {
      return {
        refused: `${name} resolves to ${forbidden}, a loopback, private, link-local or reserved address`,
      };
    }
    return { address: addresses[0] };
  }

  async #tunnel(req: http.IncomingMessage, client: Duplex, head: Buffer) {
    client.on('error', () => {});
    const target = parseAuthority(req.url ?? '');
    const decision = target
      ? await this.check(target.host, target.port)
      : { refused: `invalid CONNECT target ${JSON.stringify(req.url)}` };
    if ('refused' in decision) {
      this.#refuse(client, decision.refused);
      return;
    }
    const upstream = net.connect({
      host: decision.address,
      port: target!.port,
      timeout: this.#options.connectTimeoutMs ?? 10_000,
    });
    let connected = false;
    upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) {
        upstream.write(head);
      }
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', error => {
      if (!connected) {
        this.#refuse(
          client,
          `could not connect to ${target!.host}:${target!.port}: ${
            error.message
          }`,
          502,
        );
      } else {
        client.destroy();
      }
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  async #forwardHttp(req: http.IncomingMessage, res: http.ServerResponse) {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      this.#respond(res, 400, 'the proxy needs an absolute http:// URL');
      return;
    }
    if (url.protocol !== 'http:') {
      this.#respond(res, 400, `the proxy forwards only http:// URLs here`);
      return;
    }
    const port = url.port ? Number(url.port) : 80;
    const decision = await this.check(url.hostname, port);
    if ('refused' in decision) {
      this.#options.logger.info(`Sandbox egress refused: ${decision.refused}`);
      this.#respond(res, 403, `Comet's egress proxy: ${decision.refused}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request({
      host: decision.address,
      port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...headers, host: url.host },
      timeout: this.#options.connectTimeoutMs ?? 10_000,
    });
    upstream.on('response', response => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
    upstream.on('error', error => {
      if (!res.headersSent) {
        this.#respond(
          res,
          502,
          `Comet's egress proxy could not reach ${url.host}: ${error.message}`,
        );
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  }

  #refuse(client: Duplex, reason: string, status = 403) {
    this.#options.logger.info(`Sandbox egress refused: ${reason}`);
    const body = `Comet's egress proxy: ${reason}\n`;
    client.end(
      `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(
          body,
        )}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  #respond(res: http.ServerResponse, status: number, message: string) {
    res.writeHead(status, {
      'content-type': 'text/plain',
      connection: 'close',
    });
    res.end(`${message}\n`);
  }
}

function parseAuthority(
  authority: string,
): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  if (!match) {
    return undefined;
  }
  return { host: match[1], port: Number(match[2]) };
}
