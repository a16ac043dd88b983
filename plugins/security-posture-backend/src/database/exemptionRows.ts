import { Knex } from 'knex';
import {
  Exemption,
  ExemptionKind,
  ExemptionScope,
  ExemptionState,
  Finding,
} from '@security-posture/plugin-security-posture-common';
import { OWNER_SETS } from './ownerSets';

/**
 * How exemptions are stored and matched to findings. Whether an exemption covers a finding is
 * decided twice: in SQL (filters and counts over every finding) and in code (the exemption shown
 * on a page of findings); both are defined here, side by side, and must agree.
 */
export const EXEMPTIONS = 'security_posture_exemptions';
export const FINDINGS = 'security_posture_findings';

export type ExemptionRow = {
  id: string;
  scope_type: ExemptionScope['type'];
  fingerprint: string | null;
  check_id: string | null;
  entity_ref: string | null;
  config_path: string | null;
  entity_kind: string | null;
  owner_ref: string | null;
  kind: ExemptionKind;
  reason: string;
  ticket: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  revoked_by: string | null;
  revoked_at: string | null;
};

const lower = (text: string) => text.toLocaleLowerCase('en-US');

export function stateOf(
  row: Pick<ExemptionRow, 'revoked_at' | 'expires_at'>,
  now: string,
): ExemptionState {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  return 'active';
}

function scopeOf(row: ExemptionRow): ExemptionScope {
  switch (row.scope_type) {
    case 'finding':
      return {
        type: 'finding',
        fingerprint: row.fingerprint ?? '',
        checkId: row.check_id ?? undefined,
        entityRef: row.entity_ref ?? undefined,
      };
    case 'target':
      return row.config_path !== null
        ? { type: 'target', checkId: row.check_id ?? '', configPath: row.config_path }
        : { type: 'target', checkId: row.check_id ?? '', entityRef: row.entity_ref ?? '' };
    default:
      return {
        type: 'entities',
        checkId: row.check_id ?? '',
        entityKind: row.entity_kind ?? undefined,
        owner: row.owner_ref ?? undefined,
      };
  }
}

export function toExemption(row: ExemptionRow, now: string): Exemption {
  return {
    id: row.id,
    scope: scopeOf(row),
    kind: row.kind,
    reason: row.reason,
    ticket: row.ticket ?? undefined,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    state: stateOf(row, now),
    revokedBy: row.revoked_by ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
  };
}

/** The stored columns of an exemption's scope; refs and kinds in lower case. */
export function scopeColumns(
  scope: ExemptionScope,
): Pick<
  ExemptionRow,
  'scope_type' | 'fingerprint' | 'check_id' | 'entity_ref' | 'config_path' | 'entity_kind' | 'owner_ref'
> {
  const none = {
    fingerprint: null,
    check_id: null,
    entity_ref: null,
    config_path: null,
    entity_kind: null,
    owner_ref: null,
  };
  switch (scope.type) {
    case 'finding':
      return {
        ...none,
        scope_type: 'finding',
        fingerprint: scope.fingerprint,
        check_id: scope.checkId ?? null,
        entity_ref: scope.entityRef ? lower(scope.entityRef) : null,
      };
    case 'target':
      return {
        ...none,
        scope_type: 'target',
        check_id: scope.checkId,
        entity_ref: scope.entityRef !== undefined ? lower(scope.entityRef) : null,
        config_path: scope.configPath ?? null,
      };
    default:
      return {
        ...none,
        scope_type: 'entities',
        check_id: scope.checkId,
        entity_kind: scope.entityKind ? lower(scope.entityKind) : null,
        owner_ref: scope.owner ? lower(scope.owner) : null,
      };
  }
}

/** The finding columns the SQL match reads, in code. */
export type MatchableFinding = Pick<
  Finding,
  'fingerprint' | 'checkId' | 'entityRef' | 'entityKind' | 'owners' | 'target'
>;

/**
 * Whether the exemption's scope covers the finding (whatever its state). Mirrors
 * {@link whereExemptionCovers}.
 */
export function scopeCovers(row: ExemptionRow, finding: MatchableFinding): boolean {
  switch (row.scope_type) {
    case 'finding':
      return row.fingerprint === finding.fingerprint;
    case 'target':
      if (row.check_id !== finding.checkId) return false;
      if (row.config_path !== null) {
        return finding.target.type === 'config' && finding.target.path === row.config_path;
      }
      return row.entity_ref !== null && row.entity_ref === finding.entityRef;
    case 'entities':
      return (
        row.check_id === finding.checkId &&
        finding.entityRef !== undefined &&
        (row.entity_kind === null ||
          (finding.entityKind !== undefined && lower(finding.entityKind) === row.entity_kind)) &&
        (row.owner_ref === null || finding.owners.some(owner => owner === row.owner_ref))
      );
    default:
      return false;
  }
}

/**
 * Adds to a query on the exemptions table: the exemption is active at `now` and covers the
 * finding of the outer query's findings row. Mirrors {@link scopeCovers} and {@link stateOf}.
 */
export function whereExemptionCovers(
  db: Knex,
  query: Knex.QueryBuilder,
  now: string,
): Knex.QueryBuilder {
  const e = (column: string) => `${EXEMPTIONS}.${column}`;
  const f = (column: string) => `${FINDINGS}.${column}`;
  return query
    .whereNull(e('revoked_at'))
    .where(notExpired => notExpired.whereNull(e('expires_at')).orWhere(e('expires_at'), '>', now))
    .where(scope =>
      scope
        .where(one =>
          one.where(e('scope_type'), 'finding').whereRaw('?? = ??', [e('fingerprint'), f('fingerprint')]),
        )
        .orWhere(target =>
          target
            .where(e('scope_type'), 'target')
            .whereRaw('?? = ??', [e('check_id'), f('check_id')])
            .where(either =>
              either
                .whereRaw('?? = ??', [e('entity_ref'), f('entity_ref')])
                .orWhereRaw('?? = ??', [e('config_path'), f('config_path')]),
            ),
        )
        .orWhere(entities =>
          entities
            .where(e('scope_type'), 'entities')
            .whereRaw('?? = ??', [e('check_id'), f('check_id')])
            .whereNotNull(f('entity_ref'))
            .where(kind =>
              kind
                .whereNull(e('entity_kind'))
                .orWhereRaw(`?? = lower(??)`, [e('entity_kind'), f('entity_kind')]),
            )
            .where(owner =>
              owner.whereNull(e('owner_ref')).orWhereExists(
                db(OWNER_SETS)
                  .select(db.raw('1'))
                  .whereRaw('?? = ??', [`${OWNER_SETS}.owners_key`, f('owners_key')])
                  .whereRaw('?? = ??', [`${OWNER_SETS}.owner_ref`, e('owner_ref')]),
              ),
            ),
        ),
    );
}

/** Subquery: an active exemption covers the outer query's finding. */
export function activeExemptionOf(db: Knex, now: string): Knex.QueryBuilder {
  return whereExemptionCovers(db, db(EXEMPTIONS).select(db.raw('1')), now);
}

/**
 * The exemption to show with a finding: an active one (one finding before a target before a
 * set of entities, then the one that lasts longest), else the expired one that expired last.
 * Revoked ones are never shown.
 */
export function exemptionToShow(
  rows: ExemptionRow[],
  finding: MatchableFinding,
  now: string,
): Exemption | undefined {
  const covering = rows.filter(r => !r.revoked_at && scopeCovers(r, finding));
  const rank = { finding: 0, target: 1, entities: 2 } as const;
  const lastsLonger = (a: ExemptionRow, b: ExemptionRow) => {
    if (a.expires_at === b.expires_at) return a.id < b.id ? -1 : 1;
    if (a.expires_at === null) return -1;
    if (b.expires_at === null) return 1;
    return a.expires_at > b.expires_at ? -1 : 1;
  };
  const active = covering
    .filter(r => stateOf(r, now) === 'active')
    .sort((a, b) => rank[a.scope_type] - rank[b.scope_type] || lastsLonger(a, b));
  if (active.length) return toExemption(active[0], now);
  const expired = covering.sort(lastsLonger);
  return expired.length ? toExemption(expired[0], now) : undefined;
}
