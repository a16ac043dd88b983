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

/**
 * Exempt findings (accepted risk, false positive, mitigated elsewhere). A resource permission on
 * `catalog-entity`: for an exemption about one entity (one of its findings, or a check on it) it
 * is authorized against that entity, so a policy can let owners exempt their own entities'
 * findings (e.g. with `IS_ENTITY_OWNER`). Deployment-wide exemptions (a finding without an entity,
 * a check on a config path, a check on a kind or an owner's entities) need it unconditionally
 * (authorized without a resource: a conditional decision is a denial) and
 * {@link securityPostureReportReadPermission} too.
 */
export const securityPostureExemptionCreatePermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'security-posture.exemption.create',
    attributes: { action: 'create' },
    resourceType: 'catalog-entity',
  });

/**
 * Revoke an exemption. Authorized like {@link securityPostureExemptionCreatePermission}: against
 * the exemption's entity, or unconditionally plus the report permission for deployment-wide ones.
 */
export const securityPostureExemptionDeletePermission: ResourcePermission<'catalog-entity'> =
  createPermission({
    name: 'security-posture.exemption.delete',
    attributes: { action: 'delete' },
    resourceType: 'catalog-entity',
  });

export const securityPosturePermissions = [
  securityPostureReportReadPermission,
  securityPostureScanCreatePermission,
  securityPostureEntityDetailsReadPermission,
  securityPostureExemptionCreatePermission,
  securityPostureExemptionDeletePermission,
];
