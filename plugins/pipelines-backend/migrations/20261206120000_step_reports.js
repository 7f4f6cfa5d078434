// @ts-check

/**
 * Structured results `uses:` step types report about their steps (a quality gate, a test
 * suite's counts), shown on the run page, in the API and to run-event listeners. A step keeps
 * at most a few (`position` counts them), a run at most 100; a job's new attempt starts
 * without its earlier attempts' reports. Timestamps come from JavaScript `Date`s, as in the
 * other tables.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_step_reports', table => {
    table.comment(
      'Reports of pipeline steps: PipelineStepReport with its step',
    );
    table.string('run_id', 64).notNullable();
    table.string('job_run_id', 512).notNullable();
    table.integer('step_index').notNullable();
    table
      .integer('position')
      .notNullable()
      .comment('Order of the report within its step, from 0');
    table
      .integer('attempt')
      .notNullable()
      .comment('The attempt of the job that wrote it');
    table.string('kind', 100).notNullable();
    table.string('title', 200).notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('passed, failed, warning or info');
    table.text('summary').notNullable().comment('One line, secrets masked');
    table.text('url').nullable();
    table.text('data').nullable().comment('JSON object, at most 4 KiB');
    table.timestamp('reported_at', { useTz: true }).notNullable();

    table.primary(['run_id', 'job_run_id', 'step_index', 'position']);
    table
      .foreign(
        ['run_id', 'job_run_id', 'step_index'],
        'pipeline_step_reports_step_fk',
      )
      .references(['run_id', 'job_run_id', 'step_index'])
      .inTable('pipeline_steps')
      .onDelete('CASCADE');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pipeline_step_reports');
};
