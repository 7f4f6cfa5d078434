// @ts-check

/**
 * "Explain this failure": the failure fingerprints of runs the assistant analysed (so "seen
 * in N runs since …, last fixed by …" needs no log read twice), and the administrators'
 * failure rules, one row per saved version.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_assistant_run_fingerprints', table => {
    table.comment(
      'Runs the failure analysis saw: status, commit and, for failed runs it read, the fingerprint',
    );
    table
      .string('run_id', 512)
      .primary()
      .notNullable()
      .comment(
        'As the unified CI/CD list names it (a Comet id, jenkins:…#n, github:…#id) or a test run id',
      );
    table
      .string('pipeline_key', 512)
      .notNullable()
      .comment(
        'The pipeline, job, workflow or suite whose runs are compared, e.g. comet:<entityRef>:<pipeline>',
      );
    table.string('status', 32).notNullable().comment('succeeded, failed, …');
    table.string('commit_sha', 64).nullable();
    table.timestamp('finished_at', { useTz: true }).notNullable();
    table
      .string('fingerprint', 64)
      .nullable()
      .comment(
        'sha256 of the normalised first error block; null when not read',
      );
    table.string('category', 64).nullable();
    table.timestamp('recorded_at', { useTz: true }).notNullable();
    table.index(
      ['pipeline_key', 'finished_at'],
      'ai_assistant_run_fingerprints_pipeline_idx',
    );
  });

  await knex.schema.createTable('ai_assistant_failure_rules', table => {
    table.comment(
      'Failure rules of the administrators (YAML), merged with the shipped ones; every save is a new version',
    );
    table.integer('version').primary().notNullable();
    table.text('yaml', 'longtext').notNullable();
    table.integer('rule_count').notNullable();
    table.string('updated_by', 255).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_assistant_failure_rules');
  await knex.schema.dropTable('ai_assistant_run_fingerprints');
};
