/** A Kubernetes label selector. */
export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
    values?: string[];
  }>;
};

/** Whether a selector selects an object with these labels; an empty selector selects all. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, expression.key);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!present || !values.includes(have[expression.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[expression.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** Whether a string is an IPv4 or IPv6 CIDR (address/bits), as the API server requires. */
export function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) {
    return false;
  }
  if (ipv4ToNumber(address) !== undefined) return Number(bits) <= 32;
  return (
    /^[0-9a-f:]+$/i.test(address) &&
    address.includes(':') &&
    Number(bits) <= 128
  );
}

/** Whether an IPv4 CIDR contains an IPv4 address; false for IPv6 CIDRs. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const networkValue = ipv4ToNumber(network);
  const ipValue = ipv4ToNumber(ip);
  if (
    networkValue === undefined ||
    ipValue === undefined ||
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > 32
  ) {
    return false;
  }
  const size = 2 ** (32 - bits);
  return Math.floor(networkValue / size) === Math.floor(ipValue / size);
}
