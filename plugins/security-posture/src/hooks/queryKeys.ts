import {
  ChangesSinceQuery,
  ExemptionsQuery,
  FindingsQuery,
  ScanChangesQuery,
} from '@security-posture/plugin-security-posture-common';

const all = ['security-posture'] as const;

/** Query keys of the plugin's react-query cache; prefixes invalidate whole groups. */
export const securityPostureKeys = {
  all,
  summary: () => [...all, 'summary'] as const,
  findingsRoot: () => [...all, 'findings'] as const,
  findings: (query: FindingsQuery = {}) => [...all, 'findings', query] as const,
  // Under findingsRoot(): scans and exemptions invalidate the groups with the list.
  findingGroups: (query: FindingsQuery = {}) =>
    [...all, 'findings', 'groups', query] as const,
  findingRoot: () => [...all, 'finding'] as const,
  finding: (fingerprint: string) => [...all, 'finding', fingerprint] as const,
  entityRoot: () => [...all, 'entity'] as const,
  entity: (entityRef: string) => [...all, 'entity', entityRef] as const,
  scans: () => [...all, 'scans'] as const,
  scan: (id: string) => [...all, 'scan', id] as const,
  // Under scans(): a finished scan invalidates it with the list.
  changesSince: (query: ChangesSinceQuery) =>
    [...all, 'scans', 'changes-since', query] as const,
  scanChanges: (id: string, query: ScanChangesQuery = {}) =>
    [...all, 'scan-changes', id, query] as const,
  history: () => [...all, 'history'] as const,
  scorecards: () => [...all, 'scorecards'] as const,
  checks: () => [...all, 'checks'] as const,
  exemptionsRoot: () => [...all, 'exemptions'] as const,
  exemptions: (query: ExemptionsQuery = {}) =>
    [...all, 'exemptions', query] as const,
  catalogEntity: (entityRef: string) => [...all, 'catalog-entity', entityRef] as const,
  checkDataRoot: () => [...all, 'check-data'] as const,
  checkData: (checkId: string, key: string) =>
    [...all, 'check-data', checkId, key] as const,
};

/** What a finished scan may have changed (everything but check metadata). */
export const scanDependentKeys = () => [
  securityPostureKeys.summary(),
  securityPostureKeys.findingsRoot(),
  securityPostureKeys.findingRoot(),
  securityPostureKeys.entityRoot(),
  securityPostureKeys.history(),
  securityPostureKeys.scorecards(),
  securityPostureKeys.scans(),
  securityPostureKeys.checkDataRoot(),
];

/** What creating or revoking an exemption changes: which findings count, and the lists. */
export const exemptionDependentKeys = () => [
  securityPostureKeys.summary(),
  securityPostureKeys.findingsRoot(),
  securityPostureKeys.findingRoot(),
  securityPostureKeys.entityRoot(),
  securityPostureKeys.exemptionsRoot(),
  securityPostureKeys.scorecards(),
];
