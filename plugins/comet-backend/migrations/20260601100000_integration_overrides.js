// @ts-check

/**
 * `comet_integration_overrides`: the portal-side overrides of an entity's wiring saved from the
 * Integrations card (only the wiring annotations), merged into the entity by the catalog
 * processor of `@internal/plugin-catalog-backend-module-comet`. One row per entity.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('comet_integration_overrides', table => {
    table.comment('Portal-side overrides of an entity’s wiring annotations');
    table
      .string('entity_ref', 255)
      .primary()
      .comment('kind:namespace/name, lower case');
    table
      .text('annotations')
      .notNullable()
      .comment('JSON object: annotation → value');
    table
      .string('updated_by', 255)
      .notNullable()
      .comment('The user entity ref who saved it');
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('comet_integration_overrides');
};
