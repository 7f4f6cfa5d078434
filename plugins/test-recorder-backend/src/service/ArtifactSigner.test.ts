import { ArtifactSigner } from './ArtifactSigner';

const ARTIFACT = '6f1c2b0e-2a4d-4c55-9f00-3b9a1f0c7d11';

function parse(url: string) {
  const parsed = new URL(url, 'http://backend');
  return {
    path: parsed.pathname,
    expires: parsed.searchParams.get('expires') ?? undefined,
    sig: parsed.searchParams.get('sig') ?? undefined,
  };
}

describe('ArtifactSigner', () => {
  let now: number;
  const key = Buffer.alloc(32, 7);
  const signer = () =>
    ArtifactSigner.create({ key, ttlMs: 10 * 60_000, clock: () => now });

  beforeEach(() => {
    now = Date.parse('2026-12-05T10:00:00.000Z');
  });

  it('signs a path below the plugin that expires after its time to live', () => {
    const url = signer().sign(ARTIFACT);
    const { path, expires, sig } = parse(url);
    expect(path).toBe(`/artifacts/${ARTIFACT}`);
    expect(Number(expires)).toBe((now + 10 * 60_000) / 1000);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer().verify(ARTIFACT, expires, sig)).toBe(true);
  });

  it('accepts a link until it expires', () => {
    const { expires, sig } = parse(signer().sign(ARTIFACT));
    now += 10 * 60_000;
    expect(signer().verify(ARTIFACT, expires, sig)).toBe(true);
    now += 1000;
    expect(signer().verify(ARTIFACT, expires, sig)).toBe(false);
  });

  it('refuses tampered, borrowed and malformed links', () => {
    const { expires, sig } = parse(signer().sign(ARTIFACT));
    const s = signer();
    expect(s.verify('another-artifact', expires, sig)).toBe(false);
    expect(s.verify(ARTIFACT, String(Number(expires) + 3600), sig)).toBe(false);
    expect(
      s.verify(
        ARTIFACT,
        expires,
        `${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`,
      ),
    ).toBe(false);
    expect(s.verify(ARTIFACT, expires, sig!.slice(1))).toBe(false);
    expect(s.verify(ARTIFACT, undefined, sig)).toBe(false);
    expect(s.verify(ARTIFACT, expires, undefined)).toBe(false);
    expect(s.verify(ARTIFACT, '1e12', sig)).toBe(false);
    expect(s.verify(ARTIFACT, '-5', sig)).toBe(false);
    const otherKey = ArtifactSigner.create({
      key: Buffer.alloc(32, 8),
      clock: () => now,
    });
    expect(otherKey.verify(ARTIFACT, expires, sig)).toBe(false);
  });

  it('lasts an hour by default, on the system clock', () => {
    const before = Date.now();
    const { expires, sig } = parse(
      ArtifactSigner.create({ key }).sign(ARTIFACT),
    );
    expect(Number(expires) * 1000).toBeGreaterThanOrEqual(
      Math.floor((before + 60 * 60_000) / 1000) * 1000,
    );
    expect(Number(expires) * 1000).toBeLessThanOrEqual(
      Date.now() + 60 * 60_000,
    );
    expect(ArtifactSigner.create({ key }).verify(ARTIFACT, expires, sig)).toBe(
      true,
    );
  });

  it('escapes the id in the path', () => {
    expect(signer().sign('a/b c')).toMatch(/^\/artifacts\/a%2Fb%20c\?/);
  });
});
