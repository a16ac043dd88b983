import { Knex } from 'knex';

/** A stored finding's owners as the owner filter sees them: the members of its set, sorted. */
export async function ownersOf(knex: Knex, fingerprint: string): Promise<string[]> {
  const rows: Array<{ owner_ref: string }> = await knex('security_posture_findings as f')
    .join('security_posture_owner_sets as o', 'o.owners_key', 'f.owners_key')
    .where('f.fingerprint', fingerprint)
    .select('o.owner_ref')
    .orderBy('o.owner_ref');
  return rows.map(r => r.owner_ref);
}
