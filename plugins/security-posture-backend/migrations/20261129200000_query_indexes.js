// @ts-check
// Indexes for the report queries at scale (measured in bench/: 1M findings). Each one serves a
// query that otherwise sorts or scans every open finding.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    // Entity tab: findings of one entity in the default order, and its counts. With the order
    // in the index, SQLite does not prefer walking every open finding in order instead.
    table.dropIndex(['entity_ref']);
    table.index(
      ['entity_ref', 'status', 'severity_rank', 'fingerprint'],
      'sp_findings_entity_status_idx',
    );
    // Findings list, default order (severity, then fingerprint as the tie-breaker).
    table.index(['status', 'severity_rank', 'fingerprint'], 'sp_findings_status_rank_idx');
    // Findings list filtered by category, in the default order.
    table.dropIndex(['status', 'category'], 'sp_findings_status_category_idx');
    table.index(
      ['status', 'category', 'severity_rank', 'fingerprint'],
      'sp_findings_status_category_idx',
    );
    // Exports: keyset pages of open findings in fingerprint order.
    table.index(['status', 'fingerprint'], 'sp_findings_status_fingerprint_idx');
    // Scoring: counts per category × severity × outcome, and the first findings of a group.
    table.index(
      ['status', 'category', 'severity', 'outcome', 'fingerprint'],
      'sp_findings_scoring_idx',
    );
    // Content of a finding as last written, so a scan rewrites only findings that changed.
    table.string('content_hash', 64).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropColumn('content_hash');
    table.dropIndex([], 'sp_findings_scoring_idx');
    table.dropIndex([], 'sp_findings_status_fingerprint_idx');
    table.dropIndex([], 'sp_findings_status_category_idx');
    table.index(['status', 'category'], 'sp_findings_status_category_idx');
    table.dropIndex([], 'sp_findings_status_rank_idx');
    table.dropIndex([], 'sp_findings_entity_status_idx');
    table.index(['entity_ref']);
  });
};
