// @ts-check
// Every GET /summary asks whether detection findings changed (`where last_scan_id = 'detections'`,
// see DatabaseDetectionStore.changeKey) before it answers from its cache. Without an index that
// led with last_scan_id, SQLite read every finding for it: ~30 ms at 37k findings, on the event
// loop, for each request (issue 18: responsiveness).

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.index(['last_scan_id'], 'sp_findings_last_scan_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropIndex(['last_scan_id'], 'sp_findings_last_scan_idx');
  });
};
