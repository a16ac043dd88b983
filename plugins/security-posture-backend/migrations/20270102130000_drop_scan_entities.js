// @ts-check
// Issue 18: the entities a running scan's catalog pass met are kept in the scan's memory, not in
// one row per entity per scan (110k inserts and deletes per scan at 110k entities).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.dropTableIfExists('security_posture_scan_entities');
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.createTable('security_posture_scan_entities', table => {
    table.string('scan_id', 64).notNullable();
    table.string('entity_ref', 512).notNullable();
    table.primary(['scan_id', 'entity_ref']);
  });
};
