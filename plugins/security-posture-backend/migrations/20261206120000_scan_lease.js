// @ts-check
// Scans across replicas: a running scan holds a lease that its replica renews (heartbeat_at), so
// another replica can tell an abandoned scan (its replica was killed) from a long one; scan
// starts and claims are serialised through a lock row, so two replicas never both start one.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_scans', table => {
    table.string('heartbeat_at', 32).nullable();
    // Which replica runs the scan (host, process id, instance), for operators and logs.
    table.string('runner', 255).nullable();
  });
  // Scans running during the upgrade count as alive since they started.
  await knex('security_posture_scans')
    .where({ status: 'running' })
    .update({ heartbeat_at: knex.ref('started_at') });

  await knex.schema.createTable('security_posture_locks', table => {
    table.string('name', 64).primary();
    table.string('locked_by', 255).nullable();
    table.string('locked_at', 32).nullable();
  });
  await knex('security_posture_locks').insert({ name: 'scans' });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('security_posture_locks');
  await knex.schema.alterTable('security_posture_scans', table => {
    table.dropColumn('runner');
    table.dropColumn('heartbeat_at');
  });
};
