import { stringify } from 'yaml';
import {
  EXEMPTION_KINDS,
  Exemption,
} from '@security-posture/plugin-security-posture-common';
import { UsageError } from './files';
import { parseSuppressions, Suppression } from './suppressions';

/** One suppressions-file entry, as written (field order as in docs/cli.md). */
export type SuppressionEntry = {
  rule?: string;
  fingerprint?: string;
  entityRef?: string;
  configPath?: string;
  entityKind?: string;
  kind: string;
  reason: string;
  expires?: string;
  ticket?: string;
  exemption: string;
};

export interface ExportedExemptions {
  entries: SuppressionEntry[];
  /** Exemptions that are not exported, and why. */
  skipped: Array<{ id: string; why: string }>;
}

/**
 * The exemptions in the JSON the portal answers `GET /api/security-posture/exemptions` with
 * (`{ items: [...] }`), or a plain list of them.
 */
export function readExemptionsJson(text: string, file: string): Exemption[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`${file}: not JSON (expected the portal's GET /exemptions answer)`);
  }
  const items = Array.isArray(data) ? data : (data as { items?: unknown })?.items;
  if (!Array.isArray(items)) {
    throw new UsageError(`${file}: expected { "items": [...] } or a list of exemptions`);
  }
  return items.map((item, i) => {
    const e = item as Partial<Exemption>;
    if (
      typeof e?.id !== 'string' ||
      typeof e.reason !== 'string' ||
      !EXEMPTION_KINDS.includes(e.kind as Exemption['kind']) ||
      typeof e.scope !== 'object' ||
      e.scope === null
    ) {
      throw new UsageError(`${file}: items[${i}] is not an exemption (id, scope, kind, reason)`);
    }
    return e as Exemption;
  });
}

/**
 * The last day (UTC) a suppression applies for an exemption that stops at `expiresAt`: the
 * portal's expiry is an instant, the suppressions file's a day it applies through.
 */
export function lastDayBefore(expiresAt: string): string {
  return new Date(Date.parse(expiresAt) - 1).toISOString().slice(0, 10);
}

/**
 * Portal exemptions as suppressions-file entries: the active ones, scope for scope. A set of
 * entities by owner is not exported (files do not say who owns what the way the catalog does);
 * expired and revoked exemptions are not either.
 */
export function exemptionsToSuppressions(exemptions: Exemption[], now: Date): ExportedExemptions {
  const entries: SuppressionEntry[] = [];
  const skipped: ExportedExemptions['skipped'] = [];
  for (const e of exemptions) {
    const expired = e.expiresAt !== undefined && Date.parse(e.expiresAt) <= now.getTime();
    if (e.state === 'revoked' || e.state === 'expired' || expired) {
      skipped.push({ id: e.id, why: e.state === 'revoked' ? 'revoked' : 'expired' });
      continue;
    }
    let where: Partial<SuppressionEntry>;
    const scope = e.scope;
    if (scope.type === 'finding') {
      where = {
        ...(scope.checkId ? { rule: scope.checkId } : {}),
        fingerprint: scope.fingerprint,
        ...(scope.entityRef ? { entityRef: scope.entityRef } : {}),
      };
    } else if (scope.type === 'target') {
      where =
        scope.configPath !== undefined
          ? { rule: scope.checkId, configPath: scope.configPath }
          : { rule: scope.checkId, entityRef: scope.entityRef };
    } else if (scope.owner) {
      skipped.push({ id: e.id, why: 'a set of entities by owner cannot be matched in files' });
      continue;
    } else {
      where = { rule: scope.checkId, entityKind: scope.entityKind };
    }
    entries.push({
      ...where,
      kind: e.kind,
      reason: e.reason,
      ...(e.expiresAt ? { expires: lastDayBefore(e.expiresAt) } : {}),
      ...(e.ticket ? { ticket: e.ticket } : {}),
      exemption: e.id,
    });
  }
  return { entries, skipped };
}

/** The suppressions file of exported exemptions. */
export function renderSuppressionsFile(exported: ExportedExemptions, now: Date): string {
  const header = [
    `# Exported from the portal's exemptions on ${now.toISOString()}`,
    '# (security-posture exemptions export); active exemptions only.',
    '',
  ].join('\n');
  return `${header}${stringify({ suppressions: exported.entries }, { lineWidth: 0 })}`;
}

/** Portal exemptions (the GET /exemptions JSON) as suppressions for a scan. */
export function suppressionsFromExemptionsJson(text: string, file: string, now: Date): Suppression[] {
  const exported = exemptionsToSuppressions(readExemptionsJson(text, file), now);
  // Through the suppressions file's own reader: the same checks, the same meaning.
  return parseSuppressions(renderSuppressionsFile(exported, now), file);
}
