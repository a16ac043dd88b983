import { createHash } from 'node:crypto';
import { Knex } from 'knex';

/**
 * A finding's remediation and documentation link, kept once per distinct pair: every finding of
 * a check carries its check's texts, so storing them in each row made them half of what a first
 * scan writes. A row that points at its texts (`texts_key`) has an empty `remediation` and no
 * `docs_url`; a row written before they were shared carries them inline (`texts_key` null).
 *
 * The texts are addressed by their content, so a key always means the same texts: rows are never
 * updated, readers may cache them, and a writer inserts a pair only if its key is new.
 */

export const FINDING_TEXTS = 'security_posture_finding_texts';

export type FindingTextsRow = {
  texts_key: string;
  remediation: string;
  docs_url: string | null;
};

// Findings of one check share the same string instances, so a lookup is a hash-cached map probe
// instead of a SHA-256 of ~500 bytes per finding. Bounded: a store sees a few dozen pairs.
const keysByRemediation = new Map<string, Map<string | null, string>>();
const KEYS_KEPT = 1000;

/** The key of a remediation and documentation link pair. */
export function findingTextsKey(remediation: string, docsUrl: string | null): string {
  let byDocs = keysByRemediation.get(remediation);
  let key = byDocs?.get(docsUrl);
  if (key !== undefined) return key;
  key = createHash('sha256').update(JSON.stringify([remediation, docsUrl])).digest('hex');
  if (keysByRemediation.size >= KEYS_KEPT) keysByRemediation.clear();
  if (!byDocs) keysByRemediation.set(remediation, (byDocs = new Map()));
  byDocs.set(docsUrl, key);
  return key;
}

/** Stores texts (distinct keys; those already stored are left as they are). */
export async function writeFindingTexts(
  tx: Knex | Knex.Transaction,
  texts: FindingTextsRow[],
): Promise<void> {
  if (!texts.length) return;
  // A concurrent transaction (or replica) may have stored some of them meanwhile.
  await tx(FINDING_TEXTS).insert(texts).onConflict('texts_key').ignore();
}

/**
 * Puts the shared texts back into rows read from the findings table (in place), reading the
 * pairs it has not seen from the database. Keys are content addresses, so what it keeps never
 * goes stale.
 */
export class FindingTextsReader {
  private readonly known = new Map<string, FindingTextsRow>();

  constructor(private readonly db: Knex) {}

  async fill<
    T extends { texts_key?: string | null; remediation: string; docs_url: string | null },
  >(rows: T[]): Promise<T[]> {
    const missing = new Set<string>();
    for (const row of rows) {
      if (row.texts_key && !this.known.has(row.texts_key)) missing.add(row.texts_key);
    }
    if (missing.size) {
      const found: FindingTextsRow[] = await this.db(FINDING_TEXTS).whereIn('texts_key', [
        ...missing,
      ]);
      if (this.known.size + found.length > KEYS_KEPT) this.known.clear();
      for (const texts of found) this.known.set(texts.texts_key, texts);
    }
    for (const row of rows) {
      if (!row.texts_key) continue;
      const texts = this.known.get(row.texts_key);
      // Not expected (texts are written with their rows, never deleted); say so over a blank.
      if (!texts) throw new Error(`Finding texts ${row.texts_key} are missing from the store`);
      row.remediation = texts.remediation;
      row.docs_url = texts.docs_url;
    }
    return rows;
  }
}
