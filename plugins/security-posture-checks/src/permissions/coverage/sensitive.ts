import { Severity } from '@security-posture/plugin-security-posture-common';
import { CheckCatalogAccess } from '@security-posture/plugin-security-posture-node';
import { stringifyEntityRef } from '@backstage/catalog-model';

/**
 * Permissions that must not be open to every signed-in user: they change the catalog, run code
 * with the backend's credentials, or reveal the security report. Any `delete` is sensitive too.
 */
export const SENSITIVE_PERMISSIONS: Record<string, Severity> = {
  'catalog.entity.create': 'medium',
  'catalog.entity.delete': 'high',
  'catalog.location.create': 'high',
  'catalog.location.delete': 'high',
  'catalog.ingestion.manage': 'high',
  'scaffolder.task.create': 'high',
  'scaffolder.action.execute': 'high',
  'scaffolder.template.management': 'high',
  'scaffolder.task.cancel': 'medium',
  'security-posture.report.read': 'medium',
  'security-posture.scan.create': 'low',
};

export const ENTITY_READ_PERMISSION = 'catalog.entity.read';

export function sensitivity(
  permission: { name: string; action?: string },
  extra: string[],
  sensitiveEntitiesExist: boolean,
): Severity | undefined {
  if (SENSITIVE_PERMISSIONS[permission.name]) return SENSITIVE_PERMISSIONS[permission.name];
  if (extra.includes(permission.name)) return 'high';
  if (permission.name === ENTITY_READ_PERMISSION && sensitiveEntitiesExist) return 'medium';
  if (permission.action === 'delete') return 'high';
  return undefined;
}

// Credential-like words in an annotation key make the entity sensitive to read.
const CREDENTIAL_WORDS = ['secret', 'token', 'password', 'credential'];

/**
 * Catalog entities with annotations of reconnaissance value (vault paths, on-call keys, cloud
 * role ARNs...). Stops after a few: the question is only whether any exist.
 */
export async function findSensitiveEntities(
  catalog: CheckCatalogAccess,
  prefixes: string[],
  limit = 5,
): Promise<string[]> {
  const found: string[] = [];
  for await (const page of catalog.streamEntities({ pageSize: 200 })) {
    for (const entity of page) {
      const keys = Object.keys(entity.metadata.annotations ?? {}).map(k =>
        k.toLocaleLowerCase('en-US'),
      );
      if (
        keys.some(
          k => prefixes.some(p => k.startsWith(p)) || CREDENTIAL_WORDS.some(w => k.includes(w)),
        )
      ) {
        found.push(stringifyEntityRef(entity));
        if (found.length >= limit) return found;
      }
    }
  }
  return found;
}
