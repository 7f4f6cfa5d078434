import JSZip from 'jszip';

const MASK = Buffer.from('***');
/** Unaligned base64 fragments shorter than this are too likely to occur by chance. */
const MIN_UNALIGNED_BASE64_CHARS = 8;

/**
 * Every byte sequence a secret can take in an artifact: as typed, JSON-escaped (trace events),
 * percent-encoded (URLs), form-encoded (request bodies, `+` for space) and base64 (Basic auth,
 * data URLs), including base64 fragments of the secret at each alignment inside a longer value
 * (`user:password` in an Authorization header). Longest first, so a longer form is replaced
 * whole before a shorter one inside it.
 */
export function secretForms(secrets: string[]): Buffer[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
    forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
    const bytes = Buffer.from(secret, 'utf8');
    const base64 = bytes.toString('base64');
    forms.add(base64);
    forms.add(base64.replace(/=+$/, ''));
    forms.add(bytes.toString('base64url'));
    for (const offset of [1, 2]) {
      const fragment = base64Fragment(bytes, offset);
      if (fragment.length >= MIN_UNALIGNED_BASE64_CHARS) forms.add(fragment);
    }
  }
  return [...forms]
    .filter(form => form.length > 0)
    .map(form => Buffer.from(form, 'utf8'))
    .sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters of `bytes` that depend on nothing else when they follow `offset`
 * other bytes (mod 3) in a longer value: what an encoder writes for them whatever surrounds them.
 */
function base64Fragment(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(
    'base64',
  );
  const end = offset + bytes.length;
  let fragment = '';
  for (let index = 0; index < encoded.length; index++) {
    const firstBit = index * 6;
    const firstByte = Math.floor(firstBit / 8);
    const lastByte = Math.floor((firstBit + 5) / 8);
    if (firstByte >= offset && lastByte < end) fragment += encoded[index];
  }
  return fragment;
}

function replaceAll(content: Buffer, forms: Buffer[]): Buffer {
  let result = content;
  for (const form of forms) {
    let found = result.indexOf(form);
    if (found < 0) continue;
    const parts: Buffer[] = [];
    let start = 0;
    while (found >= 0) {
      parts.push(result.subarray(start, found), MASK);
      start = found + form.length;
      found = result.indexOf(form, start);
    }
    parts.push(result.subarray(start));
    result = Buffer.concat(parts);
  }
  return result;
}

/**
 * Replaces every occurrence of each secret (raw, JSON-escaped, URL- and form-encoded, base64)
 * with `***`. Content without any of them is returned as it was, byte for byte. Short secrets
 * are scrubbed too: a secret leaking matters more than an artifact mangled where 3 bytes match.
 */
export function scrubSecrets(content: Buffer, secrets: string[]): Buffer {
  const forms = secretForms(secrets);
  if (forms.length === 0) return content;
  return replaceAll(content, forms);
}

/**
 * {@link scrubSecrets} inside every entry of a zip (a Playwright trace: its entries are
 * compressed, so the bytes of the zip itself show nothing), entry names included. A zip
 * without secrets is returned as it was; otherwise it is written again. Throws when `content`
 * is not a zip.
 */
export async function scrubZip(
  content: Buffer,
  secrets: string[],
): Promise<Buffer> {
  const forms = secretForms(secrets);
  if (forms.length === 0) return content;
  const zip = await JSZip.loadAsync(content);
  const scrubbed = new JSZip();
  let changed = false;
  for (const entry of Object.values(zip.files)) {
    const name = replaceAll(Buffer.from(entry.name, 'utf8'), forms).toString(
      'utf8',
    );
    if (name !== entry.name) changed = true;
    if (entry.dir) {
      scrubbed.folder(name);
      continue;
    }
    const bytes = await entry.async('nodebuffer');
    const clean = replaceAll(bytes, forms);
    if (clean !== bytes) changed = true;
    scrubbed.file(name, clean, { date: entry.date });
  }
  if (!changed) return content;
  return scrubbed.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
  });
}
