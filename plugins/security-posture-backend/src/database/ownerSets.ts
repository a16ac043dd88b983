import { createHash } from 'node:crypto';
import { Knex } from 'knex';

/**
 * Who owns a finding, for the owner filter, owner-scoped exemptions and team scorecards: a
 * finding carries the key of its set of owners (`owners_key`), and each set's members are kept
 * once. The findings of an entity share its owners and teams share few combinations, so a first
 * scan of 110k entities writes a few hundred member rows instead of one per finding and owner.
 *
 * Sets are addressed by their content, so a key always means the same members: rows are never
 * updated or deleted (an unused set is a few rows), and a writer inserts the members of a key
 * only if it is new. The finding's `owners` column keeps the list as the check reported it.
 */

export const OWNER_SETS = 'security_posture_owner_sets';

export type OwnerSetRow = { owners_key: string; owner_ref: string };

// Nearly every finding has one owner, and all findings of an entity the same ones: a map probe
// instead of a sort and a SHA-256 per finding.
const keysByOwners = new Map<string, string>();
const KEYS_KEPT = 10_000;
// Member rows per insert: two bound parameters each, well under SQLite's limit.
const ROWS_PER_INSERT = 500;

/**
 * The key of a set of owners: SHA-256 of its sorted distinct refs; null for none. The migration
 * that introduced the sets computes the same (20270104130000_owner_sets.js).
 */
export function ownersKey(owners: readonly string[]): string | null {
  if (!owners.length) return null;
  const lookup = owners.length === 1 ? owners[0] : JSON.stringify(owners);
  let key = keysByOwners.get(lookup);
  if (key !== undefined) return key;
  const distinct = [...new Set(owners)].sort();
  key = createHash('sha256').update(JSON.stringify(distinct)).digest('hex');
  if (keysByOwners.size >= KEYS_KEPT) keysByOwners.clear();
  keysByOwners.set(lookup, key);
  return key;
}

/** The member rows of the sets of `findings` (each key once). */
export function ownerSetRows(
  findings: Array<{ owners: readonly string[]; ownersKey: string | null }>,
): OwnerSetRow[] {
  const seen = new Set<string>();
  const rows: OwnerSetRow[] = [];
  for (const { owners, ownersKey: key } of findings) {
    if (!key || seen.has(key)) continue;
    seen.add(key);
    for (const owner_ref of new Set(owners)) rows.push({ owners_key: key, owner_ref });
  }
  return rows;
}

/** Stores the members of sets (those already stored are left as they are). */
export async function writeOwnerSets(
  tx: Knex | Knex.Transaction,
  rows: OwnerSetRow[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    // A concurrent transaction (or replica) may have stored some of them meanwhile.
    await tx(OWNER_SETS)
      .insert(rows.slice(i, i + ROWS_PER_INSERT))
      .onConflict(['owners_key', 'owner_ref'])
      .ignore();
  }
}
