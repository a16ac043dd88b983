// @ts-check
// Issue 18: per entity, the digests of what each check that evaluates it found, in the order of
// its evaluators (see the entity's evaluators_hash). A pass that evaluates the entity again and
// finds the same leaves its findings untouched: a full pass over a catalog that did not change
// reads and writes no finding rows. Null for rows recorded before: their next evaluation writes.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('security_posture_entity_evaluations', table => {
    table.text('findings_digests').nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('security_posture_entity_evaluations', table => {
    table.dropColumn('findings_digests');
  });
};
