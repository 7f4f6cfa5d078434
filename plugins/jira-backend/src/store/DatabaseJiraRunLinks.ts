import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { JiraLinkedRun } from '@internal/plugin-jira-common';
import type { Knex } from 'knex';

const TABLE = 'jira_run_links';
const migrationsDir = resolvePackagePath(
  '@internal/plugin-jira-backend',
  'migrations',
);

/** A run's report: the issues it names, with its current status. */
export type RunLinkReport = {
  entityRef: string;
  runId: string;
  pipeline: string;
  runNumber: number;
  status: string;
  path: string;
  createdAt: string;
  updatedAt: string;
  issues: Array<{ instance: string; key: string }>;
};

type Row = {
  entity_ref: string;
  instance: string;
  issue_key: string;
  run_id: string;
  pipeline: string;
  run_number: number | string;
  status: string;
  path: string;
  run_created_at: Date | string | number;
  updated_at: Date | string | number;
};

function toDate(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || /^\d+$/.test(value)) {
    return new Date(Number(value));
  }
  return new Date(value);
}

/**
 * The latest Comet pipeline run of an entity that named each Jira issue. A report replaces a
 * row only with the same run (a newer status) or a run created later, so reports that arrive
 * out of order never go back to an older run.
 */
export class DatabaseJiraRunLinks {
  static async create(options: {
    database: Pick<DatabaseService, 'getClient'> &
      Partial<Pick<DatabaseService, 'migrations'>>;
  }): Promise<DatabaseJiraRunLinks> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'jira_knex_migrations',
      });
    }
    return new DatabaseJiraRunLinks(client);
  }

  private constructor(private readonly db: Knex) {}

  async record(report: RunLinkReport): Promise<void> {
    const createdAt = new Date(report.createdAt);
    const updatedAt = new Date(report.updatedAt);
    await this.db.transaction(async trx => {
      for (const issue of report.issues) {
        const key = {
          entity_ref: report.entityRef,
          instance: issue.instance,
          issue_key: issue.key,
        };
        const row = {
          ...key,
          run_id: report.runId,
          pipeline: report.pipeline,
          run_number: report.runNumber,
          status: report.status,
          path: report.path,
          run_created_at: createdAt,
          updated_at: updatedAt,
        };
        const existing = (await trx<Row>(TABLE).where(key).first()) as
          | Row
          | undefined;
        if (!existing) {
          await trx(TABLE).insert(row).onConflict().ignore();
          continue;
        }
        const sameRun = existing.run_id === report.runId;
        const newer = sameRun
          ? updatedAt >= toDate(existing.updated_at)
          : createdAt > toDate(existing.run_created_at);
        if (newer) await trx(TABLE).where(key).update(row);
      }
    });
  }

  /** The latest linked run of each of `keys` (absent keys have none). */
  async latest(
    entityRef: string,
    instance: string,
    keys: string[],
  ): Promise<Record<string, JiraLinkedRun>> {
    if (keys.length === 0) return {};
    const rows = (await this.db<Row>(TABLE)
      .where({ entity_ref: entityRef, instance })
      .whereIn('issue_key', keys)
      .select()) as Row[];
    const result: Record<string, JiraLinkedRun> = {};
    for (const row of rows) {
      result[row.issue_key] = {
        runId: row.run_id,
        entityRef: row.entity_ref,
        pipeline: row.pipeline,
        runNumber: Number(row.run_number),
        status: row.status,
        path: row.path,
        updatedAt: toDate(row.updated_at).toISOString(),
      };
    }
    return result;
  }
}
