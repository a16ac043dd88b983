// @ts-check
// Issue 18: a finding's remediation and documentation link are its check's, the same for every
// finding the check reports (~500 bytes of a ~1 kB row; 313,000 copies in a first scan of 110k
// entities). They are kept once per distinct pair, keyed by its SHA-256, and a finding written
// from now on carries the key with an empty remediation. Rows written before keep their texts
// inline (texts_key null) until they are written again.

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('security_posture_finding_texts', table => {
    table.string('texts_key', 64).primary();
    table.text('remediation').notNullable();
    table.text('docs_url').nullable();
  });
  await knex.schema.alterTable('security_posture_findings', table => {
    table.string('texts_key', 64).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  // The texts go back into the rows that only point at them.
  const texts = knex('security_posture_finding_texts')
    .whereRaw('?? = ??', [
      'security_posture_finding_texts.texts_key',
      'security_posture_findings.texts_key',
    ]);
  await knex('security_posture_findings')
    .whereNotNull('texts_key')
    .update({
      remediation: texts.clone().select('remediation'),
      docs_url: texts.clone().select('docs_url'),
    });
  await knex.schema.alterTable('security_posture_findings', table => {
    table.dropColumn('texts_key');
  });
  await knex.schema.dropTable('security_posture_finding_texts');
};
