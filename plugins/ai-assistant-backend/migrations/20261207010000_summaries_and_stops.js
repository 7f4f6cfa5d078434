// @ts-check

/**
 * Older turns summarised, and answers the user stopped: a conversation keeps the summary the
 * model wrote of its oldest messages (and how many stored messages it covers, from the first),
 * so later turns reuse it rather than asking again; an assistant message records whether the
 * user stopped it. Stored messages are never deleted: the summary only changes what the model
 * is sent.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('ai_assistant_conversations', table => {
    table
      .text('summary', 'longtext')
      .nullable()
      .comment(
        'What the model wrote about the oldest messages, sent in their place (masked)',
      );
    table
      .integer('summary_covers_messages')
      .nullable()
      .comment(
        'How many stored messages, from the first, the summary stands for',
      );
    table.timestamp('summarised_at', { useTz: true }).nullable();
  });
  await knex.schema.alterTable('ai_assistant_messages', table => {
    table
      .boolean('stopped')
      .notNullable()
      .defaultTo(false)
      .comment('An assistant answer the user stopped while it was written');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('ai_assistant_messages', table => {
    table.dropColumn('stopped');
  });
  await knex.schema.alterTable('ai_assistant_conversations', table => {
    table.dropColumn('summarised_at');
    table.dropColumn('summary_covers_messages');
    table.dropColumn('summary');
  });
};
