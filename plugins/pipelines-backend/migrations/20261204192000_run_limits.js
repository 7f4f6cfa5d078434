// @ts-check

/**
 * What the run limits and the retention sweep need:
 * - `triggered_by`: who started a run (the trigger's actor), so the active runs of one user
 *   are counted by index (`pipelines.limits.maxActiveRunsPerUser`). Runs still active when
 *   this migration runs get it from their stored trigger; finished runs never count.
 * - `log_expired_at` / `artifacts_expired_at`: when the retention sweep removed a finished
 *   run's log or artifacts (`pipelines.retention.logDays` / `artifactDays`), so every sweep
 *   after it skips that run.
 * - indexes on status (active runs per entity and per user) and on finished_at (the sweep).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table
      .string('triggered_by', 255)
      .nullable()
      .comment('The user or service that triggered the run (trigger.actor)');
    table
      .timestamp('log_expired_at', { useTz: true })
      .nullable()
      .comment('When retention deleted the log of this finished run');
    table
      .timestamp('artifacts_expired_at', { useTz: true })
      .nullable()
      .comment('When retention deleted the artifacts of this finished run');
    table.index(['status', 'entity_ref'], 'pipeline_runs_status_entity_idx');
    table.index(['status', 'triggered_by'], 'pipeline_runs_status_actor_idx');
    table.index(['finished_at'], 'pipeline_runs_finished_idx');
  });

  const active = await knex('pipeline_runs')
    .whereIn('status', ['queued', 'running', 'waiting'])
    .select('run_id', 'trigger');
  for (const row of active) {
    let actor;
    try {
      actor = JSON.parse(row.trigger)?.actor;
    } catch {
      actor = undefined;
    }
    if (typeof actor === 'string' && actor) {
      await knex('pipeline_runs')
        .where('run_id', row.run_id)
        .update({ triggered_by: actor.slice(0, 255) });
    }
  }
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('pipeline_runs', table => {
    table.dropIndex(['finished_at'], 'pipeline_runs_finished_idx');
    table.dropIndex(
      ['status', 'triggered_by'],
      'pipeline_runs_status_actor_idx',
    );
    table.dropIndex(
      ['status', 'entity_ref'],
      'pipeline_runs_status_entity_idx',
    );
    table.dropColumn('artifacts_expired_at');
    table.dropColumn('log_expired_at');
    table.dropColumn('triggered_by');
  });
};
