// @ts-check
// Timestamps are ISO-8601 strings: they sort correctly and read back identically on SQLite and PostgreSQL.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_scans', table => {
    table.string('id', 64).primary();
    table.string('status', 16).notNullable();
    table.string('trigger', 16).notNullable();
    table.string('requested_by', 512).nullable();
    table.string('created_at', 32).notNullable().index();
    table.string('started_at', 32).nullable();
    table.string('finished_at', 32).nullable();
    table.integer('progress_done').notNullable().defaultTo(0);
    table.integer('progress_total').notNullable().defaultTo(0);
    table.text('message').nullable();
    table.text('check_runs').nullable();
  });

  await knex.schema.createTable('security_posture_findings', table => {
    table.string('fingerprint', 64).primary();
    table.string('check_id', 128).notNullable().index();
    table.string('category', 64).notNullable();
    table.string('severity', 16).notNullable();
    table.integer('severity_rank').notNullable();
    table.string('outcome', 16).notNullable();
    table.string('status', 16).notNullable();
    table.text('title').notNullable();
    table.text('message').notNullable();
    table.string('target_type', 16).notNullable();
    table.text('target').notNullable();
    table.text('location').nullable();
    table.string('entity_ref', 512).nullable().index();
    table.string('entity_kind', 64).nullable();
    table.text('owners').notNullable();
    table.text('evidence').notNullable();
    table.text('remediation').notNullable();
    table.text('docs_url').nullable();
    table.string('first_seen_at', 32).notNullable();
    table.string('last_seen_at', 32).notNullable();
    table.string('resolved_at', 32).nullable();
    table.string('last_scan_id', 64).notNullable();
    table.index(['status', 'category'], 'sp_findings_status_category_idx');
  });

  await knex.schema.createTable('security_posture_finding_owners', table => {
    table
      .string('fingerprint', 64)
      .notNullable()
      .references('fingerprint')
      .inTable('security_posture_findings')
      .onDelete('CASCADE');
    table.string('owner_ref', 512).notNullable().index();
    table.primary(['fingerprint', 'owner_ref']);
  });

  await knex.schema.createTable('security_posture_summaries', table => {
    table.string('scan_id', 64).primary();
    table.string('finished_at', 32).notNullable().index();
    table.string('status', 16).notNullable();
    table.text('summary').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_summaries');
  await knex.schema.dropTable('security_posture_finding_owners');
  await knex.schema.dropTable('security_posture_findings');
  await knex.schema.dropTable('security_posture_scans');
};
