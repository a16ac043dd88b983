// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // Entities a running scan's catalog pass has evaluated, so that at the end of a complete pass
  // the findings of entities that left the catalog can be resolved without rewriting every
  // finding that was seen again. Emptied when the scan ends.
  await knex.schema.createTable('security_posture_scan_entities', table => {
    table.string('scan_id', 64).notNullable();
    table.string('entity_ref', 512).notNullable();
    table.primary(['scan_id', 'entity_ref']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_scan_entities');
};
