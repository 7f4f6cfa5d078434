import { BlockList, isIP } from 'node:net';

/** One `pipelines.sandbox.allowedEgress` entry, parsed. */
export type EgressRule = {
  /** Lower-case host name or IP; `*.` prefix kept for wildcard rules. */
  host: string;
  /** Undefined: the default ports 80 and 443. */
  port?: number;
};

const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses `host[:port]` / `*.example.com[:port]`; throws an error naming the bad entry. */
export function parseEgressRule(entry: string, where: string): EgressRule {
  const fail = (why: string): never => {
    throw new Error(
      `Invalid ${where} entry ${JSON.stringify(
        entry,
      )}: ${why} (expected host[:port] or *.domain[:port])`,
    );
  };
  if (typeof entry !== 'string' || entry.trim() === '') {
    return fail('it is empty');
  }
  const text = entry.trim().toLowerCase();
  let host = text;
  let port: number | undefined;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ? Number(bracketed[2]) : undefined;
  } else if (isIP(text) !== 6) {
    const match = /^([^:]+)(?::(\d+))?$/.exec(text);
    if (!match) {
      return fail('it is not a host name');
    }
    host = match[1];
    port = match[2] ? Number(match[2]) : undefined;
  }
  if (port !== undefined && !(port >= 1 && port <= 65535)) {
    return fail('the port must be 1-65535');
  }
  if (isIP(host)) {
    return { host, port };
  }
  const name = host.startsWith('*.') ? host.slice(2) : host;
  const labels = name.split('.');
  if (labels.length < 2 && host.startsWith('*.')) {
    return fail('a wildcard needs a domain with at least two labels');
  }
  if (!labels.every(label => HOST_LABEL.test(label))) {
    return fail('it is not a valid host name');
  }
  return { host, port };
}

/** Whether `host:port` (a CONNECT target or an absolute URL's host) is allowed by a rule. */
export function isEgressAllowed(
  rules: readonly EgressRule[],
  host: string,
  port: number,
): boolean {
  const name = normalizeHost(host);
  return rules.some(rule => {
    const portOk =
      rule.port === undefined
        ? port === 80 || port === 443
        : rule.port === port;
    if (!portOk) {
      return false;
    }
    if (rule.host.startsWith('*.')) {
      return name.endsWith(rule.host.slice(1)) && !isIP(name);
    }
    return rule.host === name;
  });
}

export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10],
  ['ff00::', 8], // multicast
  ['fd00:ec2::254', 128], // AWS metadata over IPv6
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an address is a public unicast address: not loopback, private, link-local,
 * carrier-grade NAT, metadata, multicast or reserved (IPv4-mapped IPv6 checked as IPv4).
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    return !blocked.check(address, 'ipv4');
  }
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) {
      return isPublicAddress(mapped[1]);
    }
    if (/^::ffff:/i.test(address) || /^::(\d+\.){3}\d+$/.test(address)) {
      return false;
    }
    return !blocked.check(address, 'ipv6');
  }
  return false;
}

/**
 * The name a step uses for the backend host itself (as Docker's `host.docker.internal`): the
 * proxy connects it to the host's 127.0.0.1, and only when an allowedEgress rule names it with
 * its port. Inside the sandbox `127.0.0.1` and `localhost` are the sandbox's own loopback.
 */
export const BACKEND_HOST_NAME = 'host.comet.internal';
