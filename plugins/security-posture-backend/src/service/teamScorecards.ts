import { Readable } from 'node:stream';
import { BackstageCredentials, UserInfoService } from '@backstage/backend-plugin-api';
import {
  SEVERITIES,
  TeamScorecard,
  TeamScorecards,
} from '@security-posture/plugin-security-posture-common';
import { OwnedFindingCounts, PostureStore } from '../database/PostureStore';
import { CsvOptions, rowsCsv } from './csv';
import { computeSummary, OpenFindingGroup } from './scoring';

/** Worst first: grade, then score, then owner. */
function worstFirst(a: TeamScorecard, b: TeamScorecard) {
  return (
    b.grade.localeCompare(a.grade) || a.score - b.score || a.owner.localeCompare(b.owner)
  );
}

/**
 * Every owner's scorecard: the deployment's scoring model (`scoring.ts`) over the open findings
 * of what it owns. Every owner is graded over the same categories, those in which checks
 * attribute findings to owners at all (in the built-in checks: catalog and templates), so a team
 * without findings in a category is not rewarded for the categories nobody can own.
 */
export async function computeTeamScorecards(
  counts: OwnedFindingCounts,
): Promise<Pick<TeamScorecards, 'items' | 'categories'>> {
  const categories = [...new Set(counts.groups.map(g => g.category))].sort();
  const byOwner = new Map<string, OpenFindingGroup[]>(counts.owners.map(o => [o, []]));
  for (const { owner, ...group } of counts.groups) {
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), group]);
  }
  const items: TeamScorecard[] = [];
  for (const [owner, groups] of byOwner) {
    const summary = await computeSummary({ countOpenFindingGroups: async () => groups }, categories);
    items.push({
      owner,
      score: summary.score,
      grade: summary.grade,
      counts: summary.counts,
      openFindings: summary.openFindings,
      entities: counts.entities.get(owner) ?? 0,
      errors: summary.categories.reduce((sum, c) => sum + c.errors, 0),
      categories: summary.categories.map(c => ({
        category: c.category,
        score: c.score,
        grade: c.grade,
      })),
    });
  }
  return { items: items.sort(worstFirst), categories };
}

export const SCORECARD_CSV_COLUMNS = [
  'owner',
  'grade',
  'score',
  'openFindings',
  ...SEVERITIES,
  'entities',
  'checkErrors',
] as const;

/** The scorecards as CSV, the same cell neutralisation as every export. */
export function scorecardsCsv(items: TeamScorecard[], options: CsvOptions = {}): Readable {
  return rowsCsv(
    SCORECARD_CSV_COLUMNS,
    items.map(item => ({
      owner: item.owner,
      grade: item.grade,
      score: String(item.score),
      openFindings: String(item.openFindings),
      ...Object.fromEntries(SEVERITIES.map(s => [s, String(item.counts[s])])),
      entities: String(item.entities),
      checkErrors: String(item.errors),
    })),
    options,
  );
}

/**
 * Team scorecards with the caller's visibility: the report permission sees every owner; anyone
 * else only the owners among their own ownership refs (their user and groups, as the sign-in
 * resolver gave them), which is what they own anyway.
 */
export class TeamScorecardService {
  constructor(
    private readonly deps: {
      store: Pick<PostureStore, 'countOwnedFindings'>;
      report: { canReadReport(credentials: BackstageCredentials): Promise<boolean> };
      userInfo: UserInfoService;
    },
  ) {}

  async scorecards(credentials: BackstageCredentials): Promise<TeamScorecards> {
    const all = await this.deps.report.canReadReport(credentials);
    const mine = all ? undefined : await this.ownershipOf(credentials);
    const computed = await computeTeamScorecards(await this.deps.store.countOwnedFindings());
    if (all) return { ...computed, scope: 'all' };
    return {
      categories: computed.categories,
      items: computed.items.filter(item => mine!.has(item.owner)),
      scope: 'mine',
    };
  }

  private async ownershipOf(credentials: BackstageCredentials): Promise<Set<string>> {
    const principal = credentials.principal as { type?: string };
    if (principal.type !== 'user') return new Set();
    const info = await this.deps.userInfo.getUserInfo(
      credentials as BackstageCredentials<{ type: 'user'; userEntityRef: string }>,
    );
    return new Set(info.ownershipEntityRefs.map(ref => ref.toLocaleLowerCase('en-US')));
  }
}
