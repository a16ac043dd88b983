// @ts-check
// Exemptions (issue 15): a finding, a check on a target, or a check on a set of entities is
// exempted with a kind, a reason, who and when, an optional expiry and ticket. Whether an
// exemption applies is decided when findings are read (expired ones stop applying at once), so
// findings keep their scan status; they gain the config path of config targets, which a
// "check on a config path" exemption matches.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_exemptions', table => {
    table.string('id', 64).primary();
    // finding | target | entities
    table.string('scope_type', 16).notNullable();
    // scope finding: the finding's fingerprint
    table.string('fingerprint', 64).nullable().index();
    // scope target and entities: the check; scope finding: the finding's check (descriptive)
    table.string('check_id', 128).nullable().index();
    // scope target: the entity (lower case); scope finding: the finding's entity (descriptive)
    table.string('entity_ref', 512).nullable().index();
    // scope target: the config path
    table.text('config_path').nullable();
    // scope entities: kind (lower case) and/or owner ref (lower case)
    table.string('entity_kind', 64).nullable();
    table.string('owner_ref', 512).nullable();
    table.string('kind', 32).notNullable();
    table.text('reason').notNullable();
    table.text('ticket').nullable();
    table.string('created_by', 512).notNullable();
    table.string('created_at', 32).notNullable().index();
    table.string('expires_at', 32).nullable().index();
    table.string('revoked_by', 512).nullable();
    table.string('revoked_at', 32).nullable();
  });

  await knex.schema.alterTable('security_posture_findings', table => {
    table.text('config_path').nullable();
  });
  // Findings stored before this migration: their config path from the stored target.
  const rows = await knex('security_posture_findings')
    .select('fingerprint', 'target')
    .where({ target_type: 'config' });
  // Deployment checks report few config findings: one update each is fine.
  for (const row of rows) {
    let path;
    try {
      path = JSON.parse(row.target).path;
    } catch {
      path = undefined;
    }
    if (typeof path === 'string') {
      await knex('security_posture_findings')
        .where({ fingerprint: row.fingerprint })
        .update({ config_path: path });
    }
  }
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropColumn('config_path');
  });
  await knex.schema.dropTable('security_posture_exemptions');
};
