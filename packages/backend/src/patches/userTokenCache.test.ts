// The yarn patch of @backstage/backend-defaults (.yarn/patches): a user token whose signature
// was verified is remembered until it expires, for at most a minute.
import path from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';

const handlerFile = path.join(
  path.dirname(require.resolve('@backstage/backend-defaults/package.json')),
  'dist/entrypoints/auth/user/UserTokenHandler.cjs.js',
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UserTokenHandler } = require(handlerFile);

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const getKey = jest.fn(async () => publicKey);
  const logger = { warn: jest.fn() };
  const handler = new UserTokenHandler({ getKey }, logger);
  const sign = (sub: string, expiresInSeconds: number) =>
    new SignJWT({ sub, ent: [sub] })
      .setProtectedHeader({
        alg: 'ES256',
        kid: 'k1',
        typ: 'vnd.backstage.user',
      })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(privateKey);
  return { handler, getKey, sign };
}

describe('user token verification cache (patch)', () => {
  afterEach(() => jest.useRealTimers());

  it('verifies a token once and answers the same again from memory', async () => {
    const { handler, getKey, sign } = await setup();
    const token = await sign('user:default/alice', 3600);
    await expect(handler.verifyToken(token)).resolves.toEqual({
      userEntityRef: 'user:default/alice',
    });
    await expect(handler.verifyToken(token)).resolves.toEqual({
      userEntityRef: 'user:default/alice',
    });
    expect(getKey).toHaveBeenCalledTimes(1);
    // Another token is verified on its own
    const other = await sign('user:default/bob', 3600);
    await expect(handler.verifyToken(other)).resolves.toEqual({
      userEntityRef: 'user:default/bob',
    });
    expect(getKey).toHaveBeenCalledTimes(2);
  });

  it('verifies again after a minute, and rejects a token once it has expired', async () => {
    // The clock (Date included, which jose reads) moves only when the test says so
    const start = Date.now();
    jest.useFakeTimers({
      now: start,
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'],
    });
    const { handler, getKey, sign } = await setup();
    const longLived = await sign('user:default/alice', 3600);
    const shortLived = await sign('user:default/carol', 5);
    await handler.verifyToken(longLived);
    await handler.verifyToken(shortLived);
    expect(getKey).toHaveBeenCalledTimes(2);
    jest.setSystemTime(start + 30_000);
    await handler.verifyToken(longLived);
    expect(getKey).toHaveBeenCalledTimes(2);
    jest.setSystemTime(start + 61_000);
    await handler.verifyToken(longLived);
    expect(getKey).toHaveBeenCalledTimes(3);
    // The short-lived token is not remembered past its expiry: verified again, it has expired
    await expect(handler.verifyToken(shortLived)).rejects.toThrow(
      'Failed user token verification',
    );
  });

  it('does not remember a token that fails verification', async () => {
    const { handler, sign } = await setup();
    const token = await sign('user:default/alice', 3600);
    const [header, payload, signature] = token.split('.');
    const tampered = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    await expect(handler.verifyToken(tampered)).rejects.toThrow(
      'Failed user token verification',
    );
    await expect(handler.verifyToken(tampered)).rejects.toThrow(
      'Failed user token verification',
    );
  });
});
