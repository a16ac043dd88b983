// @ts-check
// Every scan resolves, per deployment check, its open findings it did not report again, and per
// entity check those of entities that left the catalog (`check_id = ? and status = 'open' and ...`).
// With only status-first indexes SQLite walked every open finding for each check (0.3-0.4 s per
// statement at 37k findings, twice per check, most of an incremental rescan at 11k entities).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.index(
      ['check_id', 'status', 'last_scan_id'],
      'sp_findings_check_status_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropIndex(
      ['check_id', 'status', 'last_scan_id'],
      'sp_findings_check_status_idx',
    );
  });
};
