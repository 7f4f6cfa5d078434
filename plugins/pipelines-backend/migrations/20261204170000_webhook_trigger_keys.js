// @ts-check

/**
 * What each handled GitHub webhook delivery asked to build (repository, event, ref and commit,
 * hashed), so the same signed body sent again under a new delivery id starts nothing: GitHub's
 * signature covers the body, not the delivery id.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('pipeline_webhook_trigger_keys', table => {
    table.comment('Builds webhook deliveries already asked for, by content');
    table
      .string('trigger_key', 64)
      .notNullable()
      .primary()
      .comment('sha256 hex of repository, event, ref and commit');
    table
      .string('delivery_id', 255)
      .notNullable()
      .comment('The delivery that asked first');
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.index(['delivery_id'], 'pipeline_webhook_trigger_keys_delivery_idx');
    table.index(['received_at'], 'pipeline_webhook_trigger_keys_received_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('pipeline_webhook_trigger_keys');
};
