import type {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';

/** One entity's portal-side override, as `/api/comet/integrations/overrides` lists it. */
export type WiringOverrideEntry = {
  entityRef: string;
  annotations: Record<string, string>;
  updatedBy: string;
  updatedAt: string;
};

/** How long the overrides are reused; the Integrations card's changes apply within it. */
export const OVERRIDES_CACHE_TTL_MS = 30_000;
/** How long one read of the overrides may take. */
export const OVERRIDES_TIMEOUT_MS = 10_000;

/**
 * The portal-side overrides of entities' wiring (saved from Comet's Integrations card), read
 * from the Comet backend with the catalog's own service token and reused for at most
 * {@link OVERRIDES_CACHE_TTL_MS}. One read serves every entity processed meanwhile. When the
 * Comet backend cannot be read, the last answer is kept (none before the first one) and the
 * failure is logged once until a read succeeds again.
 */
export class WiringOverrides {
  static create(options: {
    discovery: DiscoveryService;
    auth: AuthService;
    logger: LoggerService;
    fetch?: typeof fetch;
    clock?: { now(): number };
    cacheTtlMs?: number;
  }): WiringOverrides {
    return new WiringOverrides(options);
  }

  private current = new Map<string, WiringOverrideEntry>();
  private readAt: number | undefined;
  private reading?: Promise<void>;
  private failing = false;
  private readonly clock: { now(): number };
  private readonly ttlMs: number;

  private constructor(
    private readonly options: Parameters<typeof WiringOverrides.create>[0],
  ) {
    this.clock = options.clock ?? Date;
    this.ttlMs = Math.min(
      options.cacheTtlMs ?? OVERRIDES_CACHE_TTL_MS,
      OVERRIDES_CACHE_TTL_MS,
    );
  }

  /** The override of `entityRef` (any case), if any. */
  async forEntity(entityRef: string): Promise<WiringOverrideEntry | undefined> {
    const now = this.clock.now();
    if (this.readAt === undefined || now - this.readAt >= this.ttlMs) {
      this.reading ??= this.read(now).finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.current.get(entityRef.toLocaleLowerCase('en-US'));
  }

  private async read(now: number) {
    try {
      const baseUrl = await this.options.discovery.getBaseUrl('comet');
      const { token } = await this.options.auth.getPluginRequestToken({
        onBehalfOf: await this.options.auth.getOwnServiceCredentials(),
        targetPluginId: 'comet',
      });
      const url = `${baseUrl}/integrations/overrides`;
      const response = await (this.options.fetch ?? fetch)(url, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(OVERRIDES_TIMEOUT_MS),
      });
      if (!response.ok) {
        throw new Error(`${url} answered ${response.status}`);
      }
      const body = (await response.json()) as {
        overrides?: WiringOverrideEntry[];
      };
      if (!Array.isArray(body.overrides)) {
        throw new Error(`${url} answered without an overrides list`);
      }
      this.current = new Map(
        body.overrides.map(o => [o.entityRef.toLocaleLowerCase('en-US'), o]),
      );
      if (this.failing) {
        this.options.logger.info(
          'Comet wiring overrides are read again from the Comet backend',
        );
      }
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.options.logger.warn(
          `Comet wiring overrides cannot be read, so entities keep ${
            this.current.size > 0
              ? 'the overrides last read'
              : 'their own annotations'
          } until they can: ${(error as Error).message}`,
        );
      }
      this.failing = true;
    }
    // A failure is retried after the same time, not at every entity
    this.readAt = now;
  }
}
