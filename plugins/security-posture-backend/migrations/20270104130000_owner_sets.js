// @ts-check
// Issue 18: who owns a finding was one row per finding and owner (313,000+ rows in a first scan
// of 110k entities, a sixth of PostgreSQL's work in it), though the findings of an entity share
// its owners and teams share few combinations. A finding now carries the key of its set of
// owners (SHA-256 of the sorted distinct refs; none for no owners), and each set's members are
// kept once. Existing findings get their key from their `owners` column here.

const { createHash } = require('node:crypto');

const FINDINGS = 'security_posture_findings';
const OWNER_SETS = 'security_posture_owner_sets';
const FINDING_OWNERS = 'security_posture_finding_owners';

/**
 * The same key as ownerSets.ts computes (a test holds them together).
 * @param {string[]} owners
 */
function ownersKey(owners) {
  const distinct = [...new Set(owners)].sort();
  if (!distinct.length) return null;
  return createHash('sha256').update(JSON.stringify(distinct)).digest('hex');
}

/**
 * Indexes that a scan into an empty store deferred and has not built yet (it crashed, say; see
 * deferredIndexes.ts) on what this migration removes: they cannot be built again.
 * @param {import('knex').Knex} knex
 * @param {string} mentioning
 */
async function forgetDeferredIndexes(knex, mentioning) {
  const settings = () => knex('security_posture_settings').where({ name: 'deferred-indexes' });
  const deferred = await settings().first();
  if (!deferred) return;
  /** @type {Array<{ name: string; definition: string }>} */
  const indexes = JSON.parse(deferred.value);
  const kept = indexes.filter(index => !index.definition.includes(mentioning));
  await settings().update({ value: JSON.stringify(kept) });
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable(OWNER_SETS, table => {
    table.string('owners_key', 64).notNullable();
    table.string('owner_ref', 512).notNullable();
    table.primary(['owners_key', 'owner_ref']);
    table.index(['owner_ref'], 'sp_owner_sets_owner_idx');
  });
  await knex.schema.alterTable(FINDINGS, table => {
    table.string('owners_key', 64).nullable();
    table.index(['owners_key'], 'sp_findings_owners_key_idx');
  });
  // One update per distinct owners column (a few per team), not per finding.
  const distinct = await knex(FINDINGS).distinct('owners');
  for (const { owners } of distinct) {
    const refs = JSON.parse(owners);
    const key = ownersKey(refs);
    if (!key) continue;
    await knex(OWNER_SETS)
      .insert([...new Set(refs)].map(owner_ref => ({ owners_key: key, owner_ref })))
      .onConflict(['owners_key', 'owner_ref'])
      .ignore();
    await knex(FINDINGS).where({ owners }).update({ owners_key: key });
  }
  await knex.schema.dropTable(FINDING_OWNERS);
  await forgetDeferredIndexes(knex, FINDING_OWNERS);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.createTable(FINDING_OWNERS, table => {
    table
      .string('fingerprint', 64)
      .notNullable()
      .references('fingerprint')
      .inTable(FINDINGS)
      .onDelete('CASCADE');
    table.string('owner_ref', 512).notNullable().index();
    table.primary(['fingerprint', 'owner_ref']);
  });
  await knex
    .insert(
      knex(`${FINDINGS} as f`)
        .join(`${OWNER_SETS} as o`, 'o.owners_key', 'f.owners_key')
        .select('f.fingerprint', 'o.owner_ref'),
    )
    .into(knex.raw('?? (??, ??)', [FINDING_OWNERS, 'fingerprint', 'owner_ref']));
  // Missing while a scan into an empty store defers it.
  await knex.raw('drop index if exists ??', ['sp_findings_owners_key_idx']);
  await forgetDeferredIndexes(knex, 'sp_findings_owners_key_idx');
  await knex.schema.alterTable(FINDINGS, table => {
    table.dropColumn('owners_key');
  });
  await knex.schema.dropTable(OWNER_SETS);
};
