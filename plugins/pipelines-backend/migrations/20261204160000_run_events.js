// @ts-check

/**
 * An outbox of run and job status changes for other plugins' listeners: each event is written
 * in the transaction of the change it describes, then delivered at least once to each listener
 * through its own delivery row, claimed with a lease so replicas do not deliver it twice at
 * once. Timestamps come from JavaScript `Date`s, as in the other tables.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_run_events', table => {
    table.comment(
      'Run and job status changes waiting for (or kept after) delivery',
    );
    table.bigIncrements('event_id');
    table.string('run_id', 64).notNullable();
    table.string('type', 32).notNullable();
    table.text('payload').notNullable().comment('JSON PipelineRunEvent');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['created_at'], 'pipeline_run_events_created_idx');
  });

  await knex.schema.createTable('pipeline_run_event_deliveries', table => {
    table.comment('Delivery of one run event to one listener');
    table
      .bigInteger('event_id')
      .notNullable()
      .references('event_id')
      .inTable('pipeline_run_events')
      .onDelete('CASCADE');
    table.string('listener_id', 255).notNullable();
    table
      .string('state', 16)
      .notNullable()
      .comment('pending, delivered or abandoned (out of attempts)');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable();
    table
      .string('lease_owner', 255)
      .nullable()
      .comment('The dispatcher delivering it now');
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table.timestamp('delivered_at', { useTz: true }).nullable();
    table.text('last_error').nullable();
    table.primary(['event_id', 'listener_id']);
    table.index(
      ['listener_id', 'state', 'event_id'],
      'pipeline_run_event_deliveries_listener_idx',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pipeline_run_event_deliveries');
  await knex.schema.dropTable('pipeline_run_events');
};
