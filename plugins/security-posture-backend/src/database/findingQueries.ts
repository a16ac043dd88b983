import { Knex } from 'knex';
import {
  emptySeverityCounts,
  Finding,
  FindingGroup,
  FindingsQuery,
  FindingSortField,
  isSeverity,
  severityRank,
  Severity,
  SeverityCounts,
} from '@security-posture/plugin-security-posture-common';
import type { FindingGroupKey, OpenFindingGroup } from './PostureStore';
import { FindingsVisibility, OwnedFindingCounts, ScoringFinding } from './PostureStore';
import { pageOfFindingGroups } from './findingGroups';
import {
  activeExemptionOf,
  EXEMPTIONS,
  ExemptionRow,
  exemptionToShow,
  FINDINGS,
} from './exemptionRows';
import { OWNER_SETS } from './ownerSets';
import { byFingerprint, chunk, escapeLike, FindingRow, toFinding } from './postureRows';
import { FindingTextsReader } from './findingTexts';

const SORT_COLUMNS: Record<FindingSortField, string> = {
  severity: 'severity_rank',
  category: 'category',
  checkId: 'check_id',
  entityRef: 'entity_ref',
  firstSeenAt: 'first_seen_at',
  lastSeenAt: 'last_seen_at',
};

/**
 * The store's reads of findings: lists, pages, groups and counts. Exemptions apply when findings
 * are read (an open finding that an active exemption covers reads as exempted), at `now`.
 */
export class FindingQueries {
  private readonly texts: FindingTextsReader;

  constructor(
    private readonly db: Knex,
    /** Now, as an ISO timestamp: the store's clock, which tests fake. */
    private readonly now: () => string,
  ) {
    this.texts = new FindingTextsReader(db);
  }

  /**
   * Whether any exemption applies at `now`: when none does (the common case), finding queries
   * leave out the exemption subquery altogether.
   */
  private async anyExemptionApplies(now: string): Promise<boolean> {
    const row = await this.db(EXEMPTIONS)
      .select('id')
      .whereNull('revoked_at')
      .where(open => open.whereNull('expires_at').orWhere('expires_at', '>', now))
      .first();
    return Boolean(row);
  }

  /**
   * Open findings no active exemption covers (`exempted: false`) or those one covers (`true`),
   * at `now`; `exemptions` says whether any applies.
   */
  private whereOpen(
    q: Knex.QueryBuilder,
    options: { exempted: boolean; exemptions: boolean; now: string },
  ) {
    q.where(`${FINDINGS}.status`, 'open');
    if (options.exempted) {
      if (!options.exemptions) return q.whereRaw('1 = 0');
      return q.whereExists(activeExemptionOf(this.db, options.now));
    }
    return options.exemptions ? q.whereNotExists(activeExemptionOf(this.db, options.now)) : q;
  }

  /**
   * Findings as the API shows them: open ones that an active exemption covers are `exempted`,
   * and each carries the exemption that covers it (active, or the one that expired last).
   */
  private async withExemptions(rows: FindingRow[], now: string): Promise<Finding[]> {
    const findings = (await this.texts.fill(rows)).map(toFinding);
    if (!findings.length) return findings;
    const fingerprints = findings.map(f => f.fingerprint);
    const checkIds = [...new Set(findings.map(f => f.checkId))];
    const candidates: ExemptionRow[] = [];
    for (const batch of chunk(fingerprints)) {
      candidates.push(
        ...(await this.db(EXEMPTIONS)
          .whereNull('revoked_at')
          .where('scope_type', 'finding')
          .whereIn('fingerprint', batch)),
      );
    }
    for (const batch of chunk(checkIds)) {
      candidates.push(
        ...(await this.db(EXEMPTIONS)
          .whereNull('revoked_at')
          .whereNot('scope_type', 'finding')
          .whereIn('check_id', batch)),
      );
    }
    if (!candidates.length) return findings;
    return findings.map(finding => {
      const exemption = exemptionToShow(candidates, finding, now);
      if (!exemption) return finding;
      const exempted = finding.status === 'open' && exemption.state === 'active';
      return { ...finding, status: exempted ? 'exempted' : finding.status, exemption };
    });
  }

  private filtered(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    exemptions: { exemptions: boolean; now: string },
  ) {
    const q = this.db<FindingRow>(FINDINGS);
    if (visibility.type === 'entities') {
      if (visibility.entityRefs.length === 0) {
        q.whereRaw('1 = 0');
      } else {
        q.where(inner => {
          for (const refs of chunk(visibility.entityRefs, 1000)) {
            inner.orWhereIn('entity_ref', refs);
          }
        });
      }
    }
    if (query.category?.length) q.whereIn('category', query.category);
    // By rank, which the list indexes are ordered by (severity and its rank always agree).
    if (query.severity?.length) {
      q.whereIn('severity_rank', query.severity.filter(isSeverity).map(severityRank));
    }
    // Stored statuses are open and resolved; exempted is open with an active exemption.
    const statuses = new Set(query.status?.length ? query.status : ['open']);
    q.where(status => {
      if (statuses.has('open') && statuses.has('exempted')) {
        status.orWhere(`${FINDINGS}.status`, 'open');
      } else if (statuses.has('open')) {
        status.orWhere(open => this.whereOpen(open, { ...exemptions, exempted: false }));
      } else if (statuses.has('exempted')) {
        status.orWhere(exempted => this.whereOpen(exempted, { ...exemptions, exempted: true }));
      }
      if (statuses.has('resolved')) status.orWhere(`${FINDINGS}.status`, 'resolved');
    });
    if (query.checkId?.length) q.whereIn('check_id', query.checkId);
    if (query.entityKind?.length) {
      q.whereIn(
        this.db.raw('lower(entity_kind)') as any,
        query.entityKind.map(k => k.toLocaleLowerCase('en-US')),
      );
    }
    if (query.entityRef) q.where('entity_ref', query.entityRef.toLocaleLowerCase('en-US'));
    if (query.owner?.length) {
      q.whereIn(
        'owners_key',
        this.db(OWNER_SETS)
          .select('owners_key')
          .whereIn('owner_ref', query.owner.map(o => o.toLocaleLowerCase('en-US'))),
      );
    }
    if (query.text?.trim()) {
      const pattern = `%${escapeLike(query.text.trim().toLocaleLowerCase('en-US'))}%`;
      q.where(inner => {
        for (const column of ['title', 'message', 'check_id', 'entity_ref', 'location']) {
          inner.orWhereRaw(`lower(${column}) like ? escape '\\'`, [pattern]);
        }
      });
    }
    return q;
  }

  private sorted(q: Knex.QueryBuilder, query: FindingsQuery) {
    const column = SORT_COLUMNS[query.orderBy ?? 'severity'] ?? 'severity_rank';
    const order = query.order === 'desc' ? 'desc' : 'asc';
    return q.orderBy(column, order).orderBy('fingerprint', 'asc');
  }

  async listFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    options: { withTotal?: boolean } = {},
  ): Promise<{ items: Finding[]; totalItems: number }> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const now = this.now();
    const applied = { exemptions: await this.anyExemptionApplies(now), now };
    const [counted, rows] = await Promise.all([
      options.withTotal === false
        ? undefined
        : this.filtered(query, visibility, applied).count({ count: '*' }),
      this.sorted(this.filtered(query, visibility, applied), query).limit(limit).offset(offset),
    ]);
    const items = await this.withExemptions(rows as FindingRow[], now);
    return { items, totalItems: counted ? Number(counted[0].count) : offset + items.length };
  }

  async listFindingGroups(
    query: FindingsQuery,
    visibility: FindingsVisibility,
  ): Promise<{ items: FindingGroup[]; totalItems: number }> {
    const now = this.now();
    const applied = { exemptions: await this.anyExemptionApplies(now), now };
    return pageOfFindingGroups(this.db, () => this.filtered(query, visibility, applied), {
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
  }

  streamFindings(
    query: FindingsQuery,
    visibility: FindingsVisibility,
    pageSize = 1000,
  ): AsyncIterable<Finding[]> {
    // Keyset paging on the primary key: stable while scans write, and no growing OFFSET cost.
    // Not an async generator: its frame would keep the last page's rows alive until the next
    // page is read, long enough for them to be promoted to V8's old generation (RSS growth).
    let after = '';
    let done = false;
    // One instant for the whole export, so that every page applies the same exemptions.
    const now = this.now();
    let exemptions: boolean | undefined;
    const next = async (): Promise<IteratorResult<Finding[], undefined>> => {
      if (done) return { done: true, value: undefined };
      exemptions ??= await this.anyExemptionApplies(now);
      const rows: FindingRow[] = await this.filtered({ ...query, limit: undefined }, visibility, {
        exemptions,
        now,
      })
        .where(`${FINDINGS}.fingerprint`, '>', after)
        .orderBy(`${FINDINGS}.fingerprint`, 'asc')
        .limit(pageSize);
      if (rows.length < pageSize) done = true;
      if (!rows.length) return { done: true, value: undefined };
      after = rows[rows.length - 1].fingerprint;
      return { done: false, value: await this.withExemptions(rows, now) };
    };
    const stop = async (): Promise<IteratorResult<Finding[], undefined>> => {
      done = true;
      return { done: true, value: undefined };
    };
    return { [Symbol.asyncIterator]: () => ({ next, return: stop }) };
  }

  async getFinding(fingerprint: string): Promise<Finding | undefined> {
    const row = await this.db<FindingRow>(FINDINGS).where({ fingerprint }).first();
    return row ? (await this.withExemptions([row], this.now()))[0] : undefined;
  }

  async countOpenBySeverity(entityRef: string): Promise<SeverityCounts> {
    const now = this.now();
    const q = this.db(FINDINGS)
      .select('severity')
      .count({ count: '*' })
      .where({ entity_ref: entityRef.toLocaleLowerCase('en-US') })
      .groupBy('severity');
    this.whereOpen(q, { exempted: false, exemptions: await this.anyExemptionApplies(now), now });
    const rows = (await q) as Array<{ severity: string; count: string | number }>;
    const counts = emptySeverityCounts();
    for (const row of rows) {
      if (isSeverity(row.severity)) counts[row.severity] = Number(row.count);
    }
    return counts;
  }

  async listEntityRefsWithFindings(status: Finding['status'][] = ['open']): Promise<string[]> {
    const rows: Array<{ entity_ref: string }> = await this.db(FINDINGS)
      .distinct('entity_ref')
      .whereNotNull('entity_ref')
      .whereIn('status', status);
    return rows.map(r => r.entity_ref);
  }

  async countOpenFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.countFindingGroups({ exempted: false });
  }

  async countExemptedFindingGroups(): Promise<OpenFindingGroup[]> {
    return this.countFindingGroups({ exempted: true });
  }

  async appliedExemptionsKey(): Promise<string> {
    const now = this.now();
    const [row] = await this.db(EXEMPTIONS).select(
      this.db.raw('count(*) as total'),
      this.db.raw(
        `sum(case when revoked_at is null and (expires_at is null or expires_at > ?) then 1 else 0 end) as active`,
        [now],
      ),
      this.db.raw('max(revoked_at) as last_revoked'),
    );
    return `${Number(row.total)}|${Number(row.active ?? 0)}|${row.last_revoked ?? ''}`;
  }

  /** Open findings that no active exemption covers, or those one covers, per group. */
  private async countFindingGroups(options: { exempted: boolean }): Promise<OpenFindingGroup[]> {
    const now = this.now();
    const q = this.db(FINDINGS)
      .select('category', 'severity', 'outcome')
      .count({ count: '*' })
      .groupBy('category', 'severity', 'outcome');
    this.whereOpen(q, { ...options, exemptions: await this.anyExemptionApplies(now), now });
    const rows = (await q) as Array<{
      category: string;
      severity: string;
      outcome: string;
      count: string | number;
    }>;
    return rows
      .filter(r => isSeverity(r.severity))
      .map(r => ({
        category: r.category,
        severity: r.severity as Severity,
        outcome: r.outcome as OpenFindingGroup['outcome'],
        count: Number(r.count),
      }));
  }

  async listOpenFindingsOfGroups(
    groups: FindingGroupKey[],
    limit: number,
  ): Promise<ScoringFinding[]> {
    // One query per group walks the scoring index in fingerprint order and stops at `limit`;
    // a single OR-ed query would sort every finding of the groups.
    const now = this.now();
    const exemptions = await this.anyExemptionApplies(now);
    const perGroup = await Promise.all(
      groups.map(
        (group): Promise<FindingRow[]> =>
          this.whereOpen(
            this.db(FINDINGS)
              .select('fingerprint', 'check_id', 'title', 'category', 'severity', 'outcome')
              .where({
                category: group.category,
                severity: group.severity,
                outcome: group.outcome,
              }),
            { exempted: false, exemptions, now },
          )
            .orderBy('fingerprint', 'asc')
            .limit(limit),
      ),
    );
    return perGroup
      .flat()
      .sort(byFingerprint)
      .slice(0, limit)
      .map(r => ({
        fingerprint: r.fingerprint,
        checkId: r.check_id,
        title: r.title,
        category: r.category,
        severity: r.severity,
        outcome: r.outcome,
      }));
  }

  async countOwnedFindings(): Promise<OwnedFindingCounts> {
    const now = this.now();
    const exemptions = await this.anyExemptionApplies(now);
    // The owner sets under an alias: the exemption subquery reads them too.
    const open = () =>
      this.whereOpen(
        this.db({ o: OWNER_SETS }).join(FINDINGS, `${FINDINGS}.owners_key`, 'o.owners_key'),
        { exempted: false, exemptions, now },
      );
    const [groups, entities, owners] = await Promise.all([
      open()
        .select(
          'o.owner_ref as owner',
          `${FINDINGS}.category as category`,
          `${FINDINGS}.severity as severity`,
          `${FINDINGS}.outcome as outcome`,
        )
        .count({ count: '*' })
        .groupBy('o.owner_ref', `${FINDINGS}.category`, `${FINDINGS}.severity`, `${FINDINGS}.outcome`),
      open()
        .select('o.owner_ref as owner')
        .countDistinct({ count: `${FINDINGS}.entity_ref` })
        .groupBy('o.owner_ref'),
      // Owners of any stored finding (sets are kept after their findings are pruned).
      this.db({ o: OWNER_SETS })
        .distinct('o.owner_ref as owner_ref')
        .whereExists(
          this.db(FINDINGS)
            .select(this.db.raw('1'))
            .whereRaw('?? = ??', [`${FINDINGS}.owners_key`, 'o.owners_key']),
        ),
    ]);
    return {
      groups: (groups as Array<Record<string, string | number>>)
        .filter(r => isSeverity(r.severity))
        .map(r => ({
          owner: String(r.owner),
          category: String(r.category),
          severity: r.severity as Severity,
          outcome: r.outcome as OpenFindingGroup['outcome'],
          count: Number(r.count),
        })),
      entities: new Map(
        (entities as Array<{ owner: string; count: string | number }>).map(r => [
          r.owner,
          Number(r.count),
        ]),
      ),
      owners: (owners as Array<{ owner_ref: string }>).map(r => r.owner_ref),
    };
  }
}
