// @ts-check
// What changed in each scan (issue 17): the findings a scan added (new, or reopened after being
// resolved), resolved, or whose severity it changed, relative to what the scans before it left.
// Recorded in the transaction that writes the change, so a scan's changes and its findings agree.
// A change set per scan says that the scan recorded its changes, and whether it was the baseline
// (the first scan of an empty store: its findings are not "new").

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_scan_change_sets', table => {
    table.string('scan_id', 64).primary();
    table.boolean('baseline').notNullable();
    table.string('created_at', 32).notNullable().index();
  });

  await knex.schema.createTable('security_posture_scan_changes', table => {
    table.increments('id');
    table.string('scan_id', 64).notNullable();
    table.string('fingerprint', 64).notNullable();
    // new | reopened | resolved | severity
    table.string('change', 16).notNullable();
    // after the change (resolved: the last severity it had)
    table.string('severity', 16).notNullable();
    table.integer('severity_rank').notNullable();
    // severity changes: the severity before
    table.string('previous_severity', 16).nullable();
    table.string('check_id', 128).notNullable();
    table.string('category', 64).notNullable();
    table.text('title').notNullable();
    table.string('entity_ref', 512).nullable();
    table.string('recorded_at', 32).notNullable().index();
    table.index(['scan_id', 'severity_rank'], 'sp_scan_changes_scan_rank_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_scan_changes');
  await knex.schema.dropTable('security_posture_scan_change_sets');
};
