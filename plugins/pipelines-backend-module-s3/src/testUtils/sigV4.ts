import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Why a request's Signature Version 4 does not hold: an S3 error code and message. */
export class SigV4Error extends Error {
  constructor(readonly code: string, readonly status: number, message: string) {
    super(message);
  }
}

export type SigV4Request = {
  method: string;
  /** The path and query exactly as received (`/bucket/a%20b?uploads=`). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
};

export type ParsedAuthorization = {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
};

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header, or undefined when malformed. */
export function parseAuthorization(
  header: string,
): ParsedAuthorization | undefined {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return undefined;
  return {
    accessKeyId: match[1],
    date: match[2],
    region: match[3],
    service: match[4],
    signedHeaders: match[5].split(';'),
    signature: match[6],
  };
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
function uriEncode(text: string) {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decode(text: string) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonical query string: each name and value decoded, re-encoded, sorted. */
export function canonicalQuery(rawQuery: string) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map(pair => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      return [uriEncode(decode(name)), uriEncode(decode(value))];
    })
    .sort(([a, av], [b, bv]) => {
      if (a !== b) return a < b ? -1 : 1;
      return av < bv ? -1 : 1;
    })
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string) {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(',') : value ?? '';
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * The canonical request of Signature Version 4 for S3: the path as sent (S3 neither
 * normalizes it nor encodes it twice), the sorted query, the signed headers, and the payload
 * hash the client declared in `x-amz-content-sha256`.
 */
export function canonicalRequest(
  request: SigV4Request,
  signedHeaders: string[],
) {
  const question = request.rawUrl.indexOf('?');
  const rawPath =
    question < 0 ? request.rawUrl : request.rawUrl.slice(0, question);
  const rawQuery = question < 0 ? '' : request.rawUrl.slice(question + 1);
  return [
    request.method,
    rawPath,
    canonicalQuery(rawQuery),
    ...signedHeaders.map(
      name => `${name}:${headerValue(request.headers, name)}`,
    ),
    '',
    signedHeaders.join(';'),
    headerValue(request.headers, 'x-amz-content-sha256'),
  ].join('\n');
}

function hmac(key: Buffer | string, text: string) {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

/** The signature of a canonical request with a secret key. */
export function signature(options: {
  canonicalRequest: string;
  amzDate: string;
  date: string;
  region: string;
  service: string;
  secretAccessKey: string;
}) {
  const scope = `${options.date}/${options.region}/${options.service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    options.amzDate,
    scope,
    createHash('sha256').update(options.canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${options.secretAccessKey}`, options.date);
  key = hmac(key, options.region);
  key = hmac(key, options.service);
  key = hmac(key, 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
}

/**
 * Checks a request's SigV4 `Authorization` header against the known secret keys; returns the
 * access key id, or throws the error S3 answers with (AccessDenied, InvalidAccessKeyId,
 * AuthorizationHeaderMalformed, SignatureDoesNotMatch).
 */
export function verifySigV4(
  request: SigV4Request,
  secretFor: (accessKeyId: string) => string | undefined,
  region: string,
): string {
  const header = headerValue(request.headers, 'authorization');
  if (!header) {
    throw new SigV4Error(
      'AccessDenied',
      403,
      'Anonymous access is not allowed: sign requests with AWS Signature Version 4',
    );
  }
  const auth = parseAuthorization(header);
  if (!auth) {
    throw new SigV4Error(
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; only AWS4-HMAC-SHA256 is supported',
    );
  }
  const secretAccessKey = secretFor(auth.accessKeyId);
  if (secretAccessKey === undefined) {
    throw new SigV4Error(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  if (auth.region !== region) {
    throw new SigV4Error(
      'AuthorizationHeaderMalformed',
      400,
      `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${region}'`,
    );
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (auth.service !== 's3' || !amzDate.startsWith(auth.date)) {
    throw new SigV4Error(
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; the credential scope does not match the request date or service',
    );
  }
  if (
    !auth.signedHeaders.includes('host') ||
    !auth.signedHeaders.includes('x-amz-content-sha256')
  ) {
    throw new SigV4Error(
      'AccessDenied',
      403,
      'The host and x-amz-content-sha256 headers must be signed',
    );
  }
  const expected = signature({
    canonicalRequest: canonicalRequest(request, auth.signedHeaders),
    amzDate,
    date: auth.date,
    region: auth.region,
    service: auth.service,
    secretAccessKey,
  });
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature))) {
    throw new SigV4Error(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return auth.accessKeyId;
}
