import { InputError } from '@backstage/errors';

/**
 * Where a recording or a run may point its browser: the sandbox's own loopback (an app a
 * suite's web server started) and the origins an operator listed in
 * `testRecorder.allowedOrigins`. Anything else is refused before a browser starts.
 */
export type OriginPolicy = {
  /** `testRecorder.allowedOrigins`, as origins (`https://shop.example.com`). */
  allowedOrigins: string[];
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Normalises `testRecorder.allowedOrigins` entries; a bad entry names its index. */
export function readAllowedOrigins(values: string[]): string[] {
  return values.map((value, index) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new InputError(
        `testRecorder.allowedOrigins[${index}]: "${value}" is not a URL; write an origin such as https://shop.example.com`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InputError(
        `testRecorder.allowedOrigins[${index}]: "${value}" must be http or https`,
      );
    }
    return url.origin;
  });
}

/** The URL parser writes every IPv4 form (`127.1`, `0x7f.0.0.1`) as a dotted quad. */
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function isLoopbackUrl(url: URL): boolean {
  // 127.0.0.9 is loopback; 127.example.com is a DNS name that may point anywhere
  return LOOPBACK_HOSTS.has(url.hostname) || IPV4_LOOPBACK.test(url.hostname);
}

/** Throws an InputError naming `field` unless `value` is an http(s) URL the policy allows. */
export function checkBaseUrl(
  policy: OriginPolicy,
  value: string,
  field: string,
): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      `${field}: "${value}" is not a URL; write one such as http://127.0.0.1:4173`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(
      `${field}: "${value}" must be an http or https address, not ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    throw new InputError(
      `${field}: "${url.origin}" must not carry a user name or password; store them as suite secrets`,
    );
  }
  if (isLoopbackUrl(url) || policy.allowedOrigins.includes(url.origin)) {
    return url;
  }
  throw new InputError(
    `${field}: ${
      url.origin
    } is not an allowed origin; the browser may open loopback addresses (an app the suite's web server starts) and the origins in testRecorder.allowedOrigins (${
      policy.allowedOrigins.length
        ? policy.allowedOrigins.join(', ')
        : 'none configured'
    })`,
  );
}
