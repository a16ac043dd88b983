// @ts-check
// What the notifications module sent (issue 20): one row per alert key (the kind of alert and the
// finding's fingerprint, or the scan for a grade drop), so a finding alerts its recipients once,
// across restarts and replicas. A row is claimed before sending and released if sending fails.
// The module keeps its own migrations table: the plugin's migrations never see these files.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_sent_notifications', table => {
    table.string('alert_key', 255).primary();
    table.string('kind', 16).notNullable();
    table.text('recipients').notNullable();
    table.string('sent_at', 32).notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_sent_notifications');
};
