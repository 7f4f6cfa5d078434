// @ts-check

/**
 * What links runs to other systems' records (issues, tickets):
 * - `commit_message`: the messages of the commits a run builds (a push's commits, else the
 *   built commit's), so keys such as `PAY-12` in them can be found; capped at 8 KiB.
 * - `extra_links`: links backend modules add to a run (JSON array of `{ title, url, source }`),
 *   shown with the run's own links.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table
      .text('commit_message')
      .nullable()
      .comment('Messages of the commits the run builds, at most 8 KiB');
    table
      .text('extra_links')
      .nullable()
      .comment('Links added by backend modules: JSON [{ title, url, source }]');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table.dropColumn('commit_message');
    table.dropColumn('extra_links');
  });
};
