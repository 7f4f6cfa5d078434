// @ts-check

/**
 * Whether a run's log has reached `pipelines.logLimitBytes`: set (with the one truncation
 * marker line) by the append that crossed the limit, under the run row's lock, so the cap
 * holds for the whole run across its jobs and replicas. `log_size` now counts UTF-8 bytes.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table
      .boolean('log_truncated')
      .notNullable()
      .defaultTo(false)
      .comment('The log reached its size limit; further lines are not stored');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table.dropColumn('log_truncated');
  });
};
