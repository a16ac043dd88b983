import {
  createPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

/** Read the deployment-wide report: summary, all findings, history, full CSV. */
export const securityPostureReportReadPermission = createPermission({
  name: 'security-posture.report.read',
  attributes: { action: 'read' },
});

/** Start a scan on demand. */
export const securityPostureScanCreatePermission = createPermission({
  name: 'security-posture.scan.create',
  attributes: { action: 'create' },
});

/**
 * Read the finding details of one catalog entity. A resource permission on `catalog-entity`, so
 * a policy can grant it conditionally with the catalog's rules, e.g. `IS_ENTITY_OWNER`.
 * Callers who may see the entity but lack this permission get counts by severity only.
 */
export const securityPostureEntityDetailsReadPermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'security-posture.entity.details.read',
    attributes: { action: 'read' },
    resourceType: 'catalog-entity',
  });

export const securityPosturePermissions = [
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
  securityPostureEntityDetailsReadPermission,
];
