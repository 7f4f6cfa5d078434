import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type { ActionsService } from '@backstage/backend-plugin-api/alpha';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { catalogEntity } from '@internal/backend-common';
import type {
  DeliveryHealthSection,
  EntityDeliveryHealth,
  GroupDeliveryHealth,
} from '@internal/plugin-comet-common';
import type { DeliveryHealthSettings } from './DeliveryHealthSettings';
import { HealthActions } from './HealthActions';
import {
  entityPage,
  failedSection,
  readBugs,
  readPipelines,
  readPullRequests,
  readQualityGate,
  readTests,
  SectionContext,
} from './sections';

/** A section that did not answer in time. */
export class SectionTimeoutError extends Error {
  name = 'SectionTimeoutError' as const;
}

/** `promise`, or a {@link SectionTimeoutError} after `ms`. */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SectionTimeoutError(`${what} did not answer within ${ms} ms`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work` over `items`, at most `concurrency` at a time, results in the items' order. */
async function mapLimited<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, worker),
  );
  return results;
}

/**
 * An entity's delivery health, and a group's table of it. Everything but the catalog is read
 * through other plugins' actions with the caller's credentials; each section is read in
 * parallel, on its own, within `sectionTimeoutMs`, and one failing fails no other.
 */
export class DeliveryHealthService {
  static create(options: {
    catalog: CatalogService;
    actions: ActionsService;
    settings: DeliveryHealthSettings;
    appBaseUrl: string;
    clock?: { now(): number };
  }): DeliveryHealthService {
    return new DeliveryHealthService(
      options.catalog,
      options.actions,
      options.settings,
      options.appBaseUrl.replace(/\/+$/, ''),
      options.clock ?? Date,
    );
  }

  private constructor(
    private readonly catalog: CatalogService,
    private readonly actions: ActionsService,
    private readonly settings: DeliveryHealthSettings,
    private readonly appBaseUrl: string,
    private readonly clock: { now(): number },
  ) {}

  /** The health of the entity `entityRef` names; 404 when the caller cannot see it. */
  async entityHealth(
    credentials: BackstageCredentials,
    entityRef: string,
  ): Promise<EntityDeliveryHealth> {
    const entity = await catalogEntity(this.catalog, entityRef, credentials);
    return this.healthOf(
      entity,
      HealthActions.create({ actions: this.actions, credentials }),
    );
  }

  /**
   * The components the group owns, as the caller sees the catalog, each with its health: at
   * most `group.maxEntities` of them, `group.concurrency` at a time.
   */
  async groupHealth(
    credentials: BackstageCredentials,
    groupRef: string,
  ): Promise<GroupDeliveryHealth> {
    const group = await catalogEntity(this.catalog, groupRef, credentials);
    const fullRef = stringifyEntityRef(group);
    if (group.kind.toLocaleLowerCase('en-US') !== 'group') {
      throw new InputError(
        `groupRef: ${fullRef} is a ${group.kind}, not a Group`,
      );
    }
    const limit = this.settings.group.maxEntities;
    const { items, totalItems } = await this.catalog.queryEntities(
      {
        filter: { kind: 'Component', 'relations.ownedBy': fullRef },
        orderFields: { field: 'metadata.name', order: 'asc' },
        limit,
      },
      { credentials },
    );
    const actions = HealthActions.create({
      actions: this.actions,
      credentials,
    });
    const entities = await mapLimited(
      items.slice(0, limit),
      this.settings.group.concurrency,
      entity => this.healthOf(entity, actions),
    );
    return {
      groupRef: fullRef,
      entities,
      truncated: totalItems > entities.length,
      limit,
    };
  }

  private async healthOf(
    entity: Entity,
    actions: HealthActions,
  ): Promise<EntityDeliveryHealth> {
    const ctx: SectionContext = {
      entity,
      entityRef: stringifyEntityRef(entity),
      actions,
      thresholds: this.settings.thresholds,
      runSampleSize: this.settings.runSampleSize,
      appBaseUrl: this.appBaseUrl,
      now: this.clock.now(),
    };
    const read = <T>(
      what: string,
      tab: string,
      reader: (c: SectionContext) => Promise<DeliveryHealthSection<T>>,
    ): Promise<DeliveryHealthSection<T>> =>
      within(reader(ctx), this.settings.sectionTimeoutMs, what).catch(error =>
        failedSection<T>(error, entityPage(ctx, tab)),
      );
    const [pipelines, qualityGate, tests, bugs, pullRequests] =
      await Promise.all([
        read('pipelines', 'ci-cd', readPipelines),
        read('the quality gate', 'sonarqube', readQualityGate),
        read('tests', 'tests', readTests),
        read('bugs', 'jira', readBugs),
        read('pull requests', 'github', readPullRequests),
      ]);
    return {
      entityRef: ctx.entityRef,
      title: entity.metadata.title ?? entity.metadata.name,
      computedAt: new Date(ctx.now).toISOString(),
      pipelines,
      qualityGate,
      tests,
      bugs,
      pullRequests,
    };
  }
}
