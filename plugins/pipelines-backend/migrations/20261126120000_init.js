// @ts-check

/**
 * Runs, jobs, steps and log lines of Comet's pipeline engine.
 *
 * Timestamps are written from JavaScript `Date`s only (never the database clock), so they
 * compare the same way on PostgreSQL (timestamptz) and SQLite (milliseconds since the epoch).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_runs', table => {
    table.comment('Runs of Comet pipelines, one row per run');
    table.string('run_id', 64).notNullable().primary();
    table
      .string('entity_ref', 255)
      .notNullable()
      .comment('The catalog entity the pipeline belongs to');
    table.string('pipeline', 255).notNullable().comment('Pipeline name');
    table.text('pipeline_path').nullable();
    table
      .integer('number')
      .notNullable()
      .comment('Sequence number within entity_ref and pipeline, from 1');
    table.string('status', 16).notNullable();
    table.text('trigger').notNullable().comment('JSON PipelineRunTrigger');
    table.text('branch').nullable();
    table.string('commit_sha', 64).nullable();
    table.text('repository_url').nullable();
    table.text('params').notNullable().comment('JSON');
    table.text('definition').notNullable().comment('JSON PipelineDefinition');
    table.text('error').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table
      .integer('log_line_count')
      .notNullable()
      .defaultTo(0)
      .comment('Lines in the log; the next line gets this as its seq');
    table
      .bigInteger('log_size')
      .notNullable()
      .defaultTo(0)
      .comment('Total length of the stored log text');

    table.unique(['entity_ref', 'pipeline', 'number'], {
      indexName: 'pipeline_runs_entity_pipeline_number_uniq',
    });
    table.index(
      ['entity_ref', 'created_at', 'run_id'],
      'pipeline_runs_entity_created_idx',
    );
    table.index(['created_at', 'run_id'], 'pipeline_runs_created_idx');
  });

  await knex.schema.createTable('pipeline_jobs', table => {
    table.comment('Job runs (matrix instances expanded) of pipeline runs');
    table
      .string('run_id', 64)
      .notNullable()
      .references('run_id')
      .inTable('pipeline_runs')
      .onDelete('CASCADE');
    table.string('job_run_id', 512).notNullable();
    table.string('job_id', 255).notNullable();
    table.text('name').notNullable();
    table.text('matrix').nullable().comment('JSON');
    table.text('needs').notNullable().comment('JSON list of job_run_ids');
    table.string('state', 16).notNullable();
    table.integer('attempt').notNullable().defaultTo(0);
    table.integer('max_attempts').notNullable().defaultTo(1);
    table.bigInteger('timeout_ms').nullable();
    table.string('worker_id', 255).nullable();
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table
      .text('approval')
      .nullable()
      .comment('JSON approval gate and decision');
    table.text('error').nullable();
    table.integer('position').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();

    table.primary(['run_id', 'job_run_id']);
    table.index(['state', 'created_at'], 'pipeline_jobs_state_created_idx');
    table.index(['state', 'lease_expires_at'], 'pipeline_jobs_state_lease_idx');
  });

  await knex.schema.createTable('pipeline_steps', table => {
    table.comment('Steps of job runs');
    table.string('run_id', 64).notNullable();
    table.string('job_run_id', 512).notNullable();
    table.integer('step_index').notNullable();
    table.text('name').notNullable();
    table.string('status', 16).notNullable();
    table.integer('exit_code').nullable();
    table.text('error').nullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();

    table.primary(['run_id', 'job_run_id', 'step_index']);
    table
      .foreign(['run_id', 'job_run_id'], 'pipeline_steps_job_fk')
      .references(['run_id', 'job_run_id'])
      .inTable('pipeline_jobs')
      .onDelete('CASCADE');
  });

  await knex.schema.createTable('pipeline_log_lines', table => {
    table.comment('Log lines of pipeline runs');
    table
      .string('run_id', 64)
      .notNullable()
      .references('run_id')
      .inTable('pipeline_runs')
      .onDelete('CASCADE');
    table
      .integer('seq')
      .notNullable()
      .comment('Position of the line in the run log, from 0, gapless');
    table.string('job_run_id', 512).notNullable();
    table.integer('step_index').nullable();
    table.string('stream', 16).notNullable();
    table.string('timestamp', 40).notNullable().comment('ISO 8601');
    table.text('text').notNullable();

    table.primary(['run_id', 'seq']);
    table.index(
      ['run_id', 'job_run_id', 'seq'],
      'pipeline_log_lines_run_job_seq_idx',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pipeline_log_lines');
  await knex.schema.dropTable('pipeline_steps');
  await knex.schema.dropTable('pipeline_jobs');
  await knex.schema.dropTable('pipeline_runs');
};
