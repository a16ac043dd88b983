// @ts-check
// Issue 17: a scan may cover only some checks ("rescan this check"); the scan record says which.
// JSON array of check ids; null for a scan of every enabled check.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_scans', table => {
    table.text('check_ids').nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_scans', table => {
    table.dropColumn('check_ids');
  });
};
