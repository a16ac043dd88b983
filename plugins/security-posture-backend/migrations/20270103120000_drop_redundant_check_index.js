// @ts-check
// Issue 18: the single-column check_id index is the prefix of sp_findings_check_status_idx
// (check_id, status, last_scan_id), which serves every query it served; each finding written kept
// both up to date (~10 % of inserting a finding on PostgreSQL, measured).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropIndex(['check_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.index(['check_id']);
  });
};
