import { FindingsQuery } from '@security-posture/plugin-security-posture-common';

const all = ['security-posture'] as const;

/** Query keys of the plugin's react-query cache; prefixes invalidate whole groups. */
export const securityPostureKeys = {
  all,
  summary: () => [...all, 'summary'] as const,
  findingsRoot: () => [...all, 'findings'] as const,
  findings: (query: FindingsQuery = {}) => [...all, 'findings', query] as const,
  finding: (fingerprint: string) => [...all, 'finding', fingerprint] as const,
  entityRoot: () => [...all, 'entity'] as const,
  entity: (entityRef: string) => [...all, 'entity', entityRef] as const,
  scans: () => [...all, 'scans'] as const,
  scan: (id: string) => [...all, 'scan', id] as const,
  history: () => [...all, 'history'] as const,
  checks: () => [...all, 'checks'] as const,
};
