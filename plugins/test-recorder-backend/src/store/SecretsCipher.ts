import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
} from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** An encrypted value as stored: all three parts base64. */
export type SealedSecret = { ciphertext: string; iv: string; tag: string };

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
/** The config key whose SHA-256 is the key. */
export const SECRETS_KEY_CONFIG = 'testRecorder.secretsKey';
const KEY_FILE = 'secrets.key';

/**
 * AES-256-GCM for suite secrets. The key comes from `testRecorder.secretsKey`, or, when that
 * is not set, from a random key kept in the data directory (fine for one instance; replicas
 * and restores need the configured key).
 */
export class SecretsCipher {
  static async fromConfig(
    config: Pick<RootConfigService, 'getOptionalString'>,
    options: { dataDir: string; logger: LoggerService },
  ): Promise<SecretsCipher> {
    const configured = config.getOptionalString(SECRETS_KEY_CONFIG);
    if (configured) return SecretsCipher.fromSecret(configured);
    const keyPath = path.join(options.dataDir, KEY_FILE);
    return new SecretsCipher(await readOrCreateKey(keyPath, options.logger));
  }

  /** The key is the SHA-256 of `secret`, so any string will do. */
  static fromSecret(secret: string): SecretsCipher {
    return new SecretsCipher(createHash('sha256').update(secret).digest());
  }

  private constructor(private readonly key: Buffer) {}

  /** A key for another purpose (signing links), derived so it never equals the cipher key. */
  deriveKey(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(purpose).digest();
  }

  encrypt(plaintext: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const ciphertext = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    return {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /** Throws when the key differs from the one that encrypted it, or the data was altered. */
  decrypt(sealed: SealedSecret): string {
    try {
      const decipher = createDecipheriv(
        ALGORITHM,
        this.key,
        Buffer.from(sealed.iv, 'base64'),
      );
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      // Node's message ("Unsupported state or unable to authenticate data") says nothing useful
      throw new Error(
        `cannot be decrypted: it was encrypted with another key (was ${SECRETS_KEY_CONFIG} changed?) or altered`,
      );
    }
  }
}

async function readOrCreateKey(
  keyPath: string,
  logger: LoggerService,
): Promise<Buffer> {
  try {
    const existing = await fs.readFile(keyPath);
    if (existing.length !== KEY_BYTES) {
      throw new Error(
        `${keyPath} holds ${existing.length} bytes, expected a ${KEY_BYTES}-byte key; restore it or set ${SECRETS_KEY_CONFIG}`,
      );
    }
    return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(path.dirname(keyPath), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx': a replica that created it first wins, and we read theirs
    await fs.writeFile(keyPath, key, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return fs.readFile(keyPath);
  }
  logger.info(
    `Test recorder secrets are encrypted with a generated key in ${keyPath}; in production set ${SECRETS_KEY_CONFIG} so every instance and restore uses the same key`,
  );
  return key;
}
