// @ts-check

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  // Structured data checks publish for the UI (coverage matrix, inventory, template scores).
  await knex.schema.createTable('security_posture_check_data', table => {
    table.string('check_id', 128).notNullable();
    table.string('key', 128).notNullable();
    table.string('scan_id', 64).notNullable();
    table.string('updated_at', 32).notNullable();
    table.text('data').notNullable();
    table.primary(['check_id', 'key']);
  });
  // Installation-wide settings, e.g. the key of secret fingerprints when config gives none.
  await knex.schema.createTable('security_posture_settings', table => {
    table.string('name', 64).primary();
    table.text('value').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_settings');
  await knex.schema.dropTable('security_posture_check_data');
};
