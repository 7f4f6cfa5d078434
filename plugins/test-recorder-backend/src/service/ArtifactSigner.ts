import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring artifact URLs for the one reader that cannot send a token: Playwright's
 * Trace Viewer, whose service worker fetches the trace itself. The key is derived from the
 * secrets key, so every instance that shares it accepts the others' links.
 */
export class ArtifactSigner {
  static create(options: {
    /** Key material, e.g. from {@link SecretsCipher.deriveKey}. */
    key: Buffer;
    /** How long a link works. Default 1 hour. */
    ttlMs?: number;
    clock?: () => number;
  }): ArtifactSigner {
    return new ArtifactSigner(
      options.key,
      options.ttlMs ?? 60 * 60_000,
      options.clock ?? Date.now,
    );
  }

  private constructor(
    private readonly key: Buffer,
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  /** The artifact's path below the plugin's base URL, with its signature. */
  sign(artifactId: string): string {
    const expires = String(Math.floor((this.clock() + this.ttlMs) / 1000));
    return `/artifacts/${encodeURIComponent(
      artifactId,
    )}?expires=${expires}&sig=${this.mac(artifactId, expires)}`;
  }

  verify(
    artifactId: string,
    expires: string | undefined,
    sig: string | undefined,
  ): boolean {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires)) return false;
    if (Number(expires) * 1000 < this.clock()) return false;
    const expected = Buffer.from(this.mac(artifactId, expires));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mac(artifactId: string, expires: string): string {
    return createHmac('sha256', this.key)
      .update(`${artifactId}\n${expires}`)
      .digest('base64url');
  }
}
