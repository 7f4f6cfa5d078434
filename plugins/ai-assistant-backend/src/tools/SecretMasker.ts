import type { Config } from '@backstage/config';
import type { JsonValue } from '@backstage/types';

/** What a masked value reads as, in prompts, the chat and audit events. */
export const MASK = '[masked]';

/** Config keys whose string values are secrets: tokens, keys, passwords, credentials. */
const SECRET_KEY_NAME =
  /(secret|token|password|passwd|apikey|api_key|privatekey|private_key|credential|clientkey|accesskey|signingkey|encryptionkey|^key$)/i;
/** Keys that name a secret's kind, place or setting rather than holding one. */
const NOT_A_SECRET_KEY_NAME =
  /(kind|type|url|uri|path|file|dir|header|name|enabled|ttl|seconds|minutes|mode|ref)$/i;
/** Values too common to be secrets; masking them would garble every answer. */
const COMMON_VALUES = new Set([
  'bearer',
  'basic',
  'token',
  'true',
  'false',
  'secret',
  'password',
]);
const MIN_SECRET_LENGTH = 6;

/**
 * Known token formats, masked wherever they appear. Each keeps what identifies the kind of
 * value (a header name, `password=`), so the model can still say what was there.
 */
const TOKEN_PATTERNS: Array<{ pattern: RegExp; replace: string }> = [
  {
    pattern:
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
    replace: MASK,
  },
  // Credentials in URLs: scheme://user:password@host
  {
    pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi,
    replace: `$1${MASK}@`,
  },
  // Authorization headers and bearer tokens
  {
    pattern:
      /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token|bot)\s+)[^\s"',;]+/gi,
    replace: `$1${MASK}`,
  },
  { pattern: /\b(bearer\s+)[A-Za-z0-9._~+/=-]{12,}/gi, replace: `$1${MASK}` },
  // Assignments in logs and config dumps: password=…, "apiKey": "…", TOKEN: …
  {
    pattern:
      /\b((?:[a-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)["']?\s*[:=]\s*["']?)(?!\[masked\])[^\s"',;]{4,}/gi,
    replace: `$1${MASK}`,
  },
  // GitHub, GitLab, npm, OpenAI/Anthropic, Slack, Atlassian, Google, Stripe, AWS, JWTs
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, replace: MASK },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, replace: MASK },
  { pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/g, replace: MASK },
  { pattern: /\bnpm_[A-Za-z0-9]{36}\b/g, replace: MASK },
  { pattern: /\bsk-[A-Za-z0-9_-]{20,}/g, replace: MASK },
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: MASK },
  { pattern: /\bATATT[A-Za-z0-9_=-]{20,}/g, replace: MASK },
  { pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: MASK },
  { pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, replace: MASK },
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: MASK },
  {
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    replace: MASK,
  },
  {
    pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g,
    replace: MASK,
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every secret-looking string value of the config, by key name. */
function configSecrets(
  value: unknown,
  key: string | undefined,
  out: Set<string>,
) {
  if (typeof value === 'string') {
    if (
      key !== undefined &&
      SECRET_KEY_NAME.test(key) &&
      !NOT_A_SECRET_KEY_NAME.test(key) &&
      value.length >= MIN_SECRET_LENGTH &&
      !COMMON_VALUES.has(value.toLowerCase())
    ) {
      out.add(value);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) configSecrets(item, key, out);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [childKey, child] of Object.entries(value)) {
      configSecrets(child, childKey, out);
    }
  }
}

/**
 * Masks secrets in text before it reaches the model, the chat or an audit event: every secret
 * of the config (values of keys such as `token`, `apiKey`, `password`, `secret`), the values
 * listed in `aiAssistant.maskValues`, and known token formats (GitHub, GitLab, npm, OpenAI,
 * Slack, Atlassian, Google, Stripe and AWS keys, JWTs, private keys, bearer tokens, URL
 * credentials, `password=…` assignments).
 */
export class SecretMasker {
  /** Reads the config's secrets once; `extraValues` are masked too. */
  static fromConfig(config: Config, extraValues: string[] = []): SecretMasker {
    const secrets = new Set<string>();
    configSecrets(config.getOptional(), undefined, secrets);
    for (const value of extraValues) {
      if (value.length >= 4) secrets.add(value);
    }
    return new SecretMasker([...secrets]);
  }

  private readonly literal?: RegExp;

  constructor(literalSecrets: string[]) {
    const sorted = [...new Set(literalSecrets)]
      .filter(s => s.length > 0)
      .sort((a, b) => b.length - a.length);
    if (sorted.length > 0) {
      this.literal = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
  }

  mask(text: string): string {
    let masked = this.literal ? text.replace(this.literal, MASK) : text;
    for (const { pattern, replace } of TOKEN_PATTERNS) {
      masked = masked.replace(pattern, replace);
    }
    return masked;
  }

  /** The same value with every string (keys included) masked. */
  maskJson<T extends JsonValue | undefined>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) {
      return value.map(item => this.maskJson(item)) as T;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, JsonValue> = {};
      for (const [key, child] of Object.entries(value)) {
        out[this.mask(key)] = this.maskJson(child as JsonValue);
      }
      return out as T;
    }
    return value;
  }
}
