// @ts-check
// Issue 20: the sliding windows of live detections, one row per rule and subject (actor or
// client address). A row holds at most the rule's threshold + 1 event times, so rows stay
// small; rows untouched for the retention period are deleted, and the number of rows is capped.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_detection_windows', table => {
    // sha256 of rule id and subject: subjects are entity refs of any length
    table.string('window_key', 64).primary();
    table.string('rule_id', 128).notNullable();
    table.text('subject').notNullable();
    // JSON: [[epoch ms, "plugin.eventId"], ...], oldest first
    table.text('events').notNullable();
    // epoch ms before which the rule does not fire again for this subject
    table.bigInteger('quiet_until').nullable();
    table.string('updated_at', 32).notNullable().index();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_detection_windows');
};
