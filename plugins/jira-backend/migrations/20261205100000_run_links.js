// @ts-check

/**
 * `jira_run_links`: the latest Comet pipeline run of an entity that named each Jira issue (in
 * its branch, a commit message or its pull request title), reported by
 * `@internal/plugin-pipelines-backend-module-jira`. One row per entity, instance and issue.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('jira_run_links', table => {
    table.comment(
      'The latest pipeline run of an entity that named a Jira issue',
    );
    table.string('entity_ref', 255).notNullable();
    table.string('instance', 255).notNullable();
    table.string('issue_key', 64).notNullable().comment('e.g. PAY-12');
    table.string('run_id', 64).notNullable();
    table.string('pipeline', 255).notNullable();
    table.integer('run_number').notNullable();
    table.string('status', 32).notNullable();
    table
      .string('path', 512)
      .notNullable()
      .comment('The run page in the portal');
    table
      .timestamp('run_created_at', { useTz: true })
      .notNullable()
      .comment('When the run was created: a later run replaces an earlier one');
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['entity_ref', 'instance', 'issue_key']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('jira_run_links');
};
