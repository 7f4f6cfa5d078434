import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  WiringAnnotation,
  WiringOverride,
} from '@internal/plugin-comet-common';
import type { Knex } from 'knex';

const TABLE = 'comet_integration_overrides';
const migrationsDir = resolvePackagePath(
  '@internal/plugin-comet-backend',
  'migrations',
);

type Row = {
  entity_ref: string;
  annotations: string;
  updated_by: string;
  updated_at: Date | string | number;
};

function toIso(value: Date | string | number): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    return new Date(Number(value)).toISOString();
  }
  return new Date(value).toISOString();
}

function fromRow(row: Row): WiringOverride {
  return {
    entityRef: row.entity_ref,
    annotations: JSON.parse(row.annotations) as Partial<
      Record<WiringAnnotation, string>
    >,
    updatedBy: row.updated_by,
    updatedAt: toIso(row.updated_at),
  };
}

/** Entity refs are stored as the catalog compares them: lower case. */
function keyOf(entityRef: string): string {
  return entityRef.toLocaleLowerCase('en-US');
}

/** The portal-side overrides of entities' wiring, one per entity (SQLite and PostgreSQL). */
export class DatabaseWiringOverrideStore {
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'> &
      Partial<Pick<DatabaseService, 'migrations'>>;
  }): Promise<DatabaseWiringOverrideStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'comet_knex_migrations',
      });
    }
    return new DatabaseWiringOverrideStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async get(entityRef: string): Promise<WiringOverride | undefined> {
    const row = await this.db<Row>(TABLE)
      .where({ entity_ref: keyOf(entityRef) })
      .first();
    return row ? fromRow(row) : undefined;
  }

  /** Every override, oldest entity ref first. */
  async list(): Promise<WiringOverride[]> {
    const rows = await this.db<Row>(TABLE).orderBy('entity_ref');
    return rows.map(fromRow);
  }

  /** Saves `override` in place of the entity's previous one; returns the previous one. */
  async put(override: WiringOverride): Promise<WiringOverride | undefined> {
    return this.db.transaction(async trx => {
      const key = keyOf(override.entityRef);
      const previous = await trx<Row>(TABLE).where({ entity_ref: key }).first();
      const row = {
        annotations: JSON.stringify(override.annotations),
        updated_by: override.updatedBy,
        updated_at: new Date(override.updatedAt),
      };
      if (previous) {
        await trx<Row>(TABLE).where({ entity_ref: key }).update(row);
      } else {
        await trx<Row>(TABLE).insert({ entity_ref: key, ...row });
      }
      return previous ? fromRow(previous) : undefined;
    });
  }

  /** Removes the entity's override; returns it, or undefined when there was none. */
  async delete(entityRef: string): Promise<WiringOverride | undefined> {
    return this.db.transaction(async trx => {
      const key = keyOf(entityRef);
      const previous = await trx<Row>(TABLE).where({ entity_ref: key }).first();
      if (previous) await trx<Row>(TABLE).where({ entity_ref: key }).delete();
      return previous ? fromRow(previous) : undefined;
    });
  }
}
