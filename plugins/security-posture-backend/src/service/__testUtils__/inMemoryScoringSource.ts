import { ScoringFinding } from '../../database/PostureStore';
import { FindingGroupKey, OpenFindingGroup, ScoringSource } from '../scoring';

const groupKey = (g: FindingGroupKey) => `${g.category}\u0000${g.severity}\u0000${g.outcome}`;

/** A ScoringSource over open findings in memory; records what scoring read. */
export function inMemoryScoringSource(findings: ScoringFinding[]): ScoringSource & {
  requestedLimits: number[];
} {
  const requestedLimits: number[] = [];
  return {
    requestedLimits,
    async countOpenFindingGroups() {
      const groups = new Map<string, OpenFindingGroup>();
      for (const f of findings) {
        const key = groupKey(f);
        const group = groups.get(key) ?? {
          category: f.category,
          severity: f.severity,
          outcome: f.outcome,
          count: 0,
        };
        group.count += 1;
        groups.set(key, group);
      }
      return [...groups.values()];
    },
    async listOpenFindingsOfGroups(groups, limit) {
      requestedLimits.push(limit);
      const keys = new Set(groups.map(groupKey));
      return findings
        .filter(f => keys.has(groupKey(f)))
        .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))
        .slice(0, limit);
    },
  };
}
