// @ts-check

/**
 * The test recorder's tables: versioned suites with their quarantine list, encrypted secrets
 * and upload files; the run queue with results and artifacts (bytes on disk, metadata here);
 * visual baselines. Rows of a suite are deleted by the store in one transaction, so nothing
 * depends on foreign key support (SQLite has it off by default).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('test_recorder_suites', table => {
    table.comment('Test suites: the current version of each');
    table.string('name', 255).primary().notNullable();
    table.string('entity_ref', 255).notNullable().comment('The owning entity');
    table.string('title', 255).nullable();
    table.integer('version').notNullable().comment('The current version');
    table.integer('test_count').notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.string('updated_by', 255).notNullable();
    table.index(['entity_ref'], 'test_recorder_suites_entity_idx');
  });

  await knex.schema.createTable('test_recorder_suite_versions', table => {
    table.comment('Every saved version of every suite');
    table.string('suite', 255).notNullable();
    table.integer('version').notNullable();
    table.text('definition', 'longtext').notNullable().comment('JSON');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.string('created_by', 255).notNullable();
    table.text('message').nullable();
    table.primary(['suite', 'version']);
  });

  await knex.schema.createTable('test_recorder_quarantine', table => {
    table.comment('Tests that run but never fail their suite');
    table.string('suite', 255).notNullable();
    table.string('test_id', 255).notNullable();
    table.string('quarantined_by', 255).notNullable();
    table.timestamp('quarantined_at', { useTz: true }).notNullable();
    table.primary(['suite', 'test_id']);
  });

  await knex.schema.createTable('test_recorder_secrets', table => {
    table.comment(
      'Suite secrets, AES-256-GCM encrypted; never stored in clear',
    );
    table.string('suite', 255).notNullable();
    table.string('name', 255).notNullable();
    table.text('ciphertext').notNullable().comment('base64');
    table.string('iv', 64).notNullable().comment('base64');
    table.string('tag', 64).notNullable().comment('base64');
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['suite', 'name']);
  });

  await knex.schema.createTable('test_recorder_files', table => {
    table.comment('Files that upload steps of a suite may use');
    table.string('suite', 255).notNullable();
    table.string('name', 255).notNullable();
    table.binary('bytes').notNullable();
    table.integer('size').notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['suite', 'name']);
  });

  await knex.schema.createTable('test_recorder_runs', table => {
    table.comment('Suite runs: the queue and the record');
    table.uuid('run_id').primary().notNullable();
    table.string('suite', 255).notNullable();
    table.integer('suite_version').notNullable();
    table.string('entity_ref', 255).notNullable();
    table.string('status', 32).notNullable();
    table.string('trigger', 32).notNullable();
    table.string('triggered_by', 255).notNullable();
    table.text('base_url').notNullable();
    table.string('project', 255).nullable();
    table.integer('retries').notNullable();
    table
      .text('test_ids')
      .nullable()
      .comment('JSON array; null runs all tests');
    table.string('pipeline_run_id', 255).nullable();
    table.string('commit', 255).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.text('reason').nullable().comment('Why the run failed as a whole');
    table.text('video_unavailable').nullable();
    table.string('owner', 255).nullable().comment('The instance running it');
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table.boolean('cancel_requested').notNullable().defaultTo(false);
    table.integer('passed_count').notNullable().defaultTo(0);
    table.integer('failed_count').notNullable().defaultTo(0);
    table.integer('flaky_count').notNullable().defaultTo(0);
    table.integer('skipped_count').notNullable().defaultTo(0);
    table.index(
      ['entity_ref', 'created_at', 'run_id'],
      'test_recorder_runs_entity_idx',
    );
    table.index(
      ['suite', 'created_at', 'run_id'],
      'test_recorder_runs_suite_idx',
    );
    table.index(['status', 'created_at'], 'test_recorder_runs_status_idx');
  });

  await knex.schema.createTable('test_recorder_test_results', table => {
    table.comment('The result of each test in each run, with its attempts');
    table.uuid('run_id').notNullable();
    table.string('suite', 255).notNullable();
    table.string('test_id', 255).notNullable();
    table.string('test_name', 255).notNullable();
    table
      .integer('position')
      .notNullable()
      .comment('Order in which the run first reported the test');
    table.string('status', 32).notNullable();
    table.boolean('quarantined').notNullable();
    table.integer('duration_ms').notNullable();
    table.text('attempts', 'longtext').notNullable().comment('JSON');
    table
      .timestamp('run_created_at', { useTz: true })
      .notNullable()
      .comment('When the run was created, so history sorts without a join');
    table.primary(['run_id', 'test_id']);
    table.index(
      ['suite', 'test_id', 'run_created_at'],
      'test_recorder_results_history_idx',
    );
  });

  await knex.schema.createTable('test_recorder_artifacts', table => {
    table.comment('Screenshots, videos, traces; bytes on disk');
    table.uuid('artifact_id').primary().notNullable();
    table.uuid('run_id').notNullable();
    table.string('suite', 255).notNullable();
    table.string('entity_ref', 255).notNullable();
    table.string('kind', 32).notNullable();
    table.string('content_type', 255).notNullable();
    table.bigInteger('size').notNullable();
    table
      .string('path', 512)
      .notNullable()
      .comment('Relative to the artifacts directory');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['run_id'], 'test_recorder_artifacts_run_idx');
    table.index(['suite'], 'test_recorder_artifacts_suite_idx');
  });

  await knex.schema.createTable('test_recorder_baselines', table => {
    table.comment(
      'Accepted visual baselines; their artifacts are never pruned',
    );
    table.increments('baseline_id');
    table.string('suite', 255).notNullable();
    table.string('test_id', 255).notNullable();
    table.string('name', 255).notNullable();
    table.uuid('artifact_id').notNullable();
    table.string('accepted_by', 255).notNullable();
    table.timestamp('accepted_at', { useTz: true }).notNullable();
    table.index(['suite', 'test_id', 'name'], 'test_recorder_baselines_idx');
    table.index(['artifact_id'], 'test_recorder_baselines_artifact_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  for (const table of [
    'test_recorder_baselines',
    'test_recorder_artifacts',
    'test_recorder_test_results',
    'test_recorder_runs',
    'test_recorder_files',
    'test_recorder_secrets',
    'test_recorder_quarantine',
    'test_recorder_suite_versions',
    'test_recorder_suites',
  ]) {
    await knex.schema.dropTable(table);
  }
};
