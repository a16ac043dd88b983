// @ts-check
// Incremental rescans (issue 18). Per catalog entity: the hash of its content as the catalog
// returned it and the hash of the checks that evaluated it (id, version, config hash each), as
// of the scan that last evaluated it and wrote its findings. A scan skips an entity whose two
// hashes are unchanged: its findings stand as written. Complete catalog passes are recorded so
// that a full pass (every entity evaluated) runs at least every securityPosture.scan.fullPassEvery.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable(
    'security_posture_entity_evaluations',
    table => {
      // lower-cased, like the findings' entity_ref
      table.string('entity_ref', 512).primary();
      table.string('content_hash', 64).notNullable();
      table.string('evaluators_hash', 64).notNullable();
      table.string('scan_id', 64).notNullable();
      table.string('evaluated_at', 32).notNullable();
    },
  );

  await knex.schema.createTable('security_posture_entity_passes', table => {
    table.string('scan_id', 64).primary();
    // every entity evaluated (true), or unchanged ones skipped (false)
    table.boolean('full').notNullable();
    table.string('finished_at', 32).notNullable().index();
    table.integer('evaluated').notNullable();
    table.integer('skipped').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_entity_passes');
  await knex.schema.dropTable('security_posture_entity_evaluations');
};
