import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { EntitySecurityCheck } from '@security-posture/plugin-security-posture-node';
import { entityContentHash } from '../entityContentHash';
import { ownersOf } from '../FindingFactory';
import { splitFindingsDigests } from '../entityEvaluation';
import {
  CatalogPageRequest,
  EvaluationRequestItem,
  HeldPageItem,
  ReadEntity,
} from './protocol';

/** A catalog page as the catalog's `GET /entities/by-query` answers it. */
export interface CatalogPage {
  items: Entity[];
  totalItems: number;
  nextCursor?: string;
}

/**
 * Reads one catalog page, uncompressed (the catalog usually runs in the same backend: compressing
 * and decompressing a page cost more CPU than reading it). A failed answer is an error naming the
 * catalog's status, as the catalog client's would.
 */
export async function readCatalogPage(
  request: CatalogPageRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<CatalogPage> {
  const response = await fetchImpl(request.url, {
    headers: {
      authorization: `Bearer ${request.token}`,
      'accept-encoding': 'identity',
    },
  });
  if (!response.ok) {
    const body = await response.text().catch(() => '');
    throw new Error(
      `Catalog request failed with ${response.status} ${response.statusText}${
        body ? `: ${body.slice(0, 300)}` : ''
      }`,
    );
  }
  const body = (await response.json()) as {
    items?: unknown;
    totalItems?: unknown;
    pageInfo?: { nextCursor?: unknown };
  };
  if (!Array.isArray(body?.items))
    throw new Error('Catalog answered a page without items');
  const nextCursor = body.pageInfo?.nextCursor;
  return {
    items: body.items as Entity[],
    totalItems:
      typeof body.totalItems === 'number' ? body.totalItems : body.items.length,
    nextCursor: typeof nextCursor === 'string' ? nextCursor : undefined,
  };
}

/**
 * Whether a check applies to an entity as a catalog pass plans it, on the main thread or in the
 * worker that read the entity. Incremental passes ask `appliesTo` (they record which checks
 * evaluated an entity); one that throws counts as applying, unchecked: it is asked again when the
 * entity is evaluated, and its error reported there. Full passes ask it only when evaluating.
 */
export function plannedAppliesTo(
  check: Pick<EntitySecurityCheck, 'appliesTo'>,
  entity: Entity,
  incremental: boolean,
): { applies: boolean; checked: boolean } {
  if (!incremental) return { applies: true, checked: false };
  try {
    return {
      applies: !check.appliesTo || check.appliesTo(entity),
      checked: true,
    };
  } catch {
    return { applies: true, checked: false };
  }
}

/**
 * What the main thread plans a pass with, per entity of a page read in a worker: the same ref,
 * content hash and applying checks it would compute itself. Full passes (`incremental` false) ask
 * no `appliesTo` here: every check applies and asks it when evaluated, as on the main thread.
 */
export function summarizeCatalogPage(
  items: Entity[],
  checks: EntitySecurityCheck[],
  incremental: boolean,
): ReadEntity[] {
  return items.map(entity => {
    let applying = '';
    let unchecked = '';
    checks.forEach((check, i) => {
      const { applies, checked } = plannedAppliesTo(check, entity, incremental);
      if (!applies) return;
      applying += `${i},`;
      if (!checked) unchecked += `${i},`;
    });
    return {
      entityRef: stringifyEntityRef(entity),
      kind: entity.kind,
      owners: ownersOf(entity),
      contentHash: incremental ? entityContentHash(entity) : undefined,
      applying,
      unchecked,
    };
  });
}

/** The check ids at the positions of a summary's position list ("0,2,"). */
const idsAt = (checkIds: string[], positions: string) =>
  positions
    .split(',')
    .filter(Boolean)
    .map(position => checkIds[Number(position)]);

/**
 * The checks to evaluate on entities of a held page, from what their summaries said: most
 * entities share one set, made once per page (not one set of arrays per entity).
 */
export function checksOfReadEntities(
  checkIds: string[],
): (entity: ReadEntity) => { checkIds: string[]; unchecked: string[] } {
  const sets = new Map<string, { checkIds: string[]; unchecked: string[] }>();
  return entity => {
    const key = `${entity.applying}|${entity.unchecked}`;
    let set = sets.get(key);
    if (!set) {
      set = {
        checkIds: idsAt(checkIds, entity.applying),
        unchecked: idsAt(checkIds, entity.unchecked),
      };
      sets.set(key, set);
    }
    return set;
  };
}

/** What to evaluate of a held page: its entities at the items' positions, with their checks. */
export function heldPageRequests(
  page: { items: Entity[]; entities: ReadEntity[]; checkIds: string[] },
  items: HeldPageItem[],
): EvaluationRequestItem[] {
  const checksOf = checksOfReadEntities(page.checkIds);
  return items.map(({ index, recordedDigests }) => {
    const { checkIds, unchecked } = checksOf(page.entities[index]);
    let digests: Record<string, string> | undefined;
    if (recordedDigests !== undefined) {
      splitFindingsDigests(recordedDigests).forEach((digest, i) => {
        if (i < checkIds.length) (digests ??= {})[checkIds[i]] = digest;
      });
    }
    return {
      entity: page.items[index],
      checkIds,
      unchecked,
      recordedDigests: digests,
    };
  });
}
