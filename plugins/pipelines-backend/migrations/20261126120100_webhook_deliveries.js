// @ts-check

/**
 * GitHub webhook deliveries already handled, so a redelivery (or the same delivery reaching
 * two replicas) triggers runs only once.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_webhook_deliveries', table => {
    table.comment('Webhook delivery ids already handled');
    table.string('delivery_id', 255).notNullable().primary();
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.index(['received_at'], 'pipeline_webhook_deliveries_received_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pipeline_webhook_deliveries');
};
