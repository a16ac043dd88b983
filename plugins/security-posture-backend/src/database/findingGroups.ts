import { Knex } from 'knex';
import {
  FindingGroup,
  SEVERITIES,
} from '@security-posture/plugin-security-posture-common';

interface GroupRow {
  check_id: string;
  title: string;
  category: string;
  severity_rank: number | string;
  targets: number | string;
}

/**
 * One page of finding groups (same check id and title) over the findings a filtered query
 * selects: worst severity and number of findings per group, worst groups first. `filtered`
 * builds a fresh filtered findings query on each call (the page and its total are two queries).
 */
export async function pageOfFindingGroups(
  db: Knex,
  filtered: () => Knex.QueryBuilder,
  paging: { limit: number; offset: number },
): Promise<{ items: FindingGroup[]; totalItems: number }> {
  const grouped = () =>
    filtered()
      .select('check_id', 'title')
      // A check has one category; min() only makes the column an aggregate.
      .min({ category: 'category' })
      .min({ severity_rank: 'severity_rank' })
      .count({ targets: '*' })
      .groupBy('check_id', 'title');
  const [rows, counted] = await Promise.all([
    grouped()
      .orderByRaw('min(severity_rank) asc, count(*) desc, check_id asc, title asc')
      .limit(paging.limit)
      .offset(paging.offset) as Promise<GroupRow[]>,
    db.count({ count: '*' }).from(grouped().as('finding_groups')),
  ]);
  return {
    items: rows.map(row => ({
      checkId: row.check_id,
      title: row.title,
      category: row.category,
      severity: SEVERITIES[Number(row.severity_rank)],
      targets: Number(row.targets),
    })),
    totalItems: Number((counted[0] as { count: number | string }).count),
  };
}
