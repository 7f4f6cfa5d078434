// @ts-check

/**
 * The assistant's tables: each user's conversations and their messages, the writes held for
 * confirmation, the per-user rate-limit windows (in the database so that the limit holds
 * across replicas) and token usage. The store deletes a conversation's rows in one
 * transaction, so nothing depends on foreign key support (SQLite has it off by default).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_assistant_conversations', table => {
    table.comment('Conversations; each belongs to one user');
    table.uuid('conversation_id').primary().notNullable();
    table.string('user_ref', 255).notNullable();
    table.string('title', 255).notNullable();
    table
      .string('entity_ref', 255)
      .nullable()
      .comment(
        'The entity the conversation is about (the side panel of an entity page)',
      );
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table
      .timestamp('turn_lease_until', { useTz: true })
      .nullable()
      .comment('Set while an answer is being written, so two never interleave');
    table.index(
      ['user_ref', 'updated_at'],
      'ai_assistant_conversations_user_idx',
    );
  });

  await knex.schema.createTable('ai_assistant_messages', table => {
    table.comment('Messages of conversations, in order');
    table.uuid('message_id').primary().notNullable();
    table.uuid('conversation_id').notNullable();
    table.integer('seq').notNullable().comment('Order within the conversation');
    table.string('role', 16).notNullable();
    table.text('content', 'longtext').notNullable();
    table
      .text('tool_calls')
      .nullable()
      .comment('JSON: the tool calls of an assistant message');
    table
      .string('tool_call_id', 255)
      .nullable()
      .comment('The call a tool message answers');
    table
      .text('activity')
      .nullable()
      .comment('JSON: the tool activity a tool message records');
    table.string('notice', 32).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.unique(['conversation_id', 'seq'], {
      indexName: 'ai_assistant_messages_seq_uq',
    });
  });

  await knex.schema.createTable('ai_assistant_confirmations', table => {
    table.comment(
      'Writes the model asked for, held until the user decides (single use)',
    );
    table.uuid('confirmation_id').primary().notNullable();
    table.uuid('conversation_id').notNullable();
    table.string('user_ref', 255).notNullable();
    table.string('tool_call_id', 255).notNullable();
    table.string('action_id', 255).notNullable();
    table
      .text('input', 'longtext')
      .notNullable()
      .comment('JSON: the exact arguments');
    table
      .string('call_hash', 64)
      .notNullable()
      .comment('sha256 of the canonical call');
    table
      .string('status', 16)
      .notNullable()
      .comment('pending, approved, rejected, expired, superseded');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('decided_at', { useTz: true }).nullable();
    table.index(
      ['conversation_id', 'status'],
      'ai_assistant_confirmations_conv_idx',
    );
  });

  await knex.schema.createTable('ai_assistant_rate_limits', table => {
    table.comment('Chat turns per user per fixed window');
    table.string('user_ref', 255).notNullable();
    table
      .bigInteger('window_start')
      .notNullable()
      .comment('Epoch milliseconds');
    table.integer('count').notNullable();
    table.primary(['user_ref', 'window_start']);
  });

  await knex.schema.createTable('ai_assistant_usage', table => {
    table.comment('One row per model call');
    table.increments('usage_id').primary();
    table.string('user_ref', 255).notNullable();
    table.uuid('conversation_id').nullable();
    table.string('model', 255).notNullable();
    table.integer('prompt_tokens').notNullable();
    table.integer('completion_tokens').notNullable();
    table.integer('total_tokens').notNullable();
    table
      .boolean('reported')
      .notNullable()
      .comment('Whether the provider reported the tokens');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['created_at'], 'ai_assistant_usage_created_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_assistant_usage');
  await knex.schema.dropTable('ai_assistant_rate_limits');
  await knex.schema.dropTable('ai_assistant_confirmations');
  await knex.schema.dropTable('ai_assistant_messages');
  await knex.schema.dropTable('ai_assistant_conversations');
};
