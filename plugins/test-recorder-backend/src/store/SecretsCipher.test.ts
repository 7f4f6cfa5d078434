import { mockServices } from '@backstage/backend-test-utils';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SecretsCipher } from './SecretsCipher';

describe('SecretsCipher', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tr-cipher-'));
  });

  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('round-trips values with a fresh iv each time', () => {
    const cipher = SecretsCipher.fromSecret('any string at all');
    const first = cipher.encrypt('päss wörd');
    const second = cipher.encrypt('päss wörd');
    expect(first.iv).not.toBe(second.iv);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(Buffer.from(first.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(first.tag, 'base64')).toHaveLength(16);
    expect(cipher.decrypt(first)).toBe('päss wörd');
    expect(cipher.decrypt(second)).toBe('päss wörd');
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
  });

  it('refuses another key and altered data without showing the value', () => {
    const sealed = SecretsCipher.fromSecret('key one').encrypt('hunter2');
    expect(() => SecretsCipher.fromSecret('key two').decrypt(sealed)).toThrow(
      /^cannot be decrypted: it was encrypted with another key \(was testRecorder.secretsKey changed\?\) or altered$/,
    );
    const cipher = SecretsCipher.fromSecret('key one');
    const altered = Buffer.from(sealed.ciphertext, 'base64');
    altered[0] ^= 1;
    expect(() =>
      cipher.decrypt({ ...sealed, ciphertext: altered.toString('base64') }),
    ).toThrow(/cannot be decrypted/);
  });

  it('derives the key from testRecorder.secretsKey when set', async () => {
    const logger = mockServices.logger.mock();
    const config = mockServices.rootConfig({
      data: { testRecorder: { secretsKey: 'configured' } },
    });
    const cipher = await SecretsCipher.fromConfig(config, { dataDir, logger });
    const sealed = cipher.encrypt('value');
    expect(SecretsCipher.fromSecret('configured').decrypt(sealed)).toBe(
      'value',
    );
    expect(await fs.readdir(dataDir)).toEqual([]);
    expect(logger.info).not.toHaveBeenCalled();
  });

  it('creates a 0600 key file once, says so, and reuses it', async () => {
    const logger = mockServices.logger.mock();
    const config = mockServices.rootConfig({ data: {} });
    const nestedDir = path.join(dataDir, 'nested');
    const first = await SecretsCipher.fromConfig(config, {
      dataDir: nestedDir,
      logger,
    });
    const keyPath = path.join(nestedDir, 'secrets.key');
    const stat = await fs.stat(keyPath);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.size).toBe(32);
    expect(logger.info).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /generated key in .*secrets\.key.*in production set testRecorder\.secretsKey/,
      ),
    );

    const sealed = first.encrypt('value');
    const second = await SecretsCipher.fromConfig(config, {
      dataDir: nestedDir,
      logger,
    });
    expect(second.decrypt(sealed)).toBe('value');
    expect(logger.info).toHaveBeenCalledTimes(1);
  });

  it('lets concurrent starts agree on one key', async () => {
    const logger = mockServices.logger.mock();
    const config = mockServices.rootConfig({ data: {} });
    const ciphers = await Promise.all(
      Array.from({ length: 4 }, () =>
        SecretsCipher.fromConfig(config, { dataDir, logger }),
      ),
    );
    const sealed = ciphers[0].encrypt('shared');
    for (const cipher of ciphers) expect(cipher.decrypt(sealed)).toBe('shared');
  });

  it('refuses a key file of the wrong size, naming it and the config key', async () => {
    await fs.writeFile(path.join(dataDir, 'secrets.key'), 'short');
    await expect(
      SecretsCipher.fromConfig(mockServices.rootConfig({ data: {} }), {
        dataDir,
        logger: mockServices.logger.mock(),
      }),
    ).rejects.toThrow(
      /secrets\.key holds 5 bytes, expected a 32-byte key; restore it or set testRecorder\.secretsKey/,
    );
  });
});
